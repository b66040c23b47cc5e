import { PublishBatchCommand, type PublishBatchRequestEntry, type SNSClient } from "@aws-sdk/client-sns";
import { routingAttributes, type ChannelMessage } from "../domain/channel-message.ts";
import { batchesWithin } from "../lib/batches-within.ts";
import { sendResendingFailed } from "../lib/resend-failed.ts";
import { AWS_LIMITS, messageBytes } from "./aws-limits.ts";

const SNS_BATCH_LIMIT: number = AWS_LIMITS.sns.publishBatchEntries;
const MAX_ATTEMPTS = 4;

/** Some messages were not accepted by SNS after retries; the caller must not report success. */
export class PublishIncompleteError extends Error {
  readonly failed: number;
  /** The messages SNS did not take, when the publisher knows them; the others were published. */
  readonly failedMessages: readonly ChannelMessage[];
  constructor(failed: number, detail: string, failedMessages: readonly ChannelMessage[] = []) {
    super(`${failed} messages were not accepted by SNS: ${detail}`);
    this.name = "PublishIncompleteError";
    this.failed = failed;
    this.failedMessages = failedMessages;
  }
}

/** The entries of one batch SNS still refused after retries. */
class EntriesRefused extends Error {
  readonly entries: PublishBatchRequestEntry[];
  readonly detail: string;
  constructor(entries: PublishBatchRequestEntry[], detail: string) {
    super(detail);
    this.entries = entries;
    this.detail = detail;
  }
}

/**
 * Publishes one SNS message per recipient with PublishBatch, each batch cut by SNS's entry count and
 * its 256 KiB for the whole request, resending only the entries SNS reports as failed. Resending is
 * safe: the workers' dedup claim makes a repeated message send once.
 */
export class NotificationPublisher {
  private readonly client: SNSClient;
  private readonly topicArn: string;
  private readonly sleep: (millis: number) => Promise<void>;
  private readonly batchSize: number;

  /** `batchSize`: messages per PublishBatch request, at most SNS's ten. */
  constructor(client: SNSClient, topicArn: string, sleep: (millis: number) => Promise<void>, batchSize = SNS_BATCH_LIMIT) {
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > SNS_BATCH_LIMIT) throw new RangeError(`batchSize must be 1-${SNS_BATCH_LIMIT}, not ${batchSize}`);
    this.client = client;
    this.topicArn = topicArn;
    this.sleep = sleep;
    this.batchSize = batchSize;
  }

  /** The bytes SNS would still take in a message beside this one's body and routing attributes. */
  headroom(message: ChannelMessage): number {
    return AWS_LIMITS.sns.messageBytes - messageBytes(JSON.stringify(message), routingAttributes(message));
  }

  async publish(messages: ChannelMessage[]): Promise<void> {
    const entries = messages.map((message, index): PublishBatchRequestEntry => ({
      Id: `m${index}`,
      Message: JSON.stringify(message),
      MessageAttributes: routingAttributes(message),
    }));
    const batches = batchesWithin(entries, {
      maxEntries: this.batchSize,
      maxBytes: AWS_LIMITS.sns.publishBatchBytes,
      bytesOf: (entry) => messageBytes(entry.Message!, entry.MessageAttributes),
    });
    // Every batch is tried; entries SNS refused are named together, so a caller can hold back only their messages.
    const outcomes = await Promise.allSettled(batches.map((batch) => this.publishBatch(batch)));
    const failures = outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason as unknown] : []));
    if (failures.length === 0) return;
    const thrown = failures.find((failure) => !(failure instanceof EntriesRefused));
    if (thrown) throw thrown;
    const refused = failures as EntriesRefused[];
    const failedMessages = refused.flatMap((failure) => failure.entries.map((entry) => messages[Number(entry.Id!.slice(1))]!));
    throw new PublishIncompleteError(failedMessages.length, refused.map((failure) => failure.detail).join("; "), failedMessages);
  }

  private async publishBatch(entries: PublishBatchRequestEntry[]): Promise<void> {
    await sendResendingFailed(
      entries,
      async (pending) => {
        const failures = (await this.client.send(new PublishBatchCommand({ TopicArn: this.topicArn, PublishBatchRequestEntries: pending }))).Failed ?? [];
        const failedIds = new Set(failures.map((failure) => failure.Id));
        return {
          failed: pending.filter((entry) => failedIds.has(entry.Id)),
          retryable: failures.every((failure) => !failure.SenderFault),
          detail: failures.map((failure) => `${failure.Code}: ${failure.Message}`).join("; "),
        };
      },
      { maxAttempts: MAX_ATTEMPTS, sleep: this.sleep, giveUp: (failed, detail) => new EntriesRefused(failed, detail) },
    );
  }
}
