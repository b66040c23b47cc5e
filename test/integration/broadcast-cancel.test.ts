import { describe, expect, inject, it } from "vitest";
import { advanceClockTo, broadcastView, call, eventually, localNow, outbox, settled, uniqueId } from "../helpers/local-api.ts";

const outputs = inject("localCloudOutputs");
const HOUR = 3_600_000;

async function audienceOf(userIds: string[]): Promise<string> {
  const audienceId = uniqueId("cancel-aud");
  expect((await call("PUT", `/v1/audiences/${audienceId}`, {})).status).toBe(200);
  for (let start = 0; start < userIds.length; start += 1_000) expect((await call("POST", `/v1/audiences/${audienceId}/members`, { add: userIds.slice(start, start + 1_000) })).status).toBe(200);
  return audienceId;
}

async function polling(queueUrl: string, on: boolean): Promise<void> {
  expect((await call("POST", "/_local/polling", { queueUrl, polling: on })).status).toBe(200);
}

const view = async (notificationId: string) => (await call("GET", `/v1/notifications/${notificationId}`)).body;
const decided = (summary: Record<string, Record<string, number>> | undefined) => Object.values(summary ?? {}).flatMap((byStatus) => Object.values(byStatus)).reduce((sum, count) => sum + count, 0);

describe("canceling a broadcast on the local cloud", () => {
  it("takes back every delivery still queued, sends none of them, and counts exactly the rows it canceled", async () => {
    const members = Array.from({ length: 600 }, (_, index) => uniqueId(`cancel-member-${index}`));
    const audienceId = await audienceOf(members);
    const notificationId = uniqueId("cancel-me");
    const bulkQueue = outputs.InAppBulkQueueUrl!;
    expect((await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", audience: audienceId, channels: ["in_app"], data: { orderId: "C-1" } })).status).toBe(202);
    // Some are sent; then the in-app bulk lane stops, as a campaign's owner hits cancel mid-send.
    await eventually("some members reached", () => view(notificationId), (body) => (body.summary?.in_app?.sent ?? 0) >= 50, 60_000);
    await polling(bulkQueue, false);
    try {
      const answered = await call("DELETE", `/v1/notifications/${notificationId}`);
      expect([200, 202]).toContain(answered.status);
      expect(answered.body).toMatchObject({ notificationId, cancel: { status: expect.stringMatching(/^(canceling|done)$/) } });
      const done = await eventually("the cancel done", () => view(notificationId), (body) => body.cancel?.status === "done", 60_000);
      expect(done.canceledAt).toEqual(expect.any(String));
    } finally {
      await polling(bulkQueue, true);
    }
    await settled();

    const final = await broadcastView(notificationId);
    const sent = new Set((await outbox(notificationId)).map((message) => message.userId));
    const canceled = final.deliveries.filter((row: { status: string }) => row.status === "canceled").map((row: { userId: string }) => row.userId);
    expect(canceled.length).toBeGreaterThan(0);
    expect(sent.size).toBeGreaterThanOrEqual(50);
    // Sent or canceled, never both, never neither.
    expect(canceled.filter((userId: string) => sent.has(userId))).toEqual([]);
    expect([...sent, ...canceled].toSorted()).toEqual(members.toSorted());
    expect(final.deliveries.map((row: { status: string }) => row.status).filter((status: string) => status !== "sent" && status !== "canceled")).toEqual([]);
    // The cancel's count, the rows and the summary say the same.
    expect(final.cancel).toEqual({ status: "done", checked: members.length, canceled: canceled.length });
    expect(final.summary).toEqual({ in_app: { sent: sent.size, canceled: canceled.length } });
    const again = await call("DELETE", `/v1/notifications/${notificationId}`);
    expect(again).toMatchObject({ status: 200, body: { canceled: canceled.length, cancel: { status: "done" } } });
    expect((await outbox(notificationId)).length).toBe(sent.size);
  });

  it("publishes no page after the cancel is recorded: a broadcast canceled before its expansion ran reaches nobody", async () => {
    const members = Array.from({ length: 300 }, (_, index) => uniqueId(`unexpanded-${index}`));
    const audienceId = await audienceOf(members);
    const notificationId = uniqueId("never-expanded");
    const expansionQueue = outputs.BroadcastExpansionQueueUrl!;
    await polling(expansionQueue, false);
    try {
      expect((await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", audience: audienceId, channels: ["in_app", "email"], data: { orderId: "C-2" } })).status).toBe(202);
      expect((await call("DELETE", `/v1/notifications/${notificationId}`)).status).toBe(202);
    } finally {
      await polling(expansionQueue, true);
    }
    await eventually("the cancel done", () => view(notificationId), (body) => body.cancel?.status === "done", 30_000);
    await settled();
    // Every member ends canceled on both channels, though none was ever expanded; the summary has the cancel's events once they are read.
    expect(await view(notificationId)).toMatchObject({ expansion: { status: "canceled", expanded: 0, total: 300 }, cancel: { status: "done", checked: 300, canceled: 600 }, summary: { in_app: { canceled: 300 }, email: { canceled: 300 } } });
    expect(await outbox(notificationId)).toEqual([]);
  });

  it("expands a scheduled broadcast at its sendAt with the members it has then, and a scheduled one canceled before its time sends nothing", async () => {
    const now = await localNow();
    const sendAt = new Date(Math.ceil((now + HOUR) / 60_000) * 60_000).toISOString();
    const early = Array.from({ length: 40 }, (_, index) => uniqueId(`early-${index}`));
    const audienceId = await audienceOf(early);
    const scheduled = uniqueId("scheduled-broadcast");
    const canceledOne = uniqueId("scheduled-canceled");
    const accepted = await call("POST", "/v1/notifications", { notificationId: scheduled, type: "order.shipped", audience: audienceId, channels: ["in_app"], data: { orderId: "S-1" }, sendAt });
    expect(accepted).toMatchObject({ status: 202, body: { notificationId: scheduled, audience: audienceId, recipients: 40, channels: ["in_app"], sendAt } });
    expect((await call("POST", "/v1/notifications", { notificationId: canceledOne, type: "order.shipped", audience: audienceId, channels: ["in_app"], data: { orderId: "S-2" }, sendAt })).status).toBe(202);
    expect(await view(scheduled)).toMatchObject({ sendAt, expansion: { status: "scheduled", expanded: 0 }, deliveries: [] });

    const late = Array.from({ length: 10 }, (_, index) => uniqueId(`late-${index}`));
    expect((await call("POST", `/v1/audiences/${audienceId}/members`, { add: late })).status).toBe(200);
    expect((await call("DELETE", `/v1/notifications/${canceledOne}`)).status).toBeLessThan(300);
    await settled();
    expect(await outbox(scheduled)).toEqual([]);

    await advanceClockTo(Date.parse(sendAt) + 60_000);
    const released = await eventually("the scheduled broadcast sent", () => view(scheduled), (body) => body.expansion?.status === "done" && decided(body.summary) === 50, 60_000);
    await settled();
    expect(released.releasedAt).toEqual(expect.any(String));
    expect((await outbox(scheduled)).map((message) => message.userId).toSorted()).toEqual([...early, ...late].toSorted());
    expect(await view(canceledOne)).toMatchObject({ expansion: { status: "canceled", expanded: 0 }, cancel: { status: "done", checked: 50, canceled: 50 }, summary: { in_app: { canceled: 50 } } });
    expect(await outbox(canceledOne)).toEqual([]);
  });
});
