import { channelMessagesFor, type ChannelMessage } from "../domain/channel-message.ts";
import { PublishIncompleteError, type NotificationPublisher } from "../adapters/notification-publisher.ts";
import { placementOf, type DeliveryStatus } from "../domain/delivery-event.ts";
import type { DeliveryRowIdentity } from "../domain/delivery-row.ts";
import { allShards, type DeferredItem, type DeferredItems, type DigestRelease, type HeldDelivery, type ScheduledBroadcast, type ScheduledNotification } from "../adapters/stores/deferred-items.ts";
import { digestMessage, type DigestReleaseDependencies } from "./release-digest.ts";

/** How long a claimed release is another sweep's to leave alone; far longer than one publish. */
export const RELEASE_LEASE_MILLIS = 5 * 60_000;

export interface ReleaseDependencies {
  deferred: Pick<DeferredItems, "due" | "remove" | "claimRelease">;
  /** The current status of a delivery, to decide whether an escalation is still wanted. */
  statusOf(delivery: DeliveryRowIdentity): Promise<DeliveryStatus | undefined>;
  /** Whether DELETE /v1/notifications/{id} was called for it: a canceled schedule publishes nothing. */
  isCanceled(notificationId: string): Promise<boolean>;
  digests: DigestReleaseDependencies;
  /** Starts a scheduled broadcast's expansion: its messages' publishedAt becomes the release's, its rows' spread fits the members it has now, and each shard's first page is queued. */
  broadcasts: { release(notificationId: string, audienceId: string, releasedAt: string): Promise<void> };
  publisher: Pick<NotificationPublisher, "publish">;
  now: () => number;
  /** Stop starting new pages when this returns false (the invocation is running out of time). */
  hasTime: () => boolean;
  /** Items read per page. @default 100 */
  pageSize?: number;
}

/**
 * A due hold's message, or nothing when it is an escalation whose original was already answered or
 * whose notification was canceled (a cancel that read the rows just before the original was sent
 * could not see this escalation coming).
 */
async function releasable(item: HeldDelivery, releasedAt: string, deps: ReleaseDependencies): Promise<ChannelMessage | undefined> {
  if (!item.unless) return { ...item.message, channels: [item.channel], releasedAt };
  const { notificationId, userId } = item.message;
  const status = await deps.statusOf({ notificationId, userId, channel: item.unless.channel, ...placementOf(item.message) });
  if (status && item.unless.statuses.includes(status)) return undefined;
  return (await deps.isCanceled(item.message.notificationId)) ? undefined : { ...item.message, channels: [item.channel] };
}

/**
 * A scheduled notification's messages, one per recipient as ingest would have published them, once
 * this sweep holds its release; undefined when another sweep does (the item stays for it).
 */
async function scheduledMessages(item: ScheduledNotification, releasedAt: string, deps: ReleaseDependencies): Promise<ChannelMessage[] | undefined> {
  if (!(await deps.deferred.claimRelease(item, deps.now(), RELEASE_LEASE_MILLIS))) return undefined;
  if (await deps.isCanceled(item.notification.notificationId)) return [];
  return channelMessagesFor(item.notification, releasedAt);
}

/** A closing digest window's message, once this sweep holds its release. */
async function digestMessages(item: DigestRelease, releasedAt: string, deps: ReleaseDependencies): Promise<ChannelMessage[] | undefined> {
  if (!(await deps.deferred.claimRelease(item, deps.now(), RELEASE_LEASE_MILLIS))) return undefined;
  const message = await digestMessage(item, releasedAt, deps.digests);
  return message ? [message] : [];
}

/**
 * A scheduled broadcast's release queues the first page of each shard, once this sweep holds it: the
 * expansion reads the members from there. Nothing is published here, so its messages are none; a
 * canceled broadcast's pages would publish nothing, and are not queued.
 */
async function broadcastRelease(item: ScheduledBroadcast, releasedAt: string, deps: ReleaseDependencies): Promise<ChannelMessage[] | undefined> {
  if (!(await deps.deferred.claimRelease(item, deps.now(), RELEASE_LEASE_MILLIS))) return undefined;
  if (await deps.isCanceled(item.notificationId)) return [];
  await deps.broadcasts.release(item.notificationId, item.audienceId, releasedAt);
  return [];
}

/** An item whose release threw (a digest that could not be read, a publish SNS refused): it stays for the next sweep. */
export interface FailedRelease {
  /** The item's due key, or the shard and where its sweep stopped when the shard's read or remove failed. */
  dueKey: string;
  error: unknown;
}

interface ReleasedItem {
  item: DeferredItem;
  /** Undefined when another sweep is releasing it. */
  messages: ChannelMessage[] | undefined;
}

/** Each item's messages, with the items whose release threw set apart so the rest go on. */
async function releasePage(items: DeferredItem[], releasedAt: string, deps: ReleaseDependencies): Promise<{ released: ReleasedItem[]; failed: FailedRelease[] }> {
  const settled = await Promise.allSettled(
    items.map(async (item): Promise<ReleasedItem> => {
      if (item.kind === "schedule") return { item, messages: await scheduledMessages(item, releasedAt, deps) };
      if (item.kind === "digest") return { item, messages: await digestMessages(item, releasedAt, deps) };
      if (item.kind === "broadcast") return { item, messages: await broadcastRelease(item, releasedAt, deps) };
      const message = await releasable(item, releasedAt, deps);
      return { item, messages: message ? [message] : [] };
    }),
  );
  return {
    released: settled.flatMap((outcome) => (outcome.status === "fulfilled" ? [outcome.value] : [])),
    failed: settled.flatMap((outcome, index) => (outcome.status === "rejected" ? [{ dueKey: items[index]!.dueKey, error: outcome.reason }] : [])),
  };
}

/** A refusal of the request itself that a smaller request could avoid: a sender fault SNS will not retry. */
const refusedAsSent = (error: unknown) => (error as { $fault?: string }).$fault === "client" && !(error as { $retryable?: unknown }).$retryable;

/**
 * Publishes the page's messages together (ten to a request, across items). When SNS refuses some
 * entries, only the items they belong to are held back; when it refuses a request outright for what
 * it carries, each item is published alone so one item keeps only itself back. Anything else (SNS
 * throttling, an outage) holds the page for the next sweep rather than multiplying requests.
 */
async function publishPage(released: ReleasedItem[], deps: ReleaseDependencies): Promise<{ published: ReleasedItem[]; failed: FailedRelease[] }> {
  try {
    const messages = released.flatMap(({ messages }) => messages ?? []);
    if (messages.length > 0) await deps.publisher.publish(messages);
    return { published: released, failed: [] };
  } catch (error) {
    if (error instanceof PublishIncompleteError && error.failedMessages.length > 0) {
      const refused = new Set(error.failedMessages);
      const isRefused = ({ messages }: ReleasedItem) => (messages ?? []).some((message) => refused.has(message));
      return { published: released.filter((entry) => !isRefused(entry)), failed: released.filter(isRefused).map(({ item }) => ({ dueKey: item.dueKey, error })) };
    }
    if (!refusedAsSent(error)) return { published: [], failed: released.map(({ item }) => ({ dueKey: item.dueKey, error })) };
    const settled = await Promise.allSettled(released.map(async (entry) => (entry.messages?.length ? deps.publisher.publish(entry.messages) : undefined)));
    return {
      published: released.filter((_, index) => settled[index]!.status === "fulfilled"),
      failed: settled.flatMap((outcome, index) => (outcome.status === "rejected" ? [{ dueKey: released[index]!.item.dueKey, error: outcome.reason }] : [])),
    };
  }
}

/** What a sweep did: messages published, and the releases that failed and wait for the next sweep. */
export interface SweepOutcome {
  released: number;
  failed: FailedRelease[];
}

/**
 * Republishes every held delivery that is due, each to its own channel only, every scheduled
 * notification to its recipients and every closing digest window's message, then removes the items; an escalation whose original delivery
 * reached its `unless` status is removed unsent. Publish comes before remove: a crash in between
 * republishes it next run, and the dedup claim keeps that from sending twice. A schedule's or a
 * window's release is claimed first, so overlapping sweeps publish it once. Shards are swept side
 * by side, and a release that fails stays for the next sweep without holding back the rest of its
 * page, its shard or the others.
 */
export async function releaseDeferred(deps: ReleaseDependencies): Promise<SweepOutcome> {
  const now = deps.now();
  const releasedAt = new Date(now).toISOString();
  const shards = await Promise.all(
    allShards().map(async (shard): Promise<SweepOutcome> => {
      const outcome: SweepOutcome = { released: 0, failed: [] };
      let after: string | undefined;
      try {
        while (deps.hasTime()) {
          const items = await deps.deferred.due(shard, now, deps.pageSize ?? 100, after);
          if (items.length === 0) break;
          const page = await releasePage(items, releasedAt, deps);
          const { published, failed } = await publishPage(page.released, deps);
          outcome.failed.push(...page.failed, ...failed);
          const done = published.filter(({ messages }) => messages !== undefined);
          await deps.deferred.remove(done.map(({ item }) => item));
          outcome.released += done.reduce((sum, { messages }) => sum + messages!.length, 0);
          // What another sweep is releasing, or failed to release, stays in the table: read on past it.
          if (done.length < items.length) after = items.at(-1)!.dueKey;
        }
      } catch (error) {
        // The shard's read or remove failed: what it had not released waits for the next sweep.
        outcome.failed.push({ dueKey: `${shard} after ${after ?? "its start"}`, error });
      }
      return outcome;
    }),
  );
  return { released: shards.reduce((sum, shard) => sum + shard.released, 0), failed: shards.flatMap((shard) => shard.failed) };
}
