import { fileURLToPath } from "node:url";
import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import type { ITableV2 } from "aws-cdk-lib/aws-dynamodb";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { IStream } from "aws-cdk-lib/aws-kinesis";
import { Architecture, Runtime } from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { METRICS_NAMESPACE } from "#shared/domain/worker-metrics.ts";

const projectRoot = fileURLToPath(new URL("../../", import.meta.url));

/** What a function may do with a table: the usual sets, or exactly these actions. */
export type TableAccess = "read" | "write" | "read-write" | readonly string[];

export interface NotifyFunctionProps {
  /** Entry file under functions/, e.g. "channel-worker.ts". */
  readonly entry: string;
  /** Powertools service name in logs and metrics. */
  readonly serviceName: string;
  readonly environment?: Record<string, string>;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

/**
 * A Lambda function with the project's defaults set once: Node.js 22 on arm64, an ESM bundle with
 * source maps and the AWS SDK left to the runtime, Powertools configured, and its own log group.
 */
export class NotifyFunction extends Construct {
  readonly function: NodejsFunction;

  constructor(scope: Construct, id: string, props: NotifyFunctionProps) {
    super(scope, id);
    const logGroup = new LogGroup(this, "Logs", {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Its own role that may write to its own log group, instead of AWSLambdaBasicExecutionRole's logs:* on every group.
    const role = new Role(this, "Role", { assumedBy: new ServicePrincipal("lambda.amazonaws.com") });
    logGroup.grantWrite(role);
    this.function = new NodejsFunction(this, "Function", {
      role,
      entry: `${projectRoot}functions/${props.entry}`,
      handler: "handler",
      projectRoot,
      depsLockFilePath: `${projectRoot}package-lock.json`,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      logGroup,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: "INFO",
        NODE_OPTIONS: "--enable-source-maps",
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: "node22",
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        mainFields: ["module", "main"],
        externalModules: ["@aws-sdk/*"],
        // CommonJS dependencies (handlebars) call require(); give the ESM bundle one.
        banner: "import { createRequire as __notifyCreateRequire } from 'node:module'; const require = __notifyCreateRequire(import.meta.url);",
      },
    });
    Validations.of(this.function).acknowledge({
      id: "AwsSolutions-L1",
      reason: "Pinned to nodejs22.x on purpose: the local cloud runs these same bundles on Node 22, so both execute the same runtime.",
    });
  }

  /** Names the table in the environment as `variable` and grants `access` to it, in one call, so the two cannot drift apart. */
  useTable(variable: string, table: ITableV2, access: TableAccess): this {
    this.function.addEnvironment(variable, table.tableName);
    if (access === "read") table.grantReadData(this.function);
    else if (access === "write") table.grantWriteData(this.function);
    else if (access === "read-write") table.grantReadWriteData(this.function);
    else table.grant(this.function, ...access);
    return this;
  }

  /** Names the stream in the environment as `variable` and lets the function put records on it. */
  writesTo(variable: string, stream: IStream): this {
    this.function.addEnvironment(variable, stream.streamName);
    stream.grantWrite(this.function);
    return this;
  }
}
