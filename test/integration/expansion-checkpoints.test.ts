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
    expect(await checkpoints.read(notificationId, 4)).toEqual({ pagesDone: 1, after: "user-199", expanded: 200, done: false });

    expect(await checkpoints.advance(notificationId, 4, 1, { count: 37 })).toBe(true);
    expect(await checkpoints.read(notificationId, 4)).toEqual({ pagesDone: 2, expanded: 237, done: true });
  });

  it("reads every shard in one query, the ones not started included", async () => {
    const notificationId = uniqueId("expand");
    await checkpoints.advance(notificationId, 0, 0, { count: 5 });
    await checkpoints.advance(notificationId, 15, 0, { count: 200, last: "z" });
    const all = await checkpoints.all(notificationId, AUDIENCE_SHARDS);
    expect(all).toHaveLength(AUDIENCE_SHARDS);
    expect(all[0]).toEqual({ pagesDone: 1, expanded: 5, done: true });
    expect(all[15]).toEqual({ pagesDone: 1, after: "z", expanded: 200, done: false });
    expect(all[7]).toEqual(NOT_STARTED);
    expect(progressOf(all, 300)).toEqual({ status: "expanding", expanded: 205, total: 300 });
  });
});
