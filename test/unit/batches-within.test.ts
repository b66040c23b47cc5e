import { PublishBatchCommand, SNSClient } from "@aws-sdk/client-sns";
import { PutRecordsCommand, KinesisClient } from "@aws-sdk/client-kinesis";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { AWS_LIMITS, messageBytes } from "#shared/adapters/aws-limits.ts";
import { DeliveryEventPublisher } from "#shared/adapters/delivery-event-publisher.ts";
import { NotificationPublisher, PublishIncompleteError } from "#shared/adapters/notification-publisher.ts";
import { deliveryEvent } from "#shared/domain/delivery-event.ts";
import type { ChannelMessage } from "#shared/domain/channel-message.ts";
import { batchesWithin } from "#shared/lib/batches-within.ts";

const noWait = async () => {};

describe("cutting entries into batches by count and bytes", () => {
  const budget = { maxEntries: 3, maxBytes: 10, bytesOf: (entry: string) => entry.length };

  it("starts a new batch when the next entry would pass the byte budget", () => {
    expect(batchesWithin(["aaaa", "bbbb", "cc", "d"], budget)).toEqual([["aaaa", "bbbb", "cc"], ["d"]]);
    expect(batchesWithin(["aaaaaa", "bbbbb"], budget)).toEqual([["aaaaaa"], ["bbbbb"]]);
  });

  it("starts a new batch at the entry count even when bytes remain", () => {
    expect(batchesWithin(["a", "b", "c", "d"], budget)).toEqual([["a", "b", "c"], ["d"]]);
  });

  it("fills a batch to exactly the byte budget", () => {
    expect(batchesWithin(["aaaaa", "bbbbb", "c"], budget)).toEqual([["aaaaa", "bbbbb"], ["c"]]);
  });

  it("gives an entry over the budget a batch of its own, keeping order", () => {
    expect(batchesWithin(["a", "x".repeat(11), "b"], budget)).toEqual([["a"], ["x".repeat(11)], ["b"]]);
  });

  it("returns no batch for no entries", () => {
    expect(batchesWithin([], budget)).toEqual([]);
  });
});

describe("counting a message's bytes as SNS and SQS do", () => {
  it("adds each attribute's name, data type and value to the body, in UTF-8", () => {
    expect(messageBytes("é", { kind: { DataType: "String", StringValue: "direct" } })).toBe(2 + 4 + 6 + 6);
    expect(messageBytes("x", { blob: { DataType: "Binary", BinaryValue: new Uint8Array(5) } })).toBe(1 + 4 + 6 + 5);
  });
});

function messageOf(userId: string, dataBytes: number): ChannelMessage {
  return {
    version: 1,
    notificationId: "n-1",
    type: "order.shipped",
    category: "transactional",
    priority: "normal",
    userId,
    channels: ["email", "sms", "push", "in_app"],
    data: { orderId: "A-1", note: "x".repeat(dataBytes) },
    publishedAt: "2026-12-07T00:00:00.000Z",
  };
}

describe("publishing to SNS within PublishBatch's limits", () => {
  it("cuts 100 messages of 32 KB of data into requests of at most 256 KiB each", async () => {
    const sns = mockClient(SNSClient);
    sns.on(PublishBatchCommand).callsFake((input) => ({ Successful: input.PublishBatchRequestEntries.map((entry: { Id: string }) => ({ Id: entry.Id })), Failed: [] }));
    const messages = Array.from({ length: 100 }, (_, index) => messageOf(`user-${index}`, 32 * 1024));
    await new NotificationPublisher(new SNSClient({}), "arn:aws:sns:us-east-1:000000000000:notifications", noWait).publish(messages);

    const requests = sns.commandCalls(PublishBatchCommand).map((call) => call.args[0].input.PublishBatchRequestEntries!);
    expect(requests.flat()).toHaveLength(100);
    for (const entries of requests) {
      expect(entries.length).toBeLessThanOrEqual(AWS_LIMITS.sns.publishBatchEntries);
      expect(entries.reduce((sum, entry) => sum + messageBytes(entry.Message!, entry.MessageAttributes), 0)).toBeLessThanOrEqual(AWS_LIMITS.sns.publishBatchBytes);
    }
    expect(requests.length).toBeGreaterThan(10);
  });

  it("keeps small messages ten to a request", async () => {
    const sns = mockClient(SNSClient);
    sns.on(PublishBatchCommand).callsFake((input) => ({ Successful: input.PublishBatchRequestEntries.map((entry: { Id: string }) => ({ Id: entry.Id })), Failed: [] }));
    await new NotificationPublisher(new SNSClient({}), "arn:aws:sns:us-east-1:000000000000:notifications", noWait).publish(Array.from({ length: 100 }, (_, index) => messageOf(`user-${index}`, 100)));
    expect(sns.commandCalls(PublishBatchCommand)).toHaveLength(10);
  });
});

describe("naming what SNS refused", () => {
  it("throws PublishIncompleteError with exactly the messages SNS refused, after publishing every other batch", async () => {
    const sns = mockClient(SNSClient);
    sns.on(PublishBatchCommand).callsFake((input) => {
      const entries = input.PublishBatchRequestEntries as Array<{ Id: string; Message: string }>;
      const refused = entries.filter((entry) => JSON.parse(entry.Message).userId === "user-13");
      return { Successful: entries.filter((entry) => !refused.includes(entry)).map((entry) => ({ Id: entry.Id })), Failed: refused.map((entry) => ({ Id: entry.Id, Code: "InvalidParameter", SenderFault: true })) };
    });
    const messages = Array.from({ length: 30 }, (_, index) => messageOf(`user-${index}`, 100));
    const error = await new NotificationPublisher(new SNSClient({}), "arn:aws:sns:us-east-1:000000000000:notifications", noWait).publish(messages).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PublishIncompleteError);
    expect((error as PublishIncompleteError).failedMessages).toEqual([messages[13]]);
    expect(sns.commandCalls(PublishBatchCommand)).toHaveLength(3);
  });
});

describe("putting delivery events within PutRecords' limits", () => {
  it("puts at most 500 records a request", async () => {
    const kinesis = mockClient(KinesisClient);
    kinesis.on(PutRecordsCommand).callsFake((input) => ({ FailedRecordCount: 0, Records: input.Records.map(() => ({ SequenceNumber: "1", ShardId: "s" })) }));
    const events = Array.from({ length: 1_200 }, (_, index) =>
      deliveryEvent({ notificationId: "n-1", userId: `user-${index}`, channel: "email", type: "order.shipped", status: "sent", attempt: 1 }, new Date(0)),
    );
    await new DeliveryEventPublisher(new KinesisClient({}), "delivery-events", noWait).publish(events);
    expect(kinesis.commandCalls(PutRecordsCommand).map((call) => call.args[0].input.Records!.length)).toEqual([500, 500, 200]);
  });
});
