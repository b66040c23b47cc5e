import { describe, expect, it } from "vitest";
import { call, deliveries, eventually, outbox, reachableUser, settled, uniqueId } from "../helpers/local-api.ts";

const phone = "arn:aws:sns:us-east-1:000000000000:endpoint/GCM/notify-local/phone";
const tablet = "arn:aws:sns:us-east-1:000000000000:endpoint/GCM/notify-local/tablet";

async function pushedTo(pushEndpoints: string[]): Promise<{ userId: string; notificationId: string }> {
  const userId = uniqueId("device-owner");
  const notificationId = uniqueId("order");
  await call("PUT", `/v1/users/${userId}/preferences`, { email: reachableUser.email, pushEndpoints });
  await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", recipients: [{ userId }], channels: ["push"], data: { orderId: "R-1" } });
  await eventually("the push sent", () => deliveries(notificationId), (rows) => rows.some((row) => row.channel === "push" && row.status === "sent"));
  return { userId, notificationId };
}

const receipt = (delivery: { userId: string; notificationId: string }, kind: string, endpoint?: string) => call("POST", "/_local/feedback", { ...delivery, channel: "push", kind, endpoint });
const pushRow = async (notificationId: string) => (await deliveries(notificationId)).find((row) => row.channel === "push");

describe("push receipts (SNS delivery status logs, through a Logs subscription)", () => {
  it("marks the push delivered, and drops only the device whose token is gone", async () => {
    const delivery = await pushedTo([phone, tablet]);
    expect((await receipt(delivery, "delivery", phone)).status).toBe(202);
    await eventually("push delivered", () => pushRow(delivery.notificationId), (row) => row?.status === "delivered");

    expect((await receipt(delivery, "hard_bounce", tablet)).status).toBe(202);
    await eventually("the tablet dropped", async () => (await call("GET", `/v1/users/${delivery.userId}/preferences`)).body.pushEndpoints, (endpoints) => endpoints?.length === 1);
    expect((await call("GET", `/v1/users/${delivery.userId}/preferences`)).body.pushEndpoints).toEqual([phone]);
    await settled();
    // One device got it: that outranks the other's failure.
    expect(await pushRow(delivery.notificationId)).toMatchObject({ status: "delivered" });
  });

  it("fails a push no device got, and the next one falls back to email once no device is left", async () => {
    const delivery = await pushedTo([tablet]);
    expect((await receipt(delivery, "hard_bounce")).status).toBe(202);
    const failed = await eventually("push failed", () => pushRow(delivery.notificationId), (row) => row?.status === "failed");
    expect(failed?.reason).toMatch(/^push_endpoint_gone \(endpoint tablet\): 400 .*UNREGISTERED/);
    await eventually("no device left", async () => (await call("GET", `/v1/users/${delivery.userId}/preferences`)).body.pushEndpoints, (endpoints) => endpoints?.length === 0);

    const next = uniqueId("order");
    await call("POST", "/v1/notifications", { notificationId: next, type: "order.shipped", recipients: [{ userId: delivery.userId }], channels: ["push"], data: { orderId: "R-2" } });
    await eventually("the fallback email sent", () => deliveries(next), (rows) => rows.some((row) => row.channel === "email" && row.status === "sent"));
    // Rows of different channels are not ordered: the email's mark writes its row, the push outcome comes from the stream.
    await eventually("the push suppressed", () => pushRow(next), (row) => row?.status === "suppressed");
    expect(await pushRow(next)).toMatchObject({ status: "suppressed", reason: "no_address" });
    await settled();
    expect((await outbox(next)).map((entry) => entry.channel)).toEqual(["email"]);
  });

  it("keeps every device after a transient push failure", async () => {
    const delivery = await pushedTo([phone]);
    expect((await receipt(delivery, "soft_bounce")).status).toBe(202);
    const failed = await eventually("push failed", () => pushRow(delivery.notificationId), (row) => row?.status === "failed");
    expect(failed?.reason).toMatch(/^push_rejected \(endpoint phone\): 503/);
    expect((await call("GET", `/v1/users/${delivery.userId}/preferences`)).body.pushEndpoints).toEqual([phone]);
  });
});
