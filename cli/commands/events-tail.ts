import { setTimeout as sleep } from "node:timers/promises";
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, ProvisionedThroughputExceededException } from "@aws-sdk/client-kinesis";
import { AWS_LIMITS } from "#shared/adapters/aws-limits.ts";
import { deliveryEventSchema, type DeliveryEvent } from "#shared/domain/delivery-event.ts";
import type { Target } from "../target.ts";

export interface TailOptions {
  /** Read the stream's whole retention instead of only what arrives from now on. */
  fromStart: boolean;
  notificationId?: string;
  /** Stop after this many events. */
  limit?: number;
  /** Stop after this long without reaching the limit. */
  timeoutMillis?: number;
  pollMillis?: number;
}

function readEvent(text: string): DeliveryEvent | { unreadable: string } {
  try {
    return deliveryEventSchema.parse(JSON.parse(text));
  } catch {
    return { unreadable: text.slice(0, 200) };
  }
}

const BEHIND_PACE_MILLIS = 200;
const THROUGHPUT_BACKOFF_MILLIS = 1000;

/** Follows the delivery-events stream on every shard, handing each event (or unreadable record) over as it arrives. */
export async function tailEvents(target: Target, options: TailOptions, onEvent: (event: DeliveryEvent | { unreadable: string }) => void): Promise<number> {
  const streamName = target.outputs.DeliveryEventsStreamName!;
  const { Shards = [] } = await target.kinesis.send(new ListShardsCommand({ StreamName: streamName }));
  const iterators = await Promise.all(
    Shards.map(async (shard) => {
      const { ShardIterator } = await target.kinesis.send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: shard.ShardId!, ShardIteratorType: options.fromStart ? "TRIM_HORIZON" : "LATEST" }));
      return ShardIterator;
    }),
  );
  const deadline = options.timeoutMillis === undefined ? Infinity : Date.now() + options.timeoutMillis;
  let seen = 0;
  while (Date.now() < deadline && (options.limit === undefined || seen < options.limit)) {
    let caughtUp = true;
    for (const [index, iterator] of iterators.entries()) {
      if (!iterator) continue;
      let page;
      try {
        page = await target.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: AWS_LIMITS.kinesis.getRecordsRecords }));
      } catch (error) {
        // A shard serves 2 MiB/s of reads, shared with the events function: wait, then ask again with the same iterator.
        if (!(error instanceof ProvisionedThroughputExceededException)) throw error;
        caughtUp = false;
        await sleep(THROUGHPUT_BACKOFF_MILLIS);
        continue;
      }
      const { Records = [], NextShardIterator, MillisBehindLatest } = page;
      iterators[index] = NextShardIterator;
      if ((MillisBehindLatest ?? 0) > 0) caughtUp = false;
      for (const record of Records) {
        if (options.limit !== undefined && seen >= options.limit) break;
        const event = readEvent(Buffer.from(record.Data!).toString("utf8"));
        if ("unreadable" in event || !options.notificationId || event.notificationId === options.notificationId) {
          onEvent(event);
          seen++;
        }
      }
    }
    // At most five reads a second per shard (Kinesis's limit, shared with the events function), a poll a second once caught up.
    await sleep(caughtUp ? (options.pollMillis ?? 1000) : BEHIND_PACE_MILLIS);
  }
  return seen;
}

export function formatEvent(event: DeliveryEvent | { unreadable: string }): string {
  if ("unreadable" in event) return `unreadable record: ${event.unreadable}`;
  return `${event.at}  ${event.notificationId}  ${event.userId}  ${event.channel.padEnd(6)}  ${event.status}${event.reason ? `  ${event.reason}` : ""}`;
}
