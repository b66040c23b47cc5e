import { randomUUID } from "node:crypto";
import { z } from "zod";
import { CATEGORIES, type Category } from "./categories.ts";
import { CHANNELS, isChannel, type Channel } from "./channels.ts";
import { notificationIdSchema, userIdSchema } from "./identifiers.ts";
import { RequestError } from "./request-error.ts";
import { findTemplate } from "./templates/registry.ts";
import { PRIORITIES, type Priority } from "./priorities.ts";
import { toRequestIssues } from "./zod-issues.ts";

export const MAX_RECIPIENTS = 100;
export const MAX_DATA_BYTES = 32 * 1024;

const requestSchema = z.strictObject({
  notificationId: notificationIdSchema.optional(),
  type: z.string().min(1).max(128),
  recipients: z.array(z.strictObject({ userId: userIdSchema })).min(1).max(MAX_RECIPIENTS).optional(),
  audience: z.strictObject({ listId: z.string().min(1).max(128) }).optional(),
  channels: z.array(z.string()).min(1).max(CHANNELS.length).optional(),
  category: z.enum(CATEGORIES).optional(),
  data: z
    .record(z.string(), z.unknown())
    .refine((data) => Buffer.byteLength(JSON.stringify(data)) <= MAX_DATA_BYTES, `must be at most ${MAX_DATA_BYTES} bytes serialized`)
    .optional(),
  priority: z.enum(PRIORITIES).optional(),
});

/** A request that passed every check at the edge: safe to publish. */
export interface AcceptedNotification {
  notificationId: string;
  type: string;
  category: Category;
  userIds: string[];
  channels: Channel[];
  data: Record<string, unknown>;
  priority: Priority;
}

/**
 * Validates a NotificationRequest against the schema and its template, and resolves the effective
 * channel set (the template's default narrowed by the request). Throws RequestError naming the field.
 */
export function acceptNotificationRequest(body: unknown, newId: () => string = randomUUID): AcceptedNotification {
  const parsed = requestSchema.safeParse(body);
  if (!parsed.success) {
    throw new RequestError("invalid_request", "the request does not match the NotificationRequest shape", toRequestIssues(parsed.error));
  }
  const request = parsed.data;

  const unknownChannels = (request.channels ?? []).filter((channel) => !isChannel(channel));
  if (unknownChannels.length > 0) {
    throw new RequestError("unknown_channel", `unknown channel ${unknownChannels.map((c) => JSON.stringify(c)).join(", ")}; expected one of ${CHANNELS.join(", ")}`, [
      { path: "channels", message: `unknown: ${unknownChannels.join(", ")}` },
    ]);
  }

  const template = findTemplate(request.type);
  if (!template) {
    throw new RequestError("unknown_type", `unknown notification type ${JSON.stringify(request.type)}`, [{ path: "type", message: "no template with this id" }]);
  }

  if (request.audience || !request.recipients) {
    throw new RequestError("invalid_request", request.audience ? "broadcast audiences are not supported by this version; list recipients instead" : "recipients is required", [
      { path: request.audience ? "audience" : "recipients", message: request.audience ? "not supported yet" : "required" },
    ]);
  }

  const requested = request.channels as Channel[] | undefined;
  const channels = requested ? template.channels.filter((channel) => requested.includes(channel)) : [...template.channels];
  if (channels.length === 0) {
    throw new RequestError("invalid_request", `type ${template.type} is sent on ${template.channels.join(", ")}; none of the requested channels`, [
      { path: "channels", message: `none of ${template.channels.join(", ")}` },
    ]);
  }

  const data = template.data.safeParse(request.data ?? {});
  if (!data.success) {
    throw new RequestError("invalid_request", `data does not fit template ${template.type}`, toRequestIssues(data.error, ["data"]));
  }

  return {
    notificationId: request.notificationId ?? newId(),
    type: template.type,
    category: request.category ?? template.category,
    userIds: [...new Set(request.recipients.map((recipient) => recipient.userId))],
    channels,
    data: data.data as Record<string, unknown>,
    priority: request.priority ?? "normal",
  };
}
