import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, inject, it } from "vitest";
import { deliveryEvent, type DeliveryEvent, type DeliveryStatus } from "#shared/domain/delivery-event.ts";
import { countAttribute, summaryStamp, type TakenChange } from "#shared/domain/broadcast-summary.ts";
import { streamPosition } from "#shared/domain/stream-counter-deltas.ts";
import { BroadcastSummaries } from "#shared/adapters/stores/broadcast-summaries.ts";
import { DeliveriesStore } from "#shared/adapters/stores/deliveries-store.ts";
import { uniqueId } from "../helpers/local-api.ts";

const credentials = { accessKeyId: "local", secretAccessKey: "local" };
const endpoints = inject("localCloudEndpoints");
const outputs = inject("localCloudOutputs");
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1", endpoint: endpoints.dynamodb, credentials }));
const deliveries = new DeliveriesStore(documents, outputs.DeliveriesTableName!);
const summaries = new BroadcastSummaries(documents, outputs.DeliveriesTableName!);
const SHARD = "shardId-000000000000";

function outcome(notificationId: string, userId: string, status: DeliveryStatus, second: number): DeliveryEvent {
  return deliveryEvent({ notificationId, type: "order.shipped", userId, channel: "in_app", status, attempt: 1, audience: "beta", rowShards: 4 }, new Date(Date.UTC(2026, 11, 8, 10, 0, second)));
}

/**
 * What the events function does with one batch's broadcast rows: read the shard's mark, take each
 * row's change under the batch's stamp, then add them. `diesBeforeAdding` stops where a killed
 * invocation would, with the changes taken and nothing added.
 */
async function batch(notificationId: string, userIds: string[], lastSequence: number, diesBeforeAdding = false): Promise<void> {
  const found = await summaries.countedThrough(notificationId, SHARD);
  const stamp = summaryStamp(streamPosition(String(lastSequence)), found);
  const changes: TakenChange[] = [];
  for (const userId of userIds) {
    const change = await summaries.takeChange({ notificationId, userId, channel: "in_app", rowShards: 4 }, SHARD, stamp);
    if (change) changes.push(change);
  }
  if (!diesBeforeAdding) await summaries.add(notificationId, SHARD, changes, found, stamp);
}

describe("a broadcast's summary on the local cloud", () => {
  it("counts a change once when the invocation that took it from its row died before adding it, and when the batch replays after it was added", async () => {
    const notificationId = uniqueId("summary");
    for (const userId of ["ada", "bo", "cy"]) await deliveries.applyAll([outcome(notificationId, userId, "sent", 1)]);

    await batch(notificationId, ["ada", "bo", "cy"], 100, true);
    expect(await summaries.summary(notificationId)).toEqual({});
    // Lambda hands the same records over again: the changes the dead attempt took are added now.
    await batch(notificationId, ["ada", "bo", "cy"], 100);
    expect(await summaries.summary(notificationId)).toEqual({ in_app: { sent: 3 } });
    // And again after they were added (a failure later in the batch): nothing twice.
    await batch(notificationId, ["ada", "bo", "cy"], 100);
    expect(await summaries.summary(notificationId)).toEqual({ in_app: { sent: 3 } });

    // A row that moved while its old record replays is taken then, stamped above the mark; the
    // attempt dies, and the next one still finds it uncounted.
    await deliveries.applyAll([outcome(notificationId, "ada", "opened", 5)]);
    await batch(notificationId, ["ada"], 50, true);
    await batch(notificationId, ["ada"], 50);
    expect(await summaries.summary(notificationId)).toEqual({ in_app: { sent: 2, opened: 1 } });
    await batch(notificationId, ["ada", "bo"], 200);
    expect(await summaries.summary(notificationId)).toEqual({ in_app: { sent: 2, opened: 1 } });
  });

  it("shows a broadcast accepted before rows were spread from where its rows and summary are", async () => {
    const notificationId = uniqueId("legacy");
    const table = outputs.DeliveriesTableName!;
    const message = { version: 1, notificationId, type: "order.shipped", category: "transactional", channels: ["in_app"], data: { orderId: "L-1" }, priority: "normal", audience: "beta", publishedAt: "2026-12-01T10:00:00.000Z" };
    await documents.send(new PutCommand({ TableName: table, Item: { notificationId, deliveryKey: "#notification", type: "order.shipped", audience: "beta", recipients: 2, channels: ["in_app"], acceptedAt: message.publishedAt, message } }));
    await documents.send(new PutCommand({ TableName: table, Item: { notificationId, deliveryKey: "#summary", [countAttribute("in_app", "sent")]: 2 } }));
    for (const userId of ["ada", "bo"]) await deliveries.applyAll([deliveryEvent({ notificationId, type: "order.shipped", userId, channel: "in_app", status: "sent", attempt: 1 }, new Date(Date.UTC(2026, 11, 1, 10, 0, 1)))]);
    const view = await deliveries.get(notificationId);
    expect(view).toMatchObject({ audience: "beta", summary: { in_app: { sent: 2 } } });
    expect(view!.deliveries.map((row) => `${row.userId} ${row.status}`)).toEqual(["ada sent", "bo sent"]);
    expect(view!.nextCursor).toBeUndefined();
  });

  it("keeps a broadcast's rows off its notificationId's own partition key", async () => {
    const notificationId = uniqueId("spread");
    await deliveries.applyAll([outcome(notificationId, "ada", "sent", 1)]);
    expect(await deliveries.statusOf({ notificationId, userId: "ada", channel: "in_app", rowShards: 4 })).toBe("sent");
    expect(await deliveries.statusOf({ notificationId, userId: "ada", channel: "in_app" })).toBeUndefined();
  });
});
