import { createRequire, registerHooks } from "node:module";
import { AWS_LIMITS } from "#shared/adapters/aws-limits.ts";

const require = createRequire(import.meta.url);

/** The kinesalite version these checks were written against: they wrap its request validation. */
const KINESALITE_VERSION = "3.3.3";

interface PutRecordsEntry {
  PartitionKey: string;
  Data: string;
}
interface Request {
  Data?: string;
  Records?: PutRecordsEntry[];
}

class KinesisError extends Error {
  readonly statusCode = 400;
  readonly body: { __type: string; message: string };
  constructor(type: string, message: string) {
    super(message);
    this.body = { __type: type, message };
  }
}

const decodedBytes = (base64: string) => Buffer.byteLength(base64, "base64");

/**
 * What kinesalite gets wrong about Kinesis's sizes, as Kinesis answers it: it measures a record's
 * data as base64 text (refusing 768 KiB of data, which Kinesis takes) and never adds up a
 * PutRecords request, which Kinesis refuses past 10 MiB of data and partition keys.
 */
export function kinesisLimitProblem(operation: string, request: Request): KinesisError | undefined {
  const records = operation === "PutRecords" ? (request.Records ?? []) : operation === "PutRecord" && request.Data !== undefined ? [{ Data: request.Data, PartitionKey: "" }] : [];
  let total = 0;
  for (const [index, record] of records.entries()) {
    const bytes = decodedBytes(record.Data);
    if (bytes > AWS_LIMITS.kinesis.recordDataBytes) {
      const at = operation === "PutRecords" ? `records.${index + 1}.member.data` : "data";
      return new KinesisError("ValidationException", `1 validation error detected: Value at '${at}' failed to satisfy constraint: Member must have length less than or equal to ${AWS_LIMITS.kinesis.recordDataBytes}`);
    }
    total += bytes + Buffer.byteLength(record.PartitionKey, "utf8");
  }
  if (total > AWS_LIMITS.kinesis.putRecordsBytes) {
    return new KinesisError("InvalidArgumentException", `Records size exceeds ${AWS_LIMITS.kinesis.putRecordsBytes / (1024 * 1024)} MiB limit`);
  }
  return undefined;
}

const ORIGINAL_REQUEST_CAP = "var MAX_REQUEST_BYTES = 7 * 1024 * 1024";
const CHUNKED_413 = "res.setHeader('Transfer-Encoding', 'chunked')";
/** 10 MiB of records is about 13.4 MiB of JSON once base64 encoded; the body cap must let it through. */
const REQUEST_CAP_BYTES = 16 * 1024 * 1024;

/**
 * kinesalite's request handler with its body cap raised from 7 MiB (below what a PutRecords of
 * 10 MiB takes on the wire) and without the Transfer-Encoding header it sets on a 413, which the
 * HTTP/2 server it is mounted on refuses by killing the thread. Fails loudly when an upgrade changes
 * either line.
 */
export function withKinesisRequestCap(source: string): string {
  if (!source.includes(ORIGINAL_REQUEST_CAP) || !source.includes(CHUNKED_413)) throw new Error("kinesalite's index.js no longer reads as infra/local/kinesalite-limits.ts expects: update it");
  return source.replace(ORIGINAL_REQUEST_CAP, `var MAX_REQUEST_BYTES = ${REQUEST_CAP_BYTES}`).replace(CHUNKED_413, "");
}

interface KinesaliteValidations {
  checkValidations(data: Request, types: object, custom: unknown, operation: string): void;
}

let installed = false;

/**
 * Measures records as Kinesis does, in place of kinesalite's text length, after its own validation
 * of every PutRecord(s), and lets a full PutRecords through. Must run before kinesalite is loaded.
 */
export function installKinesaliteLimits(): void {
  if (installed) return;
  installed = true;
  registerHooks({
    load(url, context, nextLoad) {
      const loaded = nextLoad(url, context);
      if (!url.endsWith("/node_modules/kinesalite/index.js")) return loaded;
      return { ...loaded, source: withKinesisRequestCap(String(loaded.source)) };
    },
  });
  const { version } = require("kinesalite/package.json") as { version: string };
  if (version !== KINESALITE_VERSION) throw new Error(`infra/local/kinesalite-limits.ts wraps kinesalite ${KINESALITE_VERSION}'s validation, not ${version}'s: check its Kinesis limits again and update it`);
  const putRecord = require("kinesalite/validations/putRecord.js") as { types: { Data: { lengthLessThanOrEqual: number } } };
  const putRecords = require("kinesalite/validations/putRecords.js") as { types: { Records: { children: { children: { Data: { lengthLessThanOrEqual: number } } } } } };
  // Measured decoded below; kinesalite's own check measures the base64 text.
  putRecord.types.Data.lengthLessThanOrEqual = Number.MAX_SAFE_INTEGER;
  putRecords.types.Records.children.children.Data.lengthLessThanOrEqual = Number.MAX_SAFE_INTEGER;
  const validations = require("kinesalite/validations/index.js") as KinesaliteValidations;
  const checkValidations = validations.checkValidations;
  validations.checkValidations = (data, types, custom, operation) => {
    checkValidations(data, types, custom, operation);
    const problem = kinesisLimitProblem(operation, data);
    if (problem) throw problem;
  };
}
