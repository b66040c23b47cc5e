/**
 * AWS list prices in us-east-1 that the cost model multiplies the measured counts by. Each carries
 * the page it was read from; update the figure and the date together.
 */
export const PRICES_CHECKED_ON = "2026-11-23";

export const AWS_PRICES = {
  sns: {
    /** Standard topics: each 64 KB chunk of a Publish or of a whole PublishBatch is one request. Deliveries to SQS are free. */
    perMillionRequests: 0.5,
    source: "https://aws.amazon.com/sns/pricing/ and https://docs.aws.amazon.com/sns/latest/dg/sns-batch-api-actions.html",
  },
  sqs: {
    /** Standard queues, past the first million a month: each 64 KB chunk of a request's payload is one request. */
    perMillionRequests: 0.4,
    source: "https://aws.amazon.com/sqs/pricing/",
  },
  dynamodb: {
    /** On-demand, Standard table class (after the November 2024 price cut). */
    perMillionWriteUnits: 0.625,
    perMillionReadUnits: 0.125,
    source: "https://aws.amazon.com/dynamodb/pricing/on-demand/",
  },
  kinesis: {
    /** Provisioned mode: PUT payload units of 25 KB, and shard-hours; reading (GetRecords) is free. */
    perMillionPutPayloadUnits: 0.014,
    perShardHour: 0.015,
    source: "https://aws.amazon.com/kinesis/data-streams/pricing/",
  },
  lambda: {
    perMillionRequests: 0.2,
    /** arm64, first 7.5 billion GB-seconds a month. */
    perGbSecondArm64: 0.0000133334,
    source: "https://aws.amazon.com/lambda/pricing/",
  },
  logs: {
    /** CloudWatch Logs, Standard log class ingestion. */
    perGbIngested: 0.5,
    source: "https://aws.amazon.com/cloudwatch/pricing/",
  },
  secretsmanager: {
    /** $0.05 per 10,000 API calls. */
    perMillionRequests: 5,
    source: "https://aws.amazon.com/secrets-manager/pricing/",
  },
  apigateway: {
    /** HTTP APIs, first 300 million requests a month (each 512 KB of a request is one). */
    httpPerMillionRequests: 1.0,
    /** WebSocket APIs: messages (each 32 KB is one) and connection minutes. */
    websocketPerMillionMessages: 1.0,
    websocketPerMillionConnectionMinutes: 0.25,
    source: "https://aws.amazon.com/api-gateway/pricing/",
  },
} as const;
