import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { kindOf, parseChannelMessage, type ChannelMessage } from "#shared/domain/channel-message.ts";
import { isChannel } from "#shared/domain/channels.ts";
import { sendLaneOf } from "#shared/domain/send-rate.ts";
import { CoalescedDeliveryEvents } from "#shared/adapters/coalesced-delivery-events.ts";
import { deliver, type DeliverDependencies, type Receipt } from "#shared/workflows/deliver.ts";
import { DeliveryEventPublisher } from "#shared/adapters/delivery-event-publisher.ts";
import { HeldMessages } from "#shared/adapters/held-messages.ts";
import { QueueUrls } from "#shared/adapters/queue-urls.ts";
import { NotificationPublisher } from "#shared/adapters/notification-publisher.ts";
import { providerFromEnv } from "#shared/adapters/providers/provider-from-env.ts";
import { RecordRetry } from "#shared/adapters/record-retry.ts";
import { SendRateGate } from "#shared/adapters/send-rate-gate.ts";
import { SendRateWindows } from "#shared/adapters/stores/send-rate-windows.ts";
import { DedupClaims } from "#shared/adapters/stores/dedup-claims.ts";
import { DeferredItems } from "#shared/adapters/stores/deferred-items.ts";
import { DigestMembers } from "#shared/adapters/stores/digest-members.ts";
import { DigestWindows } from "#shared/adapters/stores/digest-windows.ts";
import { ThrottleCounters } from "#shared/adapters/stores/throttle-counters.ts";
import { PreferencesStore } from "#shared/adapters/stores/preferences-store.ts";
import { SentMessages } from "#shared/adapters/stores/sent-messages.ts";
import { EmailLinks } from "#shared/adapters/email-links.ts";
import { WORKER_METRICS } from "#shared/domain/worker-metrics.ts";
import { documents, kinesis, sns, sqs } from "./commons/clients.ts";
import { requiredEnv } from "./commons/env.ts";
import { templateStore } from "./commons/templates.ts";
import { logger, metrics, withPowertools } from "./commons/powertools.ts";
import { secretString } from "./commons/secrets.ts";

const channel = requiredEnv("CHANNEL");
if (!isChannel(channel)) throw new Error(`CHANNEL must be a channel, not ${channel}`);

const now = () => Date.now();
/** How long an outcome waits for others to share its PutRecords request. */
const EVENTS_WINDOW_MILLIS = 20;
metrics.setDefaultDimensions({ channel });
// Every line names the channel. A batch's records run side by side on one logger, so a record's ids
// go in its own log calls: keys appended per record would land on its neighbours' lines too.
logger.appendPersistentKeys({ channel });
const unsubscribeUrl = process.env.UNSUBSCRIBE_URL;
const preferenceCenterUrl = process.env.PREFERENCE_CENTER_URL;
const unsubscribeSecretArn = process.env.UNSUBSCRIBE_SECRET_ARN;
const events = new DeliveryEventPublisher(kinesis, requiredEnv("DELIVERY_EVENTS_STREAM_NAME"), (millis) => sleep(millis));
const claims = new DedupClaims(documents, {
  tableName: requiredEnv("DELIVERIES_TABLE_NAME"),
  leaseMillis: Number(requiredEnv("CLAIM_LEASE_SECONDS")) * 1000,
  retentionSeconds: Number(requiredEnv("DEDUP_RETENTION_SECONDS")),
  now,
});
// Retries and held records reach the same queues: each queue's URL is asked for once.
const queueUrls = new QueueUrls(sqs);
const retry = new RecordRetry(sqs, queueUrls, events, {
  channel,
  maxReceiveCount: Number(requiredEnv("MAX_RECEIVE_COUNT")),
  policy: { baseSeconds: Number(requiredEnv("RETRY_BASE_SECONDS")), maxSeconds: Number(requiredEnv("RETRY_MAX_SECONDS")) },
  claims,
  now,
});
const preferences = new PreferencesStore(documents, requiredEnv("PREFERENCES_TABLE_NAME"));
const sendRate = process.env.SEND_RATE_PER_SECOND
  ? new SendRateGate(new SendRateWindows(documents, requiredEnv("SEND_RATE_TABLE_NAME")), { channel, limit: Number(process.env.SEND_RATE_PER_SECOND), now, sleep: (millis) => sleep(millis) })
  : undefined;
const held = new HeldMessages(sqs, queueUrls);
/** What a record waiting for the send rate leaves itself to send and record its outcome. */
const SEND_RESERVE_MILLIS = Number(requiredEnv("PROVIDER_TIMEOUT_MS")) + 3000;
const dependencies: DeliverDependencies = {
  emailLinks: unsubscribeUrl && preferenceCenterUrl && unsubscribeSecretArn ? new EmailLinks({ unsubscribeUrl, preferenceCenterUrl }, () => secretString(unsubscribeSecretArn), now) : undefined,
  channel,
  templates: templateStore(),
  preferences,
  claims,
  deferred: new DeferredItems(documents, requiredEnv("DEFERRED_TABLE_NAME")),
  grouping: {
    throttles: new ThrottleCounters(documents, requiredEnv("THROTTLE_TABLE_NAME")),
    digestMembers: new DigestMembers(documents, requiredEnv("DELIVERIES_TABLE_NAME")),
    digestWindows: new DigestWindows(documents, requiredEnv("DEFERRED_TABLE_NAME")),
    now,
  },
  followUps: new NotificationPublisher(sns, requiredEnv("NOTIFICATIONS_TOPIC_ARN"), (millis) => sleep(millis)),
  provider: providerFromEnv(channel, process.env, documents, now),
  // Push receipts (SNS delivery status logs) name only the SNS message id.
  sentMessages: process.env.INDEX_PUSH_MESSAGE_IDS === "true" ? new SentMessages(documents, { tableName: requiredEnv("DEDUP_TABLE_NAME"), retentionSeconds: Number(requiredEnv("DEDUP_RETENTION_SECONDS")), now }) : undefined,
  // Outcomes of a batch's records, which finish side by side, share PutRecords requests.
  events: new CoalescedDeliveryEvents(events, EVENTS_WINDOW_MILLIS),
  now,
  newToken: randomUUID,
};
const processor = new BatchProcessor(EventType.SQS);

/** What one invocation's records share: their parsed messages and the recipients' preferences, read together. */
interface Batch {
  messages: Map<string, ChannelMessage | Error>;
  dependencies: DeliverDependencies;
}

async function prepareBatch(records: SQSRecord[], context: Context): Promise<Batch> {
  const messages = new Map<string, ChannelMessage | Error>();
  for (const record of records) {
    try {
      messages.set(record.messageId, parseChannelMessage(record.body));
    } catch (error) {
      messages.set(record.messageId, error as Error);
    }
  }
  const userIds = [...messages.values()].flatMap((message) => (message instanceof Error ? [] : [message.userId]));
  // A failed batch read must not fail the invocation: each record then reads alone and, if that
  // fails too, fails alone with its own backoff and dead-letter record.
  const read = await preferences.getMany(userIds, (millis) => sleep(millis)).catch((error: unknown) => {
    logger.warn("batch preference read failed; records read their own", { records: userIds.length, error: (error as Error).message });
    return new Map<string, undefined>();
  });
  const waitUntil = now() + context.getRemainingTimeInMillis() - SEND_RESERVE_MILLIS;
  return {
    messages,
    dependencies: {
      ...dependencies,
      preferences: { get: async (userId) => (read.has(userId) ? read.get(userId) : preferences.get(userId)) },
      sendRate: sendRate && { admit: (message) => sendRate.admit(sendLaneOf(kindOf(message)), waitUntil) },
    },
  };
}

/** A record that throws fails alone; before it does, it is given its own backoff (or recorded as dead-lettered). */
async function deliverRecord(record: SQSRecord, batch: Batch): Promise<void> {
  const attempt = Number(record.attributes.ApproximateReceiveCount);
  let message: ChannelMessage | undefined;
  try {
    const parsed = batch.messages.get(record.messageId)!;
    if (parsed instanceof Error) throw parsed;
    message = parsed;
    await retry.beforeAttempt(attempt, message);
    await deliverMessage(record, message, { attempt, messageId: record.messageId }, batch.dependencies);
  } catch (error) {
    const next = await retry.afterFailure({ receiptHandle: record.receiptHandle, eventSourceARN: record.eventSourceARN, attempt, messageId: record.messageId }, message, error);
    const details = { notificationId: message?.notificationId, attempt, error: (error as Error).message };
    if (next === "dead_lettered") {
      metrics.addMetric(WORKER_METRICS.deadLettered, MetricUnit.Count, 1);
      logger.warn("delivery dead-lettered", details);
    } else {
      metrics.addMetric(WORKER_METRICS.retried, MetricUnit.Count, 1);
      logger.warn("delivery will be retried", { ...details, retryInSeconds: next.retryInSeconds });
    }
    throw error;
  }
}

async function deliverMessage(record: SQSRecord, message: ChannelMessage, receipt: Receipt, batchDependencies: DeliverDependencies): Promise<void> {
  const result = await deliver(message, receipt, batchDependencies);
  if (result.kind === "held") {
    await held.requeue(record);
    metrics.addMetric(WORKER_METRICS.held, MetricUnit.Count, 1);
    return;
  }
  if (result.kind === "redundant") {
    metrics.addMetric(WORKER_METRICS.redundant, MetricUnit.Count, 1);
    logger.debug("another message owns this delivery", { notificationId: message.notificationId });
    return;
  }
  const { status, reason } = result.event;
  if (result.kind === "duplicate") metrics.addMetric(WORKER_METRICS.deduplicated, MetricUnit.Count, 1);
  else if (status === "suppressed") {
    const byReason = metrics.singleMetric();
    // A single metric keeps the default dimensions (service, channel) and adds the reason.
    byReason.addDimension("reason", reason ?? "unknown");
    byReason.addMetric(WORKER_METRICS.suppressed, MetricUnit.Count, 1);
  } else if (status === "sent" || status === "failed" || status === "deferred") metrics.addMetric(WORKER_METRICS[status], MetricUnit.Count, 1);
  if (result.kind === "outcome" && result.providerMillis !== undefined) metrics.addMetric(WORKER_METRICS.providerLatency, MetricUnit.Milliseconds, result.providerMillis);
  // Every outcome is on the delivery-events stream and in the metrics; a log line per send would cost more than the send's requests.
  logger.debug("delivery outcome", { notificationId: message.notificationId, status, reason, attempt: receipt.attempt, duplicate: result.kind === "duplicate" });
}

/** The batch's records are delivered side by side; a record that throws fails alone. */
async function handleBatch(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const batch = await prepareBatch(event.Records, context);
  return processPartialResponse(event, (record: SQSRecord) => deliverRecord(record, batch), processor, { context });
}

export const handler = withPowertools(handleBatch);
