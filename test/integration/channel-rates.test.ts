import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, inject, it } from "vitest";
import { call, deliveries, eventually, outbox, reachableUser, settled, uniqueId } from "../helpers/local-api.ts";
import { SMS_SEND_RATE } from "./local-cloud.setup.ts";

const sqs = new SQSClient({ region: "us-east-1", endpoint: inject("localCloudEndpoints").sqs, credentials: { accessKeyId: "local", secretAccessKey: "local" } });
const MEASURED_SECONDS = 15;

async function visibleIn(queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }));
  return Number(Attributes?.ApproximateNumberOfMessages ?? 0) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
}

describe("channel send rates on the local cloud", () => {
  it(`holds SMS to ${SMS_SEND_RATE}/s within 10% over ${MEASURED_SECONDS} s of backlog, dead-lettering and dropping nothing`, async () => {
    // Enough for the backlog to outlast the measured seconds with a few to spare at either end.
    const recipients = Array.from({ length: SMS_SEND_RATE * (MEASURED_SECONDS + 8) }, (_, index) => uniqueId(`rated-${index}`));
    for (const userId of recipients) await call("PUT", `/v1/users/${userId}/preferences`, reachableUser);
    const deadLettersBefore = await visibleIn(inject("localCloudOutputs").SmsDeadLetterQueueUrl!);
    const notificationIds: string[] = [];
    for (let start = 0; start < recipients.length; start += 100) {
      const notificationId = uniqueId("rated");
      notificationIds.push(notificationId);
      const accepted = await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", channels: ["sms"], recipients: recipients.slice(start, start + 100).map((userId) => ({ userId })), data: { orderId: "R-1" } });
      expect(accepted.status).toBe(202);
    }

    const sentTimes = async () => (await Promise.all(notificationIds.map(outbox))).flat().filter((message) => message.channel === "sms");
    const sent = await eventually("every SMS sent", sentTimes, (messages) => messages.length >= recipients.length, 120_000);
    await settled();

    const instants = sent.map((message) => Date.parse((message as unknown as { at: string }).at)).toSorted((a, b) => a - b);
    const measuredFrom = instants[0]! + 2_000;
    const measuredTo = measuredFrom + MEASURED_SECONDS * 1000;
    // The backlog lasted past the measured span, so the rate, not a lack of work, set the pace.
    expect(instants.at(-1)!).toBeGreaterThan(measuredTo);
    const inSpan = instants.filter((instant) => instant >= measuredFrom && instant < measuredTo).length;
    const rate = inSpan / MEASURED_SECONDS;
    expect(rate).toBeGreaterThanOrEqual(SMS_SEND_RATE * 0.9);
    expect(rate).toBeLessThanOrEqual(SMS_SEND_RATE * 1.1);

    // Each recipient got exactly one SMS, every delivery is sent, and nothing reached the DLQ.
    const reached = (await sentTimes()).map((message) => message.userId);
    expect(reached.toSorted()).toEqual(recipients.toSorted());
    const rows = (await Promise.all(notificationIds.map(deliveries))).flat();
    expect(rows.filter((row) => row.status !== "sent")).toEqual([]);
    expect(await visibleIn(inject("localCloudOutputs").SmsDeadLetterQueueUrl!)).toBe(deadLettersBefore);
  });
});
