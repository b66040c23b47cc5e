/**
 * Chaos on the local cloud: many notifications on every channel, each published three times, under
 * transient faults, throttling bursts, timeouts, permanent rejections, worker crashes before and
 * after the provider accepts, workers and sweeps killed wherever they are, and poison messages.
 * Digested likes and scheduled sends ride in the same mix: the clock is moved past their windows
 * and send times while likes keep arriving and half the schedules are canceled.
 * CHAOS_NOTIFICATIONS sets the size (npm test runs a small one, npm run test:chaos the full 2,000).
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ChangeMessageVisibilityBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT, startLocalCloud, type LocalCloud } from "#infra/local/local-cloud.ts";
import { CHANNELS, type Channel } from "#shared/domain/channels.ts";
import { channelOutputPrefix } from "#infra/output-names.ts";
import { redriveDeadLetters } from "../../cli/dlq-redrive.ts";
import { deliveryKey } from "#shared/domain/delivery-event.ts";
import { DeliveriesStore } from "#shared/adapters/stores/deliveries-store.ts";
import { reasonOf } from "#shared/domain/delivery-row.ts";
import { RELEASE_LEASE_MILLIS } from "#shared/workflows/release-deferred.ts";
import { AUDIENCE_SHARDS } from "#shared/domain/audience.ts";
import { ExpansionCheckpoints } from "#shared/adapters/stores/expansion-checkpoints.ts";
import { EXPANSION_PAGE_SIZE } from "#shared/domain/broadcast-expansion.ts";
import { digestFindings, scheduleFindings, TERMINAL, type Delivery, type DeliveryRow, type Send } from "./grouping-in-time-invariants.ts";
import { analyticsFindings, countedByAnalytics, reachedByRows } from "./analytics-invariants.ts";

const NOTIFICATIONS = Number(process.env.CHAOS_NOTIFICATIONS ?? 40);
const USERS = Math.max(20, Math.round(NOTIFICATIONS / 10));
/** Likes of comments on two posts of five users (social.comment_liked: a 5-minute digest per post, push and in_app). */
const LIKES = Math.max(20, Math.round(NOTIFICATIONS / 2));
const LIKED_USERS = 5;
const LIKED_POSTS = 2;
/** order.shipped sent an hour ahead; every other one is canceled while the clock passes its sendAt. */
const SCHEDULED = Math.max(10, Math.round(NOTIFICATIONS / 4));
const HOUR = 3_600_000;
const PUBLISHES_PER_NOTIFICATION = 3;
const PROVIDER_TIMEOUT_MILLIS = 3000;
const WORKER_TIMEOUT_SECONDS = 5;

interface ChaosRequest {
  notificationId: string;
  type: string;
  recipients: [{ userId: string }];
  data: Record<string, unknown>;
  sendAt?: string;
}

/** The lists' items taken in turn, so each kind of traffic shares every moment of the run. */
function interleaved<T>(...lists: T[][]): T[] {
  const longest = Math.max(...lists.map((list) => list.length));
  return Array.from({ length: longest }, (_, index) => lists.flatMap((list) => (index < list.length ? [list[index]!] : []))).flat();
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

const stateDir = join(PROJECT_ROOT, ".notify", `chaos-${process.pid}`);
let cloud: LocalCloud;
let sqs: SQSClient;
let documents: DynamoDBDocumentClient;
const figures: Record<string, unknown> = {};

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${cloud.apiUrl}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as any };
}

const isOfThisRun = (notificationId: string) => notificationId.startsWith("chaos-") || notificationId.startsWith("digest-");

async function deadLetterCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const channel of CHANNELS) {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: cloud.outputs[`${channelOutputPrefix(channel)}DeadLetterQueueUrl`], AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }),
    );
    counts[channel] = Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
  }
  return counts;
}

/**
 * The delivery keys of the messages in every DLQ, read and made visible again at once so a redrive
 * finds them all; a body that is no delivery (poison) is kept as it is.
 */
async function deadLetteredMessages(): Promise<string[]> {
  const keys: string[] = [];
  for (const channel of CHANNELS) {
    const queueUrl = cloud.outputs[`${channelOutputPrefix(channel)}DeadLetterQueueUrl`]!;
    const receipts: string[] = [];
    for (let received = 10; received === 10; ) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }));
      received = Messages.length;
      for (const { Body = "", ReceiptHandle } of Messages) {
        receipts.push(ReceiptHandle!);
        try {
          const { notificationId, userId } = JSON.parse(Body) as { notificationId?: string; userId?: string };
          keys.push(notificationId && userId ? deliveryKey({ notificationId, userId, channel }) : Body);
        } catch {
          keys.push(Body);
        }
      }
    }
    for (let start = 0; start < receipts.length; start += 10) {
      const entries = receipts.slice(start, start + 10).map((ReceiptHandle, index) => ({ Id: String(index), ReceiptHandle, VisibilityTimeout: 0 }));
      await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    }
  }
  return keys;
}

/** The status rows of this run's deliveries, the digests' own (under their window ids) among them. */
async function deliveryRows(): Promise<Map<string, DeliveryRow>> {
  const rows = new Map<string, DeliveryRow>();
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(new ScanCommand({ TableName: cloud.outputs.DeliveriesTableName, ExclusiveStartKey: startKey }));
    for (const item of page.Items ?? []) {
      // Skip the ingest record and the per-delivery history; keep the status rows.
      if (item.deliveryKey === "#notification" || String(item.deliveryKey).startsWith("~event#") || !isOfThisRun(String(item.notificationId))) continue;
      rows.set(deliveryKey(item as { notificationId: string; userId: string; channel: string }), { status: item.status, reason: reasonOf(item) });
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return rows;
}

/** Every item of the deliveries table, as stored. */
async function tableItems(): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(new ScanCommand({ TableName: cloud.outputs.DeliveriesTableName, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

async function sendsByKey(): Promise<Map<string, Send[]>> {
  const entries = (await api("GET", "/_local/outbox")).body as Array<Delivery & Send>;
  const byKey = new Map<string, Send[]>();
  for (const entry of entries.filter((candidate) => isOfThisRun(candidate.notificationId))) {
    const key = deliveryKey(entry);
    byKey.set(key, [...(byKey.get(key) ?? []), entry]);
  }
  return byKey;
}

/**
 * A second send is allowed only for a delivery whose environment died after its first send left
 * and before its mark: a send recorded up to one provider timeout after the crash was already on
 * the wire when the environment died.
 */
async function duplicatesOutsideCrashWindow(sends: Map<string, Send[]>) {
  const crashes = (await api("GET", "/_local/crashes")).body as { keys: string[]; at: string; reason: string }[];
  const inWindow: string[] = [];
  const outside: string[] = [];
  for (const [key, entries] of sends) {
    if (entries.length < 2) continue;
    const firstSend = entries.map((entry) => entry.at).sort()[0]!;
    const explained = crashes.some((crash) => crash.keys.includes(key) && Date.parse(crash.at) + PROVIDER_TIMEOUT_MILLIS >= Date.parse(firstSend));
    (explained ? inWindow : outside).push(key);
  }
  return { crashes, inWindow, outside };
}

beforeAll(async () => {
  // The same stack with shorter waits, so crashed work returns sooner: a 5 s worker timeout (30 s
  // visibility, 10 s claim lease), retries from 1 s up to 4 s, a 3 s provider timeout. Two
  // environments per channel: everything runs in one process on two cores, and more threads only
  // starve each other into timeouts.
  cloud = await startLocalCloud({
    port: 0,
    stateDir,
    context: { "notify:workerTimeoutSeconds": WORKER_TIMEOUT_SECONDS, "notify:workerMaxConcurrency": 2, "notify:retryBaseSeconds": 1, "notify:retryMaxSeconds": 4, "notify:providerTimeoutMillis": PROVIDER_TIMEOUT_MILLIS },
  });
  const credentials = { accessKeyId: "local", secretAccessKey: "local" };
  sqs = new SQSClient({ region: cloud.region, endpoint: cloud.endpoints.sqs, credentials });
  documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: cloud.region, endpoint: cloud.endpoints.dynamodb, credentials }));
});

afterAll(async () => {
  console.log(`chaos figures\n${JSON.stringify(figures, null, 2)}`);
  await cloud?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

describe(`chaos: ${NOTIFICATIONS} notifications x ${PUBLISHES_PER_NOTIFICATION} publishes`, () => {
  const poison: Array<{ channel: Channel; body: string }> = [
    { channel: "email", body: "not json at all" },
    { channel: "email", body: '{"version":1}' },
    { channel: "sms", body: '{"notificationId":"chaos-poison","userId":"nobody"}' },
    { channel: "push", body: "{" },
  ];

  it("keeps poison messages from delaying their neighbours", async () => {
    for (const { channel, body } of poison) await sqs.send(new SendMessageCommand({ QueueUrl: cloud.outputs[`${channelOutputPrefix(channel)}QueueUrl`], MessageBody: body }));
    const started = Date.now();
    await api("PUT", "/v1/users/chaos-probe/preferences", { email: "probe@example.com" });
    await api("POST", "/v1/notifications", { notificationId: "chaos-probe", type: "order.shipped", recipients: [{ userId: "chaos-probe" }], channels: ["email"], data: { orderId: "P" } });
    // A neighbour held back by a poison message would wait out the queue's visibility timeout.
    const heldBackMillis = WORKER_TIMEOUT_SECONDS * 6 * 1000;
    while ((await api("GET", "/v1/notifications/chaos-probe")).body.deliveries?.[0]?.status !== "sent") {
      expect(Date.now() - started, "the probe was not sent before a held-back message would be").toBeLessThan(heldBackMillis);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    figures.probeSentMillisWithPoisonQueued = Date.now() - started;
    expect(figures.probeSentMillisWithPoisonQueued).toBeLessThan(heldBackMillis);
    expect(Object.values(await deadLetterCounts()).reduce((a, b) => a + b, 0)).toBe(0);
  });

  it("loses nothing, sends nothing twice outside the crash window, digests every like once, sends or cancels every schedule, and dead-letters only what kept failing", async () => {
    const users = Array.from({ length: USERS }, (_, index) => `chaos-user-${index}`);
    await Promise.all(
      users.map((userId, index) =>
        api("PUT", `/v1/users/${userId}/preferences`, {
          email: `${userId}@example.com`,
          ...(index % 20 === 0 ? {} : { phone: `+1415555${String(1000 + index).slice(-4)}` }),
          pushEndpoints: [`arn:aws:sns:us-east-1:000000000000:endpoint/GCM/app/${userId}`],
          ...(index % 10 === 1 ? { channels: { sms: false } } : {}),
        }),
      ),
    );

    const rules = [
      { channel: "*", kind: "crash_after_send", rate: 0.01, times: 8 },
      { channel: "*", kind: "crash_before_send", rate: 0.01, times: 8 },
      { channel: "sms", kind: "throttle", rate: 1, times: 15 },
      { channel: "push", kind: "throttle", rate: 1, times: 15 },
      { channel: "*", kind: "permanent", rate: 0.01 },
      { channel: "*", kind: "timeout", rate: 0.03 },
      { channel: "*", kind: "transient", rate: 0.3 },
      // Killed wherever they are: joining a digest, claiming, marking; and a sweep mid-release.
      { channel: "push", kind: "crash_worker", rate: 0.02, times: 4 },
      { channel: "in_app", kind: "crash_worker", rate: 0.02, times: 4 },
      { channel: "sweeper", kind: "crash_sweep", rate: 0.5, times: 2 },
      // The delivery-events stream: batches handed over again (whole, or the tail a partial failure resumes from) and records repeated.
      { channel: "stream", kind: "replay_batch", rate: 0.2, times: 30 },
      { channel: "stream", kind: "duplicate_record", rate: 0.2, times: 30 },
    ];
    for (const rule of rules) expect((await api("POST", "/_local/faults", rule)).status).toBe(200);

    const started = Date.now();
    const accepted = new Map<string, Delivery[]>();
    const deliveriesOf = (requests: ChaosRequest[]) => requests.flatMap((request) => accepted.get(request.notificationId) ?? []);
    let publishCount = 0;
    /** Publishes each request three times, 20 at once, as a client retrying would. */
    const publishThrice = async (requests: ChaosRequest[]) => {
      const publishes = requests.flatMap((request) => Array.from({ length: PUBLISHES_PER_NOTIFICATION }, () => request));
      publishCount += publishes.length;
      for (let start = 0; start < publishes.length; start += 20) {
        await Promise.all(
          publishes.slice(start, start + 20).map(async (request) => {
            const response = await api("POST", "/v1/notifications", request);
            expect(response.status, JSON.stringify(response.body)).toBe(202);
            accepted.set(request.notificationId, response.body.channels.map((channel: string) => ({ notificationId: request.notificationId, userId: request.recipients[0]!.userId, channel })));
          }),
        );
      }
    };

    const regular: ChaosRequest[] = Array.from({ length: NOTIFICATIONS }, (_, index) => {
      const userId = users[index % USERS]!;
      return index % 5 === 0
        ? { notificationId: `chaos-${index}`, type: "security.login_alert", recipients: [{ userId }], data: { device: "chaos" } }
        : { notificationId: `chaos-${index}`, type: "order.shipped", recipients: [{ userId }], data: { orderId: `C-${index}` } };
    });
    const likes: ChaosRequest[] = Array.from({ length: LIKES }, (_, index) => ({
      notificationId: `chaos-like-${index}`,
      type: "social.comment_liked",
      recipients: [{ userId: users[index % LIKED_USERS]! }],
      data: { postId: `post-${Math.floor(index / LIKED_USERS) % LIKED_POSTS}`, commentId: "c-1", likerName: `liker${index}` },
    }));
    const sendAt = cloud.clock.now() + HOUR;
    const scheduled: ChaosRequest[] = Array.from({ length: SCHEDULED }, (_, index) => ({
      notificationId: `chaos-scheduled-${index}`,
      type: "order.shipped",
      recipients: [{ userId: users[(index * 7) % USERS]! }],
      data: { orderId: `S-${index}` },
      sendAt: new Date(sendAt).toISOString(),
    }));
    // Half the likes now; the rest while the clock passes their windows' close, racing the release.
    const [earlyLikes, lateLikes] = [likes.slice(0, LIKES / 2), likes.slice(LIKES / 2)];
    await publishThrice(interleaved(regular, earlyLikes, scheduled));
    await cloud.settled(600_000);
    figures.faultPhaseSeconds = (Date.now() - started) / 1000;

    const beforeSendAt = await deliveryRows();
    expect(deliveriesOf(scheduled).map((delivery) => beforeSendAt.get(deliveryKey(delivery))?.status)).toEqual(deliveriesOf(scheduled).map(() => "scheduled"));
    const sendsBeforeSendAt = await sendsByKey();
    expect(deliveriesOf(scheduled).filter((delivery) => sendsBeforeSendAt.has(deliveryKey(delivery)))).toEqual([]);

    const timeStarted = Date.now();
    cloud.clock.advanceTo(sendAt + 60_000);
    const cancelAnswers = new Map<string, number>();
    const cancelHalf = async () => {
      // Cancel once the sweeper has begun releasing the schedules, so cancels race the release.
      const watched = scheduled[1]!.notificationId;
      for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(50)) {
        if ((await api("GET", `/v1/notifications/${watched}`)).body.deliveries.some((row: DeliveryRow) => row.status !== "scheduled")) break;
      }
      const toCancel = scheduled.filter((_, index) => index % 2 === 0);
      // 20 at once, as the publishes: more would meet the API's concurrency limit (429).
      for (let start = 0; start < toCancel.length; start += 20) {
        await Promise.all(
          toCancel.slice(start, start + 20).map(async ({ notificationId }) => {
            const response = await api("DELETE", `/v1/notifications/${notificationId}`);
            expect(response.status).toBe(200);
            cancelAnswers.set(notificationId, response.body.canceled);
          }),
        );
      }
    };
    await Promise.all([publishThrice(lateLikes), cancelHalf()]);
    await cloud.settled(600_000);
    // A sweep killed mid-release keeps its claims for their lease, and the late likes' windows close
    // five minutes after they opened: move on past both until nothing is left waiting.
    const waitingOnTime = (rows: Map<string, DeliveryRow>) => {
      const digests = digestFindings(deliveriesOf(likes), rows, new Map());
      return digests.notDigested.length + digests.undecidedDigests.length + scheduleFindings(deliveriesOf(scheduled), cancelAnswers, rows, new Map()).undecided.length > 0;
    };
    for (let sweeps = 0; sweeps < 4 && waitingOnTime(await deliveryRows()); sweeps++) {
      cloud.clock.advanceTo(cloud.clock.now() + RELEASE_LEASE_MILLIS + 60_000);
      await cloud.settled(600_000);
    }
    figures.timePhaseSeconds = (Date.now() - timeStarted) / 1000;

    const rows = await deliveryRows();
    const byStatus: Record<string, number> = {};
    const missing: string[] = [];
    for (const delivery of deliveriesOf(regular)) {
      const row = rows.get(deliveryKey(delivery));
      if (!row || !TERMINAL.has(row.status)) missing.push(deliveryKey(delivery));
      else byStatus[row.status] = (byStatus[row.status] ?? 0) + 1;
    }
    const faults = (await api("GET", "/_local/faults")).body;
    const sends = await sendsByKey();
    const duplicates = await duplicatesOutsideCrashWindow(sends);
    const deadLetters = await deadLetterCounts();
    const digests = digestFindings(deliveriesOf(likes), rows, sends);
    const schedules = scheduleFindings(deliveriesOf(scheduled), cancelAnswers, rows, sends);
    const inDeadLetterQueues = await deadLetteredMessages();
    Object.assign(figures, {
      notifications: NOTIFICATIONS,
      publishes: publishCount,
      accepted: deliveriesOf(regular).length,
      outcomes: byStatus,
      likeDeliveries: deliveriesOf(likes).length,
      digestWindows: digests.windows.size,
      digestOutcomes: countBy([...digests.windows.keys()].map((window) => rows.get(window)?.status ?? "none")),
      scheduledDeliveries: deliveriesOf(scheduled).length,
      scheduledSent: schedules.sent,
      scheduledCanceled: schedules.canceled,
      faultsInjected: faults.injected,
      environmentsLost: duplicates.crashes.length,
      duplicateSendsInCrashWindow: duplicates.inWindow.length,
      duplicateSendsOutsideCrashWindow: duplicates.outside.length,
      duplicatesOutside: duplicates.outside.map((key) => ({ key, sends: sends.get(key)?.map((entry) => entry.at) })),
      deadLetterQueues: deadLetters,
    });

    // What a like's row holds when it is not digested: its state and its history, to tell why.
    const rowsOf = new Map((await tableItems()).map((item) => [`${item.notificationId}#${item.deliveryKey}`, item]));
    figures.notDigestedRows = digests.notDigested.map((key) => rowsOf.get(key));
    figures.missingRows = missing.map((key) => {
      const [notificationId, userId, channel] = key.split("#") as [string, string, string];
      const ownItems = [...rowsOf.values()].filter((item) => item.notificationId === notificationId && (item.userId === userId || String(item.deliveryKey).includes(userId)));
      return { key, items: ownItems.filter((item) => !item.channel || item.channel === channel), sends: sends.get(key) };
    });
    if (missing.length > 0) {
      const deferred = await documents.send(new ScanCommand({ TableName: cloud.outputs.DeferredTableName }));
      figures.deferredItemsOfMissing = (deferred.Items ?? []).filter((item) => missing.some((key) => JSON.stringify(item).includes(key.split("#")[0]!)));
    }
    expect(missing).toEqual([]);
    expect(Object.values(byStatus).reduce((a, b) => a + b, 0)).toBe(deliveriesOf(regular).length);
    expect(digests.notDigested).toEqual([]);
    expect(digests.undecidedDigests).toEqual([]);
    expect(digests.miscounted).toEqual([]);
    // Each (user, post, channel) has a window; the late likes opened more where they missed the first.
    expect(digests.windows.size).toBeGreaterThanOrEqual(LIKED_USERS * LIKED_POSTS * 2);
    expect(schedules.undecided).toEqual([]);
    expect(schedules.canceledButSent).toEqual([]);
    expect(schedules.cancelCountsOff).toEqual([]);
    expect(duplicates.outside).toEqual([]);
    // Each message in a DLQ is poison (no delivery has its key) or a delivery recorded dead_lettered,
    // or canceled there; each delivery recorded dead_lettered is in a DLQ. Every notification is
    // published three times, so a delivery has three messages: one may spend its receives on faults
    // (or on the claim its sibling holds) and be dead-lettered, recorded as such, while a sibling
    // sends it. Its row then ends sent, which outranks dead_lettered.
    expect(inDeadLetterQueues.filter((key) => !rows.has(key))).toHaveLength(poison.length);
    const sentBySibling = async (key: string) => {
      const [notificationId, userId, channel] = key.split("#") as [string, string, string];
      const timeline = await new DeliveriesStore(documents, cloud.outputs.DeliveriesTableName!).timeline(notificationId);
      const recordedDeadLettered = timeline.some((event) => event.userId === userId && event.channel === channel && event.status === "dead_lettered");
      // Sent at all; that it was sent once outside the crash window is checked above.
      return recordedDeadLettered && (sends.get(key)?.length ?? 0) >= 1;
    };
    const unexplained = [];
    for (const key of inDeadLetterQueues.filter((candidate) => rows.has(candidate) && !["dead_lettered", "canceled"].includes(rows.get(candidate)!.status))) {
      if (rows.get(key)!.status === "sent" && (await sentBySibling(key))) continue;
      unexplained.push([key, rows.get(key)!.status]);
    }
    expect(unexplained).toEqual([]);
    expect([...rows].filter(([key, row]) => row.status === "dead_lettered" && !inDeadLetterQueues.includes(key)).map(([key]) => key)).toEqual([]);
    for (const [key, row] of rows) if (row.status === "sent") expect(sends.get(key)?.length ?? 0, key).toBeGreaterThan(0);

    // Engagement analytics against the rows, replays and repeats included: nothing counted twice. A
    // worker killed between its claim's completion and its event leaves that outcome uncounted (the
    // retry finds the row done): at most one per delivery a crash took.
    const types = [...new Set([...regular, ...likes, ...scheduled].map((request) => request.type))];
    const counted = countedByAnalytics((await Promise.all(types.map(async (type) => (await api("GET", `/v1/analytics?type=${type}&groupBy=channel`)).body.rows))).flat());
    const analytics = analyticsFindings(reachedByRows(await tableItems()), counted);
    const crashedDeliveries = new Set(duplicates.crashes.flatMap((crash) => crash.keys)).size;
    const uncounted = analytics.underCounted.reduce((sum, { missing }) => sum + missing, 0);
    Object.assign(figures, { streamReplays: faults.injected.replay_batch ?? 0, streamRepeats: faults.injected.duplicate_record ?? 0, analyticsOverCounted: analytics.overCounted, analyticsUncounted: uncounted, crashedDeliveries });
    expect(faults.injected.replay_batch ?? 0).toBeGreaterThan(0);
    expect(analytics.overCounted).toEqual([]);
    expect(uncounted).toBeLessThanOrEqual(crashedDeliveries);
  });

  it("sends every dead-lettered delivery exactly once after the faults are cleared and the DLQs redriven", async () => {
    await api("DELETE", "/_local/faults");
    const before = await deliveryRows();
    const deadLettered = [...before].filter(([, row]) => row.status === "dead_lettered").map(([key]) => key);
    const sendsBefore = await sendsByKey();
    const inDeadLetterQueues = await deadLetteredMessages();

    let moved = 0;
    for (const channel of CHANNELS) {
      const result = await redriveDeadLetters(sqs, { deadLetterQueueUrl: cloud.outputs[`${channelOutputPrefix(channel)}DeadLetterQueueUrl`]!, targetQueueUrl: cloud.outputs[`${channelOutputPrefix(channel)}QueueUrl`]! });
      moved += result.moved;
    }
    await cloud.settled(600_000);

    const after = await deliveryRows();
    const sendsAfter = await sendsByKey();
    const notSent = deadLettered.filter((key) => after.get(key)?.status !== "sent");
    const sentTwice = deadLettered.filter((key) => (sendsAfter.get(key)?.length ?? 0) - (sendsBefore.get(key)?.length ?? 0) !== 1 && (sendsBefore.get(key)?.length ?? 0) === 0);
    const deadLetters = await deadLetterCounts();
    Object.assign(figures, { redriven: moved, deadLetteredBeforeRedrive: deadLettered.length, notSentAfterRedrive: notSent.length, deadLetterQueuesAfterRedrive: deadLetters });

    expect(moved).toBe(inDeadLetterQueues.length);
    expect(notSent).toEqual([]);
    expect(sentTwice).toEqual([]);
    // The poison is still poison: it went back to the DLQ, and nothing else did.
    expect(Object.values(deadLetters).reduce((a, b) => a + b, 0)).toBe(poison.length);
  });
  it("reaches every member of a broadcast exactly once while its expanders are killed mid-page", async () => {
    await api("DELETE", "/_local/faults");
    const audienceId = "broadcast-kill";
    // Two pages a shard (a page is 200), so kills land both inside a chain and at its end.
    const members = Array.from({ length: AUDIENCE_SHARDS * (EXPANSION_PAGE_SIZE + 1) }, (_, index) => `broadcast-member-${index}`);
    await api("PUT", `/v1/audiences/${audienceId}`, {});
    for (let start = 0; start < members.length; start += 1_000) await api("POST", `/v1/audiences/${audienceId}/members`, { add: members.slice(start, start + 1_000) });
    expect((await api("POST", "/_local/faults", { channel: "expansion", kind: "crash_expansion", rate: 0.5, times: 8 })).status).toBe(200);

    const notificationId = "broadcast-kill-1";
    expect((await api("POST", "/v1/notifications", { notificationId, type: "order.shipped", audience: audienceId, channels: ["in_app"], data: { orderId: "K-1" } })).status).toBe(202);
    const deadline = Date.now() + 240_000;
    let view: any;
    let decided = 0;
    do {
      await new Promise((resolve) => setTimeout(resolve, 500));
      view = (await api("GET", `/v1/notifications/${notificationId}`)).body;
      decided = Object.values((view.summary ?? {}) as Record<string, Record<string, number>>).flatMap((byStatus) => Object.values(byStatus)).reduce((sum, count) => sum + count, 0);
    } while (!(view.expansion?.status === "done" && decided === members.length) && Date.now() < deadline);
    // The deliveries come a page at a time: every member's on exactly one page.
    const listed: string[] = [];
    for (let page = view; ; page = (await api("GET", `/v1/notifications/${notificationId}?cursor=${page.nextCursor}`)).body) {
      listed.push(...page.deliveries.map((delivery: { userId: string }) => delivery.userId));
      if (!page.nextCursor) break;
    }
    expect(listed.toSorted()).toEqual(members.toSorted());
    expect(view.expansion).toEqual({ status: "done", expanded: members.length, total: members.length });
    // Re-published pages and replayed events count nothing twice in the summary.
    await api("GET", "/_local/settled?timeoutMs=60000");
    expect((await api("GET", `/v1/notifications/${notificationId}`)).body.summary).toEqual({ in_app: { sent: members.length } });

    await api("GET", "/_local/settled?timeoutMs=60000");
    const sent = ((await api("GET", `/_local/outbox?notificationId=${notificationId}`)).body as { userId: string }[]).map((entry) => entry.userId);
    expect(sent.length).toBe(members.length);
    expect(new Set(sent)).toEqual(new Set(members));
    const faults = (await api("GET", "/_local/faults")).body;
    figures.broadcastExpanderKills = faults.injected.crash_expansion ?? 0;
    expect(figures.broadcastExpanderKills).toBeGreaterThan(0);
    await api("DELETE", "/_local/faults");
  });
  it("cancels a broadcast mid-expansion under faults: each member sent or canceled, never both, counted exactly, and no page started after the cancel", async () => {
    const audienceId = "broadcast-cancel";
    // Two pages a shard, canceled a quarter of the way: most shards part way, some not started.
    const members = Array.from({ length: AUDIENCE_SHARDS * (EXPANSION_PAGE_SIZE + 1) }, (_, index) => `cancel-member-${index}`);
    await api("PUT", `/v1/audiences/${audienceId}`, {});
    for (let start = 0; start < members.length; start += 1_000) await api("POST", `/v1/audiences/${audienceId}/members`, { add: members.slice(start, start + 1_000) });
    for (const rule of [
      { channel: "expansion", kind: "crash_expansion", rate: 0.3, times: 6 },
      { channel: "in_app", kind: "transient", rate: 0.2 },
      { channel: "in_app", kind: "crash_worker", rate: 0.02, times: 3 },
      { channel: "stream", kind: "replay_batch", rate: 0.2, times: 10 },
    ]) {
      expect((await api("POST", "/_local/faults", rule)).status).toBe(200);
    }

    const notificationId = "broadcast-cancel-1";
    expect((await api("POST", "/v1/notifications", { notificationId, type: "order.shipped", audience: audienceId, channels: ["in_app"], data: { orderId: "K-2" } })).status).toBe(202);
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(50)) {
      if ((await api("GET", `/v1/notifications/${notificationId}`)).body.expansion.expanded >= members.length / 4) break;
    }
    const checkpoints = new ExpansionCheckpoints(documents, cloud.outputs.DeliveriesTableName!);
    const answered = await api("DELETE", `/v1/notifications/${notificationId}`);
    expect(answered.status).toBe(202);
    const atCancel = await checkpoints.all(notificationId, AUDIENCE_SHARDS);

    let view: any;
    for (const deadline = Date.now() + 240_000; Date.now() < deadline; await sleep(500)) {
      view = (await api("GET", `/v1/notifications/${notificationId}`)).body;
      if (view.cancel?.status === "done") break;
    }
    await api("DELETE", "/_local/faults");
    await api("GET", "/_local/settled?timeoutMs=120000");
    const final = await checkpoints.all(notificationId, AUDIENCE_SHARDS);
    // A page under way when the cancel was marked may finish; none starts after it.
    expect(final.map((shard, index) => shard.pagesDone - atCancel[index]!.pagesDone).filter((pages) => pages > 1)).toEqual([]);

    view = (await api("GET", `/v1/notifications/${notificationId}`)).body;
    const rows: Array<{ userId: string; status: string }> = [];
    for (let page = view; ; page = (await api("GET", `/v1/notifications/${notificationId}?cursor=${page.nextCursor}`)).body) {
      rows.push(...page.deliveries);
      if (!page.nextCursor) break;
    }
    const sent = ((await api("GET", `/_local/outbox?notificationId=${notificationId}`)).body as { userId: string }[]).map((entry) => entry.userId);
    const canceled = rows.filter((row) => row.status === "canceled").map((row) => row.userId);
    Object.assign(figures, { cancelExpanded: final.reduce((sum, shard) => sum + shard.expanded, 0), cancelSent: new Set(sent).size, cancelCanceled: canceled.length, cancelPagesAfterMark: final.reduce((sum, shard, index) => sum + shard.pagesDone - atCancel[index]!.pagesDone, 0) });
    expect(canceled.length).toBeGreaterThan(0);
    // Every member ends sent or canceled, never both, never neither: those never expanded are canceled too.
    expect(canceled.filter((userId) => sent.includes(userId))).toEqual([]);
    expect([...new Set([...sent, ...canceled])].toSorted()).toEqual(members.toSorted());
    expect(rows.filter((row) => row.status !== "sent" && row.status !== "canceled")).toEqual([]);
    // What the cancel answers, the rows and the summary agree.
    expect(view.cancel).toEqual({ status: "done", checked: members.length, canceled: canceled.length });
    expect(view.summary.in_app.canceled).toBe(canceled.length);
    expect(view.summary.in_app.sent).toBe(new Set(sent).size);
  });
});
