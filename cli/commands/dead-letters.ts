import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { CHANNELS, isChannel } from "#shared/domain/channels.ts";
import { channelOutputPrefix } from "#infra/output-names.ts";
import { redriveDeadLetters, type RedriveResult } from "../dlq-redrive.ts";
import { queueNameOf, type Target } from "../target.ts";

/** A channel's lanes (its queue, its express queue when the stack has one, and its bulk queue) with their DLQs. */
export function lanesOf(target: Target, channel: string): Array<{ queueUrl: string; deadLetterQueueUrl: string }> {
  if (!isChannel(channel)) throw new Error(`unknown channel ${JSON.stringify(channel)}; expected one of ${CHANNELS.join(", ")}`);
  const prefix = channelOutputPrefix(channel);
  return [prefix, `${prefix}Express`, `${prefix}Bulk`]
    .filter((lane) => target.outputs[`${lane}DeadLetterQueueUrl`])
    .map((lane) => ({ queueUrl: target.outputs[`${lane}QueueUrl`]!, deadLetterQueueUrl: target.outputs[`${lane}DeadLetterQueueUrl`]! }));
}

export interface DeadLetter {
  messageId: string;
  sentAt?: string;
  receives: number;
  notificationId?: string;
  userId?: string;
  type?: string;
  /** The body when it is not a channel message (poison). */
  body?: string;
}

function describe(body: string): Pick<DeadLetter, "notificationId" | "userId" | "type" | "body"> {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    if (typeof parsed.notificationId === "string") return { notificationId: parsed.notificationId, userId: parsed.userId as string, type: parsed.type as string };
  } catch {
    // Not JSON: shown as it is.
  }
  return { body: body.slice(0, 200) };
}

function deadLetter(messageId: string, sentTimestamp: number | undefined, receives: number, body: string): DeadLetter {
  return { messageId, ...(sentTimestamp ? { sentAt: new Date(sentTimestamp).toISOString() } : {}), receives, ...describe(body) };
}

/**
 * Up to `limit` messages in the channel's DLQs, left where they are. The local cloud shows them
 * untouched; on SQS each is received with a zero visibility timeout, so it is visible again at once
 * but its receive count goes up by one.
 */
export async function listDeadLetters(target: Target, channel: string, limit: number): Promise<DeadLetter[]> {
  const seen = new Map<string, DeadLetter>();
  for (const { deadLetterQueueUrl } of lanesOf(target, channel)) {
    if (target.localCloud) {
      const messages = (await target.localCloud.inspectQueue(queueNameOf(deadLetterQueueUrl))) ?? [];
      for (const message of messages.slice(0, limit - seen.size)) {
        seen.set(message.messageId, deadLetter(message.messageId, message.sentTimestamp, message.approximateReceiveCount, message.body));
      }
      continue;
    }
    for (let empty = 0; seen.size < limit && empty < 2; ) {
      const { Messages = [] } = await target.sqs.send(new ReceiveMessageCommand({ QueueUrl: deadLetterQueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0, MessageSystemAttributeNames: ["All"], WaitTimeSeconds: 0 }));
      const fresh = Messages.filter((message) => !seen.has(message.MessageId!));
      empty = fresh.length === 0 ? empty + 1 : 0;
      for (const message of fresh.slice(0, limit - seen.size)) {
        const attributes = message.Attributes ?? {};
        seen.set(message.MessageId!, deadLetter(message.MessageId!, attributes.SentTimestamp ? Number(attributes.SentTimestamp) : undefined, Number(attributes.ApproximateReceiveCount ?? 0), message.Body ?? ""));
      }
    }
  }
  return [...seen.values()];
}

export function formatDeadLetters(channel: string, letters: DeadLetter[]): string {
  if (letters.length === 0) return `the ${channel} DLQ is empty`;
  return [
    `${letters.length} message(s) in the ${channel} DLQ`,
    ...letters.map((letter) => `  ${letter.messageId}  ${letter.sentAt ?? ""}  ${letter.notificationId ? `${letter.notificationId} ${letter.userId} ${letter.type}` : `unreadable: ${letter.body}`}`),
  ].join("\n");
}

/** Moves every lane's dead letters back to its queue, reporting the running total. */
export async function redriveChannel(target: Target, channel: string, onProgress: (moved: number) => void, limit?: number): Promise<RedriveResult> {
  const total: RedriveResult = { moved: 0, failed: 0 };
  for (const { queueUrl, deadLetterQueueUrl } of lanesOf(target, channel)) {
    const before = total.moved;
    const result = await redriveDeadLetters(target.sqs, {
      deadLetterQueueUrl,
      targetQueueUrl: queueUrl,
      limit: limit === undefined ? undefined : limit - total.moved - total.failed,
      onProgress: (moved) => onProgress(before + moved),
    });
    total.moved += result.moved;
    total.failed += result.failed;
  }
  return total;
}
