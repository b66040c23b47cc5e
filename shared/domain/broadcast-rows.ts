import { fnv1a } from "../lib/fnv1a.ts";

/**
 * A broadcast's delivery rows are spread over this many partition keys, by a hash of the userId, so
 * a user's rows stay together. A key takes about 1,000 write units a second and a delivery about
 * three: at 30,000 recipients a second on all four channels, 1,024 keys take about 360 units each,
 * a third of the limit. Fixed for the life of a table: every reporter of a delivery (worker, events
 * function, feedback) finds its row from the notificationId and userId alone.
 */
export const BROADCAST_ROW_SHARDS = 1024;

export function broadcastRowShardOf(userId: string): number {
  return fnv1a(userId) % BROADCAST_ROW_SHARDS;
}

/**
 * The partition key of one shard of a broadcast's rows. A notificationId never holds '#', so no
 * notification's own key can be one of these.
 */
export function broadcastRowPartition(notificationId: string, shard: number): string {
  return `${notificationId}#${String(shard).padStart(4, "0")}`;
}

/**
 * The partition key of a broadcast's summary counters: one item per delivery-events stream shard,
 * each moved only by the events function reading that shard, so no counter is written by more
 * than one invocation at a time and each keeps its own stream position.
 */
export function broadcastSummaryPartition(notificationId: string): string {
  return `${notificationId}#summary`;
}
