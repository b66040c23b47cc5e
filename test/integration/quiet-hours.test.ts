import { describe, expect, it } from "vitest";
import { advanceClockTo, call, deliveries, eventually, localNow, outbox, reachableUser, settled, uniqueId, utcClock } from "../helpers/local-api.ts";

const MINUTE = 60_000;

describe("quiet hours", () => {
  it("holds a notification inside the user's quiet hours and sends it when they end", async () => {
    const userId = uniqueId("sleeper");
    const notificationId = uniqueId("order");
    const now = await localNow();
    const windowEnd = Math.floor(now / MINUTE) * MINUTE + 2 * 60 * MINUTE;
    await call("PUT", `/v1/users/${userId}/preferences`, { ...reachableUser, timezone: "UTC", quietHours: { start: utcClock(now - MINUTE), end: utcClock(windowEnd) } });

    await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", recipients: [{ userId }], channels: ["email", "sms"], data: { orderId: "Q-1" } });
    const held = await eventually("both deliveries deferred", () => deliveries(notificationId), (rows) => rows.length === 2 && rows.every((row) => row.status === "deferred"));
    expect(held.map((row) => row.reason)).toEqual(["quiet_hours", "quiet_hours"]);
    await settled();
    expect(await outbox(notificationId)).toEqual([]);

    await advanceClockTo(windowEnd + 1000);
    await eventually("both deliveries sent", () => deliveries(notificationId), (rows) => rows.filter((row) => row.status === "sent").length === 2);
    await settled();
    expect((await outbox(notificationId)).map((entry) => entry.channel).sort()).toEqual(["email", "sms"]);
  });

  it("sends a critical notification inside quiet hours at once", async () => {
    const userId = uniqueId("sleeper");
    const notificationId = uniqueId("login");
    const now = await localNow();
    await call("PUT", `/v1/users/${userId}/preferences`, { ...reachableUser, quietHours: { start: utcClock(now - MINUTE), end: utcClock(now + 3 * 60 * MINUTE) } });

    await call("POST", "/v1/notifications", { notificationId, type: "security.login_alert", recipients: [{ userId }], channels: ["email"], data: { device: "Firefox" } });
    const rows = await eventually("the email sent", () => deliveries(notificationId), (rows) => rows.length === 1 && rows[0]!.status !== "deferred");
    expect(rows[0]).toMatchObject({ channel: "email", status: "sent" });
  });
});
