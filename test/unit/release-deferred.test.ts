import { describe, expect, it } from "vitest";
import type { DeferredItem, DigestRelease, HeldDelivery } from "#shared/adapters/stores/deferred-items.ts";
import type { ChannelMessage } from "#shared/domain/channel-message.ts";
import { PublishIncompleteError } from "#shared/adapters/notification-publisher.ts";
import { releaseDeferred, type ReleaseDependencies } from "#shared/workflows/release-deferred.ts";

const message = (notificationId: string): ChannelMessage => ({
  version: 1,
  notificationId,
  type: "order.shipped",
  category: "transactional",
  priority: "normal",
  userId: "ada",
  channels: ["email"],
  data: { orderId: "A-1" },
  publishedAt: "2026-12-07T00:00:00.000Z",
});
const held = (shard: string, notificationId: string): HeldDelivery => ({ shard, dueKey: `2026-12-07T00:00:00.000Z#${notificationId}`, dueAt: 0, channel: "email", message: message(notificationId) });
const digest = (shard: string, windowId: string): DigestRelease => ({
  kind: "digest",
  shard,
  dueKey: `2026-12-07T00:00:00.000Z#digest#${windowId}`,
  dueAt: 0,
  windowId,
  scope: { type: "social.comment_liked", userId: "ada", channel: "in_app", keyValue: "post-1" },
  category: "transactional",
  priority: "normal",
});

/** A deferred table holding `items` by shard, and a publisher that refuses any message named "refused". */
function world(items: DeferredItem[], failingShard?: string) {
  const removed: string[] = [];
  const published: string[] = [];
  const deps: ReleaseDependencies = {
    deferred: {
      async due(shard, _now, _limit, after) {
        if (shard === failingShard) throw new Error("the shard's query failed");
        const due = items.filter((item) => item.shard === shard && !removed.includes(item.dueKey) && (after === undefined || item.dueKey > after));
        return due.toSorted((a, b) => a.dueKey.localeCompare(b.dueKey));
      },
      async remove(done) {
        removed.push(...done.map((item) => item.dueKey));
      },
      claimRelease: async () => true,
    },
    statusOf: async () => undefined,
    isCanceled: async () => false,
    broadcasts: { release: async () => undefined },
    digests: {
      windows: {
        seal: async (_scope, windowId) => {
          throw new Error(`window ${windowId} could not be read`);
        },
      },
      members: { release: async () => undefined },
      templates: { active: async () => undefined },
      messages: { headroom: () => 200_000 },
    },
    publisher: {
      // As the real publisher: the entries SNS refused are named, the rest are published.
      async publish(messages) {
        const refused = messages.filter((candidate) => candidate.notificationId === "refused");
        published.push(...messages.filter((candidate) => !refused.includes(candidate)).map((candidate) => candidate.notificationId));
        if (refused.length) throw new PublishIncompleteError(refused.length, "InvalidParameter", refused);
      },
    },
    now: () => Date.parse("2026-12-07T01:00:00.000Z"),
    hasTime: () => true,
  };
  return { deps, removed, published };
}

describe("releasing what is due, one failure at a time", () => {
  it("publishes and removes the rest of a page when one item's publish is refused and another's release throws", async () => {
    const { deps, removed, published } = world([held("shard#00", "a"), held("shard#00", "refused"), digest("shard#00", "digest-1"), held("shard#00", "b")]);
    const outcome = await releaseDeferred(deps);
    expect(published.toSorted()).toEqual(["a", "b"]);
    expect(removed.toSorted()).toEqual([held("shard#00", "a").dueKey, held("shard#00", "b").dueKey]);
    expect(outcome.released).toBe(2);
    expect(outcome.failed.map((failure) => failure.dueKey).toSorted()).toEqual([digest("shard#00", "digest-1").dueKey, held("shard#00", "refused").dueKey]);
  });

  it("publishes each item alone when SNS refuses a whole request for what it carries", async () => {
    const { deps, removed, published } = world([held("shard#04", "a"), held("shard#04", "b")]);
    let calls = 0;
    deps.publisher.publish = async (messages) => {
      calls++;
      if (messages.length > 1) throw Object.assign(new Error("BatchRequestTooLong"), { $fault: "client" });
      published.push(...messages.map((message) => message.notificationId));
    };
    expect(await releaseDeferred(deps)).toEqual({ released: 2, failed: [] });
    expect([calls, published.toSorted(), removed.length]).toEqual([3, ["a", "b"], 2]);
  });

  it("holds the whole page for the next sweep when SNS throttles, without a request per item", async () => {
    const { deps, removed } = world([held("shard#05", "a"), held("shard#05", "b")]);
    let calls = 0;
    deps.publisher.publish = async () => {
      calls++;
      throw Object.assign(new Error("Throttled"), { $fault: "client", $retryable: { throttling: true } });
    };
    const outcome = await releaseDeferred(deps);
    expect([calls, removed.length, outcome.released, outcome.failed.length]).toEqual([1, 0, 0, 2]);
  });

  it("sweeps every other shard when one shard's read fails", async () => {
    const { deps, published } = world([held("shard#00", "a"), held("shard#01", "b"), held("shard#02", "c")], "shard#01");
    const outcome = await releaseDeferred(deps);
    expect(published.toSorted()).toEqual(["a", "c"]);
    expect(outcome.failed).toHaveLength(1);
  });

  it("publishes a page's messages together when nothing fails", async () => {
    const { deps, removed } = world([held("shard#03", "a"), held("shard#03", "b")]);
    const calls: number[] = [];
    const publish = deps.publisher.publish;
    deps.publisher.publish = async (messages) => {
      calls.push(messages.length);
      await publish(messages);
    };
    expect(await releaseDeferred(deps)).toEqual({ released: 2, failed: [] });
    expect(calls).toEqual([2]);
    expect(removed).toHaveLength(2);
  });
});
