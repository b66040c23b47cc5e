import { describe, expect, it } from "vitest";
import { AWS_PRICES } from "../../../bench/aws-prices.ts";
import { fixedMonthlyCost, floorOf, priceRun, type Workload } from "../../../bench/cost-model.ts";
import { emptyUsage, type OperationUsage } from "#infra/local/sdk-request-counter.ts";
import type { UsageSnapshot } from "#infra/local/usage-ledger.ts";

const workload: Workload = { deliveries: 1_000, recipients: 400, publishRequests: 4, inAppDeliveries: 300 };
const usage = (fields: Partial<OperationUsage>): OperationUsage => ({ ...emptyUsage(), ...fields });
const measured: UsageSnapshot = {
  requests: {
    "sns.PublishBatch": usage({ requests: 40, payloadChunks: 40 }),
    "sqs.ReceiveMessage": usage({ requests: 100, payloadChunks: 100 }),
    "dynamodb.UpdateItem": usage({ requests: 3_000, writeUnits: 3_500 }),
    "dynamodb.GetItem": usage({ requests: 1_000, readUnits: 500 }),
    "kinesis.PutRecords": usage({ requests: 1_000, putPayloadUnits: 1_000 }),
  },
  functions: { worker: { memorySize: 512, invocations: 100, records: 1_000, billedMillis: 20_000, cpuMillis: 2_000, logBytes: 1024 ** 3 / 1_000, peakHeapBytes: 0 } },
};

describe("the cost model", () => {
  const priced = priceRun(measured, workload);

  it("counts requests per delivery by service, Lambda as invocations", () => {
    expect(priced.requestsPerDelivery.byService).toEqual({ sns: 0.04, sqs: 0.1, dynamodb: 4, kinesis: 1, lambda: 0.1 });
    expect(priced.dynamodbWritesPerDelivery).toBe(3);
    expect(priced.dynamodbWriteUnitsPerDelivery).toBe(3.5);
  });

  it("prices billed units, not requests: DynamoDB by write and read units, Lambda by GB-seconds at the configured memory", () => {
    const cost = priced.costPerMillionDeliveries.byService;
    expect(cost.dynamodb).toBeCloseTo(3.5 * AWS_PRICES.dynamodb.perMillionWriteUnits + 0.5 * AWS_PRICES.dynamodb.perMillionReadUnits);
    expect(cost.lambda).toBeCloseTo(0.1 * AWS_PRICES.lambda.perMillionRequests + 20 * 0.5 * 1e3 * AWS_PRICES.lambda.perGbSecondArm64);
    // A gigabyte of logs per million deliveries.
    expect(cost.logs).toBeCloseTo(AWS_PRICES.logs.perGbIngested);
    expect(priced.functions.worker!.cpuMillisPerMessage).toBe(2);
  });

  it("prices the stream by PUT payload units per delivery, and its shard-hours as a monthly cost apart", () => {
    expect(priced.costPerMillionDeliveries.byService.kinesis).toBeCloseTo(AWS_PRICES.kinesis.perMillionPutPayloadUnits);
    expect(fixedMonthlyCost(2).kinesisShardHours).toBeCloseTo(2 * 730 * AWS_PRICES.kinesis.perShardHour);
  });

  it("gives the floor two writes per delivery plus the inbox write, and a tenth of a request per SQS batch", () => {
    const floor = floorOf(workload, measured);
    expect(floor.dynamodbWriteUnitsPerDelivery).toBeCloseTo(2.3);
    expect(floor.requestsPerDelivery.byService.sqs).toBeCloseTo(0.2);
    // Claim, completion, inbox write and a tenth of a batched preference read.
    expect(floor.requestsPerDelivery.byService.dynamodb).toBeCloseTo(2.4);
    expect(floor.requestsPerDelivery.byService.sns).toBeCloseTo(0.04);
    // Lambda time and logs are priced as measured; only requests differ.
    expect(floor.costPerMillionDeliveries.byService.logs).toBeCloseTo(priced.costPerMillionDeliveries.byService.logs);
  });
});
