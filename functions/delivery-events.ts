import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import { deliveryEventSchema, deliveryKey, type DeliveryEvent } from "#shared/domain/delivery-event.ts";
import { inOrderPerKey } from "#shared/lib/in-order-per-key.ts";
import { DeliveriesStore } from "#shared/adapters/stores/deliveries-store.ts";
import { documents } from "./commons/clients.ts";
import { requiredEnv } from "./commons/env.ts";
import { logger, metrics, withPowertools } from "./commons/powertools.ts";

/** Deliveries written at once; each is one conditional UpdateItem. */
const PARALLEL_DELIVERIES = 16;

const deliveries = new DeliveriesStore(documents, requiredEnv("DELIVERIES_TABLE_NAME"));

/** One delivery's records in the batch, in stream order; an unreadable record stands alone. */
interface DeliveryRecords {
  key: string;
  records: KinesisStreamRecord[];
  events: DeliveryEvent[];
  error?: unknown;
}

function groupByDelivery(records: KinesisStreamRecord[]): DeliveryRecords[] {
  const groups = new Map<string, DeliveryRecords>();
  for (const record of records) {
    let event: DeliveryEvent;
    try {
      event = deliveryEventSchema.parse(JSON.parse(Buffer.from(record.kinesis.data, "base64").toString("utf8")));
    } catch (error) {
      const key = `unreadable#${record.kinesis.sequenceNumber}`;
      groups.set(key, { key, records: [record], events: [], error });
      continue;
    }
    const key = deliveryKey(event);
    const group = groups.get(key) ?? { key, records: [], events: [] };
    group.records.push(record);
    group.events.push(event);
    groups.set(key, group);
  }
  return [...groups.values()];
}

async function apply({ records, events, error }: DeliveryRecords): Promise<void> {
  if (events.length === 0) {
    logger.error("unreadable delivery event", { sequenceNumber: records[0]!.kinesis.sequenceNumber, error: (error as Error).message });
    throw error;
  }
  const { notificationId, channel } = events[0]!;
  // A worker's send or failure is on the row already, written with its claim's completion.
  const unrecorded = events.filter((event) => !event.recordedInRow);
  metrics.addMetric("eventsRecordedInRow", MetricUnit.Count, events.length - unrecorded.length);
  if (unrecorded.length === 0) return;
  let applied;
  try {
    applied = await deliveries.applyAll(unrecorded);
  } catch (failure) {
    logger.warn("delivery events not applied; the shard resumes from them", { notificationId, channel, events: events.length, error: (failure as Error).message });
    throw failure;
  }
  metrics.addMetric("eventsApplied", MetricUnit.Count, applied === "applied" ? 1 : 0);
  metrics.addMetric("eventsStale", MetricUnit.Count, unrecorded.length - (applied === "applied" ? 1 : 0));
}

/**
 * A delivery's events in the batch are folded into one write, and different deliveries are written
 * side by side. A failed write reports every record of its delivery; Lambda resumes the shard from
 * the lowest, and re-applying what already landed is harmless (a seen event changes nothing).
 */
async function handleBatch(event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> {
  const failed = await inOrderPerKey(groupByDelivery(event.Records), (group) => group.key, apply, PARALLEL_DELIVERIES);
  return { batchItemFailures: failed.flatMap(({ records }) => records.map((record) => ({ itemIdentifier: record.kinesis.sequenceNumber }))) };
}

export const handler = withPowertools(handleBatch);
