/**
 * Prices a measured run: the requests counted at the SDK, the invocations and their durations, and
 * the log bytes, times AWS list prices (aws-prices.ts), per channel delivery. The floor is the same
 * workload priced with the fewest requests this architecture allows.
 */
import { emptyUsage, TABLE_PREFIX, type OperationUsage } from "#infra/local/sdk-request-counter.ts";
import type { UsageSnapshot } from "#infra/local/usage-ledger.ts";
import { AWS_PRICES } from "./aws-prices.ts";

export const BILLED_SERVICES = ["sns", "sqs", "dynamodb", "kinesis", "lambda"] as const;
type BilledService = (typeof BILLED_SERVICES)[number];

/** What was asked of the pipeline in the measured window. */
export interface Workload {
  /** Channel deliveries that were sent. */
  deliveries: number;
  /** Recipients published (one SNS message each, shared by their channels). */
  recipients: number;
  /** API requests that published them. */
  publishRequests: number;
  /** Sent in-app deliveries: each is one write to the inbox table, the in-app channel's provider. */
  inAppDeliveries: number;
}

export interface RequestsPerDelivery {
  total: number;
  byService: Record<BilledService, number>;
}

export interface CostPerMillion {
  total: number;
  byService: Record<BilledService | "logs" | "other", number>;
}

export interface PricedRun {
  requestsPerDelivery: RequestsPerDelivery;
  /** Per delivery, by `service.operation`. */
  operationsPerDelivery: Record<string, number>;
  /** Per delivery, each DynamoDB table's reads and writes (requests), by table name. */
  tablesPerDelivery: Record<string, { reads: number; writes: number }>;
  dynamodbWritesPerDelivery: number;
  dynamodbWriteUnitsPerDelivery: number;
  costPerMillionDeliveries: CostPerMillion;
  /** Per function: invocations, billed milliseconds, CPU milliseconds and log bytes per delivery. */
  functions: Record<string, { invocationsPerDelivery: number; billedMillisPerDelivery: number; cpuMillisPerMessage: number; logBytesPerDelivery: number }>;
}


const HOURS_PER_MONTH = 730;
const GB = 1024 ** 3;
const DYNAMODB_WRITES = /^dynamodb\.(PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems)$/;

const serviceOf = (key: string) => key.slice(0, key.indexOf("."));
const sum = (values: Iterable<number>) => [...values].reduce((total, value) => total + value, 0);

function usageOf(requests: Record<string, OperationUsage>, service: string): OperationUsage[] {
  return Object.entries(requests)
    .filter(([key]) => serviceOf(key) === service)
    .map(([, usage]) => usage);
}

/**
 * What the stack costs a month whatever it delivers: the delivery-events stream's shard-hours. (The
 * alarms, dashboard and secrets are left out: they are the same for any design of the pipeline.)
 */
export function fixedMonthlyCost(shards: number): { kinesisShardHours: number } {
  return { kinesisShardHours: shards * HOURS_PER_MONTH * AWS_PRICES.kinesis.perShardHour };
}

/** What each channel delivery costs beyond the fixed monthly cost. */
export function priceRun(usage: UsageSnapshot, workload: Workload): PricedRun {
  const perDelivery = (value: number) => value / workload.deliveries;
  const { requests } = usage;
  const functions = Object.entries(usage.functions);
  const invocations = sum(functions.map(([, fn]) => fn.invocations));
  const gbSeconds = sum(functions.map(([, fn]) => (fn.billedMillis / 1000) * (fn.memorySize / 1024)));
  const logBytes = sum(functions.map(([, fn]) => fn.logBytes));

  const requestCount = (service: string) => sum(usageOf(requests, service).map((entry) => entry.requests));
  const byService = {
    sns: perDelivery(requestCount("sns")),
    sqs: perDelivery(requestCount("sqs")),
    dynamodb: perDelivery(requestCount("dynamodb")),
    kinesis: perDelivery(requestCount("kinesis")),
    lambda: perDelivery(invocations),
  };

  const dynamodb = usageOf(requests, "dynamodb");
  const writeUnits = sum(dynamodb.map((entry) => entry.writeUnits));
  const readUnits = sum(dynamodb.map((entry) => entry.readUnits));
  const perMillion = (value: number) => perDelivery(value) * 1e6;
  const cost = {
    sns: (perMillion(sum(usageOf(requests, "sns").map((entry) => entry.payloadChunks))) * AWS_PRICES.sns.perMillionRequests) / 1e6,
    sqs: (perMillion(sum(usageOf(requests, "sqs").map((entry) => entry.payloadChunks))) * AWS_PRICES.sqs.perMillionRequests) / 1e6,
    dynamodb: (perMillion(writeUnits) * AWS_PRICES.dynamodb.perMillionWriteUnits + perMillion(readUnits) * AWS_PRICES.dynamodb.perMillionReadUnits) / 1e6,
    kinesis: (perMillion(sum(usageOf(requests, "kinesis").map((entry) => entry.putPayloadUnits))) * AWS_PRICES.kinesis.perMillionPutPayloadUnits) / 1e6,
    lambda: (perMillion(invocations) * AWS_PRICES.lambda.perMillionRequests) / 1e6 + perMillion(gbSeconds) * AWS_PRICES.lambda.perGbSecondArm64,
    logs: (perMillion(logBytes) / GB) * AWS_PRICES.logs.perGbIngested,
    other: (perMillion(requestCount("secretsmanager")) * AWS_PRICES.secretsmanager.perMillionRequests) / 1e6,
  };

  return {
    requestsPerDelivery: { total: sum(Object.values(byService)), byService },
    operationsPerDelivery: Object.fromEntries(Object.entries(requests).filter(([key, entry]) => entry.requests > 0 && !key.startsWith(TABLE_PREFIX)).map(([key, entry]) => [key, perDelivery(entry.requests)])),
    tablesPerDelivery: tablesPerDelivery(requests, perDelivery),
    dynamodbWritesPerDelivery: perDelivery(sum(Object.entries(requests).filter(([key]) => DYNAMODB_WRITES.test(key)).map(([, entry]) => entry.requests))),
    dynamodbWriteUnitsPerDelivery: perDelivery(writeUnits),
    costPerMillionDeliveries: { total: sum(Object.values(cost)), byService: cost },
    functions: Object.fromEntries(
      functions.map(([name, fn]) => [
        name,
        {
          invocationsPerDelivery: perDelivery(fn.invocations),
          billedMillisPerDelivery: perDelivery(fn.billedMillis),
          cpuMillisPerMessage: fn.records ? fn.cpuMillis / fn.records : 0,
          logBytesPerDelivery: perDelivery(fn.logBytes),
        },
      ]),
    ),
  };
}

function tablesPerDelivery(requests: Record<string, OperationUsage>, perDelivery: (value: number) => number): Record<string, { reads: number; writes: number }> {
  const tables: Record<string, { reads: number; writes: number }> = {};
  for (const [key, usage] of Object.entries(requests)) {
    if (!key.startsWith(TABLE_PREFIX)) continue;
    const [table, operation] = key.slice(TABLE_PREFIX.length).split("/") as [string, string];
    const entry = (tables[table] ??= { reads: 0, writes: 0 });
    if (DYNAMODB_WRITES.test(`dynamodb.${operation}`)) entry.writes += perDelivery(usage.requests);
    else entry.reads += perDelivery(usage.requests);
  }
  return tables;
}

/**
 * The fewest requests a delivery needs with this architecture: one SNS message per recipient
 * (PublishBatch of ten), SQS receive and delete in batches of ten, preference reads in batches of
 * ten (still a read unit each: reads are billed per item), one claim write and one completion write
 * (plus the inbox write that is the in-app channel's send), one stream record put with its batch,
 * and invocations per batch (ingest per request, a worker per ten
 * messages, the events function per hundred records). Lambda time and logs are priced as measured
 * in `measured`, so the floor differs from it only in requests.
 */
export function floorOf(workload: Workload, measured: UsageSnapshot): PricedRun {
  const { deliveries, recipients, inAppDeliveries } = workload;
  const usage = (fields: Partial<OperationUsage>): OperationUsage => ({ ...emptyUsage(), ...fields });
  const publishBatches = recipients / 10;
  const workerBatches = deliveries / 10;
  const eventBatches = deliveries / 100;
  const requests: Record<string, OperationUsage> = {
    "sns.PublishBatch": usage({ requests: publishBatches, payloadChunks: publishBatches }),
    "sqs.ReceiveMessage": usage({ requests: workerBatches, payloadChunks: workerBatches }),
    "sqs.DeleteMessageBatch": usage({ requests: workerBatches, payloadChunks: workerBatches }),
    "dynamodb.BatchGetItem": usage({ requests: workerBatches, readUnits: deliveries / 2 }),
    "dynamodb.PutItem": usage({ requests: deliveries + inAppDeliveries, writeUnits: deliveries + inAppDeliveries }),
    "dynamodb.UpdateItem": usage({ requests: deliveries, writeUnits: deliveries }),
    "kinesis.PutRecords": usage({ requests: workerBatches, putPayloadUnits: deliveries }),
    "kinesis.GetRecords": usage({ requests: eventBatches }),
  };
  const measuredFunctions = Object.values(measured.functions);
  // The measured time and logs, carried by the floor's invocations: billed as 1 GB for the measured GB-milliseconds.
  const functions = {
    floor: {
      memorySize: 1024,
      invocations: workload.publishRequests + workerBatches + eventBatches,
      records: deliveries,
      billedMillis: sum(measuredFunctions.map((fn) => (fn.billedMillis * fn.memorySize) / 1024)),
      cpuMillis: sum(measuredFunctions.map((fn) => fn.cpuMillis)),
      logBytes: sum(measuredFunctions.map((fn) => fn.logBytes)),
      peakHeapBytes: Math.max(0, ...measuredFunctions.map((fn) => fn.peakHeapBytes)),
    },
  };
  return priceRun({ requests, functions }, workload);
}
