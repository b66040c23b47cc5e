import { describe, expect, it } from "vitest";
import { call, deliveries, eventually, outbox, reachableUser, settled, uniqueId } from "../helpers/local-api.ts";

async function reachable(userId: string, overrides: Record<string, unknown> = {}) {
  const { status } = await call("PUT", `/v1/users/${userId}/preferences`, { ...reachableUser, ...overrides });
  expect(status).toBe(200);
}

function byChannel<T extends { channel: string }>(items: T[]): Record<string, T[]> {
  return Object.groupBy(items, (item) => item.channel) as Record<string, T[]>;
}

describe("publishing a notification", () => {
  it("sends order.shipped on all four default channels and reports each as sent", async () => {
    const userId = uniqueId("user");
    const notificationId = uniqueId("order");
    await reachable(userId);

    const accepted = await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", recipients: [{ userId }], data: { orderId: "A-100", carrier: "UPS" } });
    expect(accepted).toEqual({ status: 202, body: { notificationId, recipients: 1, channels: ["email", "sms", "push", "in_app"] } });

    const rows = await eventually("four sent deliveries", () => deliveries(notificationId), (rows) => rows.filter((row) => row.status === "sent").length === 4);
    expect(rows.map((row) => row.channel).sort()).toEqual(["email", "in_app", "push", "sms"]);

    const sent = byChannel(await outbox(notificationId));
    expect(sent.email).toEqual([expect.objectContaining({ userId, to: "ada@example.com", subject: "Your order A-100 has shipped" })]);
    expect(sent.sms).toEqual([expect.objectContaining({ to: "+14155550123", body: "Order A-100 has shipped via UPS." })]);
    expect(sent.push).toEqual([expect.objectContaining({ to: reachableUser.pushEndpoints[0] })]);
    expect(sent.in_app).toEqual([expect.objectContaining({ to: userId })]);
  });

  it("sends only on the channels the request narrows to", async () => {
    const userId = uniqueId("user");
    const notificationId = uniqueId("order");
    await reachable(userId);

    await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", recipients: [{ userId }], channels: ["sms"], data: { orderId: "A-101" } });
    await eventually("the sms delivery", () => deliveries(notificationId), (rows) => rows.some((row) => row.status === "sent"));
    await settled();

    expect((await outbox(notificationId)).map((entry) => entry.channel)).toEqual(["sms"]);
    expect((await deliveries(notificationId)).map((row) => row.channel)).toEqual(["sms"]);
  });

  it("fans out one message per recipient", async () => {
    const users = [uniqueId("user"), uniqueId("user"), uniqueId("user")];
    const notificationId = uniqueId("digest");
    for (const userId of users) await reachable(userId);

    const accepted = await call("POST", "/v1/notifications", { notificationId, type: "marketing.weekly_digest", recipients: users.map((userId) => ({ userId })), data: { headline: "Hi" } });
    expect(accepted.body).toMatchObject({ recipients: 3, channels: ["email", "push"] });

    await eventually("six sent deliveries", () => deliveries(notificationId), (rows) => rows.filter((row) => row.status === "sent").length === 6);
    expect(new Set((await outbox(notificationId)).map((entry) => entry.userId))).toEqual(new Set(users));
  });

  it("sends once when the same notificationId is published twice", async () => {
    const userId = uniqueId("user");
    const notificationId = uniqueId("order");
    await reachable(userId);
    const request = { notificationId, type: "order.shipped", recipients: [{ userId }], data: { orderId: "A-102" } };

    const [first, second] = await Promise.all([call("POST", "/v1/notifications", request), call("POST", "/v1/notifications", request)]);
    expect([first.status, second.status]).toEqual([202, 202]);
    await eventually("four sent deliveries", () => deliveries(notificationId), (rows) => rows.filter((row) => row.status === "sent").length === 4);
    await settled();

    const counts = Object.fromEntries(Object.entries(byChannel(await outbox(notificationId))).map(([channel, entries]) => [channel, entries.length]));
    expect(counts).toEqual({ email: 1, sms: 1, push: 1, in_app: 1 });
  });

  it("records a disabled channel as suppressed with its reason and sends the rest", async () => {
    const userId = uniqueId("user");
    const notificationId = uniqueId("order");
    await reachable(userId, { channels: { sms: false } });

    await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", recipients: [{ userId }], data: { orderId: "A-103" } });
    const rows = await eventually("four outcomes", () => deliveries(notificationId), (rows) => rows.length === 4);

    expect(rows.find((row) => row.channel === "sms")).toMatchObject({ status: "suppressed", reason: "channel_disabled" });
    expect(rows.filter((row) => row.status === "sent").map((row) => row.channel).sort()).toEqual(["email", "in_app", "push"]);
    await settled();
    expect((await outbox(notificationId)).map((entry) => entry.channel)).not.toContain("sms");
  });

  it("reaches a user nobody configured only in the inbox, and says why not elsewhere", async () => {
    const userId = uniqueId("stranger");
    const notificationId = uniqueId("order");

    await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", recipients: [{ userId }], data: { orderId: "A-104" } });
    const rows = await eventually("four outcomes", () => deliveries(notificationId), (rows) => rows.length === 4);

    expect(Object.fromEntries(rows.map((row) => [row.channel, [row.status, row.reason]]))).toEqual({
      email: ["suppressed", "no_address"],
      sms: ["suppressed", "no_address"],
      push: ["suppressed", "no_address"],
      in_app: ["sent", undefined],
    });
  });
});

describe("data from the application's users in an email's headers", () => {
  it("sends an email whose subject stays one line when the data carries CR/LF and a forged header", async () => {
    const userId = uniqueId("headers");
    await reachable(userId);
    const notificationId = uniqueId("injected");
    const accepted = await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", recipients: [{ userId }], channels: ["email"], data: { orderId: "A-1\r\nBcc: evil@example.org" } });
    expect(accepted.status).toBe(202);
    const [email] = await eventually("the email sent", () => outbox(notificationId), (sent) => sent.length === 1);
    expect(email!.subject).toBe("Your order A-1 Bcc: evil@example.org has shipped");
  });
});

