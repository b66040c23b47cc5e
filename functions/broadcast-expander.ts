import { setTimeout as sleep } from "node:timers/promises";
import { processPartialResponse, SqsFifoPartialProcessorAsync } from "@aws-lambda-powertools/batch";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { NotificationPublisher } from "#shared/adapters/notification-publisher.ts";
import { AudienceStore } from "#shared/adapters/stores/audience-store.ts";
import { DeliveriesStore } from "#shared/adapters/stores/deliveries-store.ts";
import { ExpansionCheckpoints } from "#shared/adapters/stores/expansion-checkpoints.ts";
import { ExpansionQueue } from "#shared/adapters/expansion-queue.ts";
import { PublishBudget } from "#shared/adapters/publish-budget.ts";
import { SendRateWindows } from "#shared/adapters/stores/send-rate-windows.ts";
import { expansionPageSchema } from "#shared/domain/broadcast-expansion.ts";
import { RecentValues } from "#shared/lib/recent-values.ts";
import { expandPage, type ExpandPageDependencies } from "#shared/workflows/expand-page.ts";
import { cancelPage, type CancelPageDependencies } from "#shared/workflows/cancel-page.ts";
import { BroadcastCancellations } from "#shared/adapters/stores/broadcast-cancellations.ts";
import { DeliveryEventPublisher } from "#shared/adapters/delivery-event-publisher.ts";
import { documents, kinesis, sns, sqs } from "./commons/clients.ts";
import { requiredEnv } from "./commons/env.ts";
import { logger, metrics, withPowertools } from "./commons/powertools.ts";

const deliveries = new DeliveriesStore(documents, requiredEnv("DELIVERIES_TABLE_NAME"));
const publisher = new NotificationPublisher(sns, requiredEnv("NOTIFICATIONS_TOPIC_ARN"), (millis) => sleep(millis));
// A broadcast's header is written once at acceptance, so a warm expander reads it once, not per page.
const broadcasts = new RecentValues(64, (notificationId) => deliveries.broadcastOf(notificationId));
const expansionQueue = new ExpansionQueue(sqs, requiredEnv("EXPANSION_QUEUE_URL"), (millis) => sleep(millis));
const checkpoints = new ExpansionCheckpoints(documents, requiredEnv("DELIVERIES_TABLE_NAME"));
const members = new AudienceStore(documents, requiredEnv("AUDIENCES_TABLE_NAME"), (millis) => sleep(millis));
const cancellations = new BroadcastCancellations(documents, requiredEnv("DELIVERIES_TABLE_NAME"), new DeliveryEventPublisher(kinesis, requiredEnv("DELIVERY_EVENTS_STREAM_NAME"), (millis) => sleep(millis)), (millis) => sleep(millis));
const dependencies: ExpandPageDependencies & CancelPageDependencies = {
  checkpoints,
  members,
  broadcastOf: (notificationId) => broadcasts.get(notificationId),
  cancelMembers: (broadcast, userIds, escalations) => cancellations.cancelMembers(broadcast, userIds, escalations, Date.now()),
  publish: (messages) => publisher.publish(messages),
  queuePage: (page) => expansionQueue.queue([page]),
  publishBudget: new PublishBudget(new SendRateWindows(documents, requiredEnv("SEND_RATE_TABLE_NAME")), {
    ratePerSecond: Number(requiredEnv("BROADCAST_PUBLISH_RATE")),
    now: () => Date.now(),
    sleep: (millis) => sleep(millis),
  }),
};
// A failed page stops the rest of its shard's group in the batch, so a chain never runs out of order.
const processor = new SqsFifoPartialProcessorAsync();

async function handlePage(record: SQSRecord): Promise<void> {
  const page = expansionPageSchema.parse(JSON.parse(record.body));
  const step = page.kind === "cancel" ? await cancelPage(page, dependencies) : await expandPage(page, dependencies);
  metrics.addMetric(`${page.kind === "cancel" ? "cancelPage" : "expansionPage"}_${step}`, MetricUnit.Count, 1);
  logger.debug("expansion page", { ...page, step });
}

async function handleBatch(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  return processPartialResponse(event, handlePage, processor, { context, skipGroupOnError: true });
}

export const handler = withPowertools(handleBatch);
