import { setTimeout as sleep } from "node:timers/promises";
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { JSONStringified } from "@aws-lambda-powertools/parser/helpers";
import { SnsSqsNotificationSchema } from "@aws-lambda-powertools/parser/schemas";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { z } from "zod";
import { DeliveryEventPublisher } from "#shared/adapters/delivery-event-publisher.ts";
import { readProviderFeedback } from "#shared/domain/provider-feedback.ts";
import { PreferencesStore } from "#shared/adapters/stores/preferences-store.ts";
import { documents, kinesis } from "./commons/clients.ts";
import { requiredEnv } from "./commons/env.ts";
import { logger, metrics, withPowertools } from "./commons/powertools.ts";

const preferences = new PreferencesStore(documents, requiredEnv("PREFERENCES_TABLE_NAME"));
const events = new DeliveryEventPublisher(kinesis, requiredEnv("DELIVERY_EVENTS_STREAM_NAME"), (millis) => sleep(millis));
const processor = new BatchProcessor(EventType.SQS);

/**
 * The queue receives SNS messages whole (not raw): a notification, whose Message is the provider's
 * JSON, or SNS's own (a subscription confirmation), which carries no feedback. A malformed
 * notification or body fails its record, so it is retried and then dead-lettered, never dropped.
 */
const snsMessage = JSONStringified(z.looseObject({ Type: z.string() }));

async function handleFeedback(record: SQSRecord): Promise<void> {
  const message = snsMessage.parse(record.body);
  if (message.Type !== "Notification") {
    logger.info("not a provider notification", { type: message.Type });
    return;
  }
  const envelope = SnsSqsNotificationSchema.parse(message);
  const feedback = readProviderFeedback(envelope.Message);
  if ("ignored" in feedback) {
    metrics.addMetric("feedbackIgnored", MetricUnit.Count, 1);
    logger.debug("feedback ignored", { why: feedback.ignored });
    return;
  }
  // The switch goes first: once the status says bounced, the next send already finds the channel off.
  if (feedback.suppression) {
    await preferences.suppressChannel(feedback.suppression);
    metrics.addMetric(`channelSuppressed_${feedback.suppression.reason}`, MetricUnit.Count, 1);
  }
  await events.publish([feedback.event]);
  metrics.addMetric(`feedback_${feedback.event.status}`, MetricUnit.Count, 1);
  logger.info("provider feedback", { notificationId: feedback.event.notificationId, channel: feedback.event.channel, status: feedback.event.status, reason: feedback.event.reason });
}

async function handleBatch(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  return processPartialResponse(event, handleFeedback, processor, { context });
}

export const handler = withPowertools(handleBatch);
