import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readProviderFeedback, smsContext } from "#shared/domain/provider-feedback.ts";
import { decodeDeliveryTags, encodeDeliveryTags } from "#shared/domain/message-tags.ts";

const delivery = { notificationId: "order:42.shipped", userId: "ada+test@example.com", type: "order.shipped" };
const tags = Object.fromEntries(encodeDeliveryTags(delivery).map(({ Name, Value }) => [Name, [Value]]));
const mail = { messageId: "ses-1", timestamp: "2026-11-23T10:00:00.000Z", tags };

describe("delivery tags", () => {
  it("carry any id through SES's tag alphabet and back", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 128 }), fc.string({ minLength: 1, maxLength: 128 }), (notificationId, userId) => {
        const encoded = encodeDeliveryTags({ notificationId, userId, type: "t" });
        for (const { Value } of encoded) expect(Value).toMatch(/^[A-Za-z0-9_-]*$/);
        expect(decodeDeliveryTags(Object.fromEntries(encoded.map(({ Name, Value }) => [Name, [Value]])))).toEqual({ notificationId, userId, type: "t" });
      }),
    );
  });

  it("carry the template version and variant a delivery rendered, so its receipts and opens name them", () => {
    const encoded = encodeDeliveryTags({ notificationId: "n-1", userId: "ada", type: "t", templateVersion: 3, variant: "loud" });
    expect(encoded.map(({ Name }) => Name)).toEqual(["nid", "uid", "type", "tv", "var"]);
    expect(decodeDeliveryTags(Object.fromEntries(encoded.map(({ Name, Value }) => [Name, [Value]])))).toEqual({ notificationId: "n-1", userId: "ada", type: "t", templateVersion: 3, variant: "loud" });
    const receipt = JSON.stringify({ eventType: "TEXT_DELIVERED", eventTimestamp: 1, messageId: "sms-1", context: smsContext({ notificationId: "n-1", userId: "ada", type: "t", templateVersion: 3, variant: "loud" }) });
    expect(readProviderFeedback(receipt)).toEqual({ event: expect.objectContaining({ status: "delivered", templateVersion: 3, variant: "loud" }) });
  });
});

describe("readProviderFeedback", () => {
  it("reads a hard bounce as bounced and switches email off", () => {
    const feedback = readProviderFeedback(JSON.stringify({ eventType: "Bounce", mail, bounce: { bounceType: "Permanent", bounceSubType: "NoEmail", timestamp: "2026-11-23T10:00:05.000Z" } }));
    expect(feedback).toEqual({
      event: expect.objectContaining({ ...delivery, channel: "email", status: "bounced", reason: "hard_bounce: Permanent/NoEmail", provider: "ses", providerMessageId: "ses-1", at: "2026-11-23T10:00:05.000Z" }),
      suppression: { userId: delivery.userId, channel: "email", reason: "hard_bounce", at: "2026-11-23T10:00:05.000Z" },
    });
  });

  it("reads a soft bounce as bounced without switching anything off", () => {
    const feedback = readProviderFeedback(JSON.stringify({ eventType: "Bounce", mail, bounce: { bounceType: "Transient", bounceSubType: "MailboxFull" } }));
    expect(feedback).toEqual({ event: expect.objectContaining({ status: "bounced", reason: "soft_bounce: Transient/MailboxFull" }) });
  });

  it("reads a complaint, also in the older notificationType form, and switches email off", () => {
    const feedback = readProviderFeedback(JSON.stringify({ notificationType: "Complaint", mail, complaint: { complaintFeedbackType: "abuse" } }));
    expect(feedback).toMatchObject({ event: { status: "complained" }, suppression: { reason: "complaint" } });
  });

  it.each([
    ["Delivery", "delivered"],
    ["Open", "opened"],
    ["Click", "clicked"],
  ])("reads an SES %s as %s", (eventType, status) => {
    expect(readProviderFeedback(JSON.stringify({ eventType, mail }))).toEqual({ event: expect.objectContaining({ status }) });
  });

  it("ignores mail it did not tag and SES events that say nothing final", () => {
    expect(readProviderFeedback(JSON.stringify({ eventType: "Bounce", mail: { messageId: "x" } }))).toEqual({ ignored: "mail without delivery tags" });
    expect(readProviderFeedback(JSON.stringify({ eventType: "DeliveryDelay", mail }))).toEqual({ ignored: "SES DeliveryDelay" });
  });

  it("reads SMS receipts by their context: delivered, an invalid number (switches SMS off), a carrier block (does not)", () => {
    const receipt = (eventType: string) => JSON.stringify({ eventType, eventTimestamp: Date.parse("2026-11-23T10:00:09Z"), messageId: "sms-1", context: delivery });
    expect(readProviderFeedback(receipt("TEXT_DELIVERED"))).toEqual({ event: expect.objectContaining({ channel: "sms", status: "delivered", provider: "end-user-messaging" }) });
    expect(readProviderFeedback(receipt("TEXT_INVALID"))).toMatchObject({ event: { status: "bounced", reason: "hard_bounce: TEXT_INVALID" }, suppression: { channel: "sms", reason: "hard_bounce" } });
    expect(readProviderFeedback(receipt("TEXT_CARRIER_BLOCKED"))).toEqual({ event: expect.objectContaining({ status: "bounced", reason: "soft_bounce: TEXT_CARRIER_BLOCKED" }) });
    expect(readProviderFeedback(receipt("TEXT_QUEUED"))).toEqual({ ignored: "SMS TEXT_QUEUED" });
  });

  it("rejects a message that is neither, so it ends in the feedback DLQ", () => {
    expect(() => readProviderFeedback('{"hello":1}')).toThrow(/neither/);
    expect(() => readProviderFeedback("not json")).toThrow();
  });
});
