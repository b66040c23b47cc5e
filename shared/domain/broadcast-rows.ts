import { fnv1a } from "../lib/fnv1a.ts";

/**
 * A broadcast's delivery rows are spread over partition keys, by a hash of the userId so a user's
 * rows stay together. A key takes about 1,000 write units a second and a delivery about three.
 */
export const MAX_BROADCAST_ROW_SHARDS = 1024;
/**
 * Deliveries a second one shard is sized for: at about 3.5 write units each, a third of a key's
 * 1,000. The rate a broadcast's deliveries arrive at is at most the SNS quota's 30,000 recipients
 * a second on each of its channels, and never more than it has recipients.
 */
const DELIVERIES_PER_SECOND_PER_SHARD = 100;
const FASTEST_RECIPIENTS_PER_SECOND = 30_000;

/**
 * How many shards a broadcast's rows take: enough that its deliveries at the fastest rate keep each
 * key at a third of its limit (a million recipients on one channel: 512; on four: 1,024), and no
 * more, so a small broadcast's view reads few keys. A power of two, fixed when the broadcast is
 * released (its messages carry it), so every reporter of a delivery finds the row.
 */
export function rowShardsFor(recipients: number, channels: number): number {
  const deliveriesPerSecond = Math.min(recipients, FASTEST_RECIPIENTS_PER_SECOND) * channels;
  const needed = Math.max(1, Math.ceil(deliveriesPerSecond / DELIVERIES_PER_SECOND_PER_SHARD));
  return Math.min(MAX_BROADCAST_ROW_SHARDS, 2 ** Math.ceil(Math.log2(needed)));
}

export function broadcastRowShardOf(userId: string, rowShards: number): number {
  return fnv1a(userId) % rowShards;
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
