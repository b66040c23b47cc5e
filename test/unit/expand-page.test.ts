import { describe, expect, it } from "vitest";
import { EXPANSION_PAGE_SIZE, NOT_STARTED, type BroadcastMessage, type ExpansionCheckpoint, type ExpansionPage } from "#shared/domain/broadcast-expansion.ts";
import type { ChannelMessage } from "#shared/domain/channel-message.ts";
import { expandPage, type ExpandPageDependencies } from "#shared/workflows/expand-page.ts";

const broadcast: BroadcastMessage = {
  version: 1, notificationId: "launch-1", audience: "everyone", rowShards: 1, type: "marketing.weekly_digest", category: "marketing", channels: ["email"], data: { headline: "Hi" }, priority: "low", publishedAt: "2026-12-04T10:00:00.000Z",
};

type CrashPoint = "afterPublish" | "afterCheckpoint";

/** One shard held in memory, with the same conditional advance the DynamoDB store makes. */
function shardOf(memberCount: number, crashes: Map<number, CrashPoint>) {
  const members = Array.from({ length: memberCount }, (_, index) => `user-${String(index).padStart(5, "0")}`);
  let checkpoint: ExpansionCheckpoint = NOT_STARTED;
  const published: ChannelMessage[] = [];
  const queue: ExpansionPage[] = [];
  /** What the page asked of the publish budget, and how many it had published when it asked. */
  const budgetAsks: Array<{ count: number; publishedBefore: number }> = [];
  const crashOnce = (page: number, point: CrashPoint) => {
    if (crashes.get(page) !== point) return;
    crashes.delete(page);
    throw new Error(`crash ${point} on page ${page}`);
  };
  const dependencies: ExpandPageDependencies = {
    checkpoints: {
      read: async () => checkpoint,
      advance: async (_id, _shard, page, { count, last }) => {
        if (checkpoint.pagesDone !== page) return false;
        checkpoint = { ...NOT_STARTED, pagesDone: page + 1, ...(last ? { after: last } : {}), expanded: checkpoint.expanded + count, done: last === undefined };
        crashOnce(page, "afterCheckpoint");
        return true;
      },
    },
    members: {
      shardPage: async (_audience, _shard, limit, after) => {
        const start = after ? members.indexOf(after) + 1 : 0;
        const userIds = members.slice(start, start + limit);
        return { userIds, ...(start + limit < members.length ? { last: userIds.at(-1)! } : {}) };
      },
    },
    broadcastOf: async () => broadcast,
    publish: async (messages) => {
      published.push(...messages);
      crashOnce(checkpoint.pagesDone, "afterPublish");
    },
    queuePage: async (page) => void queue.push(page),
    publishBudget: { acquire: async (count) => void budgetAsks.push({ count, publishedBefore: published.length }) },
  };
  /** Runs the chain as SQS would: a failed message comes back, a successful one is gone. */
  const run = async () => {
    queue.push({ notificationId: "launch-1", audienceId: "everyone", shard: 0, page: 0 });
    while (queue.length > 0) {
      const message = queue[0]!;
      try {
        await expandPage(message, dependencies);
        queue.shift();
      } catch {
        // redelivered: stays at the head of its FIFO group
      }
    }
  };
  return { run, members, published, budgetAsks, checkpoint: () => checkpoint };
}

describe("expanding one shard page by page", () => {
  it("publishes every member once, with the broadcast's message, and ends done with the count", async () => {
    const shard = shardOf(1_050, new Map());
    await shard.run();
    expect(shard.published.map((message) => message.userId)).toEqual(shard.members);
    expect(shard.published[0]).toEqual({ ...broadcast, userId: "user-00000" });
    expect(shard.checkpoint()).toEqual({ ...NOT_STARTED, pagesDone: Math.ceil(1_050 / EXPANSION_PAGE_SIZE), expanded: 1_050, done: true });
  });

  it("after a crash between publish and checkpoint, re-publishes only that page", async () => {
    const shard = shardOf(1_000, new Map([[2, "afterPublish"]]));
    await shard.run();
    expect(new Set(shard.published.map((message) => message.userId)).size).toBe(1_000);
    expect(shard.published).toHaveLength(1_000 + EXPANSION_PAGE_SIZE);
    expect(shard.checkpoint()).toMatchObject({ expanded: 1_000, done: true });
  });

  it("after a crash between checkpoint and queuing the next page, re-queues it without publishing anything again", async () => {
    const shard = shardOf(1_000, new Map([[1, "afterCheckpoint"]]));
    await shard.run();
    expect(shard.published.map((message) => message.userId)).toEqual(shard.members);
    expect(shard.checkpoint()).toMatchObject({ expanded: 1_000, done: true });
  });

  it("finishes an empty shard in one page", async () => {
    const shard = shardOf(0, new Map());
    await shard.run();
    expect(shard.published).toEqual([]);
    expect(shard.checkpoint()).toEqual({ ...NOT_STARTED, pagesDone: 1, expanded: 0, done: true });
  });

  it("takes each page's members from the publish budget before it publishes them", async () => {
    const shard = shardOf(450, new Map());
    await shard.run();
    expect(shard.budgetAsks).toEqual([{ count: 200, publishedBefore: 0 }, { count: 200, publishedBefore: 200 }, { count: 50, publishedBefore: 400 }]);
  });
});
