/**
 * Entry of one Lambda execution environment: a worker thread with the function's environment as
 * its process.env. It loads the bundle CDK built, then serves one invocation at a time.
 */
import { randomUUID } from "node:crypto";
import { getHeapStatistics } from "node:v8";
import { resolveLoopbackNames } from "./loopback-names.ts";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parentPort, workerData } from "node:worker_threads";
import { countEveryClient, drainTally, type UsageTally } from "./sdk-request-counter.ts";

interface ThreadData {
  clockOffset: number;
  assetDir: string;
  handler: string;
  functionName: string;
  functionArn: string;
  memorySize: number;
}

interface Invocation {
  requestId: string;
  event: unknown;
  deadline: number;
}

const data = workerData as ThreadData;
const port = parentPort!;

// Every request the bundle's AWS clients make is counted and reported with the invocation that made it.
const requests: UsageTally = new Map();
countEveryClient(requests);
const cpuMillis = () => {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1000;
};

// The local clock: every Date this environment creates is shifted by the offset the host sets.
const RealDate = Date;
let clockOffset = data.clockOffset;
globalThis.Date = new Proxy(RealDate, {
  construct: (target, args, newTarget) => Reflect.construct(target, args.length === 0 ? [RealDate.now() + clockOffset] : args, newTarget),
  apply: () => new RealDate(RealDate.now() + clockOffset).toString(),
  get: (target, property, receiver) => (property === "now" ? () => RealDate.now() + clockOffset : Reflect.get(target, property, receiver)),
});
resolveLoopbackNames();

port.on("message", (message: { clockOffset?: number }) => {
  if (message.clockOffset !== undefined) clockOffset = message.clockOffset;
});

function serializeError(error: unknown) {
  const shaped = error as { name?: string; message?: string; stack?: string };
  return { errorType: shaped?.name ?? "Error", errorMessage: shaped?.message ?? String(error), stack: shaped?.stack?.split("\n") ?? [] };
}

async function loadHandler(): Promise<(event: unknown, context: unknown) => Promise<unknown>> {
  const dot = data.handler.lastIndexOf(".");
  const file = data.handler.slice(0, dot);
  const exported = data.handler.slice(dot + 1);
  // NodejsFunction emits index.mjs for ESM bundles; the handler string names the file without extension.
  const module = await import(pathToFileURL(join(data.assetDir, `${file}.mjs`)).href).catch(() => import(pathToFileURL(join(data.assetDir, `${file}.js`)).href));
  const handler = module[exported];
  if (typeof handler !== "function") throw new Error(`${data.handler} does not export a function`);
  return handler;
}

try {
  const handler = await loadHandler();
  port.on("message", async ({ requestId, event, deadline }: Invocation) => {
    if (requestId === undefined) return;
    const context = {
      functionName: data.functionName,
      functionVersion: "$LATEST",
      invokedFunctionArn: data.functionArn,
      memoryLimitInMB: String(data.memorySize),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${data.functionName}`,
      logStreamName: `local/${randomUUID()}`,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - RealDate.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
    const startedAt = performance.now();
    const cpuAtStart = cpuMillis();
    // The environment's heap as the invocation leaves it: what a handler keeps grows it run after run.
    const usage = () => ({ wallMillis: performance.now() - startedAt, cpuMillis: cpuMillis() - cpuAtStart, heapUsedBytes: getHeapStatistics().used_heap_size, requests: drainTally(requests) });
    try {
      const result = await handler(event, context);
      port.postMessage({ requestId, ok: true, result, usage: usage() });
    } catch (error) {
      port.postMessage({ requestId, ok: false, error: serializeError(error), usage: usage() });
    }
  });
  port.postMessage({ ready: true });
} catch (error) {
  port.postMessage({ ready: false, error: serializeError(error) });
}
