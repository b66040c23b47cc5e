import type { ChannelMessage } from "../domain/channel-message.ts";
import type { NotificationPublisher } from "../adapters/notification-publisher.ts";
import type { Channel } from "../domain/channels.ts";
import type { DeliveryStatus } from "../domain/delivery-event.ts";
import { allShards, type DeferredItem, type DeferredItems } from "../adapters/stores/deferred-items.ts";

export interface ReleaseDependencies {
  deferred: DeferredItems;
  /** The current status of a delivery, to decide whether an escalation is still wanted. */
  statusOf(notificationId: string, userId: string, channel: Channel): Promise<DeliveryStatus | undefined>;
  publisher: Pick<NotificationPublisher, "publish">;
  now: () => number;
  /** Stop starting new pages when this returns false (the invocation is running out of time). */
  hasTime: () => boolean;
  /** Items read per page. @default 100 */
  pageSize?: number;
}

/** A due item's message, or nothing when it is an escalation whose original was already answered. */
async function releasable(item: DeferredItem, releasedAt: string, deps: ReleaseDependencies): Promise<ChannelMessage | undefined> {
  if (!item.unless) return { ...item.message, channels: [item.channel], releasedAt };
  const status = await deps.statusOf(item.message.notificationId, item.message.userId, item.unless.channel);
  return status && item.unless.statuses.includes(status) ? undefined : { ...item.message, channels: [item.channel] };
}

/**
 * Republishes every held notification that is due, each to its own channel only, then removes it;
 * an escalation whose original delivery reached its `unless` status is removed unsent. Publish
 * comes before remove: a crash in between republishes it next run, and the dedup claim keeps that
 * from sending twice. Shards are swept side by side. Returns how many were published.
 */
export async function releaseDeferred(deps: ReleaseDependencies): Promise<number> {
  const now = deps.now();
  const releasedAt = new Date(now).toISOString();
  const counts = await Promise.all(
    allShards().map(async (shard) => {
      let released = 0;
      while (deps.hasTime()) {
        const items = await deps.deferred.due(shard, now, deps.pageSize ?? 100);
        if (items.length === 0) break;
        const messages = (await Promise.all(items.map((item) => releasable(item, releasedAt, deps)))).filter((message) => message !== undefined);
        if (messages.length > 0) await deps.publisher.publish(messages);
        await deps.deferred.remove(items);
        released += messages.length;
      }
      return released;
    }),
  );
  return counts.reduce((sum, count) => sum + count, 0);
}
