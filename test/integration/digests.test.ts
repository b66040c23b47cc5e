import { GetQueueAttributesCommand, SetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, inject, it } from "vitest";
import { advanceClockTo, call, deliveries, eventually, localNow, outbox, reachableUser, settled, uniqueId } from "../helpers/local-api.ts";

const WINDOW_MILLIS = 5 * 60_000;

async function inParallel<T>(items: T[], concurrency: number, work: (item: T) => Promise<unknown>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  }));
}

/** Publishes one like per liker; returns their notificationIds. */
async function like(userId: string, postId: string, likers: string[], channels = ["push", "in_app"]): Promise<string[]> {
  const ids = likers.map(() => uniqueId("like"));
  await inParallel(
    likers.map((likerName, index) => ({ likerName, notificationId: ids[index]! })),
    20,
    async ({ likerName, notificationId }) => {
      const { status } = await call("POST", "/v1/notifications", { notificationId, type: "social.comment_liked", recipients: [{ userId }], channels, data: { postId, commentId: "c-1", likerName } });
      expect(status).toBe(202);
    },
  );
  return ids;
}

/** Waits until every notification's deliveries are digested, and returns the window id each joined, by channel. */
async function windowsOf(notificationIds: string[], channels: number): Promise<Map<string, Set<string>>> {
  const byChannel = new Map<string, Set<string>>();
  for (const notificationId of notificationIds) {
    const rows = await eventually(`${notificationId} digested`, () => deliveries(notificationId), (rows) => rows.length === channels && rows.every((row) => row.status === "digested"));
    for (const row of rows) byChannel.set(row.channel, (byChannel.get(row.channel) ?? new Set()).add(row.reason!));
  }
  return byChannel;
}

describe("digests (social.comment_liked: 5 minutes per post)", () => {
  it("folds 100 likes published at once for one user and post into exactly one digest per channel, with count 100", async () => {
    const userId = uniqueId("poster");
    await call("PUT", `/v1/users/${userId}/preferences`, { ...reachableUser, timezone: "UTC" });
    const openedBy = await localNow();
    const likes = await like(userId, "post-1", Array.from({ length: 100 }, (_, index) => `liker${index}`));
    const windows = await windowsOf(likes, 2);
    expect([...windows.keys()].sort()).toEqual(["in_app", "push"]);
    for (const ids of windows.values()) expect(ids.size).toBe(1);
    await settled();
    const [pushWindow] = windows.get("push")!;
    const [inAppWindow] = windows.get("in_app")!;
    expect(await outbox(pushWindow!)).toEqual([]);

    await advanceClockTo(openedBy + WINDOW_MILLIS + 60_000);
    await eventually("both digests sent", async () => [...(await outbox(pushWindow!)), ...(await outbox(inAppWindow!))], (sent) => sent.length === 2);
    await settled();
    const [push] = await outbox(pushWindow!);
    const [inApp] = await outbox(inAppWindow!);
    expect(push).toMatchObject({ channel: "push", userId, body: expect.stringMatching(/^liker\d+ and 99 others liked your comment$/) });
    expect(inApp).toMatchObject({ channel: "in_app", userId, body: expect.stringMatching(/^liker\d+ and 99 others liked your comment$/) });
    expect(await outbox(pushWindow!)).toHaveLength(1);
    // The digest is a delivery of its own, under the window's id; the likes stay digested into it.
    expect((await deliveries(pushWindow!)).map((row) => [row.channel, row.status])).toEqual([["push", "sent"]]);
    expect((await deliveries(likes[0]!)).map((row) => row.status)).toEqual(["digested", "digested"]);
  });

  it("keeps two posts' likes in two digests", async () => {
    const userId = uniqueId("poster");
    const openedBy = await localNow();
    const onFirst = await like(userId, "post-A", ["ada", "bo", "cy"], ["in_app"]);
    const onSecond = await like(userId, "post-B", ["dee", "eve"], ["in_app"]);
    const [first] = (await windowsOf(onFirst, 1)).get("in_app")!;
    const [second] = (await windowsOf(onSecond, 1)).get("in_app")!;
    expect(first).not.toBe(second);

    await advanceClockTo(openedBy + WINDOW_MILLIS + 60_000);
    await eventually("both digests sent", async () => [...(await outbox(first!)), ...(await outbox(second!))], (sent) => sent.length === 2);
    expect((await outbox(first!))[0]!.body).toMatch(/and 2 others liked your comment$/);
    expect((await outbox(second!))[0]!.body).toMatch(/and 1 other liked your comment$/);
  });

  it("puts likes on either side of a window's close in exactly two digests, losing none", async () => {
    const userId = uniqueId("poster");
    const openedBy = await localNow();
    const before = await like(userId, "post-1", Array.from({ length: 10 }, (_, index) => `early${index}`), ["in_app"]);
    const [firstWindow] = (await windowsOf(before, 1)).get("in_app")!;
    await advanceClockTo(openedBy + WINDOW_MILLIS + 60_000);
    await eventually("the first digest sent", () => outbox(firstWindow!), (sent) => sent.length === 1);

    const secondOpenedBy = await localNow();
    const after = await like(userId, "post-1", Array.from({ length: 7 }, (_, index) => `late${index}`), ["in_app"]);
    const secondWindows = (await windowsOf(after, 1)).get("in_app")!;
    expect(secondWindows.size).toBe(1);
    const [secondWindow] = secondWindows;
    expect(secondWindow).not.toBe(firstWindow);
    await advanceClockTo(secondOpenedBy + WINDOW_MILLIS + 60_000);
    await eventually("the second digest sent", () => outbox(secondWindow!), (sent) => sent.length === 1);
    await settled();
    expect((await outbox(firstWindow!)).map((entry) => entry.body)).toEqual([expect.stringMatching(/^early\d and 9 others/)]);
    expect((await outbox(secondWindow!)).map((entry) => entry.body)).toEqual([expect.stringMatching(/^late\d and 6 others/)]);
  });

  it("cancels a like waiting in a window: the digest leaves it out", async () => {
    const userId = uniqueId("poster");
    const openedBy = await localNow();
    const likes = await like(userId, "post-1", ["ada", "bo", "cy"], ["in_app"]);
    const [window] = (await windowsOf(likes, 1)).get("in_app")!;
    expect((await call("DELETE", `/v1/notifications/${likes[0]}`)).body).toEqual({ notificationId: likes[0], canceled: 1 });

    await advanceClockTo(openedBy + WINDOW_MILLIS + 60_000);
    await eventually("the digest sent", () => outbox(window!), (sent) => sent.length === 1);
    expect((await outbox(window!))[0]!.body).toMatch(/and 1 other liked your comment$/);
    expect((await deliveries(likes[0]!)).map((row) => row.status)).toEqual(["canceled"]);
    expect((await call("DELETE", `/v1/notifications/${likes[1]}`)).body).toEqual({ notificationId: likes[1], canceled: 0 });
  });

  it("defers a digest whose window closes inside the user's quiet hours", async () => {
    const userId = uniqueId("sleeper");
    const openedBy = await localNow();
    const quietStart = new Date(openedBy + 2 * 60_000).toISOString().slice(11, 16);
    const quietEnd = new Date(openedBy + 3 * 3_600_000).toISOString().slice(11, 16);
    await call("PUT", `/v1/users/${userId}/preferences`, { ...reachableUser, timezone: "UTC", quietHours: { start: quietStart, end: quietEnd } });
    const likes = await like(userId, "post-1", ["ada", "bo"], ["in_app"]);
    const [window] = (await windowsOf(likes, 1)).get("in_app")!;

    await advanceClockTo(openedBy + WINDOW_MILLIS + 60_000);
    await eventually("the digest deferred", () => deliveries(window!), (rows) => rows[0]?.status === "deferred");
    await settled();
    expect(await outbox(window!)).toEqual([]);
  });
});

describe("digests under crashes", () => {
  const sqs = new SQSClient({ region: "us-east-1", endpoint: inject("localCloudEndpoints").sqs, credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  const faults = async (rule?: object) => (await call(rule ? "POST" : "DELETE", "/_local/faults", rule)).body;

  it("sends one digest with every like when workers die while joining and the sweeper dies while releasing", async () => {
    const queueUrl = inject("localCloudOutputs").InAppQueueUrl!;
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["VisibilityTimeout"] }));
    // A killed worker's messages come back after the visibility timeout: shorten the wait.
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: { VisibilityTimeout: "2" } }));
    try {
      const userId = uniqueId("poster");
      const openedBy = await localNow();
      // Both of the first two invocations are marked for a kill within their first 50 ms; a rate below 1 left it to chance whether any was.
      await faults({ channel: "in_app", kind: "crash_worker", rate: 1, times: 2 });
      const likes = await like(userId, "post-1", Array.from({ length: 30 }, (_, index) => `liker${index}`), ["in_app"]);
      const windows = (await Promise.race([windowsOf(likes, 1), new Promise<never>((_, reject) => setTimeout(() => reject(new Error("likes not digested in 50 s")), 50_000))])).get("in_app")!;
      expect(windows.size).toBe(1);
      const [window] = windows;
      await faults();

      await faults({ channel: "sweeper", kind: "crash_sweep", rate: 1, times: 1 });
      await advanceClockTo(openedBy + WINDOW_MILLIS + 60_000);
      await settled();
      // A sweep that died holds its claim on the release for its lease; the next sweep after it takes it.
      await advanceClockTo((await localNow()) + 6 * 60_000);
      await eventually("the digest sent", () => outbox(window!), (sent) => sent.length === 1, 30_000);
      await advanceClockTo((await localNow()) + 6 * 60_000);
      await settled();
      expect((await outbox(window!)).map((entry) => entry.body)).toEqual([expect.stringMatching(/^liker\d+ and 29 others liked your comment$/)]);
      const injected = (await call("GET", "/_local/faults")).body.injected;
      expect(injected.crash_sweep).toBeGreaterThanOrEqual(1);
      expect(injected.crash_worker).toBeGreaterThanOrEqual(1);
    } finally {
      await faults();
      await sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: { VisibilityTimeout: Attributes!.VisibilityTimeout! } }));
    }
  }, 120_000);
});

describe("throttles (social.new_follower: 3 an hour)", () => {
  it("suppresses every follow past the third in the hour as throttled, counting a redelivered one once", async () => {
    const userId = uniqueId("popular");
    await call("PUT", `/v1/users/${userId}/preferences`, { ...reachableUser, timezone: "UTC" });
    const follows: string[] = [];
    for (const followerName of ["ada", "bo", "cy", "dee", "eve"]) {
      const notificationId = uniqueId("follow");
      follows.push(notificationId);
      await call("POST", "/v1/notifications", { notificationId, type: "social.new_follower", recipients: [{ userId }], channels: ["in_app"], data: { followerName } });
      await eventually(`${followerName}'s follow decided`, () => deliveries(notificationId), (rows) => rows.length === 1);
      // The same notification again (a client retry): it keeps its place in the window.
      await call("POST", "/v1/notifications", { notificationId, type: "social.new_follower", recipients: [{ userId }], channels: ["in_app"], data: { followerName } });
    }
    await settled();
    const outcomes = await Promise.all(follows.map(async (notificationId) => (await deliveries(notificationId))[0]));
    expect(outcomes.map((row) => [row!.status, row!.reason ?? null])).toEqual([
      ["sent", null],
      ["sent", null],
      ["sent", null],
      ["suppressed", "throttled"],
      ["suppressed", "throttled"],
    ]);
  });
});

describe("digests past their windows' retention (TTL applied on the local clock)", () => {
  it("digests and sends a like that comes 14 days after its post's last digest", async () => {
    const userId = uniqueId("poster");
    const openedBy = await localNow();
    const [first] = await like(userId, "post-1", ["ada"], ["in_app"]);
    const [firstWindow] = (await windowsOf([first!], 1)).get("in_app")!;
    await advanceClockTo(openedBy + WINDOW_MILLIS + 60_000);
    await eventually("the first digest sent", () => outbox(firstWindow!), (sent) => sent.length === 1);

    // A week after it was due, TTL has deleted the window; the scope's pointer goes with it.
    const later = openedBy + 14 * 24 * 60 * 60_000;
    await advanceClockTo(later);
    const [second] = await like(userId, "post-1", ["bo"], ["in_app"]);
    const [secondWindow] = (await windowsOf([second!], 1)).get("in_app")!;
    expect(secondWindow).not.toBe(firstWindow);
    await advanceClockTo(later + WINDOW_MILLIS + 60_000);
    const [sent] = await eventually("the second digest sent", () => outbox(secondWindow!), (messages) => messages.length === 1);
    expect(sent).toMatchObject({ channel: "in_app", userId, body: "bo liked your comment" });
  });

  it("sends a window of 60 likes carrying 30 KB of data each (1.8 MB, past maxItems too) as one message within SNS's 256 KiB", async () => {
    const userId = uniqueId("poster");
    const openedBy = await localNow();
    const note = "x".repeat(30 * 1024);
    const likes = Array.from({ length: 60 }, () => uniqueId("big-like"));
    await inParallel(likes, 20, async (notificationId) => {
      const { status } = await call("POST", "/v1/notifications", { notificationId, type: "social.comment_liked", recipients: [{ userId }], channels: ["in_app"], data: { postId: "post-big", commentId: "c-1", likerName: "liker", note } });
      expect(status).toBe(202);
    });
    const windows = await windowsOf(likes, 1);
    const [window] = windows.get("in_app")!;
    expect(windows.get("in_app")!.size).toBe(1);
    await advanceClockTo(openedBy + WINDOW_MILLIS + 60_000);
    const sent = await eventually("the digest sent", () => outbox(window!), (messages) => messages.length === 1, 60_000);
    expect(sent[0]!.body).toBe("liker and 59 others liked your comment");
    expect((await deliveries(window!)).map((row) => row.status)).toEqual(["sent"]);
  });
});
