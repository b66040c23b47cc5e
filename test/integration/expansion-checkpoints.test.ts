import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { describe, expect, inject, it } from "vitest";
import { ExpansionCheckpoints } from "#shared/adapters/stores/expansion-checkpoints.ts";
import { AUDIENCE_SHARDS } from "#shared/domain/audience.ts";
import { NOT_STARTED, progressOf } from "#shared/domain/broadcast-expansion.ts";
import { uniqueId } from "../helpers/local-api.ts";

const documents = DynamoDBDocumentClient.from(
  new DynamoDBClient({ region: "us-east-1", endpoint: inject("localCloudEndpoints").dynamodb, credentials: { accessKeyId: "local", secretAccessKey: "local" } }),
);
const checkpoints = new ExpansionCheckpoints(documents, inject("localCloudOutputs").DeliveriesTableName!);

describe("expansion checkpoints on the local cloud's DynamoDB", () => {
  it("advances a shard one page at a time, and only from the page it expects", async () => {
    const notificationId = uniqueId("expand");
    expect(await checkpoints.read(notificationId, 4)).toEqual(NOT_STARTED);

    expect(await checkpoints.advance(notificationId, 4, 0, { count: 200, last: "user-199" })).toBe(true);
    // A redelivered page 0 lost the race: it must not count its members again.
    expect(await checkpoints.advance(notificationId, 4, 0, { count: 200, last: "user-199" })).toBe(false);
    expect(await checkpoints.advance(notificationId, 4, 2, { count: 200, last: "user-599" })).toBe(false);
    expect(await checkpoints.read(notificationId, 4)).toEqual({ ...NOT_STARTED, pagesDone: 1, after: "user-199", expanded: 200, done: false });

    expect(await checkpoints.advance(notificationId, 4, 1, { count: 37 })).toBe(true);
    expect(await checkpoints.read(notificationId, 4)).toEqual({ ...NOT_STARTED, pagesDone: 2, expanded: 237, done: true });
  });

  it("stops a shard at the cancel's mark and keeps the cancel's own chain beside it, counting each page once", async () => {
    const notificationId = uniqueId("cancel");
    await checkpoints.advance(notificationId, 2, 0, { count: 200, last: "m-199" });
    await checkpoints.markCanceled(notificationId, AUDIENCE_SHARDS, "2026-12-08T10:00:00.000Z");
    await checkpoints.markCanceled(notificationId, AUDIENCE_SHARDS, "2026-12-08T10:05:00.000Z");
    expect(await checkpoints.read(notificationId, 2)).toMatchObject({ pagesDone: 1, after: "m-199", canceled: true });
    // A shard the expansion never reached is canceled too, with nothing published.
    expect(await checkpoints.read(notificationId, 9)).toEqual({ ...NOT_STARTED, canceled: true });

    expect(await checkpoints.advanceCancel(notificationId, 2, 0, { checked: 150, canceled: 120, last: "m-149" })).toBe(true);
    expect(await checkpoints.advanceCancel(notificationId, 2, 0, { checked: 150, canceled: 120, last: "m-149" })).toBe(false);
    expect(await checkpoints.advanceCancel(notificationId, 2, 1, { checked: 50, canceled: 50 })).toBe(true);
    expect((await checkpoints.read(notificationId, 2)).cancel).toEqual({ pagesDone: 2, done: true, checked: 200, canceled: 170 });
  });

  it("reads every shard in one query, the ones not started included", async () => {
    const notificationId = uniqueId("expand");
    await checkpoints.advance(notificationId, 0, 0, { count: 5 });
    await checkpoints.advance(notificationId, 15, 0, { count: 200, last: "z" });
    const all = await checkpoints.all(notificationId, AUDIENCE_SHARDS);
    expect(all).toHaveLength(AUDIENCE_SHARDS);
    expect(all[0]).toEqual({ ...NOT_STARTED, pagesDone: 1, expanded: 5, done: true });
    expect(all[15]).toEqual({ ...NOT_STARTED, pagesDone: 1, after: "z", expanded: 200, done: false });
    expect(all[7]).toEqual(NOT_STARTED);
    expect(progressOf(all, 300)).toEqual({ status: "expanding", expanded: 205, total: 300 });
  });
});
