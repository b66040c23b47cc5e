import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { describe, expect, inject, it } from "vitest";
import type { DeliveryEvent } from "#shared/domain/delivery-event.ts";
import { InboxStore } from "#shared/adapters/stores/inbox-store.ts";
import { readAllInboxItems, readInboxItem, type InboxDependencies } from "#functions/ingest/inbox-routes.ts";
import { call, deliveries, eventually, uniqueId } from "../helpers/local-api.ts";

async function notifyInApp(userId: string, orderId: string): Promise<string> {
  const notificationId = uniqueId("order");
  await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", recipients: [{ userId }], channels: ["in_app"], data: { orderId } });
  await eventually(`${orderId} sent`, () => deliveries(notificationId), (rows) => rows[0]?.status === "sent");
  return notificationId;
}

describe("in-app inbox", () => {
  it("lists a user's items newest first with the unread count, a page at a time", async () => {
    const userId = uniqueId("reader");
    const ids = [];
    for (const orderId of ["I-1", "I-2", "I-3"]) ids.push(await notifyInApp(userId, orderId));

    const first = await call("GET", `/v1/users/${userId}/inbox?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.unread).toBe(3);
    expect(first.body.items.map((item: { notificationId: string }) => item.notificationId)).toEqual([ids[2], ids[1]]);
    expect(first.body.items[0]).toMatchObject({ title: "Order shipped", body: "Order I-3 is on its way.", read: false });

    const second = await call("GET", `/v1/users/${userId}/inbox?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((item: { notificationId: string }) => item.notificationId)).toEqual([ids[0]]);
    expect(second.body.nextCursor).toBeUndefined();
  });

  it("returns an empty inbox for a user with none", async () => {
    expect((await call("GET", `/v1/users/${uniqueId("nobody")}/inbox`)).body).toMatchObject({ unread: 0, items: [] });
  });

  it("marks an item read, lowers the unread count and records the delivery as opened", async () => {
    const userId = uniqueId("reader");
    const notificationId = await notifyInApp(userId, "R-1");
    await notifyInApp(userId, "R-2");
    const { items } = (await call("GET", `/v1/users/${userId}/inbox`)).body;
    const item = items.find((candidate: { notificationId: string }) => candidate.notificationId === notificationId);

    const read = await call("POST", `/v1/users/${userId}/inbox/${item.itemId}/read`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ itemId: item.itemId, read: true, readAt: expect.any(String) });
    expect((await call("GET", `/v1/users/${userId}/inbox`)).body.unread).toBe(1);

    const rows = await eventually("the delivery opened", () => deliveries(notificationId), (rows) => rows[0]?.status === "opened");
    expect(rows[0]).toMatchObject({ channel: "in_app", status: "opened", attempts: 1 });
  });

  it("reads an item twice without counting it twice", async () => {
    const userId = uniqueId("reader");
    await notifyInApp(userId, "T-1");
    const [item] = (await call("GET", `/v1/users/${userId}/inbox`)).body.items;
    await call("POST", `/v1/users/${userId}/inbox/${item.itemId}/read`);
    const again = await call("POST", `/v1/users/${userId}/inbox/${item.itemId}/read`);
    expect(again).toMatchObject({ status: 200, body: { read: true } });
    expect((await call("GET", `/v1/users/${userId}/inbox`)).body.unread).toBe(0);
  });

  it("answers 404 for an item the user does not have and 400 for a malformed id", async () => {
    const userId = uniqueId("reader");
    expect((await call("POST", `/v1/users/${userId}/inbox/1795428000000-nothing/read`)).status).toBe(404);
    expect((await call("POST", `/v1/users/${userId}/inbox/not-an-id/read`)).status).toBe(400);
  });

  it("keeps an item unread when its opened event cannot be published, so the retry publishes it", async () => {
    const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1", endpoint: inject("localCloudEndpoints").dynamodb, credentials: { accessKeyId: "local", secretAccessKey: "local" } }));
    const inbox = new InboxStore(documents, inject("localCloudOutputs").InboxTableName!);
    const userId = uniqueId("reader");
    const itemIds = await Promise.all(
      ["R-1", "R-2", "R-3"].map((orderId, index) =>
        inbox.add({ userId, notificationId: uniqueId("order"), type: "order.shipped", title: "Order shipped", body: orderId, publishedAt: new Date(Date.UTC(2026, 11, 7, 10, index)).toISOString(), attempt: 1 }, "2026-12-07T10:00:00.000Z"),
      ),
    );
    const published: DeliveryEvent[] = [];
    let failing = true;
    const deps: InboxDependencies = {
      inbox,
      now: () => Date.parse("2026-12-07T11:00:00.000Z"),
      events: {
        publish: async (events) => {
          if (failing) throw new Error("Kinesis is unavailable");
          published.push(...events);
        },
      },
    };
    const request = (itemId?: string) => ({ pathParameters: itemId ? { itemId } : {} }) as unknown as APIGatewayProxyEventV2;

    await expect(readInboxItem(userId, request(itemIds[0]), deps)).rejects.toThrow("Kinesis is unavailable");
    await expect(readAllInboxItems(userId, request(), deps)).rejects.toThrow("Kinesis is unavailable");
    expect(await inbox.unreadCount(userId)).toBe(3);

    failing = false;
    expect((await readInboxItem(userId, request(itemIds[0]), deps)).statusCode).toBe(200);
    expect(JSON.parse((await readAllInboxItems(userId, request(), deps)).body as string)).toEqual({ userId, read: 2, more: false });
    expect(await inbox.unreadCount(userId)).toBe(0);
    expect(published.map((event) => [event.status, event.userId])).toEqual([["opened", userId], ["opened", userId], ["opened", userId]]);
    // Read again: already read, nothing more to publish.
    expect((await readInboxItem(userId, request(itemIds[0]), deps)).statusCode).toBe(200);
    expect(published).toHaveLength(3);
  });
});
