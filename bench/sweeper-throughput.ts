/**
 * How fast the scheduled sweeper releases notifications held for quiet hours, on the local cloud:
 * N items due now are put in the deferred table, the clock is moved to the next schedule, and the
 * table is watched until it is empty. The released messages flow on to the in_app worker meanwhile,
 * so the figure includes the contention a real release meets.
 */
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { PROJECT_ROOT, startLocalCloud } from "#infra/local/local-cloud.ts";
import { DeferredItems } from "#shared/adapters/stores/deferred-items.ts";

const ITEMS = Number(process.env.BENCH_DEFERRED_ITEMS ?? 2000);
const cloud = await startLocalCloud({ port: 0, stateDir: join(PROJECT_ROOT, ".notify", `bench-${process.pid}`) });
try {
  const documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: cloud.region, endpoint: cloud.endpoints.dynamodb, credentials: { accessKeyId: "local", secretAccessKey: "local" } }),
  );
  const table = cloud.outputs.DeferredTableName!;
  const deferred = new DeferredItems(documents, table);
  const dueAt = cloud.clock.now();
  const publishedAt = new Date(dueAt).toISOString();
  for (let start = 0; start < ITEMS; start += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, ITEMS - start) }, (_, offset) =>
        deferred.hold(
          { version: 1, notificationId: `bench-${start + offset}`, type: "order.shipped", category: "transactional", userId: `bench-user-${start + offset}`, channels: ["in_app"], data: { orderId: "B" }, priority: "normal", publishedAt },
          "in_app",
          dueAt,
        ),
      ),
    );
  }
  const remaining = async () => (await documents.send(new ScanCommand({ TableName: table, Select: "COUNT" }))).Count ?? 0;
  console.log(`held ${await remaining()} items; moving the clock to the next sweep`);

  const started = performance.now();
  cloud.clock.advanceTo(cloud.clock.now() + 61_000);
  while ((await remaining()) > 0) await sleep(50);
  const seconds = (performance.now() - started) / 1000;
  console.log(`sweeper released ${ITEMS} deferred items in ${seconds.toFixed(2)} s: ${Math.round(ITEMS / seconds)} items/s (local cloud, one sweeper invocation, 16 shards, pages of 100)`);
  await cloud.settled(120_000);
  console.log(`pipeline settled ${((performance.now() - started) / 1000).toFixed(2)} s after the sweep started`);
} finally {
  await cloud.stop();
}
