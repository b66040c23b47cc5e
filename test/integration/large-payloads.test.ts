import { describe, expect, it } from "vitest";
import { MAX_DATA_BYTES } from "#shared/domain/notification-request.ts";
import { advanceClockTo, broadcastView, call, deliveries, eventually, localNow, uniqueId } from "../helpers/local-api.ts";

/** Template data of exactly the 32 KB the API accepts. */
function fullData(orderId: string): Record<string, string> {
  const overhead = JSON.stringify({ orderId, note: "" }).length;
  return { orderId, note: "x".repeat(MAX_DATA_BYTES - overhead) };
}

const recipients = (prefix: string, count: number) => Array.from({ length: count }, (_, index) => ({ userId: uniqueId(`${prefix}-${index}`) }));
const sentCount = (rows: Array<{ status: string }>) => rows.filter((row) => row.status === "sent").length;

/**
 * Ten messages of 32 KB of data are more than a PublishBatch's 256 KiB, which AWS refuses with
 * BatchRequestTooLong and the local cloud now refuses too: every publish path must cut by bytes.
 */
describe("notifications carrying the most data the API accepts, within AWS's limits", () => {
  it("sends every delivery of 100 recipients with 32 KB of data each", async () => {
    const notificationId = uniqueId("full-direct");
    const accepted = await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", recipients: recipients("full", 100), channels: ["in_app"], data: fullData("L-1") });
    expect(accepted).toMatchObject({ status: 202, body: { recipients: 100 } });
    await eventually("every delivery sent", () => deliveries(notificationId), (rows) => sentCount(rows) === 100, 60_000);
  });

  it("sends every delivery of a scheduled notification to 100 recipients with 32 KB of data each", async () => {
    const notificationId = uniqueId("full-scheduled");
    const sendAt = (await localNow()) + 60 * 60_000;
    const accepted = await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", recipients: recipients("later", 100), channels: ["in_app"], data: fullData("L-2"), sendAt: new Date(sendAt).toISOString() });
    expect(accepted.status).toBe(202);
    await advanceClockTo(sendAt + 1000);
    await eventually("every delivery sent", () => deliveries(notificationId), (rows) => sentCount(rows) === 100, 60_000);
  });

  it("sends every delivery of a 1,000-member broadcast with 32 KB of data", async () => {
    const audienceId = uniqueId("full-audience");
    expect((await call("PUT", `/v1/audiences/${audienceId}`, { name: "full" })).status).toBe(200);
    expect((await call("POST", `/v1/audiences/${audienceId}/members`, { add: recipients("member", 1_000).map((recipient) => recipient.userId) })).status).toBe(200);
    const notificationId = uniqueId("full-broadcast");
    expect((await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", audience: audienceId, channels: ["in_app"], data: fullData("L-3") })).status).toBe(202);
    const view = await eventually("every member's delivery sent", () => broadcastView(notificationId), (current) => current.summary?.in_app?.sent === 1_000, 120_000);
    expect(view.expansion).toMatchObject({ status: "done", expanded: 1_000 });
  });
});
