import { CreateTopicCommand, PublishBatchCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand, PurgeQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { LocalCloud } from "#infra/local/local-cloud.ts";
import { EXPANSION_PAGE_SIZE } from "#shared/domain/broadcast-expansion.ts";
import { AUDIENCE_SHARDS } from "#shared/domain/audience.ts";
import { routingAttributes, type ChannelMessage } from "#shared/domain/channel-message.ts";

export interface BroadcastScaleRound {
  members: number;
  /** Through POST /v1/audiences/{id}/members, 1,000 ids a request, 4 requests in flight (as notify audience import). */
  importMembersPerSecond: number;
  /** From the publish to the expansion done: recipients published to the topic a second. */
  expandedPerSecond: number;
  /** CPU the expander spent per page, its pauses for the publish rate left out. */
  expanderCpuMillisPerPage: number;
  /** The largest heap an expander environment was left with, since the cloud started. */
  expanderPeakHeapBytes: number;
}

export interface BroadcastScaleResult {
  /** PublishBatch of broadcast messages (body and attributes) from 16 callers to a topic with one raw SQS subscription: what the local SNS takes at most. */
  snsCeilingPerSecond: number;
  rounds: BroadcastScaleRound[];
  /** A transactional in-app notification published while the largest broadcast expanded, until sent. */
  probeLatencyMillis: number;
}

const credentials = { accessKeyId: "local", secretAccessKey: "local" };
const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

async function api(cloud: LocalCloud, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${cloud.apiUrl}${path}`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const answer = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

async function inParallel<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  }));
}

/** How fast the local SNS accepts PublishBatch with one subscription, measured beside the broadcast. */
async function snsCeiling(cloud: LocalCloud, messages: number): Promise<number> {
  const sns = new SNSClient({ region: cloud.region, endpoint: cloud.endpoints.sns, credentials });
  const sqs = new SQSClient({ region: cloud.region, endpoint: cloud.endpoints.sqs, credentials });
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "bench-sns-ceiling" }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "bench-sns-ceiling" }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: Attributes!.QueueArn, Attributes: { RawMessageDelivery: "true" } }));
  // A broadcast recipient's message as the expander publishes it: the same body and routing attributes.
  const message: ChannelMessage = { version: 1, notificationId: "0b4f3c2e-9d1a-4c8e-8f00-000000000000", type: "order.shipped", category: "transactional", channels: ["in_app"], data: { orderId: "C-1" }, priority: "normal", publishedAt: new Date().toISOString(), audience: "bench-ceiling", userId: "bench-ceiling-member-00000" };
  const entries = Array.from({ length: 10 }, (_, index) => ({ Id: `m${index}`, Message: JSON.stringify(message), MessageAttributes: routingAttributes(message) }));
  const batches = Array.from({ length: messages / 10 }, (_, batch) => batch);
  const started = performance.now();
  await inParallel(batches, AUDIENCE_SHARDS, async () => {
    await sns.send(new PublishBatchCommand({ TopicArn, PublishBatchRequestEntries: entries }));
  });
  const perSecond = messages / ((performance.now() - started) / 1000);
  await sqs.send(new PurgeQueueCommand({ QueueUrl }));
  sns.destroy();
  sqs.destroy();
  return perSecond;
}

function expanderOf(cloud: LocalCloud) {
  const [name, usage] = Object.entries(cloud.usage.snapshot().functions).find(([candidate]) => candidate.includes("Expander"))!;
  return { name, usage };
}

/**
 * Audiences of each size imported through the API, then broadcast on in_app with the in-app bulk
 * lane paused (as disabling its event source would), so what is measured is expansion: the
 * members' messages wait in the bulk queue, which is purged after each round, and nothing is sent.
 */
export async function runBroadcastScale(cloud: LocalCloud, sizes: number[]): Promise<BroadcastScaleResult> {
  const sqs = new SQSClient({ region: cloud.region, endpoint: cloud.endpoints.sqs, credentials });
  const bulkQueueUrl = cloud.outputs.InAppBulkQueueUrl!;
  const snsCeilingPerSecond = await snsCeiling(cloud, 20_000);
  const rounds: BroadcastScaleRound[] = [];
  let probeLatencyMillis = Number.NaN;
  for (const [index, members] of sizes.entries()) {
    const audienceId = `bench-scale-${members}`;
    await api(cloud, "PUT", `/v1/audiences/${audienceId}`, {});
    const chunks = Array.from({ length: Math.ceil(members / 1_000) }, (_, chunk) => Array.from({ length: Math.min(1_000, members - chunk * 1_000) }, (_, offset) => `${audienceId}-member-${chunk * 1_000 + offset}`));
    const importStarted = performance.now();
    await inParallel(chunks, 4, async (add) => void (await api(cloud, "POST", `/v1/audiences/${audienceId}/members`, { add })));
    const importMembersPerSecond = members / ((performance.now() - importStarted) / 1000);

    cloud.setPolling(bulkQueueUrl, false);
    const expanderBefore = expanderOf(cloud).usage;
    const started = performance.now();
    const { notificationId } = await api(cloud, "POST", "/v1/notifications", { type: "order.shipped", audience: audienceId, channels: ["in_app"], data: { orderId: audienceId } });
    const largest = index === sizes.length - 1;
    let probe: Promise<number> | undefined;
    for (;;) {
      const { expansion } = await api(cloud, "GET", `/v1/notifications/${notificationId}`);
      if (expansion.status === "done") break;
      if (largest && !probe && expansion.expanded >= members / 5) probe = sendProbe(cloud, `probe-${audienceId}`);
      await sleep(100);
    }
    const expandedPerSecond = members / ((performance.now() - started) / 1000);
    if (probe) probeLatencyMillis = await probe;
    const expander = expanderOf(cloud).usage;
    const pages = members / EXPANSION_PAGE_SIZE;
    rounds.push({ members, importMembersPerSecond, expandedPerSecond, expanderCpuMillisPerPage: (expander.cpuMillis - expanderBefore.cpuMillis) / pages, expanderPeakHeapBytes: expander.peakHeapBytes });
    await sqs.send(new PurgeQueueCommand({ QueueUrl: bulkQueueUrl }));
    cloud.setPolling(bulkQueueUrl, true);
  }
  sqs.destroy();
  return { snsCeilingPerSecond, rounds, probeLatencyMillis };
}

/** Publishes one transactional in-app notification and waits until the local outbox has it. */
async function sendProbe(cloud: LocalCloud, notificationId: string): Promise<number> {
  const started = performance.now();
  await api(cloud, "POST", "/v1/notifications", { notificationId, type: "order.shipped", recipients: [{ userId: "bench-probe" }], channels: ["in_app"], data: { orderId: "P-1" } });
  while ((await api(cloud, "GET", `/_local/outbox?notificationId=${notificationId}`)).length === 0) await sleep(20);
  return performance.now() - started;
}
