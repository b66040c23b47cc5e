import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import { placementOf, deliveryEventSchema, deliveryKey, type DeliveryEvent } from "#shared/domain/delivery-event.ts";
import { inOrderPerKey } from "#shared/lib/in-order-per-key.ts";
import { summaryStamp, type TakenChange } from "#shared/domain/broadcast-summary.ts";
import { BroadcastSummaries } from "#shared/adapters/stores/broadcast-summaries.ts";
import { DeliveriesStore } from "#shared/adapters/stores/deliveries-store.ts";
import { AnalyticsStore } from "#shared/adapters/stores/analytics-store.ts";
import { counterOf, type AnalyticsBucket } from "#shared/domain/engagement-analytics.ts";
import { StreamCounterDeltas, streamPosition } from "#shared/domain/stream-counter-deltas.ts";
import { BUILT_IN_VERSION } from "#shared/domain/templates/template-definition.ts";
import { documents } from "./commons/clients.ts";
import { requiredEnv } from "./commons/env.ts";
import { logger, metrics, withPowertools } from "./commons/powertools.ts";

/** Deliveries written at once; each is one conditional UpdateItem. */
const PARALLEL_DELIVERIES = 16;

const deliveries = new DeliveriesStore(documents, requiredEnv("DELIVERIES_TABLE_NAME"));
const summaries = new BroadcastSummaries(documents, requiredEnv("DELIVERIES_TABLE_NAME"));
const analytics = new AnalyticsStore(documents, requiredEnv("ANALYTICS_TABLE_NAME"));

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

/** The bucket a delivery's outcome on `at` counts in: its type, day, channel, and the version and variant it rendered. */
function bucketOf(events: DeliveryEvent[], recorded: { templateVersion?: number; variant?: string }, at: string): AnalyticsBucket {
  const { type, channel } = events[0]!;
  const version = events.find((event) => event.templateVersion !== undefined)?.templateVersion ?? recorded.templateVersion ?? BUILT_IN_VERSION;
  const variant = events.find((event) => event.variant !== undefined)?.variant ?? recorded.variant ?? "";
  return { type, channel, day: at.slice(0, 10), version, variant };
}

/**
 * Applies a delivery's events to its row and counts what it reached for the first time in the
 * batch's engagement deltas; on a broadcast's delivery, answers the row's change for the summary.
 */
async function apply({ records, events, error }: DeliveryRecords, deltas: StreamCounterDeltas, shard: string, marks: SummaryMarks): Promise<TakenChange | undefined> {
  if (events.length === 0) {
    logger.error("unreadable delivery event", { sequenceNumber: records[0]!.kinesis.sequenceNumber, error: (error as Error).message });
    throw error;
  }
  const { notificationId, channel } = events[0]!;
  // A worker's send or failure is on the row already, written with its claim's completion.
  const unrecorded = events.filter((event) => !event.recordedInRow);
  metrics.addMetric("eventsRecordedInRow", MetricUnit.Count, events.length - unrecorded.length);
  // Every report of a broadcast's delivery names its row shards, which place the row.
  const placement = placementOf(events.find((event) => event.rowShards !== undefined) ?? {});
  const countable = events[0]!.type !== "unknown";
  // The claim's completion wrote these outcomes once, and only it did: each is its row's first. The
  // row cannot tell whether one was counted, so the stream position does (a replay counts it again
  // only where the item has not counted through it), and a record twice in the batch counts once.
  const counted = new Set<string>();
  for (const [index, event] of events.entries()) {
    if (!event.recordedInRow || !countable || counted.has(event.eventId)) continue;
    counted.add(event.eventId);
    const counter = counterOf(event.status, event.reason);
    if (counter) deltas.add(bucketOf(events, {}, event.at), counter, { position: streamPosition(records[index]!.kinesis.sequenceNumber) });
  }
  try {
    if (unrecorded.length > 0) {
      const applied = await deliveries.applyAll(unrecorded.map((event) => ({ ...event, ...placement })));
      metrics.addMetric("eventsApplied", MetricUnit.Count, applied.outcome === "applied" ? 1 : 0);
      metrics.addMetric("eventsStale", MetricUnit.Count, unrecorded.length - (applied.outcome === "applied" ? 1 : 0));
      for (const entry of countable ? applied.reached : []) {
        const counter = counterOf(entry.status, entry.reason);
        // The row says this status is new to it, whatever the stream position: counted now, once.
        if (counter) deltas.add(bucketOf(events, applied, entry.at), counter, { onceByRow: true });
      }
    }
    if (placement.rowShards === undefined) return undefined;
    return await summaries.takeChange({ ...events[0]!, ...placement }, shard, marks.get(notificationId)!.stamp);
  } catch (failure) {
    logger.warn("delivery events not applied; the shard resumes from them", { notificationId, channel, events: events.length, error: (failure as Error).message });
    throw failure;
  }
}

/** Per broadcast in the batch: where its summary item for the batch's shard stood, and the stamp the batch gives what it takes. */
type SummaryMarks = Map<string, { found?: string; stamp: string }>;

/** Reads the summary marks of the broadcasts the batch touches, one read each, before any change is taken. */
async function summaryMarks(groups: readonly DeliveryRecords[], shard: string, lastPosition: string): Promise<SummaryMarks> {
  const broadcasts = new Set(groups.flatMap(({ events }) => (events.some((event) => event.rowShards !== undefined) ? [events[0]!.notificationId] : [])));
  const marks = await Promise.all(
    [...broadcasts].map(async (notificationId) => {
      const found = await summaries.countedThrough(notificationId, shard);
      return [notificationId, { ...(found === undefined ? {} : { found }), stamp: summaryStamp(lastPosition, found) }] as const;
    }),
  );
  return new Map(marks);
}

/**
 * A delivery's events in the batch are folded into one write, and different deliveries are written
 * side by side; a broadcast's changes then move its summary item for this shard in one write (and
 * one read before). A failed write reports every record of its delivery; Lambda resumes the shard
 * from the lowest, and re-applying what already landed is harmless (a seen event changes nothing).
 */
async function handleBatch(event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> {
  // A batch's records come from one shard, in order.
  const shard = event.Records[0]?.eventID.split(":")[0] ?? "";
  const groups = groupByDelivery(event.Records);
  const marks = await summaryMarks(groups, shard, streamPosition(event.Records.at(-1)?.kinesis.sequenceNumber ?? "0"));
  const changes: Array<{ notificationId: string; change: TakenChange }> = [];
  const deltas = new StreamCounterDeltas();
  const failed = await inOrderPerKey(
    groups,
    (group) => group.key,
    async (group) => {
      const change = await apply(group, deltas, shard, marks);
      if (change) changes.push({ notificationId: group.events[0]!.notificationId, change });
    },
    PARALLEL_DELIVERIES,
  );
  // After the rows: a change is taken from its row once, and added to its summary item once.
  const byNotification = Map.groupBy(changes, ({ notificationId }) => notificationId);
  await Promise.all([...marks].map(([notificationId, { found, stamp }]) => summaries.add(notificationId, shard, (byNotification.get(notificationId) ?? []).map(({ change }) => change), found, stamp)));
  // One write per bucket per batch; a status counts the first time its row reaches it.
  await analytics.addFromStream(shard, deltas.entries());
  return { batchItemFailures: failed.flatMap(({ records }) => records.map((record) => ({ itemIdentifier: record.kinesis.sequenceNumber }))) };
}

export const handler = withPowertools(handleBatch);
