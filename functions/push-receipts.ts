import { setTimeout as sleep } from "node:timers/promises";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { CloudWatchLogsSchema } from "@aws-lambda-powertools/parser/schemas";
import type { CloudWatchLogsEvent } from "aws-lambda";
import type { DeliveryEvent } from "#shared/domain/delivery-event.ts";
import { DeliveryEventPublisher } from "#shared/adapters/delivery-event-publisher.ts";
import type { Preferences } from "#shared/domain/preferences.ts";
import { updatePreferences } from "#shared/workflows/preferences-patch.ts";
import { parsePushDeliveryStatus, readPushReceipt } from "#shared/domain/push-receipts.ts";
import { PreferencesStore } from "#shared/adapters/stores/preferences-store.ts";
import { SentMessages } from "#shared/adapters/stores/sent-messages.ts";
import { documents, kinesis } from "./commons/clients.ts";
import { requiredEnv } from "./commons/env.ts";
import { logger, metrics, withPowertools } from "./commons/powertools.ts";

const now = () => Date.now();
const preferences = new PreferencesStore(documents, requiredEnv("PREFERENCES_TABLE_NAME"));
const sentMessages = new SentMessages(documents, { tableName: requiredEnv("DEDUP_TABLE_NAME"), retentionSeconds: Number(requiredEnv("DEDUP_RETENTION_SECONDS")), now });
const events = new DeliveryEventPublisher(kinesis, requiredEnv("DELIVERY_EVENTS_STREAM_NAME"), (millis) => sleep(millis));

/** Stops sending to a device whose token the push service says is gone; the user's other devices stay. */
async function dropEndpoint(userId: string, endpoint: string): Promise<void> {
  const withoutEndpoint = (stored: Preferences | undefined) =>
    stored?.pushEndpoints?.includes(endpoint) ? { ...stored, pushEndpoints: stored.pushEndpoints.filter((candidate) => candidate !== endpoint) } : stored;
  await updatePreferences(preferences, userId, withoutEndpoint, new Date(now()).toISOString());
}

/**
 * SNS mobile push delivery status logs, through a CloudWatch Logs subscription: each line becomes
 * the push's delivery event. A failure throws, so Lambda retries the batch and then hands it to
 * the on-failure queue; every step is idempotent, so a retried batch changes nothing twice.
 */
async function handleLogs(event: CloudWatchLogsEvent): Promise<void> {
  // Decoded, decompressed and checked as CloudWatch Logs delivers it; anything else fails the batch, which Lambda retries and then hands to the DLQ.
  const batch = CloudWatchLogsSchema.parse(event).awslogs.data;
  if (batch.messageType !== "DATA_MESSAGE") return;
  const outcomes: DeliveryEvent[] = [];
  for (const line of batch.logEvents) {
    const status = parsePushDeliveryStatus(line.message);
    const sent = await sentMessages.find(status.notification.messageId);
    if (!sent) {
      // Pushes this stack did not send (another app on the same platform application), or older than the index keeps.
      metrics.addMetric("pushReceiptUnmatched", MetricUnit.Count, 1);
      continue;
    }
    const receipt = readPushReceipt(status, sent);
    if (receipt.goneEndpoint) {
      await dropEndpoint(sent.userId, receipt.goneEndpoint);
      metrics.addMetric("pushEndpointDropped", MetricUnit.Count, 1);
    }
    outcomes.push(receipt.event);
    logger.info("push receipt", { notificationId: sent.notificationId, status: receipt.event.status, reason: receipt.event.reason });
  }
  await events.publish(outcomes);
  metrics.addMetric("pushReceipts", MetricUnit.Count, outcomes.length);
}

export const handler = withPowertools(handleLogs);
