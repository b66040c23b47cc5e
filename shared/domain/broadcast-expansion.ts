import { createHash } from "node:crypto";
import { z } from "zod";
import { AUDIENCE_SHARDS, audienceIdSchema } from "./audience.ts";
import type { ChannelMessage } from "./channel-message.ts";
import { CHANNELS } from "./channels.ts";
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
  /**
   * A cancel's chain walks the members the shard published and takes back each delivery not yet
   * sent; it runs in the shard's message group, so after any expansion page already queued.
   * Pages written before cancels existed have no kind: they expand.
   */
  kind: z.enum(["expand", "cancel"]).optional(),
  /** On a cancel's page: the template's escalations from the broadcast's channels, whose pending follow-ups it takes back too. */
  escalations: z.array(z.strictObject({ from: z.enum(CHANNELS), to: z.enum(CHANNELS) })).optional(),
});
export type ExpansionPage = z.infer<typeof expansionPageSchema>;
/** A template's escalation (a follow-up on `to` after a send on `from`) that a broadcast's cancel must also take back. */
export type Escalation = NonNullable<ExpansionPage["escalations"]>[number];

/** How far a chain has come: pages 0..pagesDone-1 are done. */
export interface ChainCheckpoint {
  pagesDone: number;
  /** The last member done, where the next page starts; absent before the first page. */
  after?: string;
  done: boolean;
}

/** How far a shard's cancel has come: members checked, and deliveries it took back. */
export interface CancelCheckpoint extends ChainCheckpoint {
  checked: number;
  canceled: number;
}

/** How far a shard's expansion (and its cancel, once the broadcast is canceled) has come. */
export interface ExpansionCheckpoint extends ChainCheckpoint {
  expanded: number;
  /** The broadcast was canceled: no page of this shard publishes after its mark. */
  canceled: boolean;
  cancel: CancelCheckpoint;
}

export type ExpansionStep =
  /** Publish this page from the checkpoint's cursor. */
  | { kind: "publish" }
  /** The page was published and checkpointed, but the crash may have come before its successor was queued. */
  | { kind: "requeue"; next: ExpansionPage }
  /** A duplicate of work already done, or a finished shard: acknowledge and do nothing. */
  | { kind: "skip" };

export const NOT_STARTED: ExpansionCheckpoint = { pagesDone: 0, expanded: 0, done: false, canceled: false, cancel: { pagesDone: 0, done: false, checked: 0, canceled: 0 } };

/** The step of a chain (expansion, or cancel) that a page message asks for, given where the chain stands. */
function chainStep(message: ExpansionPage, chain: ChainCheckpoint): ExpansionStep {
  if (message.page === chain.pagesDone && !chain.done) return { kind: "publish" };
  if (message.page === chain.pagesDone - 1 && !chain.done) return { kind: "requeue", next: { ...message, page: chain.pagesDone } };
  return { kind: "skip" };
}

/** An expansion page of a canceled broadcast publishes nothing; a cancel page follows its own chain. */
export function stepFor(message: ExpansionPage, checkpoint: ExpansionCheckpoint): ExpansionStep {
  if (message.kind === "cancel") return chainStep(message, checkpoint.cancel);
  return checkpoint.canceled ? { kind: "skip" } : chainStep(message, checkpoint);
}

/** The first page message of every shard, queued once when a broadcast is released (at acceptance, or at its sendAt). */
export function firstPages(notificationId: string, audienceId: string): ExpansionPage[] {
  return Array.from({ length: AUDIENCE_SHARDS }, (_, shard) => ({ notificationId, audienceId, shard, page: 0 }));
}

/** The first page of every shard's cancel chain, queued once the broadcast is marked canceled. */
export function firstCancelPages(notificationId: string, audienceId: string, escalations: readonly Escalation[]): ExpansionPage[] {
  return firstPages(notificationId, audienceId).map((page) => ({ ...page, kind: "cancel" as const, ...(escalations.length ? { escalations: [...escalations] } : {}) }));
}

/**
 * FIFO attributes of a page message: one group per shard keeps a chain in order (and a cancel's
 * pages after the expansion's) and lets shards run in parallel; the deduplication id makes a
 * re-queued page a no-op within SQS's five-minute window.
 */
export function pageMessageIdentity(page: ExpansionPage): { groupId: string; deduplicationId: string } {
  const groupId = fifoId(`${page.notificationId}#${page.shard}`);
  return { groupId, deduplicationId: fifoId(`${page.notificationId}#${page.shard}#${page.kind === "cancel" ? "cancel#" : ""}${page.page}`) };
}

/** SQS takes at most 128 characters in a group or deduplication id; a notificationId may have 128 alone. */
const MAX_FIFO_ID = 128;

function fifoId(text: string): string {
  return text.length <= MAX_FIFO_ID ? text : createHash("sha256").update(text).digest("hex");
}

/** What every shard's checkpoint adds up to. */
export interface ExpansionProgress {
  /** `scheduled`: waiting for its sendAt; `canceled`: stopped by a cancel, at `expanded` of `total`. */
  status: "scheduled" | "expanding" | "done" | "canceled";
  expanded: number;
  total: number;
}

export function progressOf(checkpoints: readonly ExpansionCheckpoint[], total: number): ExpansionProgress {
  const finished = checkpoints.filter((checkpoint) => checkpoint.done).length;
  const canceled = finished < AUDIENCE_SHARDS && checkpoints.some((checkpoint) => checkpoint.canceled);
  return {
    status: canceled ? "canceled" : finished === AUDIENCE_SHARDS ? "done" : "expanding",
    expanded: checkpoints.reduce((sum, checkpoint) => sum + checkpoint.expanded, 0),
    total,
  };
}

/** A cancel's progress over every shard: members checked (of those the expansion published) and deliveries taken back. */
export interface CancelProgress {
  status: "canceling" | "done";
  checked: number;
  canceled: number;
}

export function cancelProgressOf(checkpoints: readonly ExpansionCheckpoint[]): CancelProgress {
  return {
    status: checkpoints.length === AUDIENCE_SHARDS && checkpoints.every((checkpoint) => checkpoint.cancel.done) ? "done" : "canceling",
    checked: checkpoints.reduce((sum, checkpoint) => sum + checkpoint.cancel.checked, 0),
    canceled: checkpoints.reduce((sum, checkpoint) => sum + checkpoint.cancel.canceled, 0),
  };
}

/** What every recipient's message of a broadcast shares; kept on the broadcast's header at acceptance. */
export type BroadcastMessage = Omit<ChannelMessage, "userId" | "audience" | "rowShards"> & { audience: string; rowShards: number };

export function recipientMessages(broadcast: BroadcastMessage, userIds: readonly string[]): ChannelMessage[] {
  return userIds.map((userId) => ({ ...broadcast, userId }));
}
