import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from "@aws-sdk/client-sqs";
import { pageMessageIdentity, type ExpansionPage } from "../domain/broadcast-expansion.ts";
import { batchesWithin } from "../lib/batches-within.ts";
import { sendResendingFailed } from "../lib/resend-failed.ts";
import { AWS_LIMITS, messageBytes } from "./aws-limits.ts";
import { PublishIncompleteError } from "./notification-publisher.ts";

const MAX_ATTEMPTS = 4;

/** The FIFO queue of expansion pages: a group per shard, deduplicated per page. */
export class ExpansionQueue {
  private readonly client: SQSClient;
  private readonly queueUrl: string;
  private readonly sleep: (millis: number) => Promise<void>;

  constructor(client: SQSClient, queueUrl: string, sleep: (millis: number) => Promise<void>) {
    this.client = client;
    this.queueUrl = queueUrl;
    this.sleep = sleep;
  }

  /** Queues every page or throws PublishIncompleteError; a page queued twice within five minutes is one message. */
  async queue(pages: readonly ExpansionPage[]): Promise<void> {
    const entries = pages.map((page, index): SendMessageBatchRequestEntry => {
      const { groupId, deduplicationId } = pageMessageIdentity(page);
      return { Id: `p${index}`, MessageBody: JSON.stringify(page), MessageGroupId: groupId, MessageDeduplicationId: deduplicationId };
    });
    const batches = batchesWithin(entries, { maxEntries: AWS_LIMITS.sqs.batchEntries, maxBytes: AWS_LIMITS.sqs.sendBatchBytes, bytesOf: (entry) => messageBytes(entry.MessageBody!) });
    await Promise.all(
      batches.map((batch) =>
        sendResendingFailed(
          batch,
          async (pending) => {
            const failures = (await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }))).Failed ?? [];
            const failedIds = new Set(failures.map((failure) => failure.Id));
            return { failed: pending.filter((entry) => failedIds.has(entry.Id)), retryable: failures.every((failure) => !failure.SenderFault), detail: failures.map((failure) => `${failure.Code}: ${failure.Message}`).join("; ") };
          },
          { maxAttempts: MAX_ATTEMPTS, sleep: this.sleep, giveUp: (failed, detail) => new PublishIncompleteError(failed.length, `expansion pages not queued: ${detail}`) },
        ),
      ),
    );
  }
}
