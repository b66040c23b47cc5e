/**
 * The channel worker's handler run in this process, as Lambda would call it, on an SQS event it is
 * handed directly: what it answers is the partial batch response the event source acts on.
 */
import { DeleteMessageBatchCommand, DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { resolveLoopbackNames } from "#infra/local/loopback-names.ts";
import { sendWindowOf } from "#shared/domain/send-rate.ts";
import { SendRateWindows } from "#shared/adapters/stores/send-rate-windows.ts";
import { call, deliveries, uniqueId } from "../helpers/local-api.ts";

const endpoints = inject("localCloudEndpoints");
const outputs = inject("localCloudOutputs");
const credentials = { accessKeyId: "local", secretAccessKey: "local" };
const sqs = new SQSClient({ region: "us-east-1", endpoint: endpoints.sqs, credentials });
const environmentBefore = { ...process.env };

/** What the template gives the in-app worker, with the emulators as endpoints (as the local cloud sets them). */
const WORKER_ENVIRONMENT: Record<string, string> = {
  CHANNEL: "in_app",
  PREFERENCES_TABLE_NAME: outputs.PreferencesTableName!,
  DELIVERIES_TABLE_NAME: outputs.DeliveriesTableName!,
  DEFERRED_TABLE_NAME: outputs.DeferredTableName!,
  INBOX_TABLE_NAME: outputs.InboxTableName!,
  NOTIFICATIONS_TOPIC_ARN: outputs.NotificationsTopicArn!,
  DELIVERY_EVENTS_STREAM_NAME: outputs.DeliveryEventsStreamName!,
  CLAIM_LEASE_SECONDS: "60",
  MAX_RECEIVE_COUNT: "5",
  RETRY_BASE_SECONDS: "1",
  RETRY_MAX_SECONDS: "2",
  DEDUP_RETENTION_SECONDS: "3600",
  PROVIDER_TIMEOUT_MS: "1000",
  // A rate no other test here comes near; the held-record test fills the windows itself.
  SEND_RATE_PER_SECOND: "1000",
  SEND_RATE_TABLE_NAME: outputs.DedupTableName!,
  THROTTLE_TABLE_NAME: outputs.DedupTableName!,
  TEMPLATES_TABLE_NAME: outputs.TemplatesTableName!,
  POWERTOOLS_SERVICE_NAME: "in-app-worker",
  POWERTOOLS_METRICS_NAMESPACE: "Notify",
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  AWS_ENDPOINT_URL_SNS: endpoints.sns,
  AWS_ENDPOINT_URL_SQS: endpoints.sqs,
  AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
  AWS_ENDPOINT_URL_KINESIS: endpoints.kinesis,
};

const context = { functionName: "in-app-worker", awsRequestId: "request-1", invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:in-app-worker", memoryLimitInMB: "512", functionVersion: "$LATEST", getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

const messageFor = (userId: string, notificationId: string) => ({ version: 1, notificationId, type: "order.shipped", category: "transactional", userId, channels: ["in_app"], data: { orderId: "H-1" }, priority: "normal", publishedAt: new Date().toISOString() });

/** A record as the SQS event source hands it over, for a message received from `queueUrl`. */
async function receivedRecord(queueUrl: string, body: string): Promise<SQSRecord> {
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
  const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 5 }));
  const [account, name] = new URL(queueUrl).pathname.split("/").filter(Boolean) as [string, string];
  return {
    messageId: Messages[0]!.MessageId!,
    receiptHandle: Messages[0]!.ReceiptHandle!,
    body,
    attributes: { ApproximateReceiveCount: "1", SentTimestamp: String(Date.now()), SenderId: "local", ApproximateFirstReceiveTimestamp: String(Date.now()) },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: `arn:aws:sqs:us-east-1:${account}:${name}`,
    awsRegion: "us-east-1",
  };
}

let handler: (event: SQSEvent, context: Context) => Promise<{ batchItemFailures: Array<{ itemIdentifier: string }> }>;

beforeAll(async () => {
  // The worker follows the queue URLs fauxqs gives (sqs.<region>.localhost), as in a Lambda thread.
  resolveLoopbackNames();
  Object.assign(process.env, WORKER_ENVIRONMENT);
  ({ handler } = await import("#functions/channel-worker.ts"));
});

afterAll(() => {
  for (const name of Object.keys(WORKER_ENVIRONMENT)) if (environmentBefore[name] === undefined) delete process.env[name];
  Object.assign(process.env, environmentBefore);
});

describe("the channel worker's handler, in process", () => {
  it("delivers the good record, and reports only the poison one as a batch item failure", async () => {
    const userId = uniqueId("handler");
    const notificationId = uniqueId("order");
    const message = messageFor(userId, notificationId);
    // A queue no event source reads, so the local cloud's workers do not take these messages first.
    const queueUrl = outputs.InAppDeadLetterQueueUrl!;
    const good = await receivedRecord(queueUrl, JSON.stringify(message));
    const poison = await receivedRecord(queueUrl, "not json at all");

    const response = await handler({ Records: [good, poison] }, context).finally(() =>
      // Leave the queue as it was: the event source would delete the good one, and the poison one is only a probe.
      sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: [good, poison].map((record, index) => ({ Id: `m${index}`, ReceiptHandle: record.receiptHandle })) })),
    );

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: poison.messageId }]);
    expect(await deliveries(notificationId)).toEqual([expect.objectContaining({ userId, channel: "in_app", status: "sent", attempts: 1 })]);
    expect((await call("GET", `/v1/users/${userId}/inbox`)).body.items).toEqual([expect.objectContaining({ notificationId, read: false })]);
  });

  it("puts a record the send rate holds past its deadline back on its queue as a new message, and reports it done", async () => {
    const userId = uniqueId("handler-held");
    const notificationId = uniqueId("order-held");
    const queueUrl = outputs.InAppDeadLetterQueueUrl!;
    // Every in-app window of the next few seconds is full, as under a backlog from other workers.
    const windows = new SendRateWindows(DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1", endpoint: endpoints.dynamodb, credentials })), outputs.DedupTableName!);
    const current = sendWindowOf(Date.now());
    for (let window = current; window < current + 5; window++) await windows.take("in_app", window, 1000, 1000, "transactional");
    const record = await receivedRecord(queueUrl, JSON.stringify(messageFor(userId, notificationId)));
    // Too little time left to wait for a window: the record is held at once.
    const ending = { ...context, getRemainingTimeInMillis: () => 2_000 } as Context;

    const response = await handler({ Records: [record] }, ending).finally(() => sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: record.receiptHandle })));

    expect(response.batchItemFailures).toEqual([]);
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 5, MessageSystemAttributeNames: ["ApproximateReceiveCount"] }));
    const requeued = Messages.find((candidate) => candidate.Body === record.body);
    expect(requeued?.MessageId).not.toBe(record.messageId);
    // A fresh message: the receive that only waited counts toward nothing.
    expect(requeued?.Attributes?.ApproximateReceiveCount).toBe("1");
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: Messages.map((message, index) => ({ Id: `m${index}`, ReceiptHandle: message.ReceiptHandle! })) }));
    // Nothing was sent or recorded: the delivery is still to come.
    expect(await deliveries(notificationId)).toEqual([]);
  });
});
