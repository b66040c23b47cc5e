import { describe, expect, it } from "vitest";
import { kinesisLimitProblem, withKinesisRequestCap } from "#infra/local/kinesalite-limits.ts";
import { AWS_LIMITS } from "#shared/adapters/aws-limits.ts";

/** A record as kinesalite holds it after its type checks: the data still base64. */
const record = (dataBytes: number, partitionKey = "k") => ({ PartitionKey: partitionKey, Data: Buffer.alloc(dataBytes, 120).toString("base64") });

describe("Kinesis's sizes on kinesalite", () => {
  it("measures a record's data decoded: 1 MiB is taken, one byte more refused", () => {
    expect(kinesisLimitProblem("PutRecord", { Data: record(AWS_LIMITS.kinesis.recordDataBytes).Data })).toBeUndefined();
    expect(kinesisLimitProblem("PutRecord", { Data: record(AWS_LIMITS.kinesis.recordDataBytes + 1).Data })?.body).toMatchObject({ __type: "ValidationException" });
  });

  it("adds up PutRecords' data and partition keys: 10 MiB is taken, one byte more refused", () => {
    const fits = AWS_LIMITS.kinesis.recordDataBytes - 1;
    const records = (last: number) => [...Array.from({ length: 9 }, () => record(fits)), record(last)];
    expect(kinesisLimitProblem("PutRecords", { Records: records(fits) })).toBeUndefined();
    expect(kinesisLimitProblem("PutRecords", { Records: records(fits + 1) })?.body).toMatchObject({ __type: "InvalidArgumentException" });
  });

  it("fails loudly when a kinesalite upgrade changes the lines it rewrites", () => {
    expect(() => withKinesisRequestCap("var MAX_REQUEST_BYTES = 8 * 1024 * 1024")).toThrow(/kinesalite-limits/);
  });
});
