import { describe, expect, it } from "vitest";
import { broadcastView, call, eventually, outbox, reachableUser, settled, uniqueId } from "../helpers/local-api.ts";

async function audienceOf(userIds: string[]): Promise<string> {
  const audienceId = uniqueId("broadcast-aud");
  expect((await call("PUT", `/v1/audiences/${audienceId}`, { name: "launch" })).status).toBe(200);
  for (let start = 0; start < userIds.length; start += 1_000) {
    expect((await call("POST", `/v1/audiences/${audienceId}/members`, { add: userIds.slice(start, start + 1_000) })).status).toBe(200);
  }
  return audienceId;
}

const status = async (notificationId: string) => (await call("GET", `/v1/notifications/${notificationId}`)).body;

describe("broadcast to an audience on the local cloud", () => {
  it("reaches every member once on each channel they can receive, with preferences applied per recipient", async () => {
    const members = Array.from({ length: 1_200 }, (_, index) => uniqueId(`member-${index}`));
    // Two members have addresses, one of them has switched email off: the rest get in_app only.
    const [withEmail, emailOff] = members as [string, string];
    await call("PUT", `/v1/users/${withEmail}/preferences`, reachableUser);
    await call("PUT", `/v1/users/${emailOff}/preferences`, { ...reachableUser, channels: { email: false } });
    const audienceId = await audienceOf(members);

    const notificationId = uniqueId("launch");
    const accepted = await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", audience: audienceId, channels: ["email", "in_app"], data: { orderId: "B-1" } });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toEqual({ notificationId, audience: audienceId, recipients: 1_200, channels: ["email", "in_app"] });

    const finished = await eventually(
      "the broadcast expanded and every delivery decided",
      () => broadcastView(notificationId),
      (view) => view.expansion?.status === "done" && view.deliveries.length === 2_400,
      60_000,
    );
    expect(finished).toMatchObject({ notificationId, audience: audienceId, recipients: 1_200, expansion: { status: "done", expanded: 1_200, total: 1_200 } });
    await settled();
    const sent = await outbox(notificationId);
    const inApp = sent.filter((message) => message.channel === "in_app").map((message) => message.userId);
    expect(inApp.toSorted()).toEqual(members.toSorted());
    expect(sent.filter((message) => message.channel === "email").map((message) => message.userId)).toEqual([withEmail]);
    const emailOffRow = finished.deliveries.find((row: { userId: string; channel: string }) => row.userId === emailOff && row.channel === "email");
    expect(emailOffRow).toMatchObject({ status: "suppressed", reason: "channel_disabled" });

    // The summary, kept as the deliveries changed, says what the rows say.
    await settled();
    const rows = (await broadcastView(notificationId)).deliveries as Array<{ channel: string; status: string }>;
    const tally: Record<string, Record<string, number>> = {};
    for (const { channel, status: rowStatus } of rows) (tally[channel] ??= {})[rowStatus] = (tally[channel]?.[rowStatus] ?? 0) + 1;
    expect((await status(notificationId)).summary).toEqual(tally);
    expect(tally.in_app).toEqual({ sent: 1_200 });

    // The view pages its deliveries 500 at a time: every delivery on exactly one page, in key order.
    const first = await status(notificationId);
    expect(first.deliveries).toHaveLength(500);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await call("GET", `/v1/notifications/${notificationId}?cursor=${first.nextCursor}`);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ notificationId, audience: audienceId, expansion: { status: "done" } });
    const key = (row: { userId: string; channel: string }) => `${row.userId}#${row.channel}`;
    expect(key(second.body.deliveries[0]) > key(first.deliveries.at(-1))).toBe(true);
    expect(new Set(finished.deliveries.map(key)).size).toBe(2_400);
    expect(await call("GET", `/v1/notifications/${notificationId}?cursor=not-a-cursor`)).toMatchObject({ status: 400, body: { error: { code: "invalid_request", issues: [{ path: "cursor" }] } } });

    // Publishing the same notificationId again answers the first acceptance and sends nothing twice.
    const again = await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", audience: audienceId, channels: ["email", "in_app"], data: { orderId: "B-1" } });
    expect(again.body).toEqual(accepted.body);
    await settled();
    expect(await outbox(notificationId)).toHaveLength(sent.length);
  });

  it("accepts an empty audience with no recipients and finishes its expansion", async () => {
    const audienceId = await audienceOf([]);
    const notificationId = uniqueId("empty");
    const accepted = await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", audience: audienceId, data: { orderId: "E-1" } });
    expect(accepted).toMatchObject({ status: 202, body: { recipients: 0 } });
    const view = await eventually("the empty expansion done", () => status(notificationId), (body) => body.expansion?.status === "done");
    expect(view).toMatchObject({ expansion: { status: "done", expanded: 0, total: 0 }, summary: {}, deliveries: [] });
  });

  it("refuses an unknown audience, and a request naming both recipients and an audience, publishing nothing", async () => {
    const unknown = await call("POST", "/v1/notifications", { type: "order.shipped", audience: uniqueId("nobody"), data: { orderId: "U-1" } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: "unknown_audience", issues: [{ path: "audience" }] });
    const both = await call("POST", "/v1/notifications", { type: "order.shipped", audience: "a", recipients: [{ userId: "b" }], data: { orderId: "U-2" } });
    expect(both.status).toBe(400);
    expect(both.body.error.issues[0].path).toBe("audience");
  });
});
