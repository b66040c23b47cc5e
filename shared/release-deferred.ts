import type { ChannelMessage } from "./channel-message.ts";
import type { NotificationPublisher } from "./notification-publisher.ts";
import { allShards, type DeferredItems } from "./stores/deferred-items.ts";

export interface ReleaseDependencies {
  deferred: DeferredItems;
  publisher: Pick<NotificationPublisher, "publish">;
  now: () => number;
  /** Stop starting new pages when this returns false (the invocation is running out of time). */
  hasTime: () => boolean;
  /** Items read per page. @default 100 */
  pageSize?: number;
}

/**
 * Republishes every held notification that is due, each to its own channel only, then removes it.
 * Publish comes before remove: a crash in between republishes it next run, and the dedup claim
 * keeps that from sending twice. Shards are swept side by side.
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
        const messages: ChannelMessage[] = items.map((item) => ({ ...item.message, channels: [item.channel], releasedAt }));
        await deps.publisher.publish(messages);
        await deps.deferred.remove(items);
        released += items.length;
      }
      return released;
    }),
  );
  return counts.reduce((sum, count) => sum + count, 0);
}
