import type { LocalCloud } from "#infra/local/local-cloud.ts";
import { usageBetween, type UsageSnapshot } from "#infra/local/usage-ledger.ts";

export interface BroadcastResult {
  members: number;
  /** From the publish to the last member's in-app delivery recorded. */
  elapsedMillis: number;
  usage: UsageSnapshot;
}

async function api(cloud: LocalCloud, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${cloud.apiUrl}${path}`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const answer = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

/**
 * Broadcasts one in-app notification to an audience of `members` (users without addresses, so
 * in_app is their one channel) and measures from the publish until every member's delivery is
 * recorded; usage covers everything the broadcast caused, expansion and delivery alike.
 */
export async function runBroadcast(cloud: LocalCloud, round: string, members: number): Promise<BroadcastResult> {
  const audienceId = `bench-${round}`;
  await api(cloud, "PUT", `/v1/audiences/${audienceId}`, {});
  const userIds = Array.from({ length: members }, (_, index) => `${audienceId}-member-${index}`);
  for (let start = 0; start < members; start += 1_000) await api(cloud, "POST", `/v1/audiences/${audienceId}/members`, { add: userIds.slice(start, start + 1_000) });

  await cloud.settled(120_000);
  // The import is the audience's, not the broadcast's: the partition counts start after it.
  await cloud.resetPartitionCounts();
  const before = cloud.usage.snapshot();
  const started = performance.now();
  const { notificationId } = await api(cloud, "POST", "/v1/notifications", { type: "order.shipped", audience: audienceId, channels: ["in_app"], data: { orderId: round } });
  // Watched through the local outbox, which no function serves, so watching adds no requests.
  while ((await api(cloud, "GET", `/_local/outbox?notificationId=${notificationId}`)).length < members) await new Promise((resolve) => setTimeout(resolve, 250));
  const elapsedMillis = performance.now() - started;
  await cloud.settled(300_000);
  const usage = usageBetween(before, cloud.usage.snapshot());
  const view = await api(cloud, "GET", `/v1/notifications/${notificationId}`);
  if (view.expansion.status !== "done" || view.expansion.expanded !== members) throw new Error(`broadcast ${notificationId} expanded ${JSON.stringify(view.expansion)}, not ${members}`);
  return { members, elapsedMillis, usage };
}
