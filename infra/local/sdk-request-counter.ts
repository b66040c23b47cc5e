import { Client } from "@smithy/core/client";
import type { FinalizeRequestMiddleware, MiddlewareStack } from "@smithy/types";

/**
 * What AWS bills for the requests of one service operation, as counted at the SDK: every HTTP
 * attempt (retries included), and the units each service prices by.
 */
export interface OperationUsage {
  requests: number;
  /** DynamoDB write request units: 1 KB each, and 1 for a conditional write that failed. */
  writeUnits: number;
  /** DynamoDB read request units: 4 KB each, half for an eventually consistent read. */
  readUnits: number;
  /** SNS and SQS bill each 64 KB chunk of a request's payload (a whole PublishBatch, say) as one request. */
  payloadChunks: number;
  /** Kinesis PUT payload units: each 25 KB of each record put. */
  putPayloadUnits: number;
  /** Attempts refused for throughput (a hot DynamoDB partition key, a Kinesis shard): the SDK retries them. */
  throttled: number;
}

/**
 * Usage keyed by `service.operation`, e.g. `dynamodb.PutItem`; a single-table DynamoDB request is
 * also tallied under `table/<TableName>/<operation>`, which no service is priced by.
 */
export type UsageTally = Map<string, OperationUsage>;

const KB = 1024;
/** Where a table's own requests are tallied, beside its service's. */
export const TABLE_PREFIX = "table/";
const COUNTED = Symbol.for("notify.sdkRequestCounter");

export function emptyUsage(): OperationUsage {
  return { requests: 0, writeUnits: 0, readUnits: 0, payloadChunks: 0, putPayloadUnits: 0, throttled: 0 };
}

export function addUsage(into: OperationUsage, from: OperationUsage): void {
  into.requests += from.requests;
  into.writeUnits += from.writeUnits;
  into.readUnits += from.readUnits;
  into.payloadChunks += from.payloadChunks;
  into.putPayloadUnits += from.putPayloadUnits;
  into.throttled += from.throttled;
}

/** "DynamoDBClient" → "dynamodb", "SNSClient" → "sns", "PinpointSMSVoiceV2Client" → "pinpointsmsvoicev2". */
function serviceOf(clientName: string | undefined): string {
  return (clientName ?? "unknown").replace(/Client$/, "").toLowerCase();
}

const bytes = (value: unknown) => (value === undefined || value === null ? 0 : typeof value === "string" ? Buffer.byteLength(value) : (value as Uint8Array).byteLength ?? 0);
const chunks = (size: number, chunkBytes: number) => Math.max(1, Math.ceil(size / chunkBytes));

type Input = Record<string, any>;
type Output = Record<string, any>;

interface Capacity {
  CapacityUnits?: number;
}

function capacityUnits(consumed: Capacity | Capacity[] | undefined): number {
  if (!consumed) return 0;
  return (Array.isArray(consumed) ? consumed : [consumed]).reduce((sum, entry) => sum + (entry.CapacityUnits ?? 0), 0);
}

const THROTTLING_ERRORS = new Set(["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"]);
const DYNAMODB_WRITES = new Set(["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"]);
const DYNAMODB_READS = new Set(["GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"]);

/** The billing units of one attempt, from its input and (when it answered) its output or error. */
function measure(service: string, operation: string, input: Input, output: Output | undefined, error: { name?: string } | undefined): OperationUsage {
  const usage = { ...emptyUsage(), requests: 1, throttled: THROTTLING_ERRORS.has(error?.name ?? "") ? 1 : 0 };
  switch (service) {
    case "dynamodb": {
      const units = capacityUnits(output?.ConsumedCapacity);
      // A failed conditional write still consumes a write unit (DynamoDB pricing); the error carries no capacity.
      if (DYNAMODB_WRITES.has(operation)) usage.writeUnits = units || (error?.name === "ConditionalCheckFailedException" ? 1 : 0);
      if (DYNAMODB_READS.has(operation)) usage.readUnits = units;
      return usage;
    }
    case "sns": {
      const messages = operation === "PublishBatch" ? (input.PublishBatchRequestEntries ?? []) : [input];
      usage.payloadChunks = chunks(messages.reduce((sum: number, message: Input) => sum + bytes(message.Message) + bytes(JSON.stringify(message.MessageAttributes ?? {})), 0), 64 * KB);
      return usage;
    }
    case "sqs": {
      const received = (output?.Messages ?? []).reduce((sum: number, message: Output) => sum + bytes(message.Body), 0);
      const sent = bytes(input.MessageBody) + (input.Entries ?? []).reduce((sum: number, entry: Input) => sum + bytes(entry.MessageBody), 0);
      usage.payloadChunks = chunks(received + sent, 64 * KB);
      return usage;
    }
    case "kinesis": {
      if (operation === "PutRecords") usage.putPayloadUnits = (input.Records ?? []).reduce((sum: number, record: Input) => sum + chunks(bytes(record.Data) + bytes(record.PartitionKey), 25 * KB), 0);
      if (operation === "PutRecord") usage.putPayloadUnits = chunks(bytes(input.Data) + bytes(input.PartitionKey), 25 * KB);
      return usage;
    }
    default:
      return usage;
  }
}

function record(tally: UsageTally, key: string, usage: OperationUsage): void {
  let entry = tally.get(key);
  if (!entry) tally.set(key, (entry = emptyUsage()));
  addUsage(entry, usage);
}

/**
 * Counts each HTTP attempt after the retry middleware, so a retried request counts twice, as AWS
 * bills it. DynamoDB requests ask for their consumed capacity, so write and read units are what the
 * table reports, not a guess from item sizes.
 */
function counter(tally: UsageTally): FinalizeRequestMiddleware<any, any> {
  return (next, context) => async (args) => {
    const service = serviceOf(context.clientName);
    const operation = (context.commandName ?? "Unknown").replace(/Command$/, "");
    const input = (args.input ?? {}) as Input;
    const keys = [`${service}.${operation}`, ...(service === "dynamodb" && typeof input.TableName === "string" ? [`${TABLE_PREFIX}${input.TableName}/${operation}`] : [])];
    try {
      const result = await next(args);
      const usage = measure(service, operation, input, result.output as Output, undefined);
      for (const key of keys) record(tally, key, usage);
      return result;
    } catch (error) {
      const usage = measure(service, operation, input, undefined, error as { name?: string });
      for (const key of keys) record(tally, key, usage);
      throw error;
    }
  };
}

function askForConsumedCapacity(stack: MiddlewareStack<any, any>): void {
  stack.add(
    (next, context) => async (args) => {
      if (serviceOf(context.clientName) === "dynamodb") {
        const input = args.input as Input;
        if (input.ReturnConsumedCapacity === undefined) input.ReturnConsumedCapacity = "TOTAL";
      }
      return next(args);
    },
    { step: "initialize", priority: "high", name: "notifyAskForConsumedCapacity" },
  );
}

/** Counts the requests of one client into `tally`. */
export function countRequestsOf(client: { middlewareStack: MiddlewareStack<any, any> }, tally: UsageTally): void {
  const stack = client.middlewareStack as MiddlewareStack<any, any> & { [COUNTED]?: true };
  if (stack[COUNTED]) return;
  stack[COUNTED] = true;
  askForConsumedCapacity(stack);
  stack.add(counter(tally), { step: "finalizeRequest", priority: "low", name: "notifyRequestCounter" });
}

/**
 * Counts the requests of every AWS SDK client this thread creates, including those inside a
 * function's bundle: each client's middleware stack gets the counter before its first request.
 */
export function countEveryClient(tally: UsageTally): void {
  const send = Client.prototype.send as (this: Client<any, any, any, any>, ...args: unknown[]) => unknown;
  Client.prototype.send = function (this: Client<any, any, any, any>, ...args: unknown[]) {
    countRequestsOf(this, tally);
    return send.apply(this, args);
  } as typeof Client.prototype.send;
}

/** Empties the tally into a plain object that can cross a thread boundary. */
export function drainTally(tally: UsageTally): Record<string, OperationUsage> {
  const drained = Object.fromEntries(tally);
  tally.clear();
  return drained;
}
