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
 * One page of one shard's cancel: the shard's next members, their deliveries taken back, the count
 * checkpointed, the successor queued. Every member is walked, not only those the expansion recorded
 * (the cancel's mark stopped it, and this chain runs after its pages in the shard's message group):
 * a page published just before a crash and skipped after the mark is covered too, and every member
 * ends sent or canceled. A crash repeats at most this page, which finds its own cancels and counts
 * them once.
 */
export async function cancelPage(message: ExpansionPage, dependencies: CancelPageDependencies): Promise<ExpansionStep["kind"]> {
  const { notificationId, audienceId, shard, page } = message;
  const checkpoint = await dependencies.checkpoints.read(notificationId, shard);
  const step = stepFor(message, checkpoint);
  if (step.kind === "requeue") await dependencies.queuePage(step.next);
  if (step.kind !== "publish") return step.kind;

  const members = await dependencies.members.shardPage(audienceId, shard, EXPANSION_PAGE_SIZE, checkpoint.cancel.after);
  let canceled = 0;
  if (members.userIds.length > 0) {
    const broadcast = await dependencies.broadcastOf(notificationId);
    if (!broadcast) throw new Error(`broadcast ${notificationId} has no header: its cancel was queued before it was accepted`);
    canceled = await dependencies.cancelMembers(broadcast, members.userIds, message.escalations ?? []);
  }
  const advanced = await dependencies.checkpoints.advanceCancel(notificationId, shard, page, { checked: members.userIds.length, canceled, ...(members.last ? { last: members.last } : {}) });
  if (!advanced) return "skip";
  if (members.last) await dependencies.queuePage({ ...message, page: page + 1 });
  return "publish";
}
