import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { describe, expect, inject, it } from "vitest";
import { DedupClaims } from "#shared/stores/dedup-claims.ts";
import { uniqueId } from "../helpers/local-api.ts";

const documents = DynamoDBDocumentClient.from(
  new DynamoDBClient({ region: "us-east-1", endpoint: inject("localCloudEndpoints").dynamodb, credentials: { accessKeyId: "local", secretAccessKey: "local" } }),
);

function claimsAt(clock: { now: number }) {
  return new DedupClaims(documents, { tableName: inject("localCloudOutputs").DedupTableName!, leaseMillis: 60_000, retentionSeconds: 3600, now: () => clock.now });
}

const key = () => ({ notificationId: uniqueId("n"), userId: uniqueId("u"), channel: "email" as const });
const start = () => ({ now: Date.parse("2026-11-23T10:00:00Z") });

describe("dedup claims on the deployed table", () => {
  it("makes a second receive of the same message back off while the first holds a live lease", async () => {
    const claims = claimsAt(start());
    const delivery = key();
    expect(await claims.claim(delivery, "first", "message-1")).toEqual({ kind: "claimed", token: "first" });
    expect(await claims.claim(delivery, "second", "message-1")).toEqual({ kind: "busy" });
  });

  it("tells another message for the same delivery that it is redundant while the owner's lease is live", async () => {
    const claims = claimsAt(start());
    const delivery = key();
    await claims.claim(delivery, "first", "message-1");
    expect(await claims.claim(delivery, "copy", "message-2")).toEqual({ kind: "owned_elsewhere" });
  });

  it("lets another message take over once the owner released its lease, and then drops the owner as redundant", async () => {
    const claims = claimsAt(start());
    const delivery = key();
    await claims.claim(delivery, "first", "message-1");
    await claims.release(delivery, "first");
    expect(await claims.claim(delivery, "copy", "message-2")).toEqual({ kind: "claimed", token: "copy" });
    expect(await claims.claim(delivery, "owner-back", "message-1")).toEqual({ kind: "owned_elsewhere" });
  });

  it("lets a redriven message take the claim of an owner that died in the DLQ without marking it", async () => {
    const clock = start();
    const claims = claimsAt(clock);
    const delivery = key();
    await claims.claim(delivery, "lost", "message-1");
    clock.now += 60_001;
    expect(await claims.claim(delivery, "redriven", "message-9")).toEqual({ kind: "claimed", token: "redriven" });
  });

  it("tells a redelivery after the mark that it was already sent", async () => {
    const claims = claimsAt(start());
    const delivery = key();
    await claims.claim(delivery, "first", "message-1");
    await claims.complete(delivery, "first", "sent", "provider-1");
    expect(await claims.claim(delivery, "redelivery", "message-1")).toEqual({ kind: "already_done", status: "sent", providerMessageId: "provider-1" });
    expect(await claims.claim(delivery, "copy", "message-2")).toEqual({ kind: "already_done", status: "sent", providerMessageId: "provider-1" });
  });

  it("hands the owner's expired claim back to its redelivery after a crash, and refuses the crashed attempt's mark", async () => {
    const clock = start();
    const claims = claimsAt(clock);
    const delivery = key();
    await claims.claim(delivery, "crashed", "message-1");
    clock.now += 60_001;
    expect(await claims.claim(delivery, "retry", "message-1")).toEqual({ kind: "claimed", token: "retry" });
    await expect(claims.complete(delivery, "crashed", "sent")).rejects.toThrow();
  });

  it("lets the owner's next receive take the claim at once after a retryable failure released the lease", async () => {
    const claims = claimsAt(start());
    const delivery = key();
    await claims.claim(delivery, "first", "message-1");
    await claims.release(delivery, "first");
    expect(await claims.claim(delivery, "retry", "message-1")).toEqual({ kind: "claimed", token: "retry" });
  });

  it("lets a redriven message (a new message id) take a dead-lettered owner's claim", async () => {
    const claims = claimsAt(start());
    const delivery = key();
    await claims.claim(delivery, "first", "message-1");
    await claims.markDeadLettered(delivery, "message-1");
    expect(await claims.claim(delivery, "redriven", "message-9")).toEqual({ kind: "claimed", token: "redriven" });
  });

  it("forgets a finished claim once its retention has passed, even before TTL deletes it", async () => {
    const clock = start();
    const claims = claimsAt(clock);
    const delivery = key();
    await claims.claim(delivery, "first", "message-1");
    await claims.complete(delivery, "first", "sent");
    clock.now += 3_601_000;
    expect(await claims.claim(delivery, "much-later", "message-2")).toEqual({ kind: "claimed", token: "much-later" });
  });
});
