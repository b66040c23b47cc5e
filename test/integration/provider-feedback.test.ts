import { describe, expect, it } from "vitest";
import { call, deliveries, eventually, outbox, reachableUser, settled, uniqueId } from "../helpers/local-api.ts";
import { asUser, userToken } from "../helpers/user-tokens.ts";

async function sentTo(channel: "email" | "sms", userId = uniqueId("user")): Promise<{ userId: string; notificationId: string }> {
  if (!(await call("GET", `/v1/users/${userId}/preferences`)).body.email) await call("PUT", `/v1/users/${userId}/preferences`, reachableUser);
  const notificationId = uniqueId("order");
  await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", recipients: [{ userId }], channels: [channel], data: { orderId: "F-1" } });
  await eventually(`the ${channel} sent`, () => deliveries(notificationId), (rows) => rows[0]?.status === "sent");
  return { userId, notificationId };
}

async function feedback(delivery: { userId: string; notificationId: string }, channel: string, kind: string): Promise<void> {
  const response = await call("POST", "/_local/feedback", { ...delivery, channel, kind });
  expect(response.status, JSON.stringify(response.body)).toBe(202);
}

const statusOf = (notificationId: string, status: string) => eventually(`status ${status}`, () => deliveries(notificationId), (rows) => rows[0]?.status === status);

describe("provider feedback", () => {
  it("turns email off after a hard bounce, so the next email to that user is suppressed", async () => {
    const first = await sentTo("email");
    await feedback(first, "email", "hard_bounce");
    const [row] = await statusOf(first.notificationId, "bounced");
    expect(row!.reason).toMatch(/^hard_bounce/);
    const { body: preferences } = await call("GET", `/v1/users/${first.userId}/preferences`);
    expect(preferences.channels.email).toBe(false);
    expect(preferences.channelSuppressions.email).toMatchObject({ reason: "hard_bounce", at: expect.any(String) });
    expect(preferences.email).toBe(reachableUser.email);

    const next = uniqueId("order");
    await call("POST", "/v1/notifications", { notificationId: next, type: "order.shipped", recipients: [{ userId: first.userId }], channels: ["email"], data: { orderId: "F-2" } });
    const [suppressed] = await statusOf(next, "suppressed");
    expect(suppressed!.reason).toBe("channel_disabled");
    await settled();
    expect(await outbox(next)).toEqual([]);
  });

  it("keeps a bounced channel off whatever the browser sends; only the application switches it back on", async () => {
    const first = await sentTo("email");
    const preferenceCenter = /Manage notification settings: (\S+)/.exec((await outbox(first.notificationId))[0]!.body)![1]!;
    await feedback(first, "email", "hard_bounce");
    await statusOf(first.notificationId, "bounced");

    const token = await userToken(first.userId);
    for (const patch of [{ channels: { email: true } }, { channels: null }]) {
      const refused = await asUser(token, "PATCH", "/v1/me/preferences", { body: patch });
      expect(refused.status, JSON.stringify(patch)).toBe(400);
      expect(refused.body.error.issues).toEqual([{ path: "channels.email", message: expect.stringContaining("after a hard bounce") }]);
    }
    expect((await asUser(token, "PATCH", "/v1/me/preferences", { body: { channels: { sms: false } } })).status).toBe(200);

    const page = await (await fetch(preferenceCenter)).text();
    expect(page).toContain('<input type="checkbox" disabled aria-describedby="suppressed-email"> Email');
    expect(page).toContain("Email is off because messages to your address could not be delivered");
    // The form as the page submits it: every topic left on, the channels as given.
    const topics = ["transactional", "marketing"].flatMap((category) => ["email", "sms", "push", "in_app"].map((channel): [string, string] => ["category", `${category}:${channel}`]));
    const form = (channels: string[]) => ({
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams([...channels.map((channel): [string, string] => ["channel", channel]), ...topics, ["timezone", "UTC"]]),
    });
    const forged = await fetch(preferenceCenter, form(["email", "in_app"]));
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain("channels.email was switched off after a hard bounce");
    expect((await fetch(preferenceCenter, form(["in_app"]))).status).toBe(200);
    const { body: preferences } = await call("GET", `/v1/users/${first.userId}/preferences`);
    expect(preferences.channels).toMatchObject({ email: false, sms: false, in_app: true });
    expect(preferences.channelSuppressions.email.reason).toBe("hard_bounce");

    const lifted = await call("PATCH", `/v1/users/${first.userId}/preferences`, { channels: { email: true }, channelSuppressions: { email: null } });
    expect(lifted.status).toBe(200);
    const next = uniqueId("order");
    await call("POST", "/v1/notifications", { notificationId: next, type: "order.shipped", recipients: [{ userId: first.userId }], channels: ["email"], data: { orderId: "F-3" } });
    const rows = await eventually("the next email's outcome", () => deliveries(next), (rows) => rows.length === 1 && rows[0]!.status !== "queued");
    expect(rows[0], JSON.stringify(rows[0])).toMatchObject({ status: "sent" });
  });

  it("leaves email on after a soft bounce", async () => {
    const first = await sentTo("email");
    await feedback(first, "email", "soft_bounce");
    const [row] = await statusOf(first.notificationId, "bounced");
    expect(row!.reason).toMatch(/^soft_bounce/);
    const { body: preferences } = await call("GET", `/v1/users/${first.userId}/preferences`);
    expect(preferences.channels.email).toBe(true);
    expect(preferences.channelSuppressions).toBeUndefined();
    await sentTo("email", first.userId);
  });

  it("records deliveries, opens and clicks, and a complaint switches email off", async () => {
    const sent = await sentTo("email");
    await feedback(sent, "email", "open");
    await statusOf(sent.notificationId, "opened");
    // A delivery report that arrives after the open does not move the status back.
    await feedback(sent, "email", "delivery");
    await feedback(sent, "email", "click");
    await statusOf(sent.notificationId, "clicked");
    await feedback(sent, "email", "complaint");
    await statusOf(sent.notificationId, "complained");
    const { body: preferences } = await call("GET", `/v1/users/${sent.userId}/preferences`);
    expect(preferences.channelSuppressions.email.reason).toBe("complaint");
  });

  it("moves a broadcast's summary with what the provider reports later, counting a repeated report once", async () => {
    const userId = uniqueId("broadcast-feedback");
    await call("PUT", `/v1/users/${userId}/preferences`, reachableUser);
    const audienceId = uniqueId("feedback-aud");
    await call("PUT", `/v1/audiences/${audienceId}`, {});
    await call("POST", `/v1/audiences/${audienceId}/members`, { add: [userId] });
    const notificationId = uniqueId("broadcast");
    await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", audience: audienceId, channels: ["email"], data: { orderId: "F-9" } });
    const summary = async () => (await call("GET", `/v1/notifications/${notificationId}`)).body.summary;
    await eventually("the broadcast email counted sent", summary, (counts) => counts?.email?.sent === 1);
    await feedback({ userId, notificationId }, "email", "delivery");
    await feedback({ userId, notificationId }, "email", "delivery");
    await eventually("the delivery counted", summary, (counts) => counts?.email?.delivered === 1);
    await settled();
    expect(await summary()).toEqual({ email: { delivered: 1 } });
  });

  it("turns SMS off when the carrier reports the number invalid", async () => {
    const sent = await sentTo("sms");
    await feedback(sent, "sms", "delivery");
    await statusOf(sent.notificationId, "delivered");
    await feedback(sent, "sms", "hard_bounce");
    await statusOf(sent.notificationId, "bounced");
    const { body: preferences } = await call("GET", `/v1/users/${sent.userId}/preferences`);
    expect(preferences.channels).toMatchObject({ sms: false, email: true });
  });

  it("refuses feedback about a send that never happened", async () => {
    const response = await call("POST", "/_local/feedback", { notificationId: uniqueId("none"), userId: "nobody", channel: "email", kind: "hard_bounce" });
    expect(response.status).toBe(404);
  });
});
