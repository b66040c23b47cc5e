import { randomUUID } from "node:crypto";
import { encodeDeliveryTags } from "#shared/domain/message-tags.ts";
import { smsContext } from "#shared/domain/provider-feedback.ts";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "./emulators.ts";
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
  throw new RangeError(`no provider notification for the ${sent.channel} channel`);
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

/** What the local cloud's SNS platform application logs delivery status to, as `notify:pushDeliveryStatusLogGroups`. */
const LOCAL_PUSH_SUCCESS_LOG_GROUP = `sns/${LOCAL_REGION}/${LOCAL_ACCOUNT}/app/GCM/notify-local`;
export const LOCAL_PUSH_LOG_GROUPS = { success: LOCAL_PUSH_SUCCESS_LOG_GROUP, failure: `${LOCAL_PUSH_SUCCESS_LOG_GROUP}/Failure` };

const PUSH_FAILURE: Partial<Record<FeedbackKind, { statusCode: number; providerResponse: string }>> = {
  hard_bounce: { statusCode: 400, providerResponse: '{"error":{"code":404,"status":"NOT_FOUND","details":[{"errorCode":"UNREGISTERED"}]}}' },
  soft_bounce: { statusCode: 503, providerResponse: '{"error":{"code":503,"status":"UNAVAILABLE"}}' },
};

/**
 * What SNS would log, per device, about a push the local cloud recorded: the shape of an SNS
 * platform application's delivery status log, in its success or failure group.
 */
export function pushDeliveryStatus(sent: OutboxEntry, kind: FeedbackKind, at: Date, endpoints: string[]): { logGroupName: string; lines: string[] } {
  const failure = PUSH_FAILURE[kind];
  if (!failure && kind !== "delivery") throw new RangeError(`push receipts have no ${kind}`);
  const timestamp = at.toISOString().replace("T", " ").replace("Z", "");
  const lines = endpoints.map((destination) =>
    JSON.stringify({
      notification: { messageMD5Sum: "local", messageId: sent.providerMessageId, timestamp },
      delivery: { deliveryId: randomUUID(), destination, dwellTimeMs: 12, attempts: 1, statusCode: failure?.statusCode ?? 200, providerResponse: failure?.providerResponse ?? '{"name":"projects/local/messages/1"}' },
      status: failure ? "FAILURE" : "SUCCESS",
    }),
  );
  return { logGroupName: failure ? LOCAL_PUSH_LOG_GROUPS.failure : LOCAL_PUSH_LOG_GROUPS.success, lines };
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
    context: smsContext(sent),
  };
}
