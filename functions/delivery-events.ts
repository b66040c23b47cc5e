import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import { deliveryEventSchema } from "#shared/delivery-event.ts";
import { DeliveriesStore } from "#shared/stores/deliveries-store.ts";
import { documents } from "./commons/clients.ts";
import { requiredEnv } from "./commons/env.ts";
import { logger, metrics } from "./commons/powertools.ts";

const deliveries = new DeliveriesStore(documents, requiredEnv("DELIVERIES_TABLE_NAME"));
const processor = new BatchProcessor(EventType.KinesisDataStreams);

async function applyRecord(record: KinesisStreamRecord): Promise<void> {
  const event = deliveryEventSchema.parse(JSON.parse(Buffer.from(record.kinesis.data, "base64").toString("utf8")));
  const applied = await deliveries.apply(event);
  metrics.addMetric(applied === "applied" ? "eventsApplied" : "eventsStale", MetricUnit.Count, 1);
  logger.debug("delivery event", { notificationId: event.notificationId, channel: event.channel, status: event.status, applied });
}

// In sequence, not in parallel: a user's events share a shard and must land in stream order.
async function handleBatch(event: KinesisStreamEvent, context: Context): Promise<KinesisStreamBatchResponse> {
  return processPartialResponse(event, applyRecord, processor, { context, processInParallel: false });
}

export const handler = middy(handleBatch)
  .use(logMetrics(metrics, { throwOnEmptyMetrics: false }))
  .use(injectLambdaContext(logger, { clearState: true }));
