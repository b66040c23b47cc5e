import { z } from "zod";
import { MAX_BROADCAST_ROW_SHARDS } from "./broadcast-rows.ts";
import { CATEGORIES } from "./categories.ts";
import { CHANNELS } from "./channels.ts";
import { notificationIdSchema, userIdSchema } from "./identifiers.ts";
import type { AcceptedNotification } from "./notification-request.ts";
import { PRIORITIES } from "./priorities.ts";

/**
 * What ingest publishes to the topic: one message per (notification, recipient). Every channel queue
 * whose filter matches the `channels` attribute receives the same message and sends its own channel.
 */
export const channelMessageSchema = z.object({
  version: z.literal(1),
  notificationId: notificationIdSchema,
  type: z.string(),
  category: z.enum(CATEGORIES),
  userId: userIdSchema,
  channels: z.array(z.enum(CHANNELS)).min(1),
  data: z.record(z.string(), z.unknown()),
  priority: z.enum(PRIORITIES),
  publishedAt: z.string(),
  /** Set when the message comes back from quiet hours: it is not held again. */
  releasedAt: z.string().optional(),
  /** Set on a fallback or escalation: the channel whose outcome led to this message. */
  followUpOf: z.enum(CHANNELS).optional(),
  /** Set on a broadcast's messages: the audience the recipient was expanded from. */
  audience: userIdSchema.optional(),
  /** Set on a broadcast's messages: the partition keys its rows are spread over, fixed when it was released. */
  rowShards: z.number().int().min(1).max(MAX_BROADCAST_ROW_SHARDS).optional(),
  /** Set on a digest's message, whose notificationId is its window's id: it is not grouped again. */
  digest: z.literal(true).optional(),
  /** The template version active when the notification was accepted, which it renders with; 1 when absent. */
  templateVersion: z.number().int().min(1).optional(),
});
export type ChannelMessage = z.infer<typeof channelMessageSchema>;

export function channelMessagesFor(notification: AcceptedNotification, publishedAt: string): ChannelMessage[] {
  return notification.userIds.map((userId) => ({
    version: 1,
    notificationId: notification.notificationId,
    type: notification.type,
    category: notification.category,
    userId,
    channels: notification.channels,
    data: notification.data,
    priority: notification.priority,
    publishedAt,
    templateVersion: notification.templateVersion,
  }));
}

/**
 * Which queue of a channel a message travels: a broadcast's messages take the bulk lane, so a
 * transactional notification is never queued behind a million of them.
 */
export const MESSAGE_KINDS = ["direct", "broadcast"] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

export function kindOf(message: Pick<ChannelMessage, "audience">): MessageKind {
  return message.audience === undefined ? "direct" : "broadcast";
}

/** SNS message attributes the channel subscriptions filter on. */
export function routingAttributes(message: ChannelMessage) {
  return {
    kind: { DataType: "String", StringValue: kindOf(message) },
    type: { DataType: "String", StringValue: message.type },
    category: { DataType: "String", StringValue: message.category },
    priority: { DataType: "String", StringValue: message.priority },
    channels: { DataType: "String.Array", StringValue: JSON.stringify(message.channels) },
  };
}

export function parseChannelMessage(body: string): ChannelMessage {
  return channelMessageSchema.parse(JSON.parse(body));
}
