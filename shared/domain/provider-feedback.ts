import type { Channel } from "./channels.ts";
import { placementOf, deliveryEvent, renderingOf, type DeliveryEvent } from "./delivery-event.ts";
import { decodeDeliveryTags, type DeliveryTags } from "./message-tags.ts";

/** A channel that must stop receiving because the address behind it is unusable or unwelcome. */
export interface ChannelSuppression {
  userId: string;
  channel: Channel;
  reason: "hard_bounce" | "complaint";
  at: string;
}

export interface Feedback {
  event: DeliveryEvent;
  suppression?: ChannelSuppression;
}

/** Feedback we read but do not turn into events (rendering failures, delays SES is still retrying). */
export type IgnoredFeedback = { ignored: string };

type SesEvent = {
  eventType?: string;
  notificationType?: string;
  mail?: { messageId?: string; timestamp?: string; tags?: Record<string, string[]> };
  bounce?: { bounceType?: string; bounceSubType?: string; timestamp?: string; bouncedRecipients?: Array<{ diagnosticCode?: string }> };
  complaint?: { timestamp?: string; complaintFeedbackType?: string };
  delivery?: { timestamp?: string };
  open?: { timestamp?: string };
  click?: { timestamp?: string; link?: string };
};

type SmsEvent = {
  eventType?: string;
  eventTimestamp?: number;
  messageId?: string;
  messageStatusDescription?: string;
  context?: Record<string, string>;
};

/** End User Messaging SMS receipts that mean the number cannot receive texts at all. */
const UNUSABLE_NUMBER = new Set(["TEXT_INVALID", "TEXT_UNREACHABLE"]);
/** Receipts that mean this one text did not arrive, though the number may still work. */
const NOT_DELIVERED = new Set(["TEXT_BLOCKED", "TEXT_CARRIER_BLOCKED", "TEXT_CARRIER_UNREACHABLE", "TEXT_SPAM", "TEXT_TTL_EXPIRED", "TEXT_INVALID_MESSAGE", "TEXT_UNKNOWN"]);

/**
 * Turns one provider notification (the Message of an SNS notification that SES event publishing or
 * an End User Messaging SMS configuration set sent) into a delivery event, and says when the
 * channel must be switched off: a hard bounce or a complaint, never a soft bounce.
 */
/** What an SMS carries in its Context, which its receipts echo: the delivery and what it rendered with. */
export function smsContext(delivery: DeliveryTags): Record<string, string> {
  return {
    notificationId: delivery.notificationId,
    userId: delivery.userId,
    type: delivery.type,
    ...(delivery.templateVersion === undefined ? {} : { templateVersion: String(delivery.templateVersion) }),
    ...(delivery.variant === undefined ? {} : { variant: delivery.variant }),
    ...(delivery.rowShards === undefined ? {} : { rowShards: String(delivery.rowShards) }),
  };
}

export function readProviderFeedback(message: string): Feedback | IgnoredFeedback {
  const parsed = JSON.parse(message) as SesEvent & SmsEvent;
  if (parsed.mail) return readSesEvent(parsed);
  if (typeof parsed.eventType === "string" && parsed.eventType.startsWith("TEXT_")) return readSmsEvent(parsed);
  throw new Error("neither an SES event nor an SMS receipt");
}

function readSesEvent(ses: SesEvent): Feedback | IgnoredFeedback {
  const delivery = decodeDeliveryTags(ses.mail!.tags);
  if (!delivery) return { ignored: "mail without delivery tags" };
  const kind = ses.eventType ?? ses.notificationType;
  const base = { ...delivery, channel: "email" as const, attempt: 1, provider: "ses", providerMessageId: ses.mail!.messageId };
  const at = (timestamp: string | undefined) => new Date(timestamp ?? ses.mail!.timestamp ?? Date.now());
  switch (kind) {
    case "Delivery":
      return { event: deliveryEvent({ ...base, status: "delivered" }, at(ses.delivery?.timestamp)) };
    case "Open":
      return { event: deliveryEvent({ ...base, status: "opened" }, at(ses.open?.timestamp)) };
    case "Click":
      return { event: deliveryEvent({ ...base, status: "clicked" }, at(ses.click?.timestamp)) };
    case "Bounce": {
      const hard = ses.bounce?.bounceType === "Permanent";
      const detail = [ses.bounce?.bounceType, ses.bounce?.bounceSubType].filter(Boolean).join("/");
      const when = at(ses.bounce?.timestamp);
      const event = deliveryEvent({ ...base, status: "bounced", reason: `${hard ? "hard_bounce" : "soft_bounce"}: ${detail}` }, when);
      return hard ? { event, suppression: { userId: delivery.userId, channel: "email", reason: "hard_bounce", at: when.toISOString() } } : { event };
    }
    case "Complaint": {
      const when = at(ses.complaint?.timestamp);
      const event = deliveryEvent({ ...base, status: "complained", reason: `complaint: ${ses.complaint?.complaintFeedbackType ?? "unspecified"}` }, when);
      return { event, suppression: { userId: delivery.userId, channel: "email", reason: "complaint", at: when.toISOString() } };
    }
    default:
      return { ignored: `SES ${kind}` };
  }
}

function readSmsEvent(sms: SmsEvent): Feedback | IgnoredFeedback {
  const { notificationId, userId, type, templateVersion, variant, rowShards } = sms.context ?? {};
  if (!notificationId || !userId) return { ignored: "text without delivery context" };
  const rendering = renderingOf({ templateVersion: templateVersion === undefined ? undefined : Number(templateVersion) || undefined, variant });
  const base = { notificationId, userId, type: type ?? "unknown", ...rendering, ...placementOf({ rowShards: rowShards === undefined ? undefined : Number(rowShards) || undefined }), channel: "sms" as const, attempt: 1, provider: "end-user-messaging", providerMessageId: sms.messageId };
  const at = new Date(sms.eventTimestamp ?? Date.now());
  const eventType = sms.eventType!;
  if (eventType === "TEXT_DELIVERED") return { event: deliveryEvent({ ...base, status: "delivered" }, at) };
  if (UNUSABLE_NUMBER.has(eventType)) {
    const event = deliveryEvent({ ...base, status: "bounced", reason: `hard_bounce: ${eventType}` }, at);
    return { event, suppression: { userId, channel: "sms", reason: "hard_bounce", at: at.toISOString() } };
  }
  if (NOT_DELIVERED.has(eventType)) return { event: deliveryEvent({ ...base, status: "bounced", reason: `soft_bounce: ${eventType}` }, at) };
  return { ignored: `SMS ${eventType}` };
}
