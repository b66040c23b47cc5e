import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LocalFunction, REQUEST_TOO_LARGE, THROTTLED } from "#infra/local/local-function.ts";
import { AWS_LIMITS } from "#shared/adapters/aws-limits.ts";

const assetDir = mkdtempSync(join(tmpdir(), "notify-fn-"));
writeFileSync(
  join(assetDir, "index.mjs"),
  `import { threadId } from "node:worker_threads";
   export const handler = async (event, context) => {
     if (event.hang) await new Promise(() => setInterval(() => {}, 1000));
     if (event.sleepMillis) {
       await new Promise((resolve) => setTimeout(resolve, event.sleepMillis));
       return { threadId };
     }
     if (event.fail) throw new TypeError("bad input");
     if (event.pad !== undefined) return event.echo ? { echoed: event } : { padBytes: event.pad.length };
     return { echoed: event, region: process.env.AWS_REGION, remaining: context.getRemainingTimeInMillis() > 0 };
   };`,
);
const fn = new LocalFunction(
  { logicalId: "Probe", name: "probe", arn: "arn:aws:lambda:us-east-1:000000000000:function:probe", assetDir, handler: "index.handler", environment: {}, timeoutSeconds: 1, memorySize: 128 },
  { environment: { AWS_REGION: "eu-west-1" }, logFile: join(assetDir, "probe.log") },
);

const capped = new LocalFunction(
  { logicalId: "Capped", name: "capped", arn: "arn:aws:lambda:us-east-1:000000000000:function:capped", assetDir, handler: "index.handler", environment: {}, timeoutSeconds: 5, memorySize: 128 },
  { environment: {}, logFile: join(assetDir, "capped.log"), maxEnvironments: 1, maxWaiting: 1 },
);

afterAll(async () => {
  await fn.stop();
  await capped.stop();
  rmSync(assetDir, { recursive: true, force: true });
});

describe("LocalFunction", () => {
  it("runs the bundle with its own environment and a Lambda context", async () => {
    expect(await fn.invoke({ a: 1 })).toEqual({ ok: true, result: { echoed: { a: 1 }, region: "eu-west-1", remaining: true } });
  });

  it("reports a thrown error as a function error", async () => {
    expect(await fn.invoke({ fail: true })).toMatchObject({ ok: false, error: { errorType: "TypeError", errorMessage: "bad input" } });
  });

  it("ends an invocation at the function's timeout and serves the next one from a fresh environment", async () => {
    expect(await fn.invoke({ hang: true })).toEqual({ ok: false, error: { errorType: "Sandbox.Timedout", errorMessage: "Task timed out after 1.00 seconds" } });
    expect(await fn.invoke({ b: 2 })).toMatchObject({ ok: true });
  });

  it("runs at most maxEnvironments at once, queues up to maxWaiting, and throttles past that as Lambda does", async () => {
    const results = await Promise.all([capped.invoke({ sleepMillis: 300 }), capped.invoke({ sleepMillis: 10 }), capped.invoke({ sleepMillis: 10 })]);
    expect(results[2]).toEqual({ ok: false, error: THROTTLED });
    const [first, second] = results as unknown as [{ ok: true; result: { threadId: number } }, { ok: true; result: { threadId: number } }];
    expect(first.ok && second.ok).toBe(true);
    // The waiting invocation ran in the environment the first one freed.
    expect(second.result.threadId).toBe(first.result.threadId);
  });

  it("throttles an invocation that found no free environment within its maxWaitMillis", async () => {
    const [busy, impatient] = await Promise.all([capped.invoke({ sleepMillis: 500 }), capped.invoke({ sleepMillis: 10 }, { maxWaitMillis: 50 })]);
    expect(busy.ok).toBe(true);
    expect(impatient).toEqual({ ok: false, error: THROTTLED });
    expect((await capped.invoke({ sleepMillis: 10 })).ok).toBe(true);
  });
});

describe("Lambda's payload limits on the local function", () => {
  /** An event of exactly `bytes` of JSON. */
  const event = (bytes: number, echo = false) => (echo ? { echo, pad: "x".repeat(bytes - '{"echo":true,"pad":""}'.length) } : { pad: "x".repeat(bytes - '{"pad":""}'.length) });

  it("takes a synchronous event of 6 MB and refuses one byte more, without running it", async () => {
    expect(await fn.invoke(event(AWS_LIMITS.lambda.synchronousPayloadBytes))).toMatchObject({ ok: true });
    expect(await fn.invoke(event(AWS_LIMITS.lambda.synchronousPayloadBytes + 1))).toMatchObject({ ok: false, error: { errorType: REQUEST_TOO_LARGE } });
  });

  it("takes an asynchronous event of 1 MB and refuses one byte more", async () => {
    expect(await fn.invoke(event(AWS_LIMITS.lambda.asynchronousPayloadBytes), { invocationType: "Event" })).toMatchObject({ ok: true });
    expect(await fn.invoke(event(AWS_LIMITS.lambda.asynchronousPayloadBytes + 1), { invocationType: "Event" })).toMatchObject({ ok: false, error: { errorType: REQUEST_TOO_LARGE } });
  });

  it("answers a response over 6 MB with Lambda's error instead of the response", async () => {
    // The probe echoes the event inside {"echoed": …}: 11 bytes more than the event.
    expect(await fn.invoke(event(AWS_LIMITS.lambda.synchronousPayloadBytes - 11, true))).toMatchObject({ ok: true });
    expect(await fn.invoke(event(AWS_LIMITS.lambda.synchronousPayloadBytes - 10, true))).toMatchObject({ ok: false, error: { errorType: "Function.ResponseSizeTooLarge" } });
  });
});
