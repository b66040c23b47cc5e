import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import { deliveryEventSchema, type DeliveryEvent } from "#shared/delivery-event.ts";
import { inOrderPerKey } from "#shared/in-order-per-key.ts";
import { DeliveriesStore } from "#shared/stores/deliveries-store.ts";
import { documents } from "./commons/clients.ts";
import { requiredEnv } from "./commons/env.ts";
import { logger, metrics } from "./commons/powertools.ts";

/** Deliveries written at once; each is one conditional UpdateItem. */
const PARALLEL_DELIVERIES = 16;

const deliveries = new DeliveriesStore(documents, requiredEnv("DELIVERIES_TABLE_NAME"));

type Parsed = { record: KinesisStreamRecord; event?: DeliveryEvent; error?: unknown };

function parse(record: KinesisStreamRecord): Parsed {
  try {
    return { record, event: deliveryEventSchema.parse(JSON.parse(Buffer.from(record.kinesis.data, "base64").toString("utf8"))) };
  } catch (error) {
    return { record, error };
  }
}

async function apply({ record, event, error }: Parsed): Promise<void> {
  if (!event) {
    logger.error("unreadable delivery event", { sequenceNumber: record.kinesis.sequenceNumber, error: (error as Error).message });
    throw error;
  }
  let applied;
  try {
    applied = await deliveries.apply(event);
  } catch (failure) {
    logger.warn("delivery event not applied; the shard resumes from it", { notificationId: event.notificationId, channel: event.channel, error: (failure as Error).message });
    throw failure;
  }
  metrics.addMetric(applied === "applied" ? "eventsApplied" : "eventsStale", MetricUnit.Count, 1);
  logger.debug("delivery event", { notificationId: event.notificationId, channel: event.channel, status: event.status, applied });
}

/**
 * Only one delivery's events must land in stream order, so different deliveries are written side by
 * side. A failed record is reported with every later record of its delivery; Lambda resumes the
 * shard from the lowest, and re-applying what already landed is harmless (an older event is stale).
 */
async function handleBatch(event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> {
  const parsed = event.Records.map(parse);
  const deliveryOf = ({ record, event: delivery }: Parsed) =>
    delivery ? `${delivery.notificationId}#${delivery.userId}#${delivery.channel}` : `unreadable#${record.kinesis.sequenceNumber}`;
  const failed = await inOrderPerKey(parsed, deliveryOf, apply, PARALLEL_DELIVERIES);
  return { batchItemFailures: failed.map(({ record }) => ({ itemIdentifier: record.kinesis.sequenceNumber })) };
}

export const handler = middy(handleBatch)
  .use(logMetrics(metrics, { throwOnEmptyMetrics: false }))
  .use(injectLambdaContext(logger, { clearState: true }));
