/**
 * Chaos on the local cloud: many notifications on every channel, each published three times, under
 * transient faults, throttling bursts, timeouts, permanent rejections, worker crashes before and
 * after the provider accepts, and poison messages. CHAOS_NOTIFICATIONS sets the size (npm test runs
 * a small one, npm run test:chaos the full 2,000).
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT, startLocalCloud, type LocalCloud } from "#infra/local/local-cloud.ts";
import { CHANNELS, type Channel } from "#shared/domain/channels.ts";
import { channelOutputPrefix } from "#infra/output-names.ts";
import { redriveDeadLetters } from "../../cli/dlq-redrive.ts";
import { deliveryKey } from "#shared/domain/delivery-event.ts";

const NOTIFICATIONS = Number(process.env.CHAOS_NOTIFICATIONS ?? 40);
const USERS = Math.max(20, Math.round(NOTIFICATIONS / 10));
const PUBLISHES_PER_NOTIFICATION = 3;
const PROVIDER_TIMEOUT_MILLIS = 3000;
const WORKER_TIMEOUT_SECONDS = 5;
const TERMINAL = new Set(["sent", "suppressed", "failed", "dead_lettered"]);

const stateDir = join(PROJECT_ROOT, ".notify", `chaos-${process.pid}`);
let cloud: LocalCloud;
let sqs: SQSClient;
let documents: DynamoDBDocumentClient;
const figures: Record<string, unknown> = {};

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${cloud.apiUrl}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as any };
}

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

async function deliveryRows(): Promise<Map<string, { status: string; reason?: string }>> {
  const rows = new Map<string, { status: string; reason?: string }>();
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(new ScanCommand({ TableName: cloud.outputs.DeliveriesTableName, ExclusiveStartKey: startKey }));
    for (const item of page.Items ?? []) {
      // Skip the ingest record and the per-delivery history; keep the status rows.
      if (item.deliveryKey === "#notification" || String(item.deliveryKey).startsWith("~event#") || !String(item.notificationId).startsWith("chaos-")) continue;
      rows.set(deliveryKey(item as { notificationId: string; userId: string; channel: string }), { status: item.status, reason: item.reason ?? undefined });
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return rows;
}

async function sendsByKey(): Promise<Map<string, { at: string }[]>> {
  const entries = (await api("GET", "/_local/outbox")).body as { notificationId: string; userId: string; channel: string; at: string }[];
  const byKey = new Map<string, { at: string }[]>();
  for (const entry of entries.filter((candidate) => candidate.notificationId.startsWith("chaos-"))) {
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
async function duplicatesOutsideCrashWindow(sends: Map<string, { at: string }[]>) {
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

  it("loses nothing, sends nothing twice outside the crash window, and dead-letters only what kept failing", async () => {
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
    ];
    for (const rule of rules) expect((await api("POST", "/_local/faults", rule)).status).toBe(200);

    const started = Date.now();
    const accepted = new Map<string, string[]>();
    const requests = Array.from({ length: NOTIFICATIONS }, (_, index) => {
      const userId = users[index % USERS]!;
      return index % 5 === 0
        ? { notificationId: `chaos-${index}`, type: "security.login_alert", recipients: [{ userId }], data: { device: "chaos" } }
        : { notificationId: `chaos-${index}`, type: "order.shipped", recipients: [{ userId }], data: { orderId: `C-${index}` } };
    });
    const publishes = requests.flatMap((request) => Array.from({ length: PUBLISHES_PER_NOTIFICATION }, () => request));
    for (let start = 0; start < publishes.length; start += 20) {
      await Promise.all(
        publishes.slice(start, start + 20).map(async (request) => {
          const response = await api("POST", "/v1/notifications", request);
          expect(response.status).toBe(202);
          accepted.set(request.notificationId, response.body.channels.map((channel: string) => deliveryKey({ notificationId: request.notificationId, userId: request.recipients[0]!.userId, channel })));
        }),
      );
    }
    await cloud.settled(600_000);
    figures.faultPhaseSeconds = (Date.now() - started) / 1000;

    const expectedKeys = [...accepted.values()].flat();
    const rows = await deliveryRows();
    const byStatus: Record<string, number> = {};
    const missing: string[] = [];
    for (const key of expectedKeys) {
      const row = rows.get(key);
      if (!row || !TERMINAL.has(row.status)) missing.push(key);
      else byStatus[row.status] = (byStatus[row.status] ?? 0) + 1;
    }
    const faults = (await api("GET", "/_local/faults")).body;
    const sends = await sendsByKey();
    const duplicates = await duplicatesOutsideCrashWindow(sends);
    const deadLetters = await deadLetterCounts();
    Object.assign(figures, {
      notifications: NOTIFICATIONS,
      publishes: publishes.length,
      accepted: expectedKeys.length,
      outcomes: byStatus,
      faultsInjected: faults.injected,
      environmentsLost: duplicates.crashes.length,
      duplicateSendsInCrashWindow: duplicates.inWindow.length,
      duplicateSendsOutsideCrashWindow: duplicates.outside.length,
      duplicatesOutside: duplicates.outside.map((key) => ({ key, sends: sends.get(key)?.map((entry) => entry.at) })),
      deadLetterQueues: deadLetters,
    });

    expect(missing).toEqual([]);
    expect(Object.values(byStatus).reduce((a, b) => a + b, 0)).toBe(expectedKeys.length);
    expect(duplicates.outside).toEqual([]);
    expect(Object.values(deadLetters).reduce((a, b) => a + b, 0)).toBe((byStatus.dead_lettered ?? 0) + poison.length);
    for (const [key, row] of rows) if (row.status === "sent") expect(sends.get(key)?.length ?? 0, key).toBeGreaterThan(0);
  });

  it("sends every dead-lettered delivery exactly once after the faults are cleared and the DLQs redriven", async () => {
    await api("DELETE", "/_local/faults");
    const before = await deliveryRows();
    const deadLettered = [...before].filter(([, row]) => row.status === "dead_lettered").map(([key]) => key);
    const sendsBefore = await sendsByKey();

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

    expect(moved).toBe(deadLettered.length + poison.length);
    expect(notSent).toEqual([]);
    expect(sentTwice).toEqual([]);
    // The poison is still poison: it went back to the DLQ, and nothing else did.
    expect(Object.values(deadLetters).reduce((a, b) => a + b, 0)).toBe(poison.length);
  });
  it("reaches every member of a broadcast exactly once while its expanders are killed mid-page", async () => {
    await api("DELETE", "/_local/faults");
    const audienceId = "broadcast-kill";
    // 250 members a shard: two pages each, so kills land both inside a chain and at its end.
    const members = Array.from({ length: 16 * 250 }, (_, index) => `broadcast-member-${index}`);
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
      // The deliveries come a page at a time; count them all once the expansion is done.
      decided = view.deliveries.length;
      for (let page = view; view.expansion?.status === "done" && page.nextCursor; decided += page.deliveries.length) {
        page = (await api("GET", `/v1/notifications/${notificationId}?cursor=${page.nextCursor}`)).body;
      }
    } while (!(view.expansion?.status === "done" && decided === members.length) && Date.now() < deadline);
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
});
