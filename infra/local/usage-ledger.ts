import { addUsage, emptyUsage, type OperationUsage, type UsageTally } from "./sdk-request-counter.ts";

/** What one function's invocations used, as Lambda would bill and log them. */
export interface FunctionUsage {
  memorySize: number;
  invocations: number;
  /** Records handed over (SQS messages, Kinesis records); one for an API or scheduled invocation. */
  records: number;
  /** Billed duration: each invocation's wall time rounded up to the millisecond. */
  billedMillis: number;
  /** CPU time of the execution environment's thread while it ran the invocations. */
  cpuMillis: number;
  /** What the function wrote to its log (stdout and stderr). */
  logBytes: number;
  /** The largest heap any of its environments was left with after an invocation, since the cloud started. */
  peakHeapBytes: number;
}

export interface UsageSnapshot {
  requests: Record<string, OperationUsage>;
  functions: Record<string, FunctionUsage>;
}

/** What an invocation reports back from its execution environment. */
export interface InvocationUsage {
  records: number;
  wallMillis: number;
  cpuMillis: number;
  /** The environment's heap after the invocation. */
  heapUsedBytes?: number;
  requests: Record<string, OperationUsage>;
}

function emptyFunctionUsage(memorySize: number): FunctionUsage {
  return { memorySize, invocations: 0, records: 0, billedMillis: 0, cpuMillis: 0, logBytes: 0, peakHeapBytes: 0 };
}

/**
 * Everything the local cloud's functions and event sources asked of AWS, and what their invocations
 * cost in time and logs, so a benchmark can price a delivery from counts rather than estimates.
 */
export class UsageLedger {
  /** The event sources' own requests (ReceiveMessage, DeleteMessageBatch, GetRecords) land here directly. */
  readonly requests: UsageTally = new Map();
  private readonly functions = new Map<string, FunctionUsage>();

  recordInvocation(functionName: string, memorySize: number, usage: InvocationUsage): void {
    const entry = this.functionEntry(functionName, memorySize);
    entry.invocations += 1;
    entry.records += usage.records;
    entry.billedMillis += Math.ceil(usage.wallMillis);
    entry.cpuMillis += usage.cpuMillis;
    entry.peakHeapBytes = Math.max(entry.peakHeapBytes, usage.heapUsedBytes ?? 0);
    this.addRequests(usage.requests);
  }

  addRequests(requests: Record<string, OperationUsage>): void {
    for (const [key, usage] of Object.entries(requests)) {
      let entry = this.requests.get(key);
      if (!entry) this.requests.set(key, (entry = emptyUsage()));
      addUsage(entry, usage);
    }
  }

  addLogBytes(functionName: string, memorySize: number, bytes: number): void {
    this.functionEntry(functionName, memorySize).logBytes += bytes;
  }

  snapshot(): UsageSnapshot {
    return {
      requests: Object.fromEntries([...this.requests].map(([key, usage]) => [key, { ...usage }])),
      functions: Object.fromEntries([...this.functions].map(([name, usage]) => [name, { ...usage }])),
    };
  }

  private functionEntry(functionName: string, memorySize: number): FunctionUsage {
    let entry = this.functions.get(functionName);
    if (!entry) this.functions.set(functionName, (entry = emptyFunctionUsage(memorySize)));
    return entry;
  }
}

/** What happened between two snapshots of the same ledger. */
export function usageBetween(before: UsageSnapshot, after: UsageSnapshot): UsageSnapshot {
  const requests: Record<string, OperationUsage> = {};
  for (const [key, usage] of Object.entries(after.requests)) {
    const earlier = before.requests[key] ?? emptyUsage();
    requests[key] = {
      requests: usage.requests - earlier.requests,
      writeUnits: usage.writeUnits - earlier.writeUnits,
      readUnits: usage.readUnits - earlier.readUnits,
      payloadChunks: usage.payloadChunks - earlier.payloadChunks,
      putPayloadUnits: usage.putPayloadUnits - earlier.putPayloadUnits,
      throttled: usage.throttled - earlier.throttled,
    };
  }
  const functions: Record<string, FunctionUsage> = {};
  for (const [name, usage] of Object.entries(after.functions)) {
    const earlier = before.functions[name] ?? emptyFunctionUsage(usage.memorySize);
    functions[name] = {
      memorySize: usage.memorySize,
      invocations: usage.invocations - earlier.invocations,
      records: usage.records - earlier.records,
      billedMillis: usage.billedMillis - earlier.billedMillis,
      cpuMillis: usage.cpuMillis - earlier.cpuMillis,
      logBytes: usage.logBytes - earlier.logBytes,
      // A peak does not subtract: the later snapshot's stands.
      peakHeapBytes: usage.peakHeapBytes,
    };
  }
  return { requests, functions };
}
