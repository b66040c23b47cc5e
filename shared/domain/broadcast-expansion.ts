import { z } from "zod";
import { AUDIENCE_SHARDS, audienceIdSchema } from "./audience.ts";
import type { ChannelMessage } from "./channel-message.ts";
import { notificationIdSchema } from "./identifiers.ts";

/**
 * Members read and published per page message: 20 PublishBatch requests of 10. Small enough that a
 * crash re-publishes little (dedup absorbs it), large enough that the page message, the member
 * query and the checkpoint write cost under 0.02 requests per recipient.
 */
export const EXPANSION_PAGE_SIZE = 200;

/**
 * One step of a shard's expansion. Each shard is a chain: page p is published, checkpointed, then
 * page p + 1 is queued. The checkpoint holds the cursor, so the message names only its place.
 */
export const expansionPageSchema = z.strictObject({
  notificationId: notificationIdSchema,
  audienceId: audienceIdSchema,
  shard: z.number().int().min(0).max(AUDIENCE_SHARDS - 1),
  page: z.number().int().min(0),
});
export type ExpansionPage = z.infer<typeof expansionPageSchema>;

/** How far a shard's chain has come: pages 0..pagesDone-1 are published. */
export interface ExpansionCheckpoint {
  pagesDone: number;
  /** The last member published, where the next page starts; absent before the first page. */
  after?: string;
  expanded: number;
  done: boolean;
}

export type ExpansionStep =
  /** Publish this page from the checkpoint's cursor. */
  | { kind: "publish" }
  /** The page was published and checkpointed, but the crash may have come before its successor was queued. */
  | { kind: "requeue"; next: ExpansionPage }
  /** A duplicate of work already done, or a finished shard: acknowledge and do nothing. */
  | { kind: "skip" };

export const NOT_STARTED: ExpansionCheckpoint = { pagesDone: 0, expanded: 0, done: false };

export function stepFor(message: ExpansionPage, checkpoint: ExpansionCheckpoint): ExpansionStep {
  if (message.page === checkpoint.pagesDone && !checkpoint.done) return { kind: "publish" };
  if (message.page === checkpoint.pagesDone - 1 && !checkpoint.done) return { kind: "requeue", next: { ...message, page: checkpoint.pagesDone } };
  return { kind: "skip" };
}

/** The first page message of every shard, queued once when a broadcast is accepted. */
export function firstPages(notificationId: string, audienceId: string): ExpansionPage[] {
  return Array.from({ length: AUDIENCE_SHARDS }, (_, shard) => ({ notificationId, audienceId, shard, page: 0 }));
}

/**
 * FIFO attributes of a page message: one group per shard keeps a chain in order and lets shards run
 * in parallel; the deduplication id makes a re-queued page a no-op within SQS's five-minute window.
 */
export function pageMessageIdentity(page: ExpansionPage): { groupId: string; deduplicationId: string } {
  const groupId = `${page.notificationId}#${page.shard}`;
  return { groupId, deduplicationId: `${groupId}#${page.page}` };
}

/** What every shard's checkpoint adds up to. */
export interface ExpansionProgress {
  status: "expanding" | "done";
  expanded: number;
  total: number;
}

export function progressOf(checkpoints: readonly ExpansionCheckpoint[], total: number): ExpansionProgress {
  const finished = checkpoints.filter((checkpoint) => checkpoint.done).length;
  return {
    status: finished === AUDIENCE_SHARDS ? "done" : "expanding",
    expanded: checkpoints.reduce((sum, checkpoint) => sum + checkpoint.expanded, 0),
    total,
  };
}

/** What every recipient's message of a broadcast shares; kept on the broadcast's header at acceptance. */
export type BroadcastMessage = Omit<ChannelMessage, "userId" | "audience"> & { audience: string };

export function recipientMessages(broadcast: BroadcastMessage, userIds: readonly string[]): ChannelMessage[] {
  return userIds.map((userId) => ({ ...broadcast, userId }));
}
