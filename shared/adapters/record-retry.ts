import { ChangeMessageVisibilityCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { ChannelMessage } from "../domain/channel-message.ts";
import type { Channel } from "../domain/channels.ts";
import { deliveryEvent, placementOf } from "../domain/delivery-event.ts";
import type { DeliveryEventPublisher } from "./delivery-event-publisher.ts";
import type { QueueUrls } from "./queue-urls.ts";
import { TransientProviderError } from "./providers/provider.ts";
import type { DedupClaims } from "./stores/dedup-claims.ts";
import { retryDelaySeconds, type BackoffPolicy } from "../domain/retry-backoff.ts";

export interface FailedRecord {
  receiptHandle: string;
  /** The queue's ARN, as the SQS event gives it. */
  eventSourceARN: string;
  /** ApproximateReceiveCount: 1 on the first delivery. */
  attempt: number;
  /** The SQS message id, which owns the delivery's claim while it is in flight. */
  messageId: string;
}

export interface RecordRetryOptions {
  channel: Channel;
  /** The queue's maxReceiveCount: after this many receives SQS moves the message to the DLQ. */
  maxReceiveCount: number;
  policy: BackoffPolicy;
  /** A dead-lettered owner's claim is handed back, so the message redriven later may take it. */
  claims: Pick<DedupClaims, "markDeadLettered">;
  now: () => number;
  random?: () => number;
}

/**
 * What happens to a record that failed with something a retry can fix. Before its last allowed
 * receive it comes back after an exponential, jittered delay set on that message alone (not the
 * queue's fixed visibility timeout). On its last receive it is recorded as dead_lettered first, so
 * the deliveries table knows before SQS moves it to the DLQ, and its claim is handed back.
 */
export class RecordRetry {
  private readonly sqs: SQSClient;
  private readonly events: Pick<DeliveryEventPublisher, "publish">;
  private readonly options: RecordRetryOptions;
  private readonly queueUrls: QueueUrls;

  constructor(sqs: SQSClient, queueUrls: QueueUrls, events: Pick<DeliveryEventPublisher, "publish">, options: RecordRetryOptions) {
    this.sqs = sqs;
    this.queueUrls = queueUrls;
    this.events = events;
    this.options = options;
  }

  /**
   * On the last allowed receive, records `dead_lettered` before the attempt starts. A worker that
   * dies during it (function timeout, crash) cannot record anything, yet SQS still moves the message
   * to the DLQ; this record is then already there. Any outcome of the attempt replaces it.
   */
  async beforeAttempt(attempt: number, message: ChannelMessage): Promise<void> {
    if (attempt < this.options.maxReceiveCount) return;
    await this.recordDeadLettered(message, attempt, `the worker stopped during the last allowed receive (${attempt} of ${this.options.maxReceiveCount})`);
  }

  async afterFailure(record: FailedRecord, message: ChannelMessage | undefined, error: unknown): Promise<"dead_lettered" | { retryInSeconds: number }> {
    if (record.attempt >= this.options.maxReceiveCount) {
      if (message) {
        await this.recordDeadLettered(message, record.attempt, `${(error as Error)?.name ?? "Error"}: ${(error as Error)?.message ?? String(error)}`.slice(0, 500));
        await this.options.claims.markDeadLettered({ notificationId: message.notificationId, userId: message.userId, channel: this.options.channel, ...placementOf(message) }, record.messageId);
      }
      // Visible again at once: the next receive is past maxReceiveCount, so SQS moves it to the DLQ
      // now instead of after the queue's whole visibility timeout.
      await this.setVisibility(record, 0);
      return "dead_lettered";
    }
    const throttled = error instanceof TransientProviderError && error.throttled;
    const retryInSeconds = retryDelaySeconds(record.attempt, this.options.policy, throttled, this.options.random);
    await this.setVisibility(record, retryInSeconds);
    return { retryInSeconds };
  }

  private async recordDeadLettered(message: ChannelMessage, attempt: number, reason: string): Promise<void> {
    const { notificationId, type, userId, audience } = message;
    await this.events.publish([deliveryEvent({ notificationId, type, userId, channel: this.options.channel, status: "dead_lettered", reason, attempt, ...(audience === undefined ? {} : { audience }), ...placementOf(message) }, new Date(this.options.now()))]);
  }

  private async setVisibility(record: FailedRecord, seconds: number): Promise<void> {
    await this.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: await this.queueUrls.of(record.eventSourceARN), ReceiptHandle: record.receiptHandle, VisibilityTimeout: seconds }));
  }
}
