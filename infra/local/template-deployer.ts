import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import { CreateTableCommand, type DynamoDBClient, type CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import { CreateStreamCommand, DescribeStreamSummaryCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import { CreateTopicCommand, SubscribeCommand, type SNSClient } from "@aws-sdk/client-sns";
import { CreateSecretCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { CfnResource, CfnTemplate } from "./cloudformation-template.ts";
import { referencedResources, resolve, type ResolveContext } from "./intrinsics.ts";
import type { TimeToLiveSpec } from "./local-time-to-live.ts";
import type { ThrottleSpec } from "./route-throttle.ts";

export interface FunctionSpec {
  logicalId: string;
  name: string;
  arn: string;
  /** The directory of the bundle CDK built for this function (cdk.out/asset.<hash>). */
  assetDir: string;
  handler: string;
  environment: Record<string, string>;
  timeoutSeconds: number;
  memorySize: number;
  /** ReservedConcurrentExecutions, when the template sets it. */
  reservedConcurrency?: number;
}

export interface EventSourceMappingSpec {
  logicalId: string;
  functionName: string;
  eventSourceArn: string;
  batchSize?: number;
  maximumBatchingWindowInSeconds?: number;
  functionResponseTypes?: string[];
  maximumConcurrency?: number;
  startingPosition?: string;
  bisectBatchOnFunctionError?: boolean;
  maximumRetryAttempts?: number;
  onFailureDestinationArn?: string;
}

/** A Lambda (REQUEST) authorizer of the HTTP API. */
export interface AuthorizerSpec {
  functionArn: string;
  /** Selection expressions such as `$request.header.Authorization`; each must be present, or 401. */
  identitySource: string[];
  resultTtlSeconds: number;
}

export interface RouteSpec {
  routeKey: string;
  functionArn: string;
  /** Absent for IAM and NONE routes, which the local cloud lets through unsigned. */
  authorizer?: AuthorizerSpec;
  /** The stage's limits for this route: its RouteSettings, else the DefaultRouteSettings; none when neither sets them. */
  throttle?: ThrottleSpec;
}

/** The HTTP API's CORS configuration, as API Gateway applies it before any route. */
export interface CorsSpec {
  allowOrigins: string[];
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds?: number;
}

export interface ScheduleSpec {
  name: string;
  arn: string;
  scheduleExpression: string;
  targetArns: string[];
}

/** A CloudWatch Logs subscription: what is logged to the group is handed to the function. */
export interface LogSubscriptionSpec {
  logGroupName: string;
  functionArn: string;
}

export interface DeployedQueue {
  url: string;
  arn: string;
  name: string;
}

export interface DeployedStack {
  outputs: Record<string, string>;
  functions: FunctionSpec[];
  eventSourceMappings: EventSourceMappingSpec[];
  routes: RouteSpec[];
  cors?: CorsSpec;
  schedules: ScheduleSpec[];
  logSubscriptions: LogSubscriptionSpec[];
  queues: DeployedQueue[];
  streams: { name: string; arn: string }[];
  /** Tables whose items expire, and the attribute each keeps its expiry in. */
  timeToLive: TimeToLiveSpec[];
  /** Resource types present in the template that have no local emulation, with their counts. */
  notEmulated: Record<string, number>;
}

export interface DeployTarget {
  stackName: string;
  region: string;
  account: string;
  /** The cloud assembly directory, where asset paths in resource metadata point. */
  assemblyDir: string;
  /** Base URL the local HTTP gateway serves the API on. */
  apiEndpoint: string;
  clients: { sns: SNSClient; sqs: SQSClient; dynamodb: DynamoDBClient; kinesis: KinesisClient; secretsmanager: SecretsManagerClient };
}

interface Deployed {
  ref: string;
  attributes: Record<string, string>;
}

/** Types with no behaviour to emulate locally (IAM is not enforced, alarms do not fire), deployed as names only. */
const NOT_EMULATED = new Set([
  "AWS::IAM::Role",
  "AWS::IAM::Policy",
  "AWS::Logs::LogGroup",
  "AWS::KMS::Key",
  "AWS::KMS::Alias",
  "AWS::CloudWatch::Alarm",
  "AWS::CloudWatch::Dashboard",
  "AWS::Lambda::Permission",
  // Async invocation's retries and on-failure destination: the local cloud reports a failed log delivery to its caller instead.
  "AWS::Lambda::EventInvokeConfig",
  "AWS::SQS::QueuePolicy",
  "AWS::SNS::TopicPolicy",
  "AWS::SES::ConfigurationSet",
  "AWS::SES::ConfigurationSetEventDestination",
  "AWS::CDK::Metadata",
]);

/** A stage's route settings as the local gateway applies them; undefined when they set no limit. */
function throttleOf(settings: { ThrottlingRateLimit?: number; ThrottlingBurstLimit?: number } | undefined): ThrottleSpec | undefined {
  if (settings?.ThrottlingRateLimit === undefined || settings.ThrottlingBurstLimit === undefined) return undefined;
  return { rateLimit: Number(settings.ThrottlingRateLimit), burstLimit: Number(settings.ThrottlingBurstLimit) };
}

/** A value of the length GenerateSecretString asks for, from letters and digits (no punctuation to escape). */
function generatedSecret(spec: { PasswordLength?: number; SecretStringTemplate?: string; GenerateStringKey?: string } | undefined): string {
  const length = spec?.PasswordLength ?? 32;
  const generated = randomBytes(length * 2).toString("base64").replace(/[^A-Za-z0-9]/g, "").slice(0, length);
  // As Secrets Manager does: the generated value goes into the template's JSON under the key.
  if (spec?.SecretStringTemplate && spec.GenerateStringKey) return JSON.stringify({ ...JSON.parse(spec.SecretStringTemplate), [spec.GenerateStringKey]: generated });
  return generated;
}

function physicalName(stackName: string, logicalId: string, maxLength: number): string {
  const name = `${stackName}-${logicalId}`;
  if (name.length <= maxLength) return name;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 8);
  return `${name.slice(0, maxLength - 9)}-${hash}`;
}

/** Resources in an order where everything a resource refers to comes before it. */
function deploymentOrder(template: CfnTemplate): string[] {
  const ids = Object.keys(template.Resources);
  const dependencies = new Map(
    ids.map((id) => {
      const resource = template.Resources[id]!;
      const refs = referencedResources(resource.Properties ?? {});
      for (const dependency of [resource.DependsOn ?? []].flat()) refs.add(dependency);
      return [id, [...refs].filter((ref) => ref in template.Resources)];
    }),
  );
  const ordered: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (id: string) => {
    if (state.get(id) === "done") return;
    if (state.get(id) === "visiting") throw new Error(`circular reference through ${id}`);
    state.set(id, "visiting");
    for (const dependency of dependencies.get(id)!) visit(dependency);
    state.set(id, "done");
    ordered.push(id);
  };
  for (const id of ids) visit(id);
  return ordered;
}

/**
 * Creates on the emulators what a synthesized CloudFormation template declares, the way
 * CloudFormation would: in dependency order, with names and attributes resolved from the template
 * itself. The template is the single source of truth, so a wrong filter policy or a missing
 * environment variable in the CDK code breaks the local cloud too.
 */
export async function deployTemplate(template: CfnTemplate, target: DeployTarget): Promise<DeployedStack> {
  const { clients, region, account, stackName } = target;
  const deployed = new Map<string, Deployed>();
  const context: ResolveContext = {
    template,
    pseudo: { "AWS::Region": region, "AWS::AccountId": account, "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": stackName },
    ref(logicalId) {
      const resource = deployed.get(logicalId);
      if (!resource) throw new Error(`Ref to ${logicalId}, which is not deployed yet`);
      return resource.ref;
    },
    getAtt(logicalId, attribute) {
      const value = deployed.get(logicalId)?.attributes[attribute];
      if (value === undefined) throw new Error(`Fn::GetAtt ${logicalId}.${attribute} is not available locally`);
      return value;
    },
  };
  const stack: DeployedStack = { outputs: {}, functions: [], eventSourceMappings: [], routes: [], schedules: [], logSubscriptions: [], queues: [], streams: [], timeToLive: [], notEmulated: {} };
  const integrations = new Map<string, string>();
  const authorizers = new Map<string, AuthorizerSpec>();
  let stageThrottles: { defaults: ThrottleSpec | undefined; routes: Record<string, ThrottleSpec | undefined> } | undefined;
  const arn = (service: string, resource: string) => `arn:aws:${service}:${region}:${account}:${resource}`;

  for (const logicalId of deploymentOrder(template)) {
    const resource: CfnResource = template.Resources[logicalId]!;
    if (resource.Condition) throw new Error(`${logicalId} is conditional; the local cloud does not evaluate conditions`);
    const props = resolve(resource.Properties ?? {}, context) as Record<string, any>;

    if (NOT_EMULATED.has(resource.Type)) {
      stack.notEmulated[resource.Type] = (stack.notEmulated[resource.Type] ?? 0) + 1;
      const name = physicalName(stackName, logicalId, 64);
      deployed.set(logicalId, { ref: name, attributes: { Arn: arn(resource.Type.split("::")[1]!.toLowerCase(), name) } });
      continue;
    }

    switch (resource.Type) {
      case "AWS::SNS::Topic": {
        const { TopicArn } = await clients.sns.send(new CreateTopicCommand({ Name: props.TopicName ?? physicalName(stackName, logicalId, 256) }));
        deployed.set(logicalId, { ref: TopicArn!, attributes: { TopicArn: TopicArn!, TopicName: TopicArn!.split(":").pop()! } });
        break;
      }
      case "AWS::SNS::Subscription": {
        const attributes: Record<string, string> = {};
        if (props.RawMessageDelivery !== undefined) attributes.RawMessageDelivery = String(props.RawMessageDelivery);
        if (props.FilterPolicy) attributes.FilterPolicy = JSON.stringify(props.FilterPolicy);
        if (props.FilterPolicyScope) attributes.FilterPolicyScope = props.FilterPolicyScope;
        if (props.RedrivePolicy) attributes.RedrivePolicy = JSON.stringify(props.RedrivePolicy);
        const { SubscriptionArn } = await clients.sns.send(
          new SubscribeCommand({ TopicArn: props.TopicArn, Protocol: props.Protocol, Endpoint: props.Endpoint, Attributes: attributes, ReturnSubscriptionArn: true }),
        );
        deployed.set(logicalId, { ref: SubscriptionArn!, attributes: {} });
        break;
      }
      case "AWS::SQS::Queue": {
        const name = props.QueueName ?? physicalName(stackName, logicalId, 80);
        const attributes: Record<string, string> = {};
        for (const key of ["VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "ReceiveMessageWaitTimeSeconds", "MaximumMessageSize", "FifoQueue", "ContentBasedDeduplication"]) {
          if (props[key] !== undefined) attributes[key] = String(props[key]);
        }
        if (props.RedrivePolicy) attributes.RedrivePolicy = JSON.stringify(props.RedrivePolicy);
        const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
        const { Attributes } = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
        const queue = { url: QueueUrl!, arn: Attributes!.QueueArn!, name };
        stack.queues.push(queue);
        deployed.set(logicalId, { ref: queue.url, attributes: { Arn: queue.arn, QueueName: name, QueueUrl: queue.url } });
        break;
      }
      case "AWS::DynamoDB::Table":
      case "AWS::DynamoDB::GlobalTable": {
        const name = props.TableName ?? physicalName(stackName, logicalId, 255);
        // dynalite emulates no stream: a table that declared one would silently lose its consumers.
        if (props.StreamSpecification) throw new Error(`${logicalId} declares a DynamoDB stream, which the local cloud does not emulate`);
        const input: CreateTableCommandInput = {
          TableName: name,
          KeySchema: props.KeySchema,
          AttributeDefinitions: props.AttributeDefinitions,
          BillingMode: "PAY_PER_REQUEST",
          GlobalSecondaryIndexes: props.GlobalSecondaryIndexes?.map((index: Record<string, unknown>) => ({ IndexName: index.IndexName, KeySchema: index.KeySchema, Projection: index.Projection })),
          LocalSecondaryIndexes: props.LocalSecondaryIndexes,
        };
        await clients.dynamodb.send(new CreateTableCommand(input));
        // dynalite has no UpdateTimeToLive: the local cloud sweeps expired items itself (local-time-to-live.ts).
        if (props.TimeToLiveSpecification?.Enabled) stack.timeToLive.push({ tableName: name, attribute: props.TimeToLiveSpecification.AttributeName });
        deployed.set(logicalId, { ref: name, attributes: { Arn: arn("dynamodb", `table/${name}`) } });
        break;
      }
      case "AWS::Kinesis::Stream": {
        const name = props.Name ?? physicalName(stackName, logicalId, 128);
        await clients.kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: props.ShardCount ?? 1 }));
        const { StreamDescriptionSummary } = await clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
        const streamArn = StreamDescriptionSummary!.StreamARN!;
        stack.streams.push({ name, arn: streamArn });
        deployed.set(logicalId, { ref: name, attributes: { Arn: streamArn } });
        break;
      }
      case "AWS::SecretsManager::Secret": {
        const name = props.Name ?? physicalName(stackName, logicalId, 256);
        const { ARN } = await clients.secretsmanager.send(new CreateSecretCommand({ Name: name, SecretString: props.SecretString ?? generatedSecret(props.GenerateSecretString) }));
        deployed.set(logicalId, { ref: ARN!, attributes: { Id: ARN! } });
        break;
      }
      case "AWS::Lambda::Function": {
        const assetPath = resource.Metadata?.["aws:asset:path"];
        if (typeof assetPath !== "string") throw new Error(`${logicalId} has no aws:asset:path metadata; synthesize with asset metadata enabled`);
        const name = props.FunctionName ?? physicalName(stackName, logicalId, 64);
        const spec: FunctionSpec = {
          logicalId,
          name,
          arn: arn("lambda", `function:${name}`),
          assetDir: join(target.assemblyDir, assetPath),
          handler: props.Handler,
          environment: Object.fromEntries(Object.entries(props.Environment?.Variables ?? {}).map(([key, value]) => [key, String(value)])),
          timeoutSeconds: props.Timeout ?? 3,
          memorySize: props.MemorySize ?? 128,
          ...(props.ReservedConcurrentExecutions !== undefined ? { reservedConcurrency: Number(props.ReservedConcurrentExecutions) } : {}),
        };
        stack.functions.push(spec);
        deployed.set(logicalId, { ref: name, attributes: { Arn: spec.arn } });
        break;
      }
      case "AWS::Lambda::EventSourceMapping": {
        const functionName = String(props.FunctionName).split(":").pop()!;
        stack.eventSourceMappings.push({
          logicalId,
          functionName,
          eventSourceArn: props.EventSourceArn,
          batchSize: props.BatchSize,
          maximumBatchingWindowInSeconds: props.MaximumBatchingWindowInSeconds,
          functionResponseTypes: props.FunctionResponseTypes,
          maximumConcurrency: props.ScalingConfig?.MaximumConcurrency,
          startingPosition: props.StartingPosition,
          bisectBatchOnFunctionError: props.BisectBatchOnFunctionError,
          maximumRetryAttempts: props.MaximumRetryAttempts,
          onFailureDestinationArn: props.DestinationConfig?.OnFailure?.Destination,
        });
        deployed.set(logicalId, { ref: logicalId, attributes: {} });
        break;
      }
      case "AWS::Events::Rule": {
        if (!props.ScheduleExpression) throw new Error(`${logicalId}: the local cloud runs scheduled rules only, not event patterns`);
        const name = props.Name ?? physicalName(stackName, logicalId, 64);
        const ruleArn = arn("events", `rule/${name}`);
        stack.schedules.push({ name, arn: ruleArn, scheduleExpression: props.ScheduleExpression, targetArns: (props.Targets ?? []).map((target: { Arn: string }) => target.Arn) });
        deployed.set(logicalId, { ref: name, attributes: { Arn: ruleArn } });
        break;
      }
      case "AWS::Logs::SubscriptionFilter":
        stack.logSubscriptions.push({ logGroupName: props.LogGroupName, functionArn: props.DestinationArn });
        deployed.set(logicalId, { ref: physicalName(stackName, logicalId, 256), attributes: {} });
        break;
      case "AWS::ApiGatewayV2::Api":
        if (props.CorsConfiguration) {
          const cors = props.CorsConfiguration;
          stack.cors = { allowOrigins: cors.AllowOrigins ?? [], allowMethods: cors.AllowMethods ?? [], allowHeaders: cors.AllowHeaders ?? [], exposeHeaders: cors.ExposeHeaders ?? [], maxAgeSeconds: cors.MaxAge };
        }
        deployed.set(logicalId, { ref: "local", attributes: { ApiEndpoint: target.apiEndpoint, ApiId: "local" } });
        break;
      case "AWS::ApiGatewayV2::Authorizer": {
        if (props.AuthorizerType !== "REQUEST") throw new Error(`${logicalId}: the local cloud runs Lambda (REQUEST) authorizers only, not ${props.AuthorizerType}`);
        const functionArn = /functions\/(.+)\/invocations$/.exec(String(props.AuthorizerUri))?.[1];
        if (!functionArn) throw new Error(`${logicalId}: cannot read the function from AuthorizerUri ${props.AuthorizerUri}`);
        authorizers.set(logicalId, { functionArn, identitySource: props.IdentitySource ?? [], resultTtlSeconds: Number(props.AuthorizerResultTtlInSeconds ?? 0) });
        deployed.set(logicalId, { ref: logicalId, attributes: { AuthorizerId: logicalId } });
        break;
      }
      case "AWS::ApiGatewayV2::Integration":
        integrations.set(logicalId, props.IntegrationUri);
        deployed.set(logicalId, { ref: logicalId, attributes: {} });
        break;
      case "AWS::ApiGatewayV2::Stage":
        stageThrottles = { defaults: throttleOf(props.DefaultRouteSettings), routes: Object.fromEntries(Object.entries((props.RouteSettings ?? {}) as Record<string, Parameters<typeof throttleOf>[0]>).map(([routeKey, settings]) => [routeKey, throttleOf(settings)])) };
        deployed.set(logicalId, { ref: String(props.StageName), attributes: {} });
        break;
      case "AWS::ApiGatewayV2::Route": {
        const integrationId = String(props.Target).replace(/^integrations\//, "");
        const functionArn = integrations.get(integrationId);
        if (!functionArn) throw new Error(`route ${props.RouteKey} targets unknown integration ${integrationId}`);
        const authorizer = props.AuthorizationType === "CUSTOM" ? authorizers.get(String(props.AuthorizerId)) : undefined;
        if (props.AuthorizationType === "CUSTOM" && !authorizer) throw new Error(`route ${props.RouteKey} names unknown authorizer ${props.AuthorizerId}`);
        stack.routes.push({ routeKey: props.RouteKey, functionArn, ...(authorizer ? { authorizer } : {}) });
        deployed.set(logicalId, { ref: logicalId, attributes: {} });
        break;
      }
      default:
        throw new Error(`the local cloud cannot deploy ${resource.Type} (${logicalId}); teach infra/local/template-deployer.ts about it`);
    }
  }

  for (const [key, output] of Object.entries(template.Outputs ?? {})) stack.outputs[key] = String(resolve(output.Value, context));
  // The stage depends on the routes (its RouteSettings name them), so it is deployed after them.
  for (const route of stack.routes) {
    const throttle = stageThrottles?.routes[route.routeKey] ?? stageThrottles?.defaults;
    if (throttle) route.throttle = throttle;
  }
  return stack;
}
