import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand, type Message, type MessageAttributeValue, type SQSClient } from "@aws-sdk/client-sqs";
import { AWS_LIMITS, messageBytes } from "#shared/adapters/aws-limits.ts";
import { batchesWithin } from "#shared/lib/batches-within.ts";

export interface RedriveOptions {
  deadLetterQueueUrl: string;
  targetQueueUrl: string;
  /** Stop after this many; all of them when absent. */
  limit?: number;
  /** How long a message being moved stays hidden in the DLQ; one not moved reappears after it. @default 60 */
  holdSeconds?: number;
  onProgress?: (moved: number) => void;
}

export interface RedriveResult {
  moved: number;
  /** Messages SQS refused to take into the target queue; they stay in the DLQ. */
  failed: number;
}

/** SQS returns the list fields empty; sending them back as empty is refused. */
function attributesOf(message: Message): Record<string, MessageAttributeValue> | undefined {
  const attributes = message.MessageAttributes;
  if (!attributes) return undefined;
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [name, { DataType: value.DataType, ...(value.StringValue !== undefined ? { StringValue: value.StringValue } : {}), ...(value.BinaryValue !== undefined ? { BinaryValue: value.BinaryValue } : {}) }]),
  );
}

/**
 * Moves a channel's dead letters back to its queue once the cause is fixed: body and message
 * attributes as they were, each deleted from the DLQ only after the queue accepted it. A message
 * moved twice (a crash between send and delete) is still sent once: the dedup claim remembers it.
 */
export async function redriveDeadLetters(sqs: SQSClient, options: RedriveOptions): Promise<RedriveResult> {
  const result: RedriveResult = { moved: 0, failed: 0 };
  while (options.limit === undefined || result.moved + result.failed < options.limit) {
    const want = Math.min(10, options.limit === undefined ? 10 : options.limit - result.moved - result.failed);
    const { Messages: messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: options.deadLetterQueueUrl, MaxNumberOfMessages: want, MessageAttributeNames: ["All"], VisibilityTimeout: options.holdSeconds ?? 60, WaitTimeSeconds: 1 }),
    );
    if (messages.length === 0) break;
    // Ten DLQ messages can add up to more than one SendMessageBatch may carry.
    const batches = batchesWithin(messages, { maxEntries: AWS_LIMITS.sqs.batchEntries, maxBytes: AWS_LIMITS.sqs.sendBatchBytes, bytesOf: (message) => messageBytes(message.Body!, attributesOf(message)) });
    for (const batch of batches) await moveBatch(sqs, batch, options, result);
    options.onProgress?.(result.moved);
  }
  return result;
}

/** Sends one batch to the target queue and deletes from the DLQ exactly what the queue accepted. */
async function moveBatch(sqs: SQSClient, messages: Message[], options: RedriveOptions, result: RedriveResult): Promise<void> {
  const sent = await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: options.targetQueueUrl,
      Entries: messages.map((message, index) => ({ Id: String(index), MessageBody: message.Body!, MessageAttributes: attributesOf(message) })),
    }),
  );
  const accepted = new Set((sent.Successful ?? []).map((entry) => entry.Id));
  result.failed += messages.length - accepted.size;
  const toDelete = messages.filter((_, index) => accepted.has(String(index)));
  if (toDelete.length > 0) {
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: options.deadLetterQueueUrl, Entries: toDelete.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle! })) }));
  }
  result.moved += toDelete.length;
}
