import { randomUUID } from "node:crypto";
import { createWriteStream, type WriteStream } from "node:fs";
import { Worker } from "node:worker_threads";
import { AWS_LIMITS } from "#shared/adapters/aws-limits.ts";
import type { LocalClock } from "./local-clock.ts";
import type { FunctionSpec } from "./template-deployer.ts";
import type { InvocationUsage, UsageLedger } from "./usage-ledger.ts";

export interface FunctionError {
  errorType: string;
  errorMessage: string;
  stack?: string[];
}

export type InvokeResult = { ok: true; result: unknown } | { ok: false; error: FunctionError };

interface Instance {
  worker: Worker;
  ready: Promise<void>;
  /** The event being handled, while busy. */
  event?: unknown;
}

const THREAD_ENTRY = new URL("./lambda-thread.ts", import.meta.url);

export interface LocalFunctionOptions {
  /** process.env of each execution environment. */
  environment: Record<string, string>;
  /** Where every environment's stdout and stderr go. */
  logFile: string;
  /** The local clock every environment's Date follows. @default real time */
  clock?: LocalClock;
  /** Hears of every environment that died with an event in hand (crash or timeout). */
  onLost?: (event: unknown, reason: string) => void;
  /** Receives each invocation's duration, CPU time, AWS requests and log bytes. */
  usage?: UsageLedger;
  /** Execution environments at most; invocations beyond them wait for one. @default 4 */
  maxEnvironments?: number;
  /** Invocations that may wait for an environment; past them an invocation is throttled. @default 1000 */
  maxWaiting?: number;
}

/** What Lambda answers an invocation beyond the function's concurrency. */
export const THROTTLED: FunctionError = { errorType: "TooManyRequestsException", errorMessage: "Rate Exceeded." };
/** What Lambda answers (413) an event larger than the invocation type takes, before running anything. */
export const REQUEST_TOO_LARGE = "RequestTooLargeException";

/**
 * How the function is invoked: synchronously (API Gateway, event source mappings, 6 MB each way) or
 * asynchronously (schedules, log subscriptions, 1 MB of event).
 */
export type InvocationType = "RequestResponse" | "Event";

const payloadBytes = (value: unknown) => (value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value), "utf8"));

/** Lambda's refusal of an event over the invocation type's payload limit, or undefined when it fits. */
export function payloadTooLarge(event: unknown, invocationType: InvocationType): FunctionError | undefined {
  const limit = invocationType === "Event" ? AWS_LIMITS.lambda.asynchronousPayloadBytes : AWS_LIMITS.lambda.synchronousPayloadBytes;
  const bytes = payloadBytes(event);
  if (bytes <= limit) return undefined;
  return { errorType: REQUEST_TOO_LARGE, errorMessage: `${bytes} byte payload is too large for the ${invocationType} invocation type (limit ${limit} bytes)` };
}

type ThreadAnswer = { requestId: string; usage?: Omit<InvocationUsage, "records"> } & InvokeResult;

/** SQS and Kinesis events carry records; anything else (an API request, a schedule) is one. */
function recordsIn(event: unknown): number {
  const records = (event as { Records?: unknown[] } | null)?.Records;
  return Array.isArray(records) ? records.length : 1;
}

/**
 * A deployed function: a pool of execution environments (worker threads), each running one
 * invocation at a time as Lambda does. An invocation that outlives the function's timeout is
 * answered with Lambda's timeout error and its environment is discarded, as Lambda discards it.
 */
export class LocalFunction {
  readonly spec: FunctionSpec;
  private readonly options: LocalFunctionOptions;
  private readonly idle: Instance[] = [];
  private readonly all = new Set<Instance>();
  /** Invocations waiting for an environment, first come first served. */
  private readonly waiting: Array<(instance: Instance) => void> = [];
  private readonly log: WriteStream;
  private inFlight = 0;

  constructor(spec: FunctionSpec, options: LocalFunctionOptions) {
    this.spec = spec;
    this.options = options;
    this.log = createWriteStream(options.logFile, { flags: "a" });
    options.clock?.onChange((clockOffset) => {
      for (const instance of this.all) instance.worker.postMessage({ clockOffset });
    });
  }

  get busy(): boolean {
    return this.inFlight > 0;
  }

  /** Execution environments alive now (busy or idle). */
  get environments(): number {
    return this.all.size;
  }

  /**
   * Runs the event in an idle environment, a new one while fewer than maxEnvironments exist, or the
   * first one freed; throttled, as Lambda throttles, when maxWaiting invocations already wait or
   * when none was freed within `maxWaitMillis` (a caller that must answer in time, like the API).
   */
  async invoke(event: unknown, { maxWaitMillis, invocationType = "RequestResponse" }: { maxWaitMillis?: number; invocationType?: InvocationType } = {}): Promise<InvokeResult> {
    const tooLarge = payloadTooLarge(event, invocationType);
    if (tooLarge) return { ok: false, error: tooLarge };
    this.inFlight++;
    const instance = await this.acquire(maxWaitMillis);
    if (!instance) {
      this.inFlight--;
      return { ok: false, error: THROTTLED };
    }
    try {
      await instance.ready;
    } catch (error) {
      this.discard(instance);
      this.inFlight--;
      return { ok: false, error: { errorType: "Runtime.InitError", errorMessage: (error as Error).message } };
    }
    const requestId = randomUUID();
    instance.event = event;
    const startedAt = performance.now();
    this.writeLog(`START RequestId: ${requestId} Version: $LATEST\n`);
    const timeoutMillis = this.spec.timeoutSeconds * 1000;
    const result = await new Promise<InvokeResult | "timeout">((resolve) => {
      const timer = setTimeout(() => resolve("timeout"), timeoutMillis);
      const onMessage = ({ requestId: answered, usage, ...result }: ThreadAnswer) => {
        if (answered !== requestId) return;
        clearTimeout(timer);
        instance.worker.off("message", onMessage);
        instance.worker.off("exit", onExit);
        if (usage) this.options.usage?.recordInvocation(this.spec.name, this.spec.memorySize, { ...usage, records: recordsIn(event) });
        resolve(result as InvokeResult);
      };
      const onExit = (code: number) => {
        clearTimeout(timer);
        resolve({ ok: false, error: { errorType: "Runtime.ExitError", errorMessage: `the execution environment exited with code ${code}` } });
      };
      instance.worker.on("message", onMessage);
      instance.worker.once("exit", onExit);
      instance.worker.postMessage({ requestId, event, deadline: Date.now() + timeoutMillis });
    });
    this.inFlight--;
    instance.event = undefined;
    // Lambda's own lines close every invocation's log, and are billed as log ingestion like any other.
    const duration = performance.now() - startedAt;
    this.writeLog(`END RequestId: ${requestId}\nREPORT RequestId: ${requestId}\tDuration: ${duration.toFixed(2)} ms\tBilled Duration: ${Math.ceil(duration)} ms\tMemory Size: ${this.spec.memorySize} MB\n`);
    if (result === "timeout") {
      this.options.onLost?.(event, "timeout");
      this.discard(instance);
      return { ok: false, error: { errorType: "Sandbox.Timedout", errorMessage: `Task timed out after ${this.spec.timeoutSeconds.toFixed(2)} seconds` } };
    }
    if (!result.ok && result.error.errorType === "Runtime.ExitError") this.discard(instance);
    else this.release(instance);
    if (result.ok && payloadBytes(result.result) > AWS_LIMITS.lambda.synchronousPayloadBytes) {
      return { ok: false, error: { errorType: "Function.ResponseSizeTooLarge", errorMessage: `Response payload size exceeded maximum allowed payload size (${AWS_LIMITS.lambda.synchronousPayloadBytes} bytes).` } };
    }
    return result;
  }

  private async acquire(maxWaitMillis: number | undefined): Promise<Instance | undefined> {
    const idle = this.idle.pop();
    if (idle) return idle;
    if (this.all.size < (this.options.maxEnvironments ?? 4)) return this.start();
    if (this.waiting.length >= (this.options.maxWaiting ?? 1000)) return undefined;
    return new Promise((resolve) => {
      const take = (instance: Instance) => {
        clearTimeout(timer);
        resolve(instance);
      };
      const timer = maxWaitMillis === undefined ? undefined : setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(take), 1);
        resolve(undefined);
      }, maxWaitMillis);
      this.waiting.push(take);
    });
  }

  private release(instance: Instance): void {
    const next = this.waiting.shift();
    if (next) next(instance);
    else this.idle.push(instance);
  }

  /** Kills the busy environments whose current event matches, as a crash of their hosts would; returns those events. */
  crashWhere(matches: (event: unknown) => boolean): unknown[] {
    const crashed: unknown[] = [];
    for (const instance of [...this.all]) {
      if (instance.event === undefined || !matches(instance.event)) continue;
      crashed.push(instance.event);
      this.options.onLost?.(instance.event, "crash");
      this.discard(instance);
    }
    return crashed;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.all].map((instance) => instance.worker.terminate()));
    this.all.clear();
    this.idle.length = 0;
    await new Promise<void>((resolve) => this.log.end(resolve));
  }

  private start(): Instance {
    const worker = new Worker(THREAD_ENTRY, {
      env: this.options.environment,
      workerData: { clockOffset: this.options.clock?.offsetMillis ?? 0, assetDir: this.spec.assetDir, handler: this.spec.handler, functionName: this.spec.name, functionArn: this.spec.arn, memorySize: this.spec.memorySize },
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: this.spec.memorySize },
    });
    // Many environments share one log file; writing chunks (not piping) keeps one listener on it.
    worker.stdout.on("data", (chunk: Buffer) => this.writeLog(chunk));
    worker.stderr.on("data", (chunk: Buffer) => this.writeLog(chunk));
    // An uncaught error ends the environment; the invocation learns it from "exit". Without this
    // listener the error would be rethrown on the main thread and take the whole local cloud down.
    worker.on("error", (error) => this.log.write(`${new Date().toISOString()} execution environment crashed: ${error.stack ?? error}\n`));
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (message: { ready?: boolean; error?: FunctionError }) => {
        if (message.ready === undefined) return;
        worker.off("message", onMessage);
        if (message.ready) resolve();
        else reject(new Error(`${this.spec.name} failed to initialise: ${message.error?.errorType}: ${message.error?.errorMessage}`));
      };
      worker.on("message", onMessage);
      worker.once("exit", (code) => reject(new Error(`${this.spec.name} exited with code ${code} during initialisation`)));
    });
    ready.catch(() => undefined);
    const instance = { worker, ready };
    this.all.add(instance);
    return instance;
  }

  private writeLog(chunk: Buffer | string): void {
    this.log.write(chunk);
    this.options.usage?.addLogBytes(this.spec.name, this.spec.memorySize, Buffer.byteLength(chunk));
  }

  /** Ends an environment; an invocation waiting for one gets a fresh one in its place. */
  private discard(instance: Instance): void {
    if (!this.all.delete(instance)) return;
    void instance.worker.terminate();
    const next = this.waiting.shift();
    if (next) next(this.start());
  }
}
