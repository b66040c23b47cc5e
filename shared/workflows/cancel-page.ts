import { EXPANSION_PAGE_SIZE, stepFor, type BroadcastMessage, type Escalation, type ExpansionCheckpoint, type ExpansionPage, type ExpansionStep } from "../domain/broadcast-expansion.ts";

export interface CancelPageDependencies {
  checkpoints: {
    read(notificationId: string, shard: number): Promise<ExpansionCheckpoint>;
    advanceCancel(notificationId: string, shard: number, page: number, done: { checked: number; canceled: number; last?: string }): Promise<boolean>;
  };
  members: { shardPage(audienceId: string, shard: number, limit: number, after?: string): Promise<{ userIds: string[]; last?: string }> };
  broadcastOf(notificationId: string): Promise<BroadcastMessage | undefined>;
  /** Takes back what these members' deliveries still allow; answers how many this cancel holds. */
  cancelMembers(broadcast: BroadcastMessage, userIds: readonly string[], escalations: readonly Escalation[]): Promise<number>;
  queuePage(page: ExpansionPage): Promise<void>;
}

/**
 * One page of one shard's cancel: the next members the shard's expansion published (up to the last
 * it published: the cancel's mark stopped it, and this chain runs after its pages in the shard's
 * message group), their deliveries taken back, the count checkpointed, the successor queued. A
 * crash repeats at most this page, which finds its own cancels and counts them once.
 */
export async function cancelPage(message: ExpansionPage, dependencies: CancelPageDependencies): Promise<ExpansionStep["kind"]> {
  const { notificationId, audienceId, shard, page } = message;
  const checkpoint = await dependencies.checkpoints.read(notificationId, shard);
  const step = stepFor(message, checkpoint);
  if (step.kind === "requeue") await dependencies.queuePage(step.next);
  if (step.kind !== "publish") return step.kind;

  const through = checkpoint.expandedThrough;
  const members = through === undefined ? { userIds: [] } : await dependencies.members.shardPage(audienceId, shard, EXPANSION_PAGE_SIZE, checkpoint.cancel.after);
  const published = members.userIds.filter((userId) => through !== undefined && userId <= through);
  const next = members.last !== undefined && through !== undefined && members.last < through ? members.last : undefined;
  let canceled = 0;
  if (published.length > 0) {
    const broadcast = await dependencies.broadcastOf(notificationId);
    if (!broadcast) throw new Error(`broadcast ${notificationId} has no header: its cancel was queued before it was accepted`);
    canceled = await dependencies.cancelMembers(broadcast, published, message.escalations ?? []);
  }
  const advanced = await dependencies.checkpoints.advanceCancel(notificationId, shard, page, { checked: published.length, canceled, ...(next ? { last: next } : {}) });
  if (!advanced) return "skip";
  if (next) await dependencies.queuePage({ ...message, page: page + 1 });
  return "publish";
}
