import { describe, expect, it } from "vitest";
import { advanceClockTo, call, deliveries, eventually, localNow, outbox, reachableUser, settled, uniqueId, utcClock } from "../helpers/local-api.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

async function withPreferences(userIds: string[]): Promise<void> {
  for (let start = 0; start < userIds.length; start += 20) {
    await Promise.all(userIds.slice(start, start + 20).map((userId) => call("PUT", `/v1/users/${userId}/preferences`, { ...reachableUser, timezone: "UTC" })));
  }
}

describe("scheduled sends (sendAt)", () => {
  it("keeps every delivery scheduled until the local clock reaches sendAt, then sends each once", async () => {
    const userId = uniqueId("planner");
    const notificationId = uniqueId("reminder");
    await withPreferences([userId]);
    const sendAt = (await localNow()) + HOUR;

    const accepted = await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", recipients: [{ userId }], channels: ["email", "in_app"], data: { orderId: "S-1" }, sendAt: new Date(sendAt).toISOString() });
    expect(accepted).toMatchObject({ status: 202, body: { notificationId, recipients: 1, sendAt: new Date(sendAt).toISOString() } });
    const view = (await call("GET", `/v1/notifications/${notificationId}`)).body;
    expect(view.sendAt).toBe(new Date(sendAt).toISOString());
    expect(view.deliveries.map((row: any) => [row.channel, row.status, row.reason])).toEqual([
      ["email", "scheduled", new Date(sendAt).toISOString()],
      ["in_app", "scheduled", new Date(sendAt).toISOString()],
    ]);
    await settled();
    expect(await outbox(notificationId)).toEqual([]);

    await advanceClockTo(sendAt - MINUTE);
    await settled();
    expect(await outbox(notificationId)).toEqual([]);

    await advanceClockTo(sendAt + 1000);
    await eventually("both deliveries sent", () => deliveries(notificationId), (rows) => rows.filter((row) => row.status === "sent").length === 2);
    await settled();
    expect((await outbox(notificationId)).map((entry) => entry.channel).sort()).toEqual(["email", "in_app"]);
  });

  it("repeats nothing when the same scheduled notification is published again", async () => {
    const userId = uniqueId("planner");
    const notificationId = uniqueId("reminder");
    await withPreferences([userId]);
    const sendAt = new Date((await localNow()) + HOUR).toISOString();
    const request = { notificationId, type: "order.shipped", recipients: [{ userId }], channels: ["in_app"], data: { orderId: "S-2" }, sendAt };
    expect((await call("POST", "/v1/notifications", request)).status).toBe(202);
    expect((await call("DELETE", `/v1/notifications/${notificationId}`)).body).toEqual({ notificationId, canceled: 1 });
    expect((await call("POST", "/v1/notifications", request)).status).toBe(202);
    expect((await deliveries(notificationId)).map((row) => row.status)).toEqual(["canceled"]);
  });
});

describe("cancel (DELETE /v1/notifications/{id})", () => {
  it("cancels a scheduled notification until it is due; calling it again changes nothing; nothing is sent", async () => {
    const userId = uniqueId("planner");
    const notificationId = uniqueId("reminder");
    await withPreferences([userId]);
    const sendAt = (await localNow()) + HOUR;
    await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", recipients: [{ userId }], channels: ["email", "sms"], data: { orderId: "C-1" }, sendAt: new Date(sendAt).toISOString() });

    expect(await call("DELETE", `/v1/notifications/${notificationId}`)).toEqual({ status: 200, body: { notificationId, canceled: 2 } });
    expect(await call("DELETE", `/v1/notifications/${notificationId}`)).toEqual({ status: 200, body: { notificationId, canceled: 0 } });
    const view = (await call("GET", `/v1/notifications/${notificationId}`)).body;
    expect(view.canceledAt).toBeDefined();
    expect(view.deliveries.map((row: any) => row.status)).toEqual(["canceled", "canceled"]);

    await advanceClockTo(sendAt + 1000);
    await settled();
    expect(await outbox(notificationId)).toEqual([]);
    expect((await deliveries(notificationId)).map((row) => row.status)).toEqual(["canceled", "canceled"]);
  });

  it("cancels deliveries held for quiet hours, which stay unsent when the hours end", async () => {
    const userId = uniqueId("sleeper");
    const notificationId = uniqueId("order");
    const now = await localNow();
    const windowEnd = Math.floor(now / MINUTE) * MINUTE + 2 * HOUR;
    await call("PUT", `/v1/users/${userId}/preferences`, { ...reachableUser, timezone: "UTC", quietHours: { start: utcClock(now - MINUTE), end: utcClock(windowEnd) } });
    await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", recipients: [{ userId }], channels: ["email", "sms"], data: { orderId: "Q-2" } });
    await eventually("both deliveries deferred", () => deliveries(notificationId), (rows) => rows.length === 2 && rows.every((row) => row.status === "deferred"));

    expect((await call("DELETE", `/v1/notifications/${notificationId}`)).body).toEqual({ notificationId, canceled: 2 });
    await advanceClockTo(windowEnd + 1000);
    await settled();
    expect(await outbox(notificationId)).toEqual([]);
    expect((await deliveries(notificationId)).map((row) => row.status)).toEqual(["canceled", "canceled"]);
  });

  it("sends no fallback for a canceled push, even when its release finds the device gone", async () => {
    const userId = uniqueId("sleeper");
    const notificationId = uniqueId("order");
    const now = await localNow();
    const windowEnd = Math.floor(now / MINUTE) * MINUTE + 2 * HOUR;
    await call("PUT", `/v1/users/${userId}/preferences`, { ...reachableUser, timezone: "UTC", quietHours: { start: utcClock(now - MINUTE), end: utcClock(windowEnd) } });
    await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", recipients: [{ userId }], channels: ["push"], data: { orderId: "Q-3" } });
    await eventually("the push deferred", () => deliveries(notificationId), (rows) => rows[0]?.status === "deferred");

    expect((await call("DELETE", `/v1/notifications/${notificationId}`)).body).toEqual({ notificationId, canceled: 1 });
    // The device is removed meanwhile: the released push is suppressed for no_address, which order.shipped falls back from to email.
    expect((await call("PATCH", `/v1/users/${userId}/preferences`, { pushEndpoints: null })).status).toBe(200);
    await advanceClockTo(windowEnd + 1000);
    await settled();
    expect(await outbox(notificationId)).toEqual([]);
    expect((await deliveries(notificationId)).map((row) => `${row.channel} ${row.status}`)).toEqual(["push canceled"]);
  });

  it("leaves what was sent and says so: a sent notification cancels nothing", async () => {
    const userId = uniqueId("reader");
    const notificationId = uniqueId("order");
    await withPreferences([userId]);
    await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", recipients: [{ userId }], channels: ["in_app"], data: { orderId: "C-3" } });
    await eventually("sent", () => deliveries(notificationId), (rows) => rows[0]?.status === "sent");
    expect((await call("DELETE", `/v1/notifications/${notificationId}`)).body).toEqual({ notificationId, canceled: 0 });
    expect((await deliveries(notificationId)).map((row) => row.status)).toEqual(["sent"]);
  });

  it("answers 404 for an unknown notification and 400 for an id that is not one", async () => {
    expect(await call("DELETE", `/v1/notifications/${uniqueId("never")}`)).toMatchObject({ status: 404, body: { error: { code: "not_found" } } });
    expect((await call("DELETE", `/v1/notifications/${"x".repeat(300)}`)).status).toBe(400);
  });

  it("racing the release of 200 scheduled deliveries, leaves each one sent or canceled, never both, never neither", async () => {
    const userIds = Array.from({ length: 100 }, (_, index) => uniqueId(`racer${index}`));
    const notificationId = uniqueId("race");
    await withPreferences(userIds);
    const sendAt = (await localNow()) + HOUR;
    await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", recipients: userIds.map((userId) => ({ userId })), channels: ["email", "in_app"], data: { orderId: "R-1" }, sendAt: new Date(sendAt).toISOString() });

    await advanceClockTo(sendAt + 1000);
    // Cancel once the release has begun, while most of it is still in flight.
    await eventually("the first delivery sent", () => deliveries(notificationId), (rows) => rows.some((row) => row.status === "sent"), 30_000);
    const { body } = await call("DELETE", `/v1/notifications/${notificationId}`);
    await settled();

    const rows = await deliveries(notificationId);
    const sent = await outbox(notificationId);
    expect(rows).toHaveLength(200);
    expect(rows.every((row) => row.status === "sent" || row.status === "canceled")).toBe(true);
    const canceled = rows.filter((row) => row.status === "canceled");
    expect(body.canceled).toBe(canceled.length);
    expect(sent.map((entry) => `${entry.userId}/${entry.channel}`).sort()).toEqual(rows.filter((row) => row.status === "sent").map((row) => `${row.userId}/${row.channel}`).sort());
    expect(sent.length + canceled.length).toBe(200);
  });
});
