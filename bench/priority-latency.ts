/**
 * Publish-to-sent latency of priority high against normal when workers batch (a 2 s window), on
 * the local cloud: high goes through the express queue, normal waits for its batch to fill.
 */
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { PROJECT_ROOT, startLocalCloud } from "#infra/local/local-cloud.ts";

const ROUNDS = Number(process.env.BENCH_PRIORITY_ROUNDS ?? 10);
const cloud = await startLocalCloud({ port: 0, stateDir: join(PROJECT_ROOT, ".notify", `bench-${process.pid}`), context: { "notify:workerBatchingWindowSeconds": 2 } });

async function latency(priority: "high" | "normal", round: number): Promise<number> {
  const notificationId = `bench-${priority}-${round}-${process.pid}`;
  const started = performance.now();
  await fetch(`${cloud.apiUrl}/v1/notifications`, {
    method: "POST",
    body: JSON.stringify({ notificationId, type: "order.shipped", recipients: [{ userId: `bench-${round}` }], channels: ["in_app"], priority, data: { orderId: "P" } }),
  });
  for (;;) {
    const view = (await (await fetch(`${cloud.apiUrl}/v1/notifications/${notificationId}`)).json()) as { deliveries?: { status: string }[] };
    if (view.deliveries?.[0]?.status === "sent") return performance.now() - started;
    await sleep(10);
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
try {
  const high: number[] = [];
  const normal: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    high.push(await latency("high", round));
    normal.push(await latency("normal", round));
  }
  console.log(`publish-to-sent, ${ROUNDS} rounds, 2 s batching window: high median ${median(high).toFixed(0)} ms, normal median ${median(normal).toFixed(0)} ms, normal/high ${(median(normal) / median(high)).toFixed(1)}x`);
} finally {
  await cloud.stop();
}
