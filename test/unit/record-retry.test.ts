import { ChangeMessageVisibilityCommand, GetQueueUrlCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import type { ChannelMessage } from "#shared/domain/channel-message.ts";
import type { DeliveryEvent } from "#shared/domain/delivery-event.ts";
import { TransientProviderError } from "#shared/adapters/providers/provider.ts";
import { QueueUrls } from "#shared/adapters/queue-urls.ts";
import { RecordRetry } from "#shared/adapters/record-retry.ts";

const sqs = mockClient(SQSClient);
const message: ChannelMessage = { version: 1, notificationId: "n-1", type: "order.shipped", category: "transactional", userId: "u-1", channels: ["sms"], data: {}, priority: "normal", publishedAt: "2026-11-23T10:00:00Z" };
const record = (attempt: number) => ({ receiptHandle: "rh-1", eventSourceARN: "arn:aws:sqs:eu-west-1:123456789012:Notify-sms", attempt, messageId: "m-1" });
const handedBack: Array<{ key: unknown; owner: string }> = [];

function retryWith(events: DeliveryEvent[]) {
  const sqs = new SQSClient({ region: "eu-west-1" });
  return new RecordRetry(sqs, new QueueUrls(sqs), { publish: async (batch) => void events.push(...batch) }, {
    channel: "sms",
    maxReceiveCount: 5,
    policy: { baseSeconds: 2, maxSeconds: 300 },
    claims: { markDeadLettered: async (key, owner) => void handedBack.push({ key, owner }) },
    now: () => Date.parse("2026-11-23T10:05:00Z"),
    random: () => 1,
  });
}

describe("RecordRetry", () => {
  beforeEach(() => {
    sqs.reset();
    handedBack.length = 0;
    sqs.on(GetQueueUrlCommand).resolves({ QueueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/Notify-sms" });
  });

  it("sets that message's visibility to the backoff for its attempt", async () => {
    const events: DeliveryEvent[] = [];
    expect(await retryWith(events).afterFailure(record(3), message, new TransientProviderError("503"))).toEqual({ retryInSeconds: 8 });
    expect(sqs.commandCalls(GetQueueUrlCommand)[0]?.args[0].input).toEqual({ QueueName: "Notify-sms", QueueOwnerAWSAccountId: "123456789012" });
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input).toEqual({
      QueueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/Notify-sms",
      ReceiptHandle: "rh-1",
      VisibilityTimeout: 8,
    });
    expect(events).toEqual([]);
  });

  it("backs off longer from a throttle", async () => {
    expect(await retryWith([]).afterFailure(record(1), message, new TransientProviderError("429", { throttled: true }))).toEqual({ retryInSeconds: 8 });
  });

  it("records dead_lettered on the last allowed receive and makes the message visible so SQS moves it to the DLQ now", async () => {
    const events: DeliveryEvent[] = [];
    expect(await retryWith(events).afterFailure(record(5), message, new TransientProviderError("still down"))).toBe("dead_lettered");
    expect(events).toEqual([expect.objectContaining({ notificationId: "n-1", userId: "u-1", channel: "sms", status: "dead_lettered", attempt: 5, reason: "TransientProviderError: still down" })]);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input.VisibilityTimeout).toBe(0);
    expect(handedBack).toEqual([{ key: { notificationId: "n-1", userId: "u-1", channel: "sms" }, owner: "m-1" }]);
  });

  it("records dead_lettered before the last allowed receive is attempted, and nothing before earlier ones", async () => {
    const events: DeliveryEvent[] = [];
    const retry = retryWith(events);
    await retry.beforeAttempt(4, message);
    expect(events).toEqual([]);
    await retry.beforeAttempt(5, message);
    expect(events).toEqual([expect.objectContaining({ status: "dead_lettered", attempt: 5, reason: "the worker stopped during the last allowed receive (5 of 5)" })]);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)).toEqual([]);
  });

  it("backs off a message it could not even parse", async () => {
    expect(await retryWith([]).afterFailure(record(1), undefined, new SyntaxError("Unexpected token"))).toEqual({ retryInSeconds: 2 });
  });
});
