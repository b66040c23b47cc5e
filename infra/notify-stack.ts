import { CfnOutput, Duration, Stack, Token, Validations, type StackProps } from "aws-cdk-lib";
import { Metric } from "aws-cdk-lib/aws-cloudwatch";
import { Key } from "aws-cdk-lib/aws-kms";
import { METRICS_NAMESPACE } from "#shared/domain/worker-metrics.ts";
import { AUTHORIZER_FAILED_METRIC } from "#shared/domain/user-token.ts";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import type { Construct } from "constructs";
import { AUDIENCE_SHARDS } from "#shared/domain/audience.ts";
import { CHANNELS } from "#shared/domain/channels.ts";
import type { ChannelRates } from "#shared/domain/send-rate.ts";
import { BroadcastExpansion } from "./constructs/broadcast-expansion.ts";
import { ChannelLane, type WorkerSettings } from "./constructs/channel-lane.ts";
import { DataTables } from "./constructs/data-tables.ts";
import { DeferredDelivery } from "./constructs/deferred-delivery.ts";
import { DeliveryEvents } from "./constructs/delivery-events.ts";
import { HttpApi } from "./constructs/http-api.ts";
import { NotificationTopic } from "./constructs/notification-topic.ts";
import { NotifyFunction } from "./constructs/notify-function.ts";
import { OperationsDashboard } from "./constructs/operations-dashboard.ts";
import { OpsAlarms } from "./constructs/ops-alarms.ts";
import { ProviderFeedback } from "./constructs/provider-feedback.ts";
import { readPushReceipts } from "./constructs/push-receipts-reader.ts";
import { feedbackConfigurationSet } from "./constructs/ses-configuration-set.ts";
import { acknowledgeKeyGrants, acknowledgeTableIndexes } from "./security/acknowledgements.ts";

export interface NotifyStackProps extends StackProps {
  /** Verified SES identity that email is sent from. @default "notifications@example.com" */
  readonly emailFromAddress?: string;
  /**
   * SES configuration set to send with, instead of the one the stack creates; add the stack's
   * FeedbackTopicArn to it as an event destination, or bounces will not switch email off. `false`
   * sends without one, so SES reports no bounces, complaints, opens or clicks (for LocalStack, whose
   * CloudFormation cannot create configuration sets). @default the stack's own
   */
  readonly sesConfigurationSet?: string | false;
  /** Which AWS service sends SMS: End User Messaging SMS, or SNS direct publish. @default "end-user-messaging" */
  readonly smsService?: "end-user-messaging" | "sns";
  /**
   * Delivery status log groups of the SNS platform applications the push endpoints belong to
   * (`sns/<region>/<account>/app/<platform>/<name>` and its `/Failure` twin). Each gets a
   * subscription that turns push receipts into delivery events; the groups must exist. @default none
   */
  readonly pushDeliveryStatusLogGroups?: readonly string[];
  /** End User Messaging phone number, sender id or pool (or the SNS sender id). @default the service picks */
  readonly smsOriginationIdentity?: string;
  /** Receives before a channel message is dead-lettered. @default 5 */
  readonly maxReceiveCount?: number;
  /** Messages per worker invocation. @default 10 */
  readonly workerBatchSize?: number;
  /** Recipients per PublishBatch request when ingest publishes (1-10); 1 only to measure what batching saves. @default 10 */
  readonly publishBatchSize?: number;
  /** Messages a second that broadcast expansion publishes at most, leaving the rest of the account's SNS quota to transactional traffic. @default 10000 */
  readonly broadcastPublishRate?: number;
  /** HTTP API requests per second before it answers 429 (and its burst allowance). @default 200 and 400 */
  readonly apiRateLimit?: number;
  readonly apiBurstLimit?: number;
  /** Per /v1/me route, requests per second before 429 (burst twice this). @default 100 */
  readonly userRouteRateLimit?: number;
  /** Per unsubscribe and preference-center route, requests per second before 429 (burst twice this). @default 20 */
  readonly linkRouteRateLimit?: number;
  /**
   * How long a worker waits to fill a batch: fewer invocations for more latency. When set, each
   * channel gets an express queue for priority `high` that is never batched. @default no wait
   */
  readonly workerBatchingWindow?: Duration;
  /** Concurrent worker invocations per channel, so one channel cannot starve the others. @default 10 */
  readonly workerMaxConcurrency?: number;
  /**
   * Messages a second each named channel sends at most, across all its workers and lanes,
   * transactional before broadcast, e.g. `{ email: 14 }` for SES's default sending rate. A message
   * the rate holds back waits, or goes back on its queue without using up a receive. @default no cap
   */
  readonly channelRates?: ChannelRates;
  /** Concurrent worker invocations on each channel's bulk lane, which carries broadcasts (2-1000). @default 5 */
  readonly bulkWorkerMaxConcurrency?: number;
  /** Roles (ARNs) besides the stack's own functions allowed to publish to the topic, e.g. a NotifyClient's. @default none */
  readonly publisherArns?: readonly string[];
  /** Keep preferences, deliveries, inboxes, audiences, templates and analytics when the stack is deleted. @default true */
  readonly retainUserData?: boolean;
  /** How long ingest and the sweeper trust a template's active version once read: an activation reaches every function within it. @default 30 */
  readonly templateCacheSeconds?: number;
  /** Channel worker timeout; queue visibility is six times it and a claim's lease twice it. @default 30 */
  readonly workerTimeoutSeconds?: number;
  /** First retry delay of a failed delivery; doubles per receive, with jitter. @default 2 */
  readonly retryBaseSeconds?: number;
  /** Longest retry delay. @default 300 */
  readonly retryMaxSeconds?: number;
  /** A provider call that takes longer counts as a transient failure. @default 5000 */
  readonly providerTimeoutMillis?: number;
  /** Kinesis shards for delivery events; 0 for on-demand. @default 1 */
  readonly deliveryEventShards?: number;
  /**
   * Encrypt the topic, queues, tables and stream with one customer-managed KMS key (rotated yearly)
   * instead of AWS-managed keys: for key-policy control, and needed by publishers in other accounts.
   * @default false
   */
  readonly customerManagedKey?: boolean;
  /**
   * Create the HTTP API and its ingest function. Without them, services publish with NotifyClient
   * straight to the topic and marketing email fails (it has no unsubscribe link); for LocalStack
   * plans without API Gateway v2. @default true
   */
  readonly httpApi?: boolean;
  /**
   * Origins (scheme, host and port) whose pages may call the API from a browser, e.g. the app that
   * embeds `<notify-inbox>`. Requests from any other page's scripts are refused by the browser. @default none
   */
  readonly allowedOrigins?: readonly string[];
  /**
   * How long a user token's check is kept (API Gateway's authorizer cache and the key's cache):
   * rotating the key revokes every token within twice this. @default 300
   */
  readonly userTokenCacheSeconds?: number;
}


/** The stack's defaults, in one place; NotifyStackProps documents each. */
const DEFAULTS = {
  emailFromAddress: "notifications@example.com",
  smsService: "end-user-messaging",
  maxReceiveCount: 5,
  workerBatchSize: 10,
  broadcastPublishRate: 10_000,
  workerBatchingWindow: Duration.seconds(0),
  workerMaxConcurrency: 10,
  bulkWorkerMaxConcurrency: 5,
  workerTimeoutSeconds: 30,
  templateCacheSeconds: 30,
  userTokenCacheSeconds: 300,
  retryBaseSeconds: 2,
  retryMaxSeconds: 300,
  providerTimeoutMillis: 5000,
  /** Longer than DLQ retention (14 days): a redriven message still finds its claim. */
  claimRetention: Duration.days(15),
} as const;

/** The workers' settings: each prop the team set, else its default. */
function workerSettings(props: NotifyStackProps, sesConfigurationSet: string | false): WorkerSettings {
  return {
    emailFromAddress: props.emailFromAddress ?? DEFAULTS.emailFromAddress,
    sesConfigurationSet,
    smsService: props.smsService ?? DEFAULTS.smsService,
    smsOriginationIdentity: props.smsOriginationIdentity,
    maxReceiveCount: props.maxReceiveCount ?? DEFAULTS.maxReceiveCount,
    workerBatchSize: props.workerBatchSize ?? DEFAULTS.workerBatchSize,
    workerBatchingWindow: props.workerBatchingWindow ?? DEFAULTS.workerBatchingWindow,
    workerMaxConcurrency: props.workerMaxConcurrency ?? DEFAULTS.workerMaxConcurrency,
    bulkWorkerMaxConcurrency: props.bulkWorkerMaxConcurrency ?? DEFAULTS.bulkWorkerMaxConcurrency,
    channelRates: props.channelRates ?? {},
    workerTimeoutSeconds: props.workerTimeoutSeconds ?? DEFAULTS.workerTimeoutSeconds,
    retryBaseSeconds: props.retryBaseSeconds ?? DEFAULTS.retryBaseSeconds,
    retryMaxSeconds: props.retryMaxSeconds ?? DEFAULTS.retryMaxSeconds,
    providerTimeoutMillis: props.providerTimeoutMillis ?? DEFAULTS.providerTimeoutMillis,
    claimRetention: DEFAULTS.claimRetention,
    indexPushMessageIds: Boolean(props.pushDeliveryStatusLogGroups?.length),
  };
}

export class NotifyStack extends Stack {
  constructor(scope: Construct, id: string, props: NotifyStackProps = {}) {
    super(scope, id, props);
    const output = (key: string, value: string, description: string) => new CfnOutput(this, key, { key, value, description });

    const encryptionKey = props.customerManagedKey ? this.createEncryptionKey() : undefined;
    const topic = new NotificationTopic(this, "Notifications", encryptionKey);
    const tables = new DataTables(this, "Tables", { retainUserData: props.retainUserData, encryptionKey });
    const events = new DeliveryEvents(this, "DeliveryEvents", { deliveries: tables.deliveries, analytics: tables.analytics, shardCount: props.deliveryEventShards, encryptionKey });
    const alarms = new OpsAlarms(this, "Alarms");
    const feedback = new ProviderFeedback(this, "ProviderFeedback", { preferences: tables.preferences, stream: events.stream, encryptionKey });
    const sesConfigurationSet = props.sesConfigurationSet ?? feedbackConfigurationSet(feedback).configurationSetName;
    const templateCacheSeconds = props.templateCacheSeconds ?? DEFAULTS.templateCacheSeconds;

    // Keys the one-click unsubscribe tokens; replacing it invalidates every link already sent.
    const unsubscribeSecret = new Secret(this, "UnsubscribeSecret", {
      description: "Key material for one-click unsubscribe tokens",
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(unsubscribeSecret).acknowledge({
      id: "AwsSolutions-SMG4",
      reason: "Rotating this key would break every unsubscribe link in mail already delivered (links live 90 days); rotate it by hand when it is exposed.",
    });

    const expansion = new BroadcastExpansion(this, "BroadcastExpansion", {
      topic: topic.topic,
      deliveries: tables.deliveries,
      audiences: tables.audiences,
      sendWindows: tables.dedup,
      publishRate: props.broadcastPublishRate ?? DEFAULTS.broadcastPublishRate,
      concurrency: AUDIENCE_SHARDS,
      // A page takes well under a second; the worker timeout keeps crashed pages as quick to return as crashed sends.
      timeout: Duration.seconds(props.workerTimeoutSeconds ?? DEFAULTS.workerTimeoutSeconds),
      encryptionKey,
      stream: events.stream,
    });
    const deferredDelivery = new DeferredDelivery(this, "DeferredDelivery", { deferred: tables.deferred, deliveries: tables.deliveries, templates: tables.templates, templateCacheSeconds, topic: topic.topic, expansionQueue: expansion.queue, audiences: tables.audiences });
    const edge = props.httpApi === false ? undefined : this.createHttpApi(topic, tables, events, expansion, unsubscribeSecret, props);
    if (edge) output("UserTokenSecretArn", edge.userTokenSecret.secretArn, "Signs the user tokens browsers call /v1/me with; NotifyClient.userToken and `notify token` read it, and putting a new signingKey in it revokes every token");
    const publishers = [...(edge ? [edge.ingest.function.role!] : []), deferredDelivery.sweeper.function.role!, expansion.expander.function.role!];

    const settings = workerSettings(props, sesConfigurationSet);
    const channelLanes = CHANNELS.map(
      (channel) =>
        new ChannelLane(this, {
          channel,
          topic,
          tables,
          stream: events.stream,
          alarms,
          settings,
          emailLinks: edge ? { unsubscribeUrl: edge.api.unsubscribeUrl, preferenceCenterUrl: edge.api.preferenceCenterUrl, secret: unsubscribeSecret } : undefined,
          encryptionKey,
        }),
    );
    publishers.push(...channelLanes.map((lane) => lane.worker.function.role!));

    topic.restrictPublishersTo(publishers, props.publisherArns ?? []);
    if (edge) alarms.functionErrors("IngestErrors", edge.ingest.function);
    // Not its Errors metric: every refused token is an error there (API Gateway answers 401 only to a
    // thrown "Unauthorized"), so anyone with a bad token could raise it. Its failures are counted apart.
    if (edge) {
      alarms.anyOf(
        "UserAuthorizerFailures",
        new Metric({ namespace: METRICS_NAMESPACE, metricName: AUTHORIZER_FAILED_METRIC, dimensionsMap: { service: "user-authorizer" }, period: Duration.minutes(1), statistic: "Sum" }),
        "the user-token authorizer could not check tokens (browsers get 500)",
      );
    }
    alarms.functionErrors("DeliveryEventsErrors", events.processor.function);
    alarms.functionErrors("DeferredSweeperErrors", deferredDelivery.sweeper.function);
    alarms.functionErrors("BroadcastExpanderErrors", expansion.expander.function);
    alarms.deadLetterQueue("BroadcastExpansionDeadLetters", expansion.deadLetterQueue);
    alarms.queueAge("BroadcastExpansionLag", expansion.queue);
    alarms.iteratorAge("DeliveryEventsIteratorAge", events.stream);
    alarms.deadLetterQueue("DeliveryEventsFailures", events.failureQueue);
    alarms.functionErrors("ProviderFeedbackErrors", feedback.processor.function);
    const pushReceipts = props.pushDeliveryStatusLogGroups?.length
      ? readPushReceipts(feedback, { logGroupNames: props.pushDeliveryStatusLogGroups, dedup: tables.dedup, dedupRetention: settings.claimRetention })
      : undefined;
    if (pushReceipts) alarms.functionErrors("PushReceiptsErrors", pushReceipts.function);
    alarms.deadLetterQueue("ProviderFeedbackDeadLetters", feedback.deadLetterQueue);
    alarms.queueAge("ProviderFeedbackQueueAge", feedback.queue);
    const dashboard = new OperationsDashboard(this, "Operations", {
      topic: topic.topic,
      lanes: channelLanes.flatMap((lane) => lane.lanes),
      expansion,
      functions: [...(edge ? [edge.ingest.function, edge.userAuthorizer.function] : []), ...channelLanes.map((lane) => lane.worker.function), events.processor.function, feedback.processor.function, ...(pushReceipts ? [pushReceipts.function] : []), deferredDelivery.sweeper.function, expansion.expander.function],
      stream: events.stream,
      alarms: alarms.alarms,
    });

    if (edge) output("ApiId", edge.api.api.apiId, "HTTP API id");
    output("NotificationsTopicArn", topic.topic.topicArn, "Topic that fans notifications out to the channel queues");
    output("PreferencesTableName", tables.preferences.tableName, "User preferences");
    output("DedupTableName", tables.dedup.tableName, "Sent push messages by SNS message id, for push receipts (claims live on the deliveries rows)");
    output("DeliveriesTableName", tables.deliveries.tableName, "Delivery status per notification, user and channel");
    output("InboxTableName", tables.inbox.tableName, "In-app inbox items");
    output("DeferredTableName", tables.deferred.tableName, "Notifications held for quiet hours");
    output("AudiencesTableName", tables.audiences.tableName, "Audiences and their members, spread over shards");
    output("TemplatesTableName", tables.templates.tableName, "Template versions stored through the API, and each type's active version");
    output("AnalyticsTableName", tables.analytics.tableName, "Engagement counters per type, day, channel, template version and variant");
    output("BroadcastExpansionQueueUrl", expansion.queue.queueUrl, "Pages of broadcasts being expanded, a FIFO group per audience shard");
    output("BroadcastExpansionDeadLetterQueueUrl", expansion.deadLetterQueue.queueUrl, "Expansion pages that failed five times; redrive them once the cause is fixed");
    output("DeliveryEventsStreamName", events.stream.streamName, "Kinesis stream of delivery outcomes");
    output("DeliveryEventsFailureQueueUrl", events.failureQueue.queueUrl, "Delivery-event batches that exhausted their retries");
    output("FeedbackTopicArn", feedback.topic.topicArn, "Provider feedback (SES events, SMS receipts); point an End User Messaging configuration set's event destination here");
    output("FeedbackQueueUrl", feedback.queue.queueUrl, "Provider feedback waiting to be read");
    output("FeedbackDeadLetterQueueUrl", feedback.deadLetterQueue.queueUrl, "Provider feedback that could not be read");
    if (sesConfigurationSet) output("SesConfigurationSetName", sesConfigurationSet, "SES configuration set the email worker sends with");
    // The name, not a reference: LocalStack's CloudFormation skips dashboards, and an output referring to one would fail the deploy.
    output("DashboardName", dashboard.name, "CloudWatch dashboard of the pipeline, from publish to outcome");
    output("OpsTopicArn", alarms.topic.topicArn, "Alarm notifications; subscribe the on-call team");
  }

  /** The HTTP API, the ingest function behind it, and what checks the browser's user tokens. */
  private createHttpApi(topic: NotificationTopic, tables: DataTables, events: DeliveryEvents, expansion: BroadcastExpansion, unsubscribeSecret: Secret, props: NotifyStackProps): { ingest: NotifyFunction; api: HttpApi; userAuthorizer: NotifyFunction; userTokenSecret: Secret } {
    const ingest = new NotifyFunction(this, "Ingest", {
      entry: "ingest/handler.ts",
      serviceName: "ingest",
      environment: {
        NOTIFICATIONS_TOPIC_ARN: topic.topic.topicArn,
        UNSUBSCRIBE_SECRET_ARN: unsubscribeSecret.secretArn,
        EXPANSION_QUEUE_URL: expansion.queue.queueUrl,
        TEMPLATE_CACHE_SECONDS: String(props.templateCacheSeconds ?? DEFAULTS.templateCacheSeconds),
        ...(props.publishBatchSize === undefined ? {} : { PUBLISH_BATCH_SIZE: String(props.publishBatchSize) }),
      },
    });
    ingest.useTable("INBOX_TABLE_NAME", tables.inbox, "read-write");
    acknowledgeTableIndexes(ingest, tables.inbox);
    ingest.writesTo("DELIVERY_EVENTS_STREAM_NAME", events.stream);
    topic.grantPublish(ingest.function);
    expansion.queue.grantSendMessages(ingest.function);
    unsubscribeSecret.grantRead(ingest.function);
    ingest.useTable("DELIVERIES_TABLE_NAME", tables.deliveries, "read-write").useTable("PREFERENCES_TABLE_NAME", tables.preferences, "read-write").useTable("AUDIENCES_TABLE_NAME", tables.audiences, "read-write");
    ingest.useTable("TEMPLATES_TABLE_NAME", tables.templates, "read-write");
    // Counts what it accepts and reads the counters for GET /v1/analytics.
    ingest.useTable("ANALYTICS_TABLE_NAME", tables.analytics, ["dynamodb:UpdateItem", "dynamodb:Query"]);
    // Only puts: a scheduled notification is held there; the sweeper releases and removes it.
    ingest.useTable("DEFERRED_TABLE_NAME", tables.deferred, ["dynamodb:PutItem"]);
    const userTokenCacheSeconds = props.userTokenCacheSeconds ?? DEFAULTS.userTokenCacheSeconds;
    // Its own secret, so rotating it signs every browser out without breaking a link in any email.
    const userTokenSecret = new Secret(this, "UserTokenSecret", {
      description: "Signing key for the user tokens the browser's /v1/me routes accept; a new signingKey revokes every token",
      generateSecretString: { secretStringTemplate: JSON.stringify({ stack: this.stackName }), generateStringKey: "signingKey", passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(userTokenSecret).acknowledge({
      id: "AwsSolutions-SMG4",
      reason: "Rotation is on demand: `notify rotate-token-key` (5-minute overlap) or `--revoke` when a key leaks; tokens live a day at most.",
    });
    const userAuthorizer = new NotifyFunction(this, "UserAuthorizer", {
      entry: "user-authorizer.ts",
      serviceName: "user-authorizer",
      memorySize: 256,
      timeout: Duration.seconds(5),
      environment: { USER_TOKEN_SECRET_ARN: userTokenSecret.secretArn, SECRET_CACHE_SECONDS: String(userTokenCacheSeconds) },
    });
    userTokenSecret.grantRead(userAuthorizer.function);
    const api = new HttpApi(this, "Http", {
      handler: ingest.function,
      rateLimit: props.apiRateLimit,
      burstLimit: props.apiBurstLimit,
      userRouteRateLimit: props.userRouteRateLimit,
      linkRouteRateLimit: props.linkRouteRateLimit,
      userAuthorizer: userAuthorizer.function,
      userAuthorizerCacheSeconds: userTokenCacheSeconds,
      allowedOrigins: props.allowedOrigins ?? [],
    });
    return { ingest, api, userAuthorizer, userTokenSecret };
  }

  private createEncryptionKey(): Key {
    if (Token.isUnresolved(this.region)) {
      // DynamoDB global tables must name the key's region; `cdk deploy` resolves it from the profile.
      throw new Error("customerManagedKey needs the stack's region: set CDK_DEFAULT_REGION or AWS_REGION, or run through `cdk deploy`, which does");
    }
    acknowledgeKeyGrants(this);
    return new Key(this, "DataKey", { enableKeyRotation: true, description: "Encrypts the notification stack's topic, queues, tables and stream" });
  }
}
