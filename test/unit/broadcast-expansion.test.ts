import { describe, expect, it } from "vitest";
import { AUDIENCE_SHARDS } from "#shared/domain/audience.ts";
import { expansionPageSchema, firstPages, NOT_STARTED, pageMessageIdentity, progressOf, stepFor, type ExpansionCheckpoint } from "#shared/domain/broadcast-expansion.ts";

const page = (number: number) => ({ notificationId: "launch-1", audienceId: "everyone", shard: 3, page: number });
const checkpoint = (pagesDone: number, done = false): ExpansionCheckpoint => ({ ...NOT_STARTED, pagesDone, after: pagesDone ? "user-9" : undefined, expanded: pagesDone * 200, done });

describe("a shard's expansion chain", () => {
  it("publishes the page the checkpoint expects next", () => {
    expect(stepFor(page(0), NOT_STARTED)).toEqual({ kind: "publish" });
    expect(stepFor(page(4), checkpoint(4))).toEqual({ kind: "publish" });
  });

  it("re-queues the successor of the last checkpointed page, since a crash may have come between the checkpoint and the send", () => {
    expect(stepFor(page(3), checkpoint(4))).toEqual({ kind: "requeue", next: page(4) });
  });

  it("skips older duplicates, pages of a finished shard, and pages the chain has not reached", () => {
    expect(stepFor(page(1), checkpoint(4))).toEqual({ kind: "skip" });
    expect(stepFor(page(3), checkpoint(4, true))).toEqual({ kind: "skip" });
    expect(stepFor(page(4), checkpoint(4, true))).toEqual({ kind: "skip" });
    expect(stepFor(page(6), checkpoint(4))).toEqual({ kind: "skip" });
  });

  it("replayed from any crash point, publishes every page once and re-queues at most the one in hand", () => {
    // A chain of five pages where every message is delivered twice (an SQS redelivery after each step).
    let state: ExpansionCheckpoint = NOT_STARTED;
    const published: number[] = [];
    const queue = [page(0)];
    while (queue.length > 0) {
      const message = queue.shift()!;
      for (const delivery of [message, message]) {
        const step = stepFor(delivery, state);
        if (step.kind === "publish") {
          published.push(delivery.page);
          state = { ...state, pagesDone: delivery.page + 1, after: `m${delivery.page}`, expanded: state.expanded + 200, done: delivery.page === 4 };
          if (!state.done) queue.push({ ...delivery, page: delivery.page + 1 });
        }
        if (step.kind === "requeue" && !queue.some((queued) => queued.page === step.next.page)) queue.push(step.next);
      }
    }
    expect(published).toEqual([0, 1, 2, 3, 4]);
    expect(state).toMatchObject({ pagesDone: 5, expanded: 1000, done: true });
  });

  it("starts one chain per shard, each in its own FIFO group with a deduplication id per page", () => {
    const pages = firstPages("launch-1", "everyone");
    expect(pages).toHaveLength(AUDIENCE_SHARDS);
    expect(new Set(pages.map((first) => pageMessageIdentity(first).groupId)).size).toBe(AUDIENCE_SHARDS);
    expect(pageMessageIdentity(page(7))).toEqual({ groupId: "launch-1#3", deduplicationId: "launch-1#3#7" });
  });

  it("refuses a page message naming a shard that does not exist", () => {
    expect(expansionPageSchema.safeParse({ ...page(0), shard: AUDIENCE_SHARDS }).success).toBe(false);
    expect(expansionPageSchema.safeParse({ ...page(0), cursor: "x" }).success).toBe(false);
  });
});

describe("expansion progress", () => {
  it("is done only when every shard is, and counts what the shards published", () => {
    const shards = Array.from({ length: AUDIENCE_SHARDS }, () => checkpoint(2, true));
    expect(progressOf(shards, 6400)).toEqual({ status: "done", expanded: 6400, total: 6400 });
    shards[5] = checkpoint(1);
    expect(progressOf(shards, 6400)).toEqual({ status: "expanding", expanded: 6200, total: 6400 });
  });
});

describe("a page message's FIFO identity", () => {
  it("stays within SQS's 128 characters for the longest notificationId, and apart for each shard, page and chain", () => {
    const long = "n".repeat(128);
    const ids = [
      pageMessageIdentity({ notificationId: long, audienceId: "a", shard: 15, page: 3 }),
      pageMessageIdentity({ notificationId: long, audienceId: "a", shard: 15, page: 3, kind: "cancel" }),
      pageMessageIdentity({ notificationId: long, audienceId: "a", shard: 14, page: 3 }),
    ];
    for (const { groupId, deduplicationId } of ids) expect(Math.max(groupId.length, deduplicationId.length)).toBeLessThanOrEqual(128);
    expect(new Set(ids.map(({ deduplicationId }) => deduplicationId)).size).toBe(3);
    expect(ids[0]!.groupId).toBe(ids[1]!.groupId);
    expect(pageMessageIdentity({ notificationId: "launch-1", audienceId: "a", shard: 3, page: 2 })).toEqual({ groupId: "launch-1#3", deduplicationId: "launch-1#3#2" });
  });
});

