import { randomUUID } from "node:crypto";
import { encodeDeliveryTags } from "#shared/providers/message-tags.ts";
import type { OutboxEntry } from "./recording-sink.ts";

export const FEEDBACK_KINDS = ["delivery", "open", "click", "soft_bounce", "hard_bounce", "complaint"] as const;
export type FeedbackKind = (typeof FEEDBACK_KINDS)[number];

/**
 * What a provider would publish to the feedback topic about a send the local cloud recorded: an
 * SES event-publishing record for email, an End User Messaging SMS receipt for SMS. Shapes follow
 * the AWS documentation, so the feedback function reads the same JSON locally as on AWS.
 */
export function providerNotification(sent: OutboxEntry, kind: FeedbackKind, at: Date): string {
  if (sent.channel === "email") return JSON.stringify(sesEvent(sent, kind, at.toISOString()));
  if (sent.channel === "sms") return JSON.stringify(smsReceipt(sent, kind, at.getTime()));
  throw new RangeError(`no provider feedback for the ${sent.channel} channel`);
}

function sesEvent(sent: OutboxEntry, kind: FeedbackKind, timestamp: string) {
  const tags = Object.fromEntries(encodeDeliveryTags(sent).map(({ Name, Value }) => [Name, [Value]]));
  const mail = { timestamp: sent.at, messageId: sent.providerMessageId, source: "notifications@example.com", destination: [sent.to].flat(), tags };
  switch (kind) {
    case "delivery":
      return { eventType: "Delivery", mail, delivery: { timestamp, recipients: mail.destination, smtpResponse: "250 2.0.0 OK" } };
    case "open":
      return { eventType: "Open", mail, open: { timestamp, ipAddress: "192.0.2.1", userAgent: "local" } };
    case "click":
      return { eventType: "Click", mail, click: { timestamp, ipAddress: "192.0.2.1", userAgent: "local", link: "https://example.com/" } };
    case "soft_bounce":
    case "hard_bounce":
      return {
        eventType: "Bounce",
        mail,
        bounce: {
          bounceType: kind === "hard_bounce" ? "Permanent" : "Transient",
          bounceSubType: kind === "hard_bounce" ? "General" : "MailboxFull",
          bouncedRecipients: mail.destination.map((emailAddress) => ({ emailAddress })),
          timestamp,
          feedbackId: randomUUID(),
        },
      };
    case "complaint":
      return { eventType: "Complaint", mail, complaint: { complainedRecipients: mail.destination.map((emailAddress) => ({ emailAddress })), timestamp, feedbackId: randomUUID(), complaintFeedbackType: "abuse" } };
  }
}

const SMS_EVENT: Partial<Record<FeedbackKind, string>> = { delivery: "TEXT_DELIVERED", hard_bounce: "TEXT_INVALID", soft_bounce: "TEXT_CARRIER_UNREACHABLE" };

function smsReceipt(sent: OutboxEntry, kind: FeedbackKind, eventTimestamp: number) {
  const eventType = SMS_EVENT[kind];
  if (!eventType) throw new RangeError(`SMS receipts have no ${kind}`);
  return {
    eventType,
    eventVersion: "1.0",
    eventTimestamp,
    messageId: sent.providerMessageId,
    destinationPhoneNumber: sent.to,
    messageStatus: eventType.replace("TEXT_", ""),
    context: { notificationId: sent.notificationId, userId: sent.userId, type: sent.type },
  };
}
