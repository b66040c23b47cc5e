import { describe, expect, it } from "vitest";
import { MAX_BROADCAST_ROW_SHARDS, broadcastRowPartition, broadcastRowShardOf, rowShardsFor } from "#shared/domain/broadcast-rows.ts";
import { deliveryRowKey } from "#shared/domain/delivery-row.ts";
import { decodeDeliveriesCursor, encodeDeliveriesCursor } from "#shared/adapters/stores/deliveries-store.ts";

describe("a broadcast's rows spread over partition keys", () => {
  it("keeps a direct notification's rows under its notificationId, and puts a broadcast's on the shard of each user", () => {
    expect(deliveryRowKey({ notificationId: "n-1", userId: "ada", channel: "email" })).toEqual({ notificationId: "n-1", deliveryKey: "ada#email" });
    const shard = broadcastRowShardOf("ada", 64);
    expect(deliveryRowKey({ notificationId: "b-1", userId: "ada", channel: "email", rowShards: 64 })).toEqual({ notificationId: broadcastRowPartition("b-1", shard), deliveryKey: "ada#email" });
    // A user's rows stay together, whichever channel; a one-shard broadcast's rows are still off its header's key.
    expect(deliveryRowKey({ notificationId: "b-1", userId: "ada", channel: "push", rowShards: 64 }).notificationId).toBe(broadcastRowPartition("b-1", shard));
    expect(deliveryRowKey({ notificationId: "b-1", userId: "ada", channel: "push", rowShards: 1 }).notificationId).toBe("b-1#0000");
  });

  it("sizes the spread so the fastest delivery keeps a key at a third of its limit, and a small broadcast on few keys", () => {
    expect(rowShardsFor(0, 1)).toBe(1);
    expect(rowShardsFor(50, 2)).toBe(1);
    expect(rowShardsFor(1_000, 1)).toBe(16);
    // Past 30,000 recipients the rate, not the size, decides: 300 deliveries a second per channel and shard at most.
    expect(rowShardsFor(1_000_000, 1)).toBe(512);
    expect(rowShardsFor(1_000_000, 4)).toBe(MAX_BROADCAST_ROW_SHARDS);
    for (const [recipients, channels] of [[1_000, 1], [20_000, 1], [1_000_000, 1], [1_000_000, 2]] as const) {
      const perKeyPerSecond = (Math.min(recipients, 30_000) * channels) / rowShardsFor(recipients, channels);
      expect(perKeyPerSecond * 3.5).toBeLessThanOrEqual(1_000 / 3 + 1);
    }
  });

  it("spreads a million users as evenly as chance would (about 977 a shard of 1,024, 31 either way)", () => {
    const counts = new Array<number>(MAX_BROADCAST_ROW_SHARDS).fill(0);
    const users = 1_000_000;
    for (let index = 0; index < users; index++) counts[broadcastRowShardOf(`user-${index}`, MAX_BROADCAST_ROW_SHARDS)]!++;
    const even = users / MAX_BROADCAST_ROW_SHARDS;
    // Five standard deviations of a fair spread: the busiest shard of a million is about 1.11 times the mean.
    expect(Math.max(...counts) / even).toBeLessThan(1.16);
    expect(Math.min(...counts) / even).toBeGreaterThan(0.84);
  });

  it("names shards no notificationId can be, since a notificationId holds no '#'", () => {
    expect(broadcastRowPartition("b-1", 7)).toBe("b-1#0007");
  });
});

describe("a broadcast view's cursor", () => {
  it("round-trips a shard and the key it stopped after, and refuses anything else", () => {
    for (const cursor of [{ shard: 0 }, { shard: 1023, after: "ada#email" }]) expect(decodeDeliveriesCursor(encodeDeliveriesCursor(cursor))).toEqual(cursor);
    for (const forged of [{ shard: 1024 }, { shard: -1 }, { shard: 1.5 }, { shard: 2, after: 3 }, {}]) expect(decodeDeliveriesCursor(Buffer.from(JSON.stringify(forged)).toString("base64url"))).toBeUndefined();
    expect(decodeDeliveriesCursor("not-a-cursor")).toBeUndefined();
  });
});
