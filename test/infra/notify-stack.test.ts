import { AUDIENCE_SHARDS } from "#shared/domain/audience.ts";
import { Match, Template } from "aws-cdk-lib/assertions";
import { createNotifyApp } from "#infra/notify-app.ts";
import { describe, expect, it } from "vitest";
import { ROUTES } from "#functions/ingest/routes.ts";
import { CHANNELS } from "#shared/domain/channels.ts";
import { resourcesOfType, synthesizedTemplate } from "../helpers/synthesized-template.ts";

const template = synthesizedTemplate();
const queues = resourcesOfType(template, "AWS::SQS::Queue");
const channelQueueIds = Object.keys(queues).filter((id) => /ChannelQueue[0-9A-F]{8}$/.test(id));
const deadLetterQueueIds = Object.keys(queues).filter((id) => /ChannelDeadLetterQueue[0-9A-F]{8}$/.test(id));
const bulkQueueIds = channelQueueIds.filter((id) => /BulkChannelQueue/.test(id));
const transactionalQueueIds = channelQueueIds.filter((id) => !bulkQueueIds.includes(id));
const functions = resourcesOfType(template, "AWS::Lambda::Function");
const alarms = Object.values(resourcesOfType(template, "AWS::CloudWatch::Alarm"));
const opsTopicId = Object.keys(resourcesOfType(template, "AWS::SNS::Topic")).find((id) => id.startsWith("AlarmsTopic"))!;

function alarmsOn(metricName: string, dimensionRef: string) {
  return alarms.filter(
    (alarm) => alarm.Properties.MetricName === metricName && JSON.stringify(alarm.Properties.Dimensions ?? []).includes(`"${dimensionRef}"`),
  );
}

describe("channel queues", () => {
  it("gives each of the four channels a transactional queue and a bulk queue, each with its DLQ", () => {
    expect(transactionalQueueIds).toHaveLength(CHANNELS.length);
    expect(bulkQueueIds).toHaveLength(CHANNELS.length);
    expect(deadLetterQueueIds).toHaveLength(2 * CHANNELS.length);
    for (const channel of CHANNELS) template.hasResourceProperties("AWS::SQS::Queue", { QueueName: `Notify-${channel.replace("_", "-")}-bulk` });
  });

  it("redrives every channel queue to its own DLQ after maxReceiveCount receives", () => {
    for (const id of channelQueueIds) {
      const redrive = queues[id]!.Properties.RedrivePolicy;
      expect(redrive.maxReceiveCount, id).toBe(5);
      const channelPrefix = id.replace(/Queue[0-9A-F]{8}$/, "");
      expect(redrive.deadLetterTargetArn["Fn::GetAtt"][0], id).toMatch(new RegExp(`^${channelPrefix}DeadLetterQueue[0-9A-F]{8}$`));
    }
  });

  it("alarms to the ops topic when any DLQ holds a message", () => {
    for (const id of deadLetterQueueIds) {
      const matching = alarmsOn("ApproximateNumberOfMessagesVisible", id);
      expect(matching, id).toHaveLength(1);
      expect(matching[0]!.Properties).toMatchObject({ Threshold: 1, ComparisonOperator: "GreaterThanOrEqualToThreshold", AlarmActions: [{ Ref: opsTopicId }] });
    }
  });

  it("alarms when a channel queue's oldest message gets old", () => {
    for (const id of channelQueueIds) expect(alarmsOn("ApproximateAgeOfOldestMessage", id), id).toHaveLength(1);
  });

  it("encrypts every queue", () => {
    for (const [id, queue] of Object.entries(queues)) expect(queue.Properties.SqsManagedSseEnabled ?? queue.Properties.KmsMasterKeyId, id).toBeTruthy();
  });

  it("denies every queue to callers not using HTTPS", () => {
    const policies = Object.values(resourcesOfType(template, "AWS::SQS::QueuePolicy"));
    for (const id of Object.keys(queues)) {
      const policy = policies.find((candidate) => JSON.stringify(candidate.Properties.Queues).includes(`"${id}"`));
      expect(policy?.Properties.PolicyDocument.Statement, id).toContainEqual(
        expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
      );
    }
  });
});

describe("fan-out subscriptions", () => {
  const subscriptions = Object.values(resourcesOfType(template, "AWS::SNS::Subscription"));

  const subscriptionOf = (queueIds: string[], channel: string) => {
    const queueId = queueIds.find((id) => id.toLowerCase().startsWith(channel.replace("_", "")))!;
    return subscriptions.find((candidate) => candidate.Properties.Endpoint["Fn::GetAtt"][0] === queueId);
  };

  it.each(CHANNELS)("delivers to the %s queue only direct messages whose channels contain it, raw", (channel) => {
    expect(subscriptionOf(transactionalQueueIds, channel)?.Properties).toMatchObject({
      Protocol: "sqs",
      RawMessageDelivery: true,
      FilterPolicy: { kind: ["direct"], channels: [channel] },
    });
  });

  it.each(CHANNELS)("delivers to the %s bulk queue only broadcast messages whose channels contain it, raw", (channel) => {
    expect(subscriptionOf(bulkQueueIds, channel)?.Properties).toMatchObject({
      Protocol: "sqs",
      RawMessageDelivery: true,
      FilterPolicy: { kind: ["broadcast"], channels: [channel] },
    });
  });
});

describe("functions and event sources", () => {
  it("runs every function on nodejs22.x", () => {
    for (const [id, fn] of Object.entries(functions)) expect(fn.Properties.Runtime, id).toBe("nodejs22.x");
  });

  it("reports batch item failures on every event source mapping", () => {
    const mappings = Object.values(resourcesOfType(template, "AWS::Lambda::EventSourceMapping"));
    // The channel workers (transactional and bulk lanes), the delivery-events processor, the provider-feedback processor and the broadcast expander.
    expect(mappings).toHaveLength(2 * CHANNELS.length + 3);
    for (const mapping of mappings) expect(mapping.Properties.FunctionResponseTypes).toEqual(["ReportBatchItemFailures"]);
  });

  it("expands broadcasts from a FIFO queue with a FIFO dead-letter queue, one expander per audience shard, and alarms on its lag", () => {
    template.hasResourceProperties("AWS::SQS::Queue", { QueueName: "Notify-broadcast-expansion.fifo", FifoQueue: true, RedrivePolicy: { maxReceiveCount: 5 } });
    template.hasResourceProperties("AWS::SQS::Queue", { QueueName: "Notify-broadcast-expansion-dlq.fifo", FifoQueue: true });
    template.resourcePropertiesCountIs("AWS::Lambda::EventSourceMapping", { ScalingConfig: { MaximumConcurrency: AUDIENCE_SHARDS } }, 1);
    template.hasResourceProperties("AWS::Lambda::Function", { Environment: { Variables: Match.objectLike({ BROADCAST_PUBLISH_RATE: "10000", SEND_RATE_TABLE_NAME: Match.anyValue() }) } });
    expect(alarmsOn("ApproximateAgeOfOldestMessage", Object.keys(template.findResources("AWS::SQS::Queue", { Properties: { QueueName: "Notify-broadcast-expansion.fifo" } }))[0]!)).toHaveLength(1);
  });

  it("caps each channel worker's concurrency, lower on its bulk lane", () => {
    const concurrencyOfBulkLanes = (stack: Template) =>
      Object.values(stack.findResources("AWS::Lambda::EventSourceMapping"))
        .filter((mapping) => JSON.stringify(mapping.Properties.EventSourceArn).includes("BulkChannelQueue"))
        .map((mapping) => mapping.Properties.ScalingConfig.MaximumConcurrency);
    template.resourcePropertiesCountIs("AWS::Lambda::EventSourceMapping", { ScalingConfig: { MaximumConcurrency: 10 } }, CHANNELS.length);
    expect(concurrencyOfBulkLanes(template)).toEqual(CHANNELS.map(() => 5));
    const configured = Template.fromStack(createNotifyApp({ context: { "aws:cdk:bundling-stacks": [], "notify:bulkWorkerMaxConcurrency": 3 } }).stack);
    expect(concurrencyOfBulkLanes(configured)).toEqual(CHANNELS.map(() => 3));
  });

  it("bisects and bounds retries of failing delivery-event batches, sending the rest to a failure queue", () => {
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      StartingPosition: "TRIM_HORIZON",
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  it("alarms on every function's errors, but the authorizer's, whose every refused token is one (its failures alarm apart)", () => {
    for (const id of Object.keys(functions)) expect(alarmsOn("Errors", id), id).toHaveLength(id.startsWith("UserAuthorizer") ? 0 : 1);
    expect(Object.keys(functions).filter((id) => id.startsWith("UserAuthorizer"))).toHaveLength(1);
  });
});

describe("data at rest", () => {
  it("bills every table on demand and encrypts it", () => {
    for (const [id, table] of Object.entries(resourcesOfType(template, "AWS::DynamoDB::GlobalTable"))) {
      expect(table.Properties.BillingMode, id).toBe("PAY_PER_REQUEST");
      expect(table.Properties.SSESpecification?.SSEEnabled, id).toBe(true);
    }
  });

  it("expires dedup claims by TTL", () => {
    template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      KeySchema: [{ AttributeName: "claimKey", KeyType: "HASH" }],
      TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
    });
  });

  it("keeps audiences with point-in-time recovery, their members keyed by shard so no audience sits on one partition key", () => {
    const [, table] = Object.entries(resourcesOfType(template, "AWS::DynamoDB::GlobalTable")).find(([id]) => id.startsWith("TablesAudiences"))!;
    expect(table.Properties.KeySchema).toEqual([{ AttributeName: "audienceKey", KeyType: "HASH" }, { AttributeName: "memberKey", KeyType: "RANGE" }]);
    expect(table.Properties.Replicas[0].PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.DeletionPolicy).toBe("Retain");
  });

  it("encrypts the delivery-events stream and alarms on its iterator age", () => {
    const [streamId, stream] = Object.entries(resourcesOfType(template, "AWS::Kinesis::Stream"))[0]!;
    expect(stream.Properties.StreamEncryption).toEqual({ EncryptionType: "KMS", KeyId: "alias/aws/kinesis" });
    expect(alarmsOn("GetRecords.IteratorAgeMilliseconds", streamId)).toHaveLength(1);
  });

  it("encrypts every topic", () => {
    for (const [id, topic] of Object.entries(resourcesOfType(template, "AWS::SNS::Topic"))) expect(topic.Properties.KmsMasterKeyId, id).toBeDefined();
  });
});

describe("quiet hours", () => {
  it("runs the deferred-item sweeper every minute", () => {
    const rules = Object.values(resourcesOfType(template, "AWS::Events::Rule"));
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties.ScheduleExpression).toBe("rate(1 minute)");
    expect(rules[0]!.Properties.Targets[0].Arn["Fn::GetAtt"][0]).toMatch(/^DeferredDeliverySweeper/);
  });

  it("does not retry a failed sweep asynchronously: the next minute's sweep takes what it left", () => {
    const [sweeperId] = Object.keys(functions).filter((id) => id.startsWith("DeferredDeliverySweeper"));
    const configs = Object.values(resourcesOfType(template, "AWS::Lambda::EventInvokeConfig")).filter((config) => config.Properties.FunctionName.Ref === sweeperId);
    expect(configs.map((config) => config.Properties.MaximumRetryAttempts)).toEqual([0]);
  });

  it("keys held notifications by shard and due time and expires forgotten ones by TTL", () => {
    template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      KeySchema: [
        { AttributeName: "shard", KeyType: "HASH" },
        { AttributeName: "dueKey", KeyType: "RANGE" },
      ],
      TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
    });
  });
});

describe("HTTP API", () => {
  it("declares exactly the routes the ingest function answers", () => {
    const declared = Object.values(resourcesOfType(template, "AWS::ApiGatewayV2::Route")).map((route) => route.Properties.RouteKey as string);
    expect(declared.sort()).toEqual(Object.keys(ROUTES).sort());
  });

  it("leaves open only the pages people reach from an email, which the token in the link protects", () => {
    const open = Object.values(resourcesOfType(template, "AWS::ApiGatewayV2::Route")).filter((route) => route.Properties.AuthorizationType === "NONE");
    expect(open.map((route) => route.Properties.RouteKey).sort()).toEqual(["GET /v1/preferences-center", "GET /v1/unsubscribe", "POST /v1/preferences-center", "POST /v1/unsubscribe"]);
  });

  it("puts the user-token authorizer on every /v1/me route, and on no other", () => {
    const authorizers = resourcesOfType(template, "AWS::ApiGatewayV2::Authorizer");
    expect(Object.keys(authorizers)).toHaveLength(1);
    const [authorizerId, authorizer] = Object.entries(authorizers)[0]!;
    expect(authorizer.Properties).toMatchObject({ AuthorizerType: "REQUEST", IdentitySource: ["$request.header.Authorization"], EnableSimpleResponses: true, AuthorizerPayloadFormatVersion: "2.0", AuthorizerResultTtlInSeconds: 300 });
    expect(JSON.stringify(authorizer.Properties.AuthorizerUri)).toContain("UserAuthorizer");
    const custom = Object.values(resourcesOfType(template, "AWS::ApiGatewayV2::Route")).filter((route) => route.Properties.AuthorizationType === "CUSTOM");
    expect(custom.map((route) => route.Properties.RouteKey).sort()).toEqual([
      "GET /v1/me/inbox",
      "GET /v1/me/preferences",
      "PATCH /v1/me/preferences",
      "POST /v1/me/inbox/read-all",
      "POST /v1/me/inbox/{itemId}/archive",
      "POST /v1/me/inbox/{itemId}/read",
    ]);
    for (const route of custom) expect(route.Properties.AuthorizerId).toEqual({ Ref: authorizerId });
  });

  it("alarms when the authorizer cannot check tokens, never because a token was bad", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", { MetricName: "authorizerFailed", Namespace: "Notify", Dimensions: [{ Name: "service", Value: "user-authorizer" }], Threshold: 1 });
    const alarmsOnErrors = Object.values(template.findResources("AWS::CloudWatch::Alarm")).filter((alarm: any) => alarm.Properties.MetricName === "Errors");
    expect(alarmsOnErrors.some((alarm: any) => JSON.stringify(alarm.Properties.Dimensions).includes("UserAuthorizer"))).toBe(false);
  });

  it("signs user tokens with a secret of their own that names the stack", () => {
    template.hasResourceProperties("AWS::SecretsManager::Secret", { GenerateSecretString: { SecretStringTemplate: JSON.stringify({ stack: "Notify" }), GenerateStringKey: "signingKey", PasswordLength: 64 } });
    template.hasOutput("UserTokenSecretArn", {});
  });

  it("lets no browser page call the API unless its origin is configured", () => {
    expect(Object.values(resourcesOfType(template, "AWS::ApiGatewayV2::Api"))[0]!.Properties.CorsConfiguration).toBeUndefined();
    const { stack } = createNotifyApp({ context: { "aws:cdk:bundling-stacks": [], "notify:allowedOrigins": "https://app.example.com" } });
    Template.fromStack(stack).hasResourceProperties("AWS::ApiGatewayV2::Api", {
      CorsConfiguration: { AllowOrigins: ["https://app.example.com"], AllowHeaders: ["authorization", "content-type", "if-none-match"], ExposeHeaders: ["etag"] },
    });
    expect(() => createNotifyApp({ context: { "aws:cdk:bundling-stacks": [], "notify:allowedOrigins": "https://app.example.com/inbox" } })).toThrow(/not an origin/);
  });

  it("requires IAM authorization on every other route", () => {
    const routes = Object.values(resourcesOfType(template, "AWS::ApiGatewayV2::Route")).filter((route) => !route.Properties.RouteKey.match(/unsubscribe|preferences-center|\/v1\/me\//));
    expect(routes.map((route) => route.Properties.RouteKey).sort()).toEqual([
      "DELETE /v1/notifications/{id}",
      "GET /v1/analytics",
      "GET /v1/audiences/{audienceId}",
      "GET /v1/audiences/{audienceId}/members",
      "GET /v1/notifications/{id}",
      "GET /v1/templates",
      "GET /v1/templates/{type}",
      "GET /v1/users/{userId}/inbox",
      "GET /v1/users/{userId}/preferences",
      "PATCH /v1/users/{userId}/preferences",
      "POST /v1/audiences/{audienceId}/members",
      "POST /v1/notifications",
      "POST /v1/templates/{type}/activate",
      "POST /v1/templates/{type}/preview",
      "POST /v1/users/{userId}/inbox/{itemId}/read",
      "PUT /v1/audiences/{audienceId}",
      "PUT /v1/templates/{type}",
      "PUT /v1/users/{userId}/preferences",
    ]);
    for (const route of routes) expect(route.Properties.AuthorizationType).toBe("AWS_IAM");
  });

  it("throttles the API at the stage, so a burst of publishes answers 429 instead of taking the workers' concurrency", () => {
    template.hasResourceProperties("AWS::ApiGatewayV2::Stage", { StageName: "$default", DefaultRouteSettings: { ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 } });
    const { stack } = createNotifyApp({ context: { "aws:cdk:bundling-stacks": [], "notify:apiRateLimit": 50, "notify:apiBurstLimit": 80 } });
    Template.fromStack(stack).hasResourceProperties("AWS::ApiGatewayV2::Stage", { DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 80 } });
  });

  it("holds each open route (the browser's, the email links') to its own lower limit, after the routes exist", () => {
    const [logicalId, stage] = Object.entries(resourcesOfType(template, "AWS::ApiGatewayV2::Stage"))[0]!;
    const settings = stage.Properties.RouteSettings as Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }>;
    expect(Object.keys(settings).sort()).toEqual([
      "GET /v1/me/inbox",
      "GET /v1/me/preferences",
      "GET /v1/preferences-center",
      "GET /v1/unsubscribe",
      "PATCH /v1/me/preferences",
      "POST /v1/me/inbox/read-all",
      "POST /v1/me/inbox/{itemId}/archive",
      "POST /v1/me/inbox/{itemId}/read",
      "POST /v1/preferences-center",
      "POST /v1/unsubscribe",
    ]);
    expect(settings["GET /v1/unsubscribe"]).toEqual({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 });
    expect(settings["GET /v1/me/inbox"]).toEqual({ ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 });
    const routeIds = Object.keys(resourcesOfType(template, "AWS::ApiGatewayV2::Route"));
    const dependsOn = (template.toJSON().Resources[logicalId].DependsOn ?? []) as string[];
    expect(routeIds.filter((id) => !dependsOn.includes(id))).toEqual([]);
    const { stack } = createNotifyApp({ context: { "aws:cdk:bundling-stacks": [], "notify:linkRouteRateLimit": 5 } });
    const configured = Object.values(resourcesOfType(Template.fromStack(stack), "AWS::ApiGatewayV2::Stage"))[0]!.Properties.RouteSettings;
    expect(configured["POST /v1/preferences-center"]).toEqual({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 });
  });
});

describe("who may publish", () => {
  it("denies publishing to the notifications topic to every principal but ingest, the sweeper and configured publishers", () => {
    const configured = Template.fromStack(createNotifyApp({ context: { "aws:cdk:bundling-stacks": [], "notify:publisherArns": "arn:aws:iam::111122223333:role/orders-api" } }).stack);
    const policies = Object.values(configured.findResources("AWS::SNS::TopicPolicy")) as { Properties: { PolicyDocument: { Statement: any[] } } }[];
    const statements = policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    const deny = statements.find((statement) => statement.Sid === "OnlyKnownPublishers");
    expect(deny).toMatchObject({ Effect: "Deny", Action: "sns:Publish", Principal: { AWS: "*" } });
    const allowed = JSON.stringify(deny.Condition.ArnNotEquals["aws:PrincipalArn"]);
    expect(allowed).toMatch(/IngestRole/);
    expect(allowed).toMatch(/DeferredDeliverySweeperRole/);
    expect(allowed).toContain("arn:aws:iam::111122223333:role/orders-api");
    expect(statements).toContainEqual(expect.objectContaining({ Effect: "Allow", Action: "sns:Publish", Principal: { AWS: "arn:aws:iam::111122223333:role/orders-api" } }));
  });
});

/** The channel queues' subscriptions to the notifications topic, each with a filter policy. */
function fanOutSubscriptions(stack: Template) {
  return Object.values(resourcesOfType(stack, "AWS::SNS::Subscription")).filter((subscription) => subscription.Properties.FilterPolicy !== undefined);
}

describe("priority", () => {
  it("takes every priority on one queue per channel when workers do not batch", () => {
    for (const subscription of fanOutSubscriptions(template)) expect(subscription.Properties.FilterPolicy.priority).toBeUndefined();
  });

  it("routes priority high to an unbatched express queue per channel when a batching window is set", () => {
    const batched = Template.fromStack(createNotifyApp({ context: { "aws:cdk:bundling-stacks": [], "notify:workerBatchingWindowSeconds": 5 } }).stack);
    const subscriptions = fanOutSubscriptions(batched);
    // Per channel: the batched lane, the express lane and the bulk lane.
    expect(subscriptions).toHaveLength(12);
    expect(subscriptions.filter((subscription) => JSON.stringify(subscription.Properties.FilterPolicy.priority) === '["high"]')).toHaveLength(4);
    expect(subscriptions.filter((subscription) => JSON.stringify(subscription.Properties.FilterPolicy.priority) === '[{"anything-but":["high"]}]')).toHaveLength(4);
    // Bulk lanes batch as well: a broadcast gains nothing from an express lane.
    batched.resourcePropertiesCountIs("AWS::Lambda::EventSourceMapping", { MaximumBatchingWindowInSeconds: 5 }, 8);
    const mappings = Object.values(batched.findResources("AWS::Lambda::EventSourceMapping")) as { Properties: { MaximumBatchingWindowInSeconds?: number; EventSourceArn: unknown } }[];
    expect(mappings.filter((mapping) => mapping.Properties.MaximumBatchingWindowInSeconds === undefined && JSON.stringify(mapping.Properties.EventSourceArn).includes("Express"))).toHaveLength(4);
  });
});

describe("channel send rates", () => {
  const rated = Template.fromStack(createNotifyApp({ context: { "aws:cdk:bundling-stacks": [], "notify:channelRates": '{"email": 14}' } }).stack);

  it("gives only the named channel's worker its rate, its send windows and a way to put held messages back", () => {
    const workers = Object.entries(rated.findResources("AWS::Lambda::Function")).filter(([, fn]) => fn.Properties.Environment?.Variables?.CHANNEL);
    const rates = Object.fromEntries(workers.map(([, fn]) => [fn.Properties.Environment.Variables.CHANNEL, fn.Properties.Environment.Variables.SEND_RATE_PER_SECOND]));
    expect(rates).toEqual({ email: "14", sms: undefined, push: undefined, in_app: undefined });
    const emailPolicy = Object.entries(rated.findResources("AWS::IAM::Policy")).find(([id]) => id.startsWith("EmailWorker"))![1];
    const actions = emailPolicy.Properties.PolicyDocument.Statement.flatMap((statement: { Action: string | string[] }) => statement.Action);
    expect(actions).toContain("sqs:SendMessage");
    expect(JSON.stringify(emailPolicy.Properties.PolicyDocument)).toContain("TablesDedup");
  });

  it("refuses a rate that is not whole messages a second for a channel, naming it", () => {
    expect(() => createNotifyApp({ context: { "aws:cdk:bundling-stacks": [], "notify:channelRates": '{"fax": 3}' } })).toThrow(/notify:channelRates.*fax/);
    expect(() => createNotifyApp({ context: { "aws:cdk:bundling-stacks": [], "notify:channelRates": '{"sms": 0.5}' } })).toThrow(/sms/);
  });
});

describe("SMS through SNS", () => {
  it("grants the SMS worker sns:Publish instead of End User Messaging when configured", () => {
    const template = Template.fromStack(createNotifyApp({ context: { "aws:cdk:bundling-stacks": [], "notify:smsService": "sns" } }).stack);
    const policy = Object.entries(template.findResources("AWS::IAM::Policy")).find(([id]) => id.startsWith("SmsWorker"))![1] as { Properties: { PolicyDocument: { Statement: { Action: string | string[] }[] } } };
    const actions = policy.Properties.PolicyDocument.Statement.flatMap((statement) => statement.Action);
    expect(actions).toContain("sns:Publish");
    expect(actions).not.toContain("sms-voice:SendTextMessage");
    template.hasResourceProperties("AWS::Lambda::Function", { Environment: { Variables: Match.objectLike({ CHANNEL: "sms", SMS_SERVICE: "sns" }) } });
  });
});

describe("outputs", () => {
  it("exports every name and URL a client needs", () => {
    const outputs = Object.keys(template.findOutputs("*"));
    for (const key of ["ApiUrl", "NotificationsTopicArn", "DeliveriesTableName", "PreferencesTableName", "DeliveryEventsStreamName", "OpsTopicArn", "EmailQueueUrl", "InAppDeadLetterQueueUrl", "EmailBulkQueueUrl", "InAppBulkDeadLetterQueueUrl"]) {
      expect(outputs).toContain(key);
    }
  });
});
