import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LocalFunction } from "#infra/local/local-function.ts";

const assetDir = mkdtempSync(join(tmpdir(), "notify-fn-"));
writeFileSync(
  join(assetDir, "index.mjs"),
  `export const handler = async (event, context) => {
     if (event.hang) await new Promise(() => setInterval(() => {}, 1000));
     if (event.fail) throw new TypeError("bad input");
     return { echoed: event, region: process.env.AWS_REGION, remaining: context.getRemainingTimeInMillis() > 0 };
   };`,
);
const fn = new LocalFunction(
  { logicalId: "Probe", name: "probe", arn: "arn:aws:lambda:us-east-1:000000000000:function:probe", assetDir, handler: "index.handler", environment: {}, timeoutSeconds: 1, memorySize: 128 },
  { environment: { AWS_REGION: "eu-west-1" }, logFile: join(assetDir, "probe.log") },
);

afterAll(async () => {
  await fn.stop();
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
});
