import { readFile } from "node:fs/promises";
import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { signedCall, type SignedCall } from "../client/signed-call.ts";

export type TargetKind = "local" | "localstack" | "aws";

export interface TargetOptions {
  target: TargetKind;
  /** The local cloud's description, written by `npm start`. */
  localConfig: string;
  /** `npm run deploy:localstack` writes the stack outputs here. */
  localstackOutputs: string;
  localstackEndpoint: string;
  stack: string;
  region?: string;
}

/** Where a command acts: the stack's outputs and clients pointed at its endpoints. */
export interface Target {
  kind: TargetKind;
  stackName: string;
  region: string;
  outputs: Record<string, string>;
  sqs: SQSClient;
  sns: SNSClient;
  documents: DynamoDBDocumentClient;
  kinesis: KinesisClient;
  /** Only a deployed stack has alarms and CloudWatch metrics. */
  cloudwatch?: CloudWatchClient;
  api: SignedCall;
}

const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

async function readJson(path: string, hint: string): Promise<any> {
  try {
    return JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new Error(`cannot read ${path} (${(error as Error).message}); ${hint}`);
  }
}

export async function resolveTarget(options: TargetOptions): Promise<Target> {
  if (options.target === "local") {
    const local = await readJson(options.localConfig, "start the local cloud with `npm start`");
    const region = local.region ?? "us-east-1";
    const client = <T>(Client: new (config: object) => T, endpoint: string) => new Client({ region, endpoint, credentials: LOCAL_CREDENTIALS });
    return {
      kind: "local",
      stackName: options.stack,
      region,
      outputs: local.outputs,
      sqs: client(SQSClient, local.endpoints.sqs),
      sns: client(SNSClient, local.endpoints.sns),
      documents: DynamoDBDocumentClient.from(client(DynamoDBClient, local.endpoints.dynamodb)),
      kinesis: client(KinesisClient, local.endpoints.kinesis),
      api: signedCall(local.apiUrl, { region, credentials: LOCAL_CREDENTIALS }),
    };
  }
  if (options.target === "localstack") {
    const outputsByStack = await readJson(options.localstackOutputs, "deploy with `npm run deploy:localstack`");
    const outputs = outputsByStack[options.stack] ?? Object.values(outputsByStack)[0];
    const region = options.region ?? process.env.AWS_REGION ?? "us-east-1";
    const client = <T>(Client: new (config: object) => T) => new Client({ region, endpoint: options.localstackEndpoint, credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    return {
      kind: "localstack",
      stackName: options.stack,
      region,
      outputs,
      sqs: client(SQSClient),
      sns: client(SNSClient),
      documents: DynamoDBDocumentClient.from(client(DynamoDBClient)),
      kinesis: client(KinesisClient),
      cloudwatch: client(CloudWatchClient),
      api: signedCall(outputs.ApiUrl ?? "http://no-http-api.invalid", { region, credentials: { accessKeyId: "test", secretAccessKey: "test" } }),
    };
  }
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  const cloudformation = new CloudFormationClient(region ? { region } : {});
  const { Stacks = [] } = await cloudformation.send(new DescribeStacksCommand({ StackName: options.stack }));
  const outputs = Object.fromEntries((Stacks[0]?.Outputs ?? []).map((output) => [output.OutputKey!, output.OutputValue!]));
  const resolvedRegion = await cloudformation.config.region();
  return {
    kind: "aws",
    stackName: options.stack,
    region: resolvedRegion,
    outputs,
    sqs: new SQSClient({ region: resolvedRegion }),
    sns: new SNSClient({ region: resolvedRegion }),
    documents: DynamoDBDocumentClient.from(new DynamoDBClient({ region: resolvedRegion })),
    kinesis: new KinesisClient({ region: resolvedRegion }),
    cloudwatch: new CloudWatchClient({ region: resolvedRegion }),
    api: signedCall(outputs.ApiUrl ?? "http://no-http-api.invalid", { region: resolvedRegion }),
  };
}
