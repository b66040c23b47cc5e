import { KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { describe, expect, inject, it } from "vitest";
import { deliveryEvent } from "#shared/domain/delivery-event.ts";
import { advanceClockTo, call, deliveries, eventually, localNow, outbox, reachableUser, settled, uniqueId } from "../helpers/local-api.ts";

const ESCALATION_MINUTES = 30;
const kinesis = new KinesisClient({ region: "us-east-1", endpoint: inject("localCloudEndpoints").kinesis, credentials: { accessKeyId: "local", secretAccessKey: "local" } });

async function pushOnly(preferences: Record<string, unknown>): Promise<{ userId: string; notificationId: string }> {
  const userId = uniqueId("user");
  const notificationId = uniqueId("order");
  await call("PUT", `/v1/users/${userId}/preferences`, preferences);
  await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", recipients: [{ userId }], channels: ["push"], data: { orderId: "P-1" } });
  return { userId, notificationId };
}

const rowFor = (notificationId: string, channel: string) => async () => (await deliveries(notificationId)).find((row) => row.channel === channel);

describe("fallback and escalation (order.shipped: push, then email)", () => {
  it("sends email instead when the user has no push endpoint", async () => {
    const { email, phone } = reachableUser;
    const { notificationId } = await pushOnly({ email, phone });
    const email_ = await eventually("the fallback email sent", rowFor(notificationId, "email"), (row) => row?.status === "sent");
    expect(email_).toMatchObject({ attempts: 1 });
    // Rows of different channels are not ordered: the email's mark writes its row, the push outcome comes from the stream.
    await eventually("the push suppressed", rowFor(notificationId, "push"), (row) => row?.status === "suppressed");
    expect(await rowFor(notificationId, "push")()).toMatchObject({ status: "suppressed", reason: "no_address" });
    await settled();
    expect((await outbox(notificationId)).map((entry) => entry.channel)).toEqual(["email"]);
  });

  it("escalates an unopened push to email once the delay has passed on the injected clock", async () => {
    const { notificationId } = await pushOnly(reachableUser);
    await eventually("the push sent", rowFor(notificationId, "push"), (row) => row?.status === "sent");
    const sentAt = await localNow();
    await settled();
    await advanceClockTo(sentAt + (ESCALATION_MINUTES - 1) * 60_000);
    await settled();
    expect((await outbox(notificationId)).map((entry) => entry.channel)).toEqual(["push"]);

    await advanceClockTo(sentAt + (ESCALATION_MINUTES + 1) * 60_000);
    await eventually("the escalation email sent", rowFor(notificationId, "email"), (row) => row?.status === "sent");
    await settled();
    expect((await outbox(notificationId)).map((entry) => entry.channel).sort()).toEqual(["email", "push"]);
  });

  it("does not escalate a push the user opened", async () => {
    const opener = await pushOnly(reachableUser);
    // Sent alongside and left unopened: its escalation shows the sweep ran.
    const control = await pushOnly(reachableUser);
    for (const { notificationId } of [opener, control]) await eventually("the push sent", rowFor(notificationId, "push"), (row) => row?.status === "sent");
    const sentAt = await localNow();
    // The app reports the open on the delivery-events stream, in the published event schema.
    const opened = deliveryEvent({ notificationId: opener.notificationId, type: "order.shipped", userId: opener.userId, channel: "push", status: "opened", attempt: 1 }, new Date(sentAt + 60_000));
    await kinesis.send(new PutRecordsCommand({ StreamName: inject("localCloudOutputs").DeliveryEventsStreamName!, Records: [{ PartitionKey: opener.userId, Data: Buffer.from(JSON.stringify(opened)) }] }));
    await eventually("the push opened", rowFor(opener.notificationId, "push"), (row) => row?.status === "opened");

    await advanceClockTo(sentAt + (ESCALATION_MINUTES + 1) * 60_000);
    await eventually("the control's escalation sent", rowFor(control.notificationId, "email"), (row) => row?.status === "sent");
    await settled();
    expect((await outbox(opener.notificationId)).map((entry) => entry.channel)).toEqual(["push"]);
    expect(await rowFor(opener.notificationId, "email")()).toBeUndefined();
  });
});
