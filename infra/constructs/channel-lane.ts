import { CfnOutput, Duration, type Stack } from "aws-cdk-lib";
import type { IKey } from "aws-cdk-lib/aws-kms";
import type { IStream } from "aws-cdk-lib/aws-kinesis";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import type { Channel } from "#shared/domain/channels.ts";
import type { ChannelRates } from "#shared/domain/send-rate.ts";
import { workerServiceName } from "#shared/domain/worker-metrics.ts";
import { channelOutputPrefix } from "../output-names.ts";
import { ChannelQueue } from "./channel-queue.ts";
import { grantProvider, providerEnvironment, type ProviderSettings } from "./channel-providers.ts";
import type { DataTables } from "./data-tables.ts";
import type { NotificationTopic } from "./notification-topic.ts";
import { NotifyFunction } from "./notify-function.ts";
import type { DashboardLane } from "./operations-dashboard.ts";
import type { OpsAlarms } from "./ops-alarms.ts";

/** How the channel workers run, the same for every channel. */
export interface WorkerSettings extends ProviderSettings {
  readonly maxReceiveCount: number;
  readonly workerBatchSize: number;
  /** How long a worker waits to fill a batch; above zero, priority high gets an express queue. */
  readonly workerBatchingWindow: Duration;
  readonly workerMaxConcurrency: number;
  /** Concurrent invocations on a channel's bulk lane, which carries broadcasts. */
  readonly bulkWorkerMaxConcurrency: number;
  /** Sends a second per channel, across its workers and lanes; a channel not named has no cap. */
  readonly channelRates: ChannelRates;
  readonly workerTimeoutSeconds: number;
  readonly retryBaseSeconds: number;
  readonly retryMaxSeconds: number;
  readonly providerTimeoutMillis: number;
  /** How long a finished claim, and a sent push message's id, is remembered. */
  readonly claimRetention: Duration;
  /** Index sent push messages by SNS message id, for the push-receipts reader. */
  readonly indexPushMessageIds: boolean;
}

export interface ChannelLaneProps {
  readonly channel: Channel;
  readonly topic: NotificationTopic;
  readonly tables: DataTables;
  readonly stream: IStream;
  readonly alarms: OpsAlarms;
  readonly settings: WorkerSettings;
  /** The email worker's footer links (one-click unsubscribe, preference center), when the stack has the HTTP API. */
  readonly emailLinks?: { unsubscribeUrl: string; preferenceCenterUrl: string; secret: ISecret };
  readonly encryptionKey?: IKey;
}

/**
 * One channel end to end: its queue and DLQ (and an express queue for priority high when workers
 * batch), a bulk queue and DLQ for broadcasts with its own concurrency, its worker with the environment and grants it needs, the event sources, alarms and
 * outputs. It adds no level to the construct tree: every resource keeps the id it always had in the
 * stack, so upgrading a deployed stack replaces nothing.
 */
export class ChannelLane {
  readonly worker: NotifyFunction;
  /** The queues the worker reads, as the dashboard draws them. */
  readonly lanes: DashboardLane[];

  constructor(stack: Stack, props: ChannelLaneProps) {
    const { channel, tables, settings } = props;
    const name = channelOutputPrefix(channel);
    const express = settings.workerBatchingWindow.toSeconds() > 0;
    const queueProps = {
      channel,
      topic: props.topic.topic,
      maxReceiveCount: settings.maxReceiveCount,
      visibilityTimeout: Duration.seconds(settings.workerTimeoutSeconds * 6),
      encryptionKey: props.encryptionKey,
    };
    const queues = [{ id: name, label: "", window: settings.workerBatchingWindow, concurrency: settings.workerMaxConcurrency, bulk: false, queue: new ChannelQueue(stack, `${name}Channel`, { ...queueProps, priorities: express ? "not-high" : "all" }) }];
    if (express) queues.push({ id: `${name}Express`, label: " (priority high)", window: Duration.seconds(0), concurrency: settings.workerMaxConcurrency, bulk: false, queue: new ChannelQueue(stack, `${name}ExpressChannel`, { ...queueProps, priorities: "high" }) });
    // Broadcasts wait in their own queue, so transactional messages are never behind them; its
    // concurrency cap keeps a broadcast from taking every environment the worker may have.
    queues.push({ id: `${name}Bulk`, label: " (broadcasts)", window: settings.workerBatchingWindow, concurrency: settings.bulkWorkerMaxConcurrency, bulk: true, queue: new ChannelQueue(stack, `${name}BulkChannel`, { ...queueProps, kind: "broadcast" }) });

    const indexesPushMessageIds = channel === "push" && settings.indexPushMessageIds;
    const sendRate = settings.channelRates[channel];
    this.worker = new NotifyFunction(stack, `${name}Worker`, {
      entry: "channel-worker.ts",
      serviceName: workerServiceName(channel),
      timeout: Duration.seconds(settings.workerTimeoutSeconds),
      environment: {
        CHANNEL: channel,
        NOTIFICATIONS_TOPIC_ARN: props.topic.topic.topicArn,
        // A claim outlives the longest invocation, so only a crashed attempt's claim can expire.
        CLAIM_LEASE_SECONDS: String(settings.workerTimeoutSeconds * 2),
        MAX_RECEIVE_COUNT: String(settings.maxReceiveCount),
        RETRY_BASE_SECONDS: String(settings.retryBaseSeconds),
        RETRY_MAX_SECONDS: String(settings.retryMaxSeconds),
        PROVIDER_TIMEOUT_MS: String(settings.providerTimeoutMillis),
        DEDUP_RETENTION_SECONDS: String(settings.claimRetention.toSeconds()),
        ...providerEnvironment(channel, settings, tables),
        ...(channel === "email" && props.emailLinks ? { UNSUBSCRIBE_URL: props.emailLinks.unsubscribeUrl, PREFERENCE_CENTER_URL: props.emailLinks.preferenceCenterUrl, UNSUBSCRIBE_SECRET_ARN: props.emailLinks.secret.secretArn } : {}),
        // Push receipts name only the SNS message id; index it by delivery only when someone reads receipts.
        ...(indexesPushMessageIds ? { INDEX_PUSH_MESSAGE_IDS: "true" } : {}),
        ...(sendRate === undefined ? {} : { SEND_RATE_PER_SECOND: String(sendRate) }),
      },
    });
    const worker = this.worker.function;
    this.worker
      .useTable("PREFERENCES_TABLE_NAME", tables.preferences, "read")
      // The claim and the outcome live on the delivery's row: read on a conflict, written only by conditional updates.
      .useTable("DELIVERIES_TABLE_NAME", tables.deliveries, ["dynamodb:GetItem", "dynamodb:UpdateItem"]);
    if (indexesPushMessageIds) this.worker.useTable("DEDUP_TABLE_NAME", tables.dedup, ["dynamodb:PutItem"]);
    // The channel's send windows live in the dedup table; a record held back goes on its queue again.
    if (sendRate !== undefined) this.worker.useTable("SEND_RATE_TABLE_NAME", tables.dedup, ["dynamodb:UpdateItem"]);
    // Holds are puts; a digest's joiners read their scope's current window and join it by updates.
    this.worker.useTable("DEFERRED_TABLE_NAME", tables.deferred, ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]);
    this.worker.useTable("THROTTLE_TABLE_NAME", tables.dedup, ["dynamodb:UpdateItem"]);
    // A message names its template version, which never changes once stored: one read per version per environment.
    this.worker.useTable("TEMPLATES_TABLE_NAME", tables.templates, ["dynamodb:GetItem"]);
    for (const { queue } of queues) queue.queue.grant(worker, "sqs:ChangeMessageVisibility", "sqs:GetQueueUrl", ...(sendRate === undefined ? [] : ["sqs:SendMessage"]));
    this.worker.writesTo("DELIVERY_EVENTS_STREAM_NAME", props.stream);
    // Fallbacks and escalations are published again, to the follow-up channel's queue.
    props.topic.grantPublish(worker);
    grantProvider(channel, this.worker, settings, tables);
    if (channel === "email" && props.emailLinks) props.emailLinks.secret.grantRead(worker);

    this.lanes = [];
    for (const { id, label, window, concurrency, bulk, queue } of queues) {
      worker.addEventSource(
        new SqsEventSource(queue.queue, {
          batchSize: settings.workerBatchSize,
          maxBatchingWindow: window.toSeconds() > 0 ? window : undefined,
          reportBatchItemFailures: true,
          maxConcurrency: concurrency,
        }),
      );
      this.lanes.push({ channel, queue: queue.queue, deadLetterQueue: queue.deadLetterQueue, bulk });
      props.alarms.deadLetterQueue(`${id}DeadLetters`, queue.deadLetterQueue);
      props.alarms.queueAge(`${id}QueueAge`, queue.queue);
      new CfnOutput(stack, `${id}QueueUrl`, { key: `${id}QueueUrl`, value: queue.queue.queueUrl, description: `${channel} channel queue${label}` });
      new CfnOutput(stack, `${id}DeadLetterQueueUrl`, { key: `${id}DeadLetterQueueUrl`, value: queue.deadLetterQueue.queueUrl, description: `${channel} channel dead-letter queue${label}` });
    }
    props.alarms.functionErrors(`${name}WorkerErrors`, worker);
    new CfnOutput(stack, `${name}WorkerName`, { key: `${name}WorkerName`, value: worker.functionName, description: `${channel} worker function` });
  }
}
