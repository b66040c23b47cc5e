import { describe, expect, inject, it } from "vitest";
import { usageBetween } from "#infra/local/usage-ledger.ts";
import { advanceClockTo, broadcastView, call, eventually, localNow, outbox, reachableUser, settled, uniqueId, utcClock } from "../helpers/local-api.ts";

const MINUTE = 60_000;

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
  it("reaches every member once on each channel they can receive, with preferences and quiet hours applied per recipient", async () => {
    const members = Array.from({ length: 1_000 }, (_, index) => uniqueId(`member-${index}`));
    // Three members have addresses: one has switched email off, one is in quiet hours; the rest get in_app only.
    const [withEmail, emailOff, sleeper] = members as [string, string, string];
    await call("PUT", `/v1/users/${withEmail}/preferences`, reachableUser);
    await call("PUT", `/v1/users/${emailOff}/preferences`, { ...reachableUser, channels: { email: false } });
    const now = await localNow();
    const quietUntil = Math.floor(now / MINUTE) * MINUTE + 2 * 60 * MINUTE;
    await call("PUT", `/v1/users/${sleeper}/preferences`, { ...reachableUser, timezone: "UTC", quietHours: { start: utcClock(now - MINUTE), end: utcClock(quietUntil) } });
    const audienceId = await audienceOf(members);

    const notificationId = uniqueId("launch");
    const accepted = await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", audience: audienceId, channels: ["email", "in_app"], data: { orderId: "B-1" } });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toEqual({ notificationId, audience: audienceId, recipients: 1_000, channels: ["email", "in_app"] });

    const decided = (view: { summary?: Record<string, Record<string, number>> }) => Object.values(view.summary ?? {}).flatMap((byStatus) => Object.values(byStatus)).reduce((sum, count) => sum + count, 0);
    await eventually("the broadcast expanded and every delivery decided", () => status(notificationId), (view) => view.expansion?.status === "done" && decided(view) === 2_000, 90_000);
    const finished = await broadcastView(notificationId);
    expect(finished).toMatchObject({ notificationId, audience: audienceId, recipients: 1_000, expansion: { status: "done", expanded: 1_000, total: 1_000 } });
    await settled();
    const rowOf = (view: { deliveries: Array<{ userId: string; channel: string; status: string; reason?: string }> }, userId: string, channel: string) => view.deliveries.find((row) => row.userId === userId && row.channel === channel);
    expect(rowOf(finished, emailOff, "email")).toMatchObject({ status: "suppressed", reason: "channel_disabled" });
    expect([rowOf(finished, sleeper, "email"), rowOf(finished, sleeper, "in_app")]).toEqual([expect.objectContaining({ status: "deferred", reason: "quiet_hours" }), expect.objectContaining({ status: "deferred", reason: "quiet_hours" })]);
    const sentBefore = await outbox(notificationId);
    expect(sentBefore.filter((message) => message.channel === "in_app").map((message) => message.userId).toSorted()).toEqual(members.filter((userId) => userId !== sleeper).toSorted());
    expect(sentBefore.filter((message) => message.channel === "email").map((message) => message.userId)).toEqual([withEmail]);

    // When the sleeper's quiet hours end, both of their deliveries go out, once.
    await advanceClockTo(quietUntil + 1000);
    // The summary moves when the sleeper's two deliveries leave deferred; the rows are read once after.
    await eventually("the sleeper's deliveries sent", () => status(notificationId), (view) => view.summary?.in_app?.sent === 1_000 && view.summary?.email?.sent === 2);
    const afterQuietHours = await broadcastView(notificationId);
    expect([rowOf(afterQuietHours, sleeper, "email")?.status, rowOf(afterQuietHours, sleeper, "in_app")?.status]).toEqual(["sent", "sent"]);
    await settled();
    const sent = await outbox(notificationId);
    expect(sent.filter((message) => message.channel === "in_app").map((message) => message.userId).toSorted()).toEqual(members.toSorted());
    expect(sent.filter((message) => message.channel === "email").map((message) => message.userId).toSorted()).toEqual([withEmail, sleeper].toSorted());

    // The summary, kept as the deliveries changed, says what the rows say.
    const rows = (await broadcastView(notificationId)).deliveries as Array<{ channel: string; status: string }>;
    const tally: Record<string, Record<string, number>> = {};
    for (const { channel, status: rowStatus } of rows) (tally[channel] ??= {})[rowStatus] = (tally[channel]?.[rowStatus] ?? 0) + 1;
    expect((await status(notificationId)).summary).toEqual(tally);
    expect(tally.in_app).toEqual({ sent: 1_000 });
    expect(tally.email).toMatchObject({ sent: 2, suppressed: 998 });

    // The view pages its deliveries 500 at a time, shard after shard: every delivery on exactly one page.
    const first = await status(notificationId);
    expect(first.deliveries).toHaveLength(500);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await call("GET", `/v1/notifications/${notificationId}?cursor=${first.nextCursor}`);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ notificationId, audience: audienceId, expansion: { status: "done" } });
    const key = (row: { userId: string; channel: string }) => `${row.userId}#${row.channel}`;
    const onFirst = new Set(first.deliveries.map(key));
    expect(second.body.deliveries.filter((row: { userId: string; channel: string }) => onFirst.has(key(row)))).toEqual([]);
    expect(finished.deliveries).toHaveLength(2_000);
    expect(new Set(finished.deliveries.map(key)).size).toBe(2_000);
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

  it("cancels a broadcast already sent without changing a delivery, answering before the expander walks its members", async () => {
    const audienceId = await audienceOf(Array.from({ length: 50 }, (_, index) => uniqueId(`cancel-member-${index}`)));
    const notificationId = uniqueId("sent-then-canceled");
    expect((await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", audience: audienceId, channels: ["in_app"], data: { orderId: "X-1" } })).status).toBe(202);
    await eventually("every delivery sent", () => status(notificationId), (view) => view.summary?.in_app?.sent === 50, 60_000);
    await settled();
    // The expander waits, so what the answer cost is ingest's alone.
    const expansionQueue = { queueUrl: inject("localCloudOutputs").BroadcastExpansionQueueUrl };
    expect((await call("POST", "/_local/polling", { ...expansionQueue, polling: false })).status).toBe(200);
    try {
      const before = (await call("GET", "/_local/usage")).body;
      const answered = await call("DELETE", `/v1/notifications/${notificationId}`);
      expect(answered).toMatchObject({ status: 202, body: { notificationId, canceled: 0, cancel: { status: "canceling" } } });
      // The answer reads the header and checkpoints, and the summary, never a delivery row: a Query of each partition.
      const { requests } = usageBetween(before, (await call("GET", "/_local/usage")).body);
      expect(requests["dynamodb.Query"]?.requests).toBe(2);
    } finally {
      await call("POST", "/_local/polling", { ...expansionQueue, polling: true });
    }
    const done = await eventually("the cancel done", () => status(notificationId), (view) => view.cancel?.status === "done");
    expect(done).toMatchObject({ expansion: { status: "done" }, cancel: { status: "done", checked: 50, canceled: 0 }, summary: { in_app: { sent: 50 } } });
    expect(await outbox(notificationId)).toHaveLength(50);
  });
});
