/**
 * AWS's documented hard limits that this stack can reach: the product cuts its batches by them and
 * the local cloud refuses what AWS refuses with them. Each figure carries the page it was read from;
 * update the figure, its page and the date together. Several changed lately: SQS messages from 256 KiB
 * to 1 MiB (2025-08-04), Lambda's asynchronous payload from 256 KB to 1 MB (2025-10-24), Kinesis
 * PutRecords from 5 MiB to 10 MiB (October 2025); SNS topics may be raised to 1 MiB (2026-09-18),
 * but only by a topic attribute this stack leaves at its 256 KiB default.
 */
export const LIMITS_CHECKED_ON = "2026-12-07";

const KIB = 1024;
const MIB = 1024 * KIB;

export const AWS_LIMITS = {
  sns: {
    /** One message, its attributes' names, types and values included. */
    messageBytes: 256 * KIB,
    /** PublishBatch: entries per request, and all its messages together (the topic's default MaximumMessageSize). */
    publishBatchEntries: 10,
    publishBatchBytes: 256 * KIB,
    source: "https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html and https://docs.aws.amazon.com/sns/latest/dg/large-message-payloads.html",
  },
  sqs: {
    /** One message, body and attributes (raised from 256 KiB on 2025-08-04). */
    messageBytes: 1 * MIB,
    /** SendMessageBatch, DeleteMessageBatch, ChangeMessageVisibilityBatch: entries per request; a send batch's messages together. */
    batchEntries: 10,
    sendBatchBytes: 1 * MIB,
    maxDelaySeconds: 900,
    maxVisibilityTimeoutSeconds: 12 * 3600,
    source: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html and https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html",
  },
  dynamodb: {
    /** 400 KB: attribute names and values, in UTF-8. */
    itemBytes: 400 * KIB,
    partitionKeyBytes: 2048,
    sortKeyBytes: 1024,
    batchWriteItems: 25,
    batchGetItems: 100,
    /** Any one expression string: condition, update, key condition, filter, projection. */
    expressionBytes: 4 * KIB,
    /** Per partition, on demand too: the most one partition key value can take a second. */
    partitionWriteUnitsPerSecond: 1000,
    partitionReadUnitsPerSecond: 3000,
    source: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Constraints.html and https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/throttling-key-range-limit-exceeded-mitigation.html",
  },
  kinesis: {
    /** A record's data blob, before base64 (a stream keeps this default unless MaxRecordSizeInKiB raises it to 10 MiB). */
    recordDataBytes: 1 * MIB,
    putRecordsRecords: 500,
    /** PutRecords: every record's data and partition key together (raised from 5 MiB in October 2025). */
    putRecordsBytes: 10 * MIB,
    partitionKeyCharacters: 256,
    /** GetRecords' Limit at most (a call returns up to 10 MiB too). */
    getRecordsRecords: 10_000,
    source: "https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html, https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html and https://docs.aws.amazon.com/streams/latest/dev/large-records.html",
  },
  lambda: {
    /** Synchronous invocation (API Gateway, event source mappings): the request and the response each. */
    synchronousPayloadBytes: 6 * MIB,
    /** Asynchronous invocation (raised from 256 KB in 2025). */
    asynchronousPayloadBytes: 1 * MIB,
    source: "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html and https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html",
  },
  httpApi: {
    payloadBytes: 10 * MIB,
    integrationTimeoutMillis: 30_000,
    source: "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html",
  },
} as const;

/** A message attribute as SNS and SQS take it. */
interface MessageAttribute {
  DataType?: string;
  StringValue?: string;
  BinaryValue?: Uint8Array;
}

/**
 * The bytes SNS and SQS count against a message's and a batch's limits: the body and, for each
 * attribute, its name, data type and value, in UTF-8.
 */
export function messageBytes(body: string, attributes: Record<string, MessageAttribute> = {}): number {
  let bytes = Buffer.byteLength(body, "utf8");
  for (const [name, attribute] of Object.entries(attributes)) {
    bytes += Buffer.byteLength(name, "utf8") + Buffer.byteLength(attribute.DataType ?? "", "utf8");
    if (attribute.StringValue !== undefined) bytes += Buffer.byteLength(attribute.StringValue, "utf8");
    if (attribute.BinaryValue !== undefined) bytes += attribute.BinaryValue.byteLength;
  }
  return bytes;
}
