import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startLocalCloud } from "./local-cloud.ts";

const started = performance.now();
const port = Number(process.env.NOTIFY_PORT ?? 4000);
console.log(`notify: starting the local cloud (synth, deploy onto emulators, start functions) on port ${port}...`);

// NOTIFY_PARTITION_THROUGHPUT_SCALE=0.1 lets a laptop's traffic meet DynamoDB's per-partition limits.
const partitionThroughputScale = Number(process.env.NOTIFY_PARTITION_THROUGHPUT_SCALE ?? 1);
const cloud = await startLocalCloud({ port, partitionThroughputScale });
const descriptor = { apiUrl: cloud.apiUrl, region: cloud.region, endpoints: cloud.endpoints, outputs: cloud.outputs, logs: join(cloud.stateDir, "logs") };
mkdirSync(cloud.stateDir, { recursive: true });
writeFileSync(join(cloud.stateDir, "local.json"), `${JSON.stringify(descriptor, null, 2)}\n`);

console.log(`notify: ready in ${((performance.now() - started) / 1000).toFixed(1)} s
  API       ${cloud.apiUrl}            (POST /v1/notifications, GET /v1/notifications/{id}, PUT|GET /v1/users/{userId}/preferences)
  outbox    ${cloud.apiUrl}/_local/outbox
  demo      ${cloud.apiUrl}/_local/demo?user=ada   (the <notify-inbox> web component, live, in your browser)
  emulators sns/sqs ${cloud.endpoints.sqs}  dynamodb ${cloud.endpoints.dynamodb}  kinesis ${cloud.endpoints.kinesis}
  logs      ${descriptor.logs}
  wrote     ${join(cloud.stateDir, "local.json")}
Ctrl-C stops it.`);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`\nnotify: ${signal}, stopping...`);
  await cloud.stop();
  console.log("notify: stopped");
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
