import { describe, expect, it } from "vitest";
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
});
