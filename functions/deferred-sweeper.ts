import { setTimeout as sleep } from "node:timers/promises";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context, ScheduledEvent } from "aws-lambda";
import { NotificationPublisher } from "#shared/adapters/notification-publisher.ts";
import { releaseDeferred } from "#shared/workflows/release-deferred.ts";
import { DeferredItems } from "#shared/adapters/stores/deferred-items.ts";
import { DeliveriesStore } from "#shared/adapters/stores/deliveries-store.ts";
import { DigestMembers } from "#shared/adapters/stores/digest-members.ts";
import { DigestWindows } from "#shared/adapters/stores/digest-windows.ts";
import { ExpansionQueue } from "#shared/adapters/expansion-queue.ts";
import { AudienceStore } from "#shared/adapters/stores/audience-store.ts";
import { firstPages } from "#shared/domain/broadcast-expansion.ts";
import { documents, sns, sqs } from "./commons/clients.ts";
import { requiredEnv } from "./commons/env.ts";
import { templateStore } from "./commons/templates.ts";
import { logger, metrics, withPowertools } from "./commons/powertools.ts";

const deferred = new DeferredItems(documents, requiredEnv("DEFERRED_TABLE_NAME"));
const deliveries = new DeliveriesStore(documents, requiredEnv("DELIVERIES_TABLE_NAME"));
const publisher = new NotificationPublisher(sns, requiredEnv("NOTIFICATIONS_TOPIC_ARN"), (millis) => sleep(millis));
const digests = {
  windows: new DigestWindows(documents, requiredEnv("DEFERRED_TABLE_NAME")),
  members: new DigestMembers(documents, requiredEnv("DELIVERIES_TABLE_NAME")),
  templates: templateStore(),
  messages: publisher,
};
const expansionQueue = new ExpansionQueue(sqs, requiredEnv("EXPANSION_QUEUE_URL"), (millis) => sleep(millis));
const audiences = new AudienceStore(documents, requiredEnv("AUDIENCES_TABLE_NAME"), (millis) => sleep(millis));
const broadcasts = {
  async release(notificationId: string, audienceId: string, releasedAt: string): Promise<void> {
    // Its rows are spread for the members it has now: those are whom it expands to.
    await deliveries.recordBroadcastReleased(notificationId, (await audiences.get(audienceId))?.members ?? 0, releasedAt);
    await expansionQueue.queue(firstPages(notificationId, audienceId));
  },
};
/** Leaves room to finish the page in hand; what is left is due again on the next run. */
const SAFETY_MARGIN_MILLIS = 10_000;

async function sweep(_event: ScheduledEvent, context: Context): Promise<{ released: number }> {
  const { released, failed } = await releaseDeferred({
    deferred,
    statusOf: (delivery) => deliveries.statusOf(delivery),
    isCanceled: (notificationId) => deliveries.isCanceled(notificationId),
    digests,
    broadcasts,
    publisher,
    now: () => Date.now(),
    hasTime: () => context.getRemainingTimeInMillis() > SAFETY_MARGIN_MILLIS,
  });
  metrics.addMetric("deferredReleased", MetricUnit.Count, released);
  if (released > 0) logger.info("released deferred notifications", { released });
  metrics.addMetric("deferredReleaseFailed", MetricUnit.Count, failed.length);
  for (const { dueKey, error } of failed) logger.error("a deferred release failed; it stays for the next sweep", { dueKey, error });
  // Every release that could go went; the invocation still fails, so the sweeper's error alarm pages.
  if (failed.length > 0) throw new Error(`${failed.length} deferred releases failed (first: ${failed[0]!.dueKey}); they stay for the next sweep`);
  return { released };
}

export const handler = withPowertools(sweep);
