import { SendMessageCommand, type MessageAttributeValue, type SQSClient } from "@aws-sdk/client-sqs";
import type { QueueUrls } from "./queue-urls.ts";

/** Long enough for the channel's next window to open, short enough to keep the queue moving. */
const HELD_DELAY_SECONDS = 1;

/** What the record held back carries, as an SQS event gives it. */
export interface HeldRecord {
  body: string;
  eventSourceARN: string;
  messageAttributes?: Record<string, { dataType: string; stringValue?: string }>;
}

/**
 * Puts a record the send rate held back onto its queue again as a new message, before the worker
 * acknowledges the original: a receive that only waited must not count toward maxReceiveCount, and
 * a crash between the two leaves a duplicate, which the delivery's claim absorbs, never a loss.
 */
export class HeldMessages {
  private readonly sqs: SQSClient;
  private readonly queueUrls: QueueUrls;

  constructor(sqs: SQSClient, queueUrls: QueueUrls) {
    this.sqs = sqs;
    this.queueUrls = queueUrls;
  }

  async requeue(record: HeldRecord): Promise<void> {
    const MessageAttributes = Object.fromEntries(
      Object.entries(record.messageAttributes ?? {}).map(([name, attribute]): [string, MessageAttributeValue] => [name, { DataType: attribute.dataType, StringValue: attribute.stringValue }]),
    );
    await this.sqs.send(new SendMessageCommand({ QueueUrl: await this.queueUrls.of(record.eventSourceARN), MessageBody: record.body, DelaySeconds: HELD_DELAY_SECONDS, MessageAttributes }));
  }
}
