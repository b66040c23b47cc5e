import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type Message, type SQSClient } from "@aws-sdk/client-sqs";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import type { LocalFunction } from "./local-function.ts";

export interface SqsEventSourceOptions {
  /** Makes the requests Lambda's poller makes on AWS (receive, delete). */
  sqs: SQSClient;
  /** Makes the local cloud's own looks at the queue, which AWS would not make. */
  inspector: SQSClient;
  queueUrl: string;
  queueArn: string;
  region: string;
  function: Pick<LocalFunction, "invoke">;
  /** @default 10 */
  batchSize?: number;
  /** @default 0 */
  batchingWindowSeconds?: number;
  reportBatchItemFailures: boolean;
  /** Concurrent invocations; AWS's mapping default scales far higher, locally 5 is plenty. */
  maximumConcurrency?: number;
}

function toRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? "",
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? "1",
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? "local",
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        { dataType: value.DataType!, stringValue: value.StringValue, binaryValue: value.BinaryValue ? Buffer.from(value.BinaryValue).toString("base64") : undefined, stringListValues: [], binaryListValues: [] },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

/**
 * Lambda's SQS poller: receives up to batchSize messages (waiting up to the batching window), invokes
 * the function with at most maximumConcurrency batches in flight, deletes what succeeded, and leaves
 * failed records to reappear after the visibility timeout and, past maxReceiveCount, reach the DLQ.
 * With ReportBatchItemFailures only the listed records fail; a malformed response fails the batch,
 * as on AWS.
 */
export class SqsEventSource {
  private readonly options: SqsEventSourceOptions;
  private readonly abort = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private loop: Promise<void> | undefined;
  /** Set while polling is paused, as disabling an event source mapping pauses Lambda's. */
  private paused: { resumed: Promise<void>; resume: () => void } | undefined;

  constructor(options: SqsEventSourceOptions) {
    this.options = options;
  }

  get queueUrl(): string {
    return this.options.queueUrl;
  }

  /** Stops taking new batches: a long poll already under way hands what it received back to the queue. */
  pause(): void {
    if (this.paused) return;
    let resume!: () => void;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    this.paused = { resumed, resume };
  }

  resume(): void {
    this.paused?.resume();
    this.paused = undefined;
  }

  start(): void {
    this.loop = this.poll().catch((error) => {
      if (!this.abort.signal.aborted) console.error(`SQS poller for ${this.options.queueArn} stopped:`, error);
    });
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    await Promise.all(this.inFlight);
  }

  /** Nothing in flight here and nothing waiting, in flight or delayed on the queue. */
  async isIdle(): Promise<boolean> {
    if (this.inFlight.size > 0) return false;
    const { Attributes = {} } = await this.options.inspector.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.options.queueUrl,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"],
      }),
    );
    return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible) + Number(Attributes.ApproximateNumberOfMessagesDelayed) === 0 && this.inFlight.size === 0;
  }

  private async poll(): Promise<void> {
    const concurrency = this.options.maximumConcurrency ?? 5;
    while (!this.abort.signal.aborted) {
      if (this.paused) {
        await Promise.race([this.paused.resumed, new Promise((resolve) => this.abort.signal.addEventListener("abort", resolve, { once: true }))]);
        continue;
      }
      if (this.inFlight.size >= concurrency) {
        await Promise.race(this.inFlight);
        continue;
      }
      const messages = await this.receiveBatch();
      if (messages.length === 0) continue;
      if (this.paused) {
        await this.handBack(messages);
        continue;
      }
      const invocation = this.invoke(messages).finally(() => this.inFlight.delete(invocation));
      this.inFlight.add(invocation);
    }
  }

  /** Makes messages visible again at once, in their order: what a poll received after its mapping was paused. */
  private async handBack(messages: Message[]): Promise<void> {
    for (let start = 0; start < messages.length; start += 10) {
      const entries = messages.slice(start, start + 10).map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle!, VisibilityTimeout: 0 }));
      await this.options.sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: this.options.queueUrl, Entries: entries }));
    }
  }

  private async receiveBatch(): Promise<Message[]> {
    const batchSize = this.options.batchSize ?? 10;
    const windowEnds = Date.now() + (this.options.batchingWindowSeconds ?? 0) * 1000;
    const messages: Message[] = [];
    do {
      // Lambda's pollers long-poll an empty queue for 20 s, so an idle queue costs few requests.
      const waitSeconds = messages.length === 0 ? 20 : Math.max(0, Math.min(1, Math.ceil((windowEnds - Date.now()) / 1000)));
      const received = await this.options.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.options.queueUrl,
          MaxNumberOfMessages: Math.min(10, batchSize - messages.length),
          WaitTimeSeconds: waitSeconds,
          MessageSystemAttributeNames: ["All"],
          MessageAttributeNames: ["All"],
        }),
        { abortSignal: this.abort.signal },
      );
      messages.push(...(received.Messages ?? []));
      if (messages.length === 0) return messages;
    } while (messages.length < batchSize && Date.now() < windowEnds);
    return messages;
  }

  private async invoke(messages: Message[]): Promise<void> {
    const event: SQSEvent = { Records: messages.map((message) => toRecord(message, this.options.queueArn, this.options.region)) };
    const outcome = await this.options.function.invoke(event);
    const succeeded = outcome.ok ? this.succeededMessages(messages, outcome.result) : [];
    if (succeeded.length === 0) return;
    await this.options.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: this.options.queueUrl,
        Entries: succeeded.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle! })),
      }),
    );
  }

  private succeededMessages(messages: Message[], result: unknown): Message[] {
    if (!this.options.reportBatchItemFailures) return messages;
    const failures = (result as { batchItemFailures?: unknown } | null | undefined)?.batchItemFailures;
    if (failures === undefined || failures === null) return messages;
    if (!Array.isArray(failures)) return [];
    const ids = new Set(messages.map((message) => message.MessageId));
    const failed = new Set<string>();
    for (const failure of failures) {
      const id = (failure as { itemIdentifier?: unknown })?.itemIdentifier;
      // AWS treats an empty, missing or unknown identifier as a failure of the whole batch.
      if (typeof id !== "string" || !ids.has(id)) return [];
      failed.add(id);
    }
    return messages.filter((message) => !failed.has(message.MessageId!));
  }
}
