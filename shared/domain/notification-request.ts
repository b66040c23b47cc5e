import { randomUUID } from "node:crypto";
import { z } from "zod";
import { audienceIdSchema } from "./audience.ts";
import { CATEGORIES, type Category } from "./categories.ts";
import { CHANNELS, isChannel, type Channel } from "./channels.ts";
import { notificationIdSchema, userIdSchema } from "./identifiers.ts";
import { RequestError } from "./request-error.ts";
import { dataIssues } from "./templates/data-schema.ts";
import { findTemplate } from "./templates/registry.ts";
import type { TemplateDefinition } from "./templates/template-definition.ts";
import { PRIORITIES, type Priority } from "./priorities.ts";
import { toRequestIssues } from "./zod-issues.ts";

export const MAX_RECIPIENTS = 100;
export const MAX_DATA_BYTES = 32 * 1024;
/** A sendAt this far in the past still sends, at once: the caller's clock may run behind. */
export const SEND_AT_PAST_TOLERANCE_MILLIS = 60_000;
export const MAX_SEND_AT_AHEAD_MILLIS = 365 * 24 * 3_600_000;

const requestSchema = z.strictObject({
  notificationId: notificationIdSchema.optional(),
  type: z.string().min(1).max(128),
  recipients: z.array(z.strictObject({ userId: userIdSchema })).min(1).max(MAX_RECIPIENTS).optional(),
  audience: audienceIdSchema.optional(),
  channels: z.array(z.string()).min(1).max(CHANNELS.length).optional(),
  category: z.enum(CATEGORIES).optional(),
  data: z
    .record(z.string(), z.unknown())
    .refine((data) => Buffer.byteLength(JSON.stringify(data)) <= MAX_DATA_BYTES, `must be at most ${MAX_DATA_BYTES} bytes serialized`)
    .optional(),
  priority: z.enum(PRIORITIES).optional(),
  sendAt: z.iso.datetime({ offset: true }).optional(),
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
  /** The template version active at acceptance, recorded on every message so retries and releases render the same text. */
  templateVersion: number;
  /** When it is to be sent, in UTC; absent when it goes at once. Its deliveries are `scheduled` until then. */
  sendAt?: string;
}

/** A request to send to every member of an audience; its recipients are read when it is expanded (at sendAt, when it has one). */
export interface AcceptedBroadcast extends Omit<AcceptedNotification, "userIds"> {
  audience: string;
}

export type AcceptedRequest = { kind: "direct"; notification: AcceptedNotification } | { kind: "broadcast"; broadcast: AcceptedBroadcast };

/**
 * Validates a NotificationRequest naming its recipients; a broadcast (audience) is refused with the
 * reason, since only the HTTP API can expand one. See acceptPublishRequest.
 */
export function acceptNotificationRequest(body: unknown, newId: () => string = randomUUID, now: () => number = Date.now): AcceptedNotification {
  const accepted = acceptPublishRequest(body, newId, now);
  if (accepted.kind === "broadcast") {
    throw new RequestError("invalid_request", "a broadcast to an audience is expanded by the stack: publish it through the HTTP API", [{ path: "audience", message: "needs the HTTP API" }]);
  }
  if (accepted.notification.sendAt !== undefined) {
    throw new RequestError("invalid_request", "a scheduled notification is held by the stack until sendAt: publish it through the HTTP API", [{ path: "sendAt", message: "needs the HTTP API" }]);
  }
  return accepted.notification;
}

/** The instant to send at, in UTC, or undefined for at once; throws when it is too far in the past or ahead. */
function scheduledFor(sendAt: string | undefined, now: number): string | undefined {
  if (sendAt === undefined) return undefined;
  const at = Date.parse(sendAt);
  if (at < now - SEND_AT_PAST_TOLERANCE_MILLIS) throw new RequestError("invalid_request", `sendAt ${sendAt} is more than a minute in the past`, [{ path: "sendAt", message: "in the past" }]);
  if (at > now + MAX_SEND_AT_AHEAD_MILLIS) throw new RequestError("invalid_request", `sendAt ${sendAt} is more than 365 days ahead`, [{ path: "sendAt", message: "more than 365 days ahead" }]);
  return at > now ? new Date(at).toISOString() : undefined;
}

/**
 * Validates a NotificationRequest against the schema and its template, and resolves the effective
 * channel set (the template's default narrowed by the request). Exactly one of recipients and
 * audience names who gets it. Throws RequestError naming the field.
 */
export function acceptPublishRequest(body: unknown, newId: () => string = randomUUID, now: () => number = Date.now, templateOf: (type: string) => TemplateDefinition | undefined = findTemplate): AcceptedRequest {
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

  const template = templateOf(request.type);
  if (!template) {
    throw new RequestError("unknown_type", `unknown notification type ${JSON.stringify(request.type)}`, [{ path: "type", message: "no template with this id" }]);
  }

  if ((request.audience === undefined) === (request.recipients === undefined)) {
    const both = request.audience !== undefined;
    throw new RequestError("invalid_request", both ? "name recipients or an audience, not both" : "recipients or audience is required", [
      { path: both ? "audience" : "recipients", message: both ? "exactly one of recipients and audience" : "required" },
    ]);
  }

  const requested = request.channels as Channel[] | undefined;
  const channels = requested ? template.channels.filter((channel) => requested.includes(channel)) : [...template.channels];
  if (channels.length === 0) {
    throw new RequestError("invalid_request", `type ${template.type} is sent on ${template.channels.join(", ")}; none of the requested channels`, [
      { path: "channels", message: `none of ${template.channels.join(", ")}` },
    ]);
  }

  const data = request.data ?? {};
  const dataProblems = dataIssues(`${template.type}@${template.version}`, template.dataSchema, data);
  if (dataProblems.length > 0) throw new RequestError("invalid_request", `data does not fit template ${template.type}`, dataProblems);

  const sendAt = scheduledFor(request.sendAt, now());

  const accepted = {
    notificationId: request.notificationId ?? newId(),
    type: template.type,
    category: request.category ?? template.category,
    channels,
    data,
    priority: request.priority ?? "normal",
    templateVersion: template.version,
  };
  if (request.audience !== undefined) return { kind: "broadcast", broadcast: { ...accepted, audience: request.audience, ...(sendAt === undefined ? {} : { sendAt }) } };
  return { kind: "direct", notification: { ...accepted, userIds: [...new Set(request.recipients!.map((recipient) => recipient.userId))], ...(sendAt === undefined ? {} : { sendAt }) } };
}
