import { readFile } from "node:fs/promises";
import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { AwsCredentialIdentity } from "@smithy/types";
import { NotifyClient } from "../client/index.ts";
import { signedCall, type SignedCall } from "../client/signed-call.ts";
import { localCloudProbe, type LocalCloudProbe } from "./local-cloud-probe.ts";

export type TargetKind = "local" | "localstack" | "aws";

/** A queue's name is the last segment of its URL, on SQS and every emulator alike. */
export const queueNameOf = (queueUrl: string): string => queueUrl.slice(queueUrl.lastIndexOf("/") + 1);

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
  secretsManager: SecretsManagerClient;
  /** Only a deployed stack (AWS, LocalStack) has alarms and CloudWatch metrics. */
  cloudwatch?: CloudWatchClient;
  /** Only on the local cloud. */
  localCloud?: LocalCloudProbe;
  /** Absent when the stack was deployed without the HTTP API (notify:httpApi=false). */
  api?: SignedCall;
  /** Publishes through the HTTP API, or on the topic when the stack has none. */
  publisher: NotifyClient;
}

interface Connection {
  region: string;
  /** The endpoint of a service (sqs, sns, dynamodb, kinesis, cloudwatch); the SDK's default when absent. */
  endpoint: (service: string) => string | undefined;
  credentials?: AwsCredentialIdentity;
  withCloudWatch: boolean;
  localCloud?: LocalCloudProbe;
}

function connect(kind: TargetKind, stackName: string, outputs: Record<string, string>, connection: Connection): Target {
  const { region, credentials } = connection;
  const config = (service: string) => ({ region, ...(connection.endpoint(service) ? { endpoint: connection.endpoint(service) } : {}), ...(credentials ? { credentials } : {}) });
  const sns = new SNSClient(config("sns"));
  const secretsManager = new SecretsManagerClient(config("secretsmanager"));
  const apiOptions = { region, ...(credentials ? { credentials } : {}), userTokenSecretArn: outputs.UserTokenSecretArn, secretsManager, ...(connection.localCloud ? { now: connection.localCloud.now } : {}) };
  return {
    kind,
    stackName,
    region,
    outputs,
    sqs: new SQSClient(config("sqs")),
    sns,
    documents: DynamoDBDocumentClient.from(new DynamoDBClient(config("dynamodb"))),
    kinesis: new KinesisClient(config("kinesis")),
    secretsManager,
    ...(connection.withCloudWatch ? { cloudwatch: new CloudWatchClient(config("cloudwatch")) } : {}),
    ...(connection.localCloud ? { localCloud: connection.localCloud } : {}),
    ...(outputs.ApiUrl ? { api: signedCall(outputs.ApiUrl, { region, ...(credentials ? { credentials } : {}) }) } : {}),
    publisher: outputs.ApiUrl ? NotifyClient.forHttpApi(outputs.ApiUrl, apiOptions) : NotifyClient.forTopic(outputs.NotificationsTopicArn!, sns),
  };
}

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
    return connect("local", options.stack, local.outputs, {
      region: local.region ?? "us-east-1",
      endpoint: (service) => local.endpoints[service],
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      withCloudWatch: false,
      localCloud: localCloudProbe(local.apiUrl, local.endpoints.sqs),
    });
  }
  if (options.target === "localstack") {
    const outputsByStack = await readJson(options.localstackOutputs, "deploy with `npm run deploy:localstack`");
    return connect("localstack", options.stack, outputsByStack[options.stack] ?? Object.values(outputsByStack)[0], {
      region: options.region ?? process.env.AWS_REGION ?? "us-east-1",
      endpoint: () => options.localstackEndpoint,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      withCloudWatch: true,
    });
  }
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  const cloudformation = new CloudFormationClient(region ? { region } : {});
  const { Stacks = [] } = await cloudformation.send(new DescribeStacksCommand({ StackName: options.stack }));
  const outputs = Object.fromEntries((Stacks[0]?.Outputs ?? []).map((output) => [output.OutputKey!, output.OutputValue!]));
  return connect("aws", options.stack, outputs, { region: await cloudformation.config.region(), endpoint: () => undefined, withCloudWatch: true });
}
