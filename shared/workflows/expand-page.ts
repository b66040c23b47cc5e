import {
  EXPANSION_PAGE_SIZE,
  recipientMessages,
  stepFor,
  type BroadcastMessage,
  type ExpansionCheckpoint,
  type ExpansionPage,
  type ExpansionStep,
} from "../domain/broadcast-expansion.ts";
import type { ChannelMessage } from "../domain/channel-message.ts";

export interface ExpandPageDependencies {
  checkpoints: {
    read(notificationId: string, shard: number): Promise<ExpansionCheckpoint>;
    advance(notificationId: string, shard: number, page: number, published: { count: number; last?: string }): Promise<boolean>;
  };
  members: { shardPage(audienceId: string, shard: number, limit: number, after?: string): Promise<{ userIds: string[]; last?: string }> };
  /** The broadcast's shared message, from its header; ingest writes it before queuing the first pages. */
  broadcastOf(notificationId: string): Promise<BroadcastMessage | undefined>;
  publish(messages: ChannelMessage[]): Promise<void>;
  queuePage(page: ExpansionPage): Promise<void>;
  /** notify:broadcastPublishRate, one budget for every expander at once: resolves when the page may go. */
  publishBudget: { acquire(count: number): Promise<void> };
}

/**
 * One page of one shard: read where the checkpoint stands (a canceled broadcast's says stop),
 * publish the next members, checkpoint, queue the successor. A crash anywhere repeats at most this page, whose messages dedup absorbs;
 * memory holds one page whatever the audience size.
 */
export async function expandPage(message: ExpansionPage, dependencies: ExpandPageDependencies): Promise<ExpansionStep["kind"]> {
  const { notificationId, audienceId, shard, page } = message;
  const checkpoint = await dependencies.checkpoints.read(notificationId, shard);
  const step = stepFor(message, checkpoint);
  if (step.kind === "requeue") await dependencies.queuePage(step.next);
  if (step.kind !== "publish") return step.kind;

  const broadcast = await dependencies.broadcastOf(notificationId);
  if (!broadcast) throw new Error(`broadcast ${notificationId} has no header: its pages were queued before it was accepted`);
  const members = await dependencies.members.shardPage(audienceId, shard, EXPANSION_PAGE_SIZE, checkpoint.after);
  await dependencies.publishBudget.acquire(members.userIds.length);
  await dependencies.publish(recipientMessages(broadcast, members.userIds));
  // Losing the race means another delivery of this page checkpointed it and queues the successor.
  const advanced = await dependencies.checkpoints.advance(notificationId, shard, page, { count: members.userIds.length, ...(members.last ? { last: members.last } : {}) });
  if (!advanced) return "skip";
  if (members.last) await dependencies.queuePage({ ...message, page: page + 1 });
  return "publish";
}
