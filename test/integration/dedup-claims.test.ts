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

describe("dedup claims on the deployed table", () => {
  it("lets only the first of two attempts claim a delivery", async () => {
    const clock = { now: Date.parse("2026-11-23T10:00:00Z") };
    const claims = claimsAt(clock);
    const delivery = key();
    expect(await claims.claim(delivery, "first")).toEqual({ kind: "claimed", token: "first" });
    expect(await claims.claim(delivery, "second")).toEqual({ kind: "busy" });
  });

  it("tells a redelivery after the mark that it was already sent", async () => {
    const clock = { now: Date.parse("2026-11-23T10:00:00Z") };
    const claims = claimsAt(clock);
    const delivery = key();
    await claims.claim(delivery, "first");
    await claims.complete(delivery, "first", "sent", "provider-1");
    expect(await claims.claim(delivery, "redelivery")).toEqual({ kind: "already_done", status: "sent", providerMessageId: "provider-1" });
  });

  it("hands an expired claim of a crashed attempt to the next one, and refuses the crashed one's mark", async () => {
    const clock = { now: Date.parse("2026-11-23T10:00:00Z") };
    const claims = claimsAt(clock);
    const delivery = key();
    await claims.claim(delivery, "crashed");
    clock.now += 60_001;
    expect(await claims.claim(delivery, "retry")).toEqual({ kind: "claimed", token: "retry" });
    await expect(claims.complete(delivery, "crashed", "sent")).rejects.toThrow();
  });

  it("releases a claim after a retryable failure so the retry need not wait out the lease", async () => {
    const clock = { now: Date.parse("2026-11-23T10:00:00Z") };
    const claims = claimsAt(clock);
    const delivery = key();
    await claims.claim(delivery, "first");
    await claims.release(delivery, "first");
    expect(await claims.claim(delivery, "retry")).toEqual({ kind: "claimed", token: "retry" });
  });

  it("forgets a finished claim once its retention has passed, even before TTL deletes it", async () => {
    const clock = { now: Date.parse("2026-11-23T10:00:00Z") };
    const claims = claimsAt(clock);
    const delivery = key();
    await claims.claim(delivery, "first");
    await claims.complete(delivery, "first", "sent");
    clock.now += 3_601_000;
    expect(await claims.claim(delivery, "much-later")).toEqual({ kind: "claimed", token: "much-later" });
  });
});
