import { rmSync } from "node:fs";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { PROJECT_ROOT, startLocalCloud } from "#infra/local/local-cloud.ts";

declare module "vitest" {
  export interface ProvidedContext {
    apiUrl: string;
    localCloudEndpoints: { sns: string; sqs: string; dynamodb: string; kinesis: string; secretsmanager: string };
    localCloudOutputs: Record<string, string>;
    localCloudLogs: string;
  }
}

/** SMS sends a second on the test run's local cloud. */
export const SMS_SEND_RATE = 10;

/** One local cloud per test run, started exactly as `npm start` starts it, on a free port. */
export default async function setup(project: TestProject) {
  const stateDir = join(PROJECT_ROOT, ".notify", `test-run-${process.pid}`);
  const started = performance.now();
  // Same stack, shorter waits: retries back off from 1 s up to 2 s and a provider call times out
  // after 1 s, so the retry and dead-letter paths finish in seconds rather than minutes. SMS has a
  // send rate, which channel-rates.test.ts holds it to.
  const cloud = await startLocalCloud({
    port: 0,
    stateDir,
    context: { "notify:retryBaseSeconds": 1, "notify:retryMaxSeconds": 2, "notify:providerTimeoutMillis": 1000, "notify:channelRates": { sms: SMS_SEND_RATE } },
  });
  console.log(`local cloud ready in ${((performance.now() - started) / 1000).toFixed(1)} s at ${cloud.apiUrl}`);
  project.provide("apiUrl", cloud.apiUrl);
  project.provide("localCloudEndpoints", cloud.endpoints);
  project.provide("localCloudOutputs", cloud.outputs);
  project.provide("localCloudLogs", join(stateDir, "logs"));
  return async () => {
    await cloud.stop();
    rmSync(stateDir, { recursive: true, force: true });
  };
}
