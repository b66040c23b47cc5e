import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { describe, expect, inject, it } from "vitest";
import { deliveryEvent, type DeliveryStatus } from "#shared/domain/delivery-event.ts";
import { DedupClaims, type DeliveryKey } from "#shared/adapters/stores/dedup-claims.ts";
import { DeliveriesStore } from "#shared/adapters/stores/deliveries-store.ts";
import { DigestMembers } from "#shared/adapters/stores/digest-members.ts";
import { uniqueId } from "../helpers/local-api.ts";

const documents = DynamoDBDocumentClient.from(
  new DynamoDBClient({ region: "us-east-1", endpoint: inject("localCloudEndpoints").dynamodb, credentials: { accessKeyId: "local", secretAccessKey: "local" } }),
);

function claimsAt(clock: { now: number }) {
  return new DedupClaims(documents, { tableName: inject("localCloudOutputs").DeliveriesTableName!, leaseMillis: 60_000, retentionSeconds: 3600, now: () => clock.now });
}

const key = (): DeliveryKey => ({ notificationId: uniqueId("n"), userId: uniqueId("u"), channel: "email" });
const start = () => ({ now: Date.parse("2026-11-23T10:00:00Z") });
const deliveries = () => new DeliveriesStore(documents, inject("localCloudOutputs").DeliveriesTableName!);

/** The outcome a worker records when it finishes its claim. */
function outcome(delivery: DeliveryKey, status: DeliveryStatus, clock: { now: number }, providerMessageId?: string) {
  return deliveryEvent({ ...delivery, type: "order.shipped", status, attempt: 1, provider: "sink", ...(providerMessageId ? { providerMessageId } : {}) }, new Date(clock.now));
}

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
    const clock = start();
    const claims = claimsAt(clock);
    const delivery = key();
    await claims.claim(delivery, "first", "message-1");
    await claims.complete(delivery, "first", outcome(delivery, "sent", clock, "provider-1"));
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
    await expect(claims.complete(delivery, "crashed", outcome(delivery, "sent", clock))).rejects.toBeInstanceOf(ConditionalCheckFailedException);
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

  it("lets a redriven message of a digest template hold a dead-lettered delivery for its window, and leaves a held one to the digest", async () => {
    const claims = claimsAt(start());
    const members = new DigestMembers(documents, inject("localCloudOutputs").DeliveriesTableName!);
    const delivery = key();
    // Sent on its own while within the template's throttle, it failed until it was dead-lettered.
    await claims.claim(delivery, "first", "message-1");
    await claims.markDeadLettered(delivery, "message-1");
    // Redriven past the throttle, it joins a window instead.
    expect(await members.hold(delivery, { data: { likerName: "Ada" }, at: "2026-11-23T10:00:00Z" })).toBe("held");
    expect(await claims.claim(delivery, "copy", "message-2")).toEqual({ kind: "owned_elsewhere" });
    expect(await members.release(delivery, "window-1")).toEqual({ data: { likerName: "Ada" }, at: "2026-11-23T10:00:00Z" });
    expect(await claims.claim(delivery, "late", "message-3")).toEqual({ kind: "owned_elsewhere" });
  });

  it("forgets a finished claim once its retention has passed, even before TTL deletes it", async () => {
    const clock = start();
    const claims = claimsAt(clock);
    const delivery = key();
    await claims.claim(delivery, "first", "message-1");
    await claims.complete(delivery, "first", outcome(delivery, "sent", clock));
    clock.now += 3_601_000;
    expect(await claims.claim(delivery, "much-later", "message-2")).toEqual({ kind: "claimed", token: "much-later" });
  });

  it("writes the outcome to the delivery's row with the mark, so the row shows it without the events function", async () => {
    const clock = start();
    const claims = claimsAt(clock);
    const delivery = key();
    await claims.claim(delivery, "first", "message-1");
    expect((await deliveries().get(delivery.notificationId))).toBeUndefined();
    const sent = outcome(delivery, "sent", clock, "provider-1");
    await claims.complete(delivery, "first", sent);
    expect((await deliveries().get(delivery.notificationId))!.deliveries).toEqual([{ userId: delivery.userId, channel: "email", status: "sent", attempts: 1, updatedAt: sent.at }]);
    expect(await deliveries().timeline(delivery.notificationId)).toEqual([{ ...sent }]);
  });

  it("keeps a status that outranks the outcome when a receipt reached the row before the mark", async () => {
    const clock = start();
    const claims = claimsAt(clock);
    const delivery = key();
    await claims.claim(delivery, "first", "message-1");
    const sent = outcome(delivery, "sent", clock, "provider-1");
    clock.now += 1000;
    const delivered = outcome(delivery, "delivered", clock);
    await deliveries().apply(delivered);
    await claims.complete(delivery, "first", sent);
    const view = (await deliveries().get(delivery.notificationId))!;
    expect(view.deliveries).toEqual([{ userId: delivery.userId, channel: "email", status: "delivered", attempts: 1, updatedAt: delivered.at }]);
    expect((await deliveries().timeline(delivery.notificationId)).map((event) => event.status)).toEqual(["sent", "delivered"]);
    expect(await claims.claim(delivery, "copy", "message-2")).toEqual({ kind: "already_done", status: "sent", providerMessageId: "provider-1" });
  });

  it("takes a claim on a row that holds an earlier outcome that needs another attempt, such as a quiet-hours deferral", async () => {
    const clock = start();
    const claims = claimsAt(clock);
    const delivery = key();
    await deliveries().apply(outcome(delivery, "deferred", clock));
    expect(await claims.claim(delivery, "released", "message-2")).toEqual({ kind: "claimed", token: "released" });
  });

  it("tells a message for a delivery sent before claims lived on its row that it was already sent", async () => {
    const clock = start();
    const claims = claimsAt(clock);
    const delivery = key();
    await deliveries().apply(outcome(delivery, "sent", clock, "provider-1"));
    expect(await claims.claim(delivery, "after-upgrade", "message-1")).toEqual({ kind: "already_done", status: "sent" });
  });
});
