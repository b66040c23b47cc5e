import { randomBytes } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, inject, it } from "vitest";
import { call, eventually, outbox, settled, uniqueId } from "../helpers/local-api.ts";

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1", endpoint: inject("localCloudEndpoints").dynamodb, credentials: { accessKeyId: "local", secretAccessKey: "local" } }));

/** Per channel, how many of the notification's delivery rows reached each status (their history says), and the suppressions by reason. */
async function outcomesInTable(notificationId: string): Promise<Record<string, Record<string, number>>> {
  const { Items = [] } = await documents.send(new QueryCommand({ TableName: inject("localCloudOutputs").DeliveriesTableName!, KeyConditionExpression: "notificationId = :id", ExpressionAttributeValues: { ":id": notificationId } }));
  const counts: Record<string, Record<string, number>> = {};
  for (const row of Items.filter((item) => typeof item.channel === "string")) {
    const reached = new Set(Object.entries(row).filter(([name]) => name.startsWith("event#")).map(([, entry]) => {
      const { status, reason } = entry as { status: string; reason?: string };
      return status === "suppressed" ? `suppressed:${reason}` : status;
    }));
    const channel = (counts[row.channel as string] ??= {});
    for (const status of reached) channel[status] = (channel[status] ?? 0) + 1;
  }
  return counts;
}

describe("engagement analytics (GET /v1/analytics)", () => {
  it("counts exactly the outcomes the deliveries table holds after bounces, opens and clicks, and derives the rates from them", async () => {
    const type = `it.digest_${randomBytes(4).toString("hex")}`;
    expect((await call("PUT", `/v1/templates/${type}`, {
      category: "transactional",
      channels: ["email", "in_app"],
      dataSchema: { type: "object", properties: { topic: { type: "string" } } },
      locales: { en: { email: { subject: "{{topic}}", html: "<p>{{topic}}</p>", text: "{{topic}}" }, in_app: { title: "{{topic}}", body: "{{topic}}" } } },
      variants: [
        { name: "plain", weight: 1, locales: {} },
        { name: "loud", weight: 1, locales: { en: { in_app: { title: "{{topic}}!", body: "{{topic}}!" } } } },
      ],
    })).status).toBe(201);
    const readers = Array.from({ length: 12 }, (_, index) => uniqueId(`reader${index}`));
    for (const [index, userId] of readers.entries()) {
      // The last reader has switched email off: a suppression, counted by its reason.
      await call("PUT", `/v1/users/${userId}/preferences`, { email: `${userId}@example.com`, ...(index === 11 ? { channels: { email: false } } : {}) });
    }
    const notificationId = uniqueId("engagement");
    expect((await call("POST", "/v1/notifications", { notificationId, type, recipients: readers.map((userId) => ({ userId })), data: { topic: "Weekly" } })).status).toBe(202);
    // The same request again (a client retry) counts nothing twice.
    expect((await call("POST", "/v1/notifications", { notificationId, type, recipients: readers.map((userId) => ({ userId })), data: { topic: "Weekly" } })).status).toBe(202);
    await eventually("every send", () => outbox(notificationId), (entries) => entries.length === 23);
    await settled();

    const feedback = async (userId: string, kind: string) => expect((await call("POST", "/_local/feedback", { notificationId, userId, channel: "email", kind })).status).toBe(202);
    for (const userId of readers.slice(0, 2)) await feedback(userId, "hard_bounce");
    for (const userId of readers.slice(2, 9)) await feedback(userId, "delivery");
    for (const userId of readers.slice(3, 8)) await feedback(userId, "open");
    for (const userId of readers.slice(5, 7)) await feedback(userId, "click");
    // A click reported twice is one click.
    await feedback(readers[5]!, "click");
    await feedback(readers[8]!, "complaint");
    for (const userId of readers.slice(0, 4)) {
      const [item] = (await call("GET", `/v1/users/${userId}/inbox`)).body.items;
      expect((await call("POST", `/v1/users/${userId}/inbox/${item.itemId}/read`)).status).toBe(200);
    }
    await settled();

    const table = await outcomesInTable(notificationId);
    const { status, body } = await call("GET", `/v1/analytics?type=${type}&groupBy=channel`);
    expect(status).toBe(200);
    const byChannel = Object.fromEntries(body.rows.map((row: { channel: string }) => [row.channel, row]));
    expect(byChannel.email).toMatchObject({
      type,
      accepted: 12,
      sent: table.email!.sent,
      delivered: table.email!.delivered,
      opened: table.email!.opened,
      clicked: table.email!.clicked,
      bounced: table.email!.bounced,
      complained: table.email!.complained,
      failed: 0,
      suppressed: { channel_disabled: table.email!["suppressed:channel_disabled"] },
    });
    expect(byChannel.email).toMatchObject({ sent: 11, delivered: 7, opened: 5, clicked: 2, bounced: 2, complained: 1 });
    expect(byChannel.email.deliveryRate).toBeCloseTo(7 / 11, 4);
    expect(byChannel.email.openRate).toBeCloseTo(5 / 7, 4);
    expect(byChannel.email.clickRate).toBeCloseTo(2 / 7, 4);
    expect(byChannel.in_app).toMatchObject({ accepted: 12, sent: table.in_app!.sent, opened: table.in_app!.opened });
    expect(byChannel.in_app).toMatchObject({ sent: 12, opened: 4, openRate: 0.3333, deliveryRate: null });

    // Every recorded event names the version and variant, the providers' reports (SES tags, inbox reads) too.
    const { Items = [] } = await documents.send(new QueryCommand({ TableName: inject("localCloudOutputs").DeliveriesTableName!, KeyConditionExpression: "notificationId = :id", ExpressionAttributeValues: { ":id": notificationId } }));
    const recorded = Items.filter((item) => typeof item.channel === "string").flatMap((row) => Object.entries(row).filter(([name]) => name.startsWith("event#")).map(([, entry]) => ({ variant: row.variant, entry: entry as { status: string; templateVersion?: number; variant?: string } })));
    expect(recorded.filter(({ entry }) => ["delivered", "opened", "clicked", "bounced", "complained"].includes(entry.status)).length).toBeGreaterThan(15);
    expect(recorded.filter(({ entry, variant }) => entry.templateVersion !== 1 || entry.variant !== variant || !["plain", "loud"].includes(variant))).toEqual([]);
    const byVariant = (await call("GET", `/v1/analytics?type=${type}&groupBy=variant`)).body.rows;
    expect(byVariant.map((row: { variant: string }) => row.variant).sort()).toEqual(["loud", "plain"]);
    expect(byVariant.reduce((sum: number, row: { opened: number }) => sum + row.opened, 0)).toBe(9);

    const overall = (await call("GET", `/v1/analytics?type=${type}`)).body.rows;
    expect(overall).toEqual([expect.objectContaining({ type, accepted: 24, sent: 23 })]);
    const byVersion = (await call("GET", `/v1/analytics?type=${type}&groupBy=version,day`)).body.rows;
    expect(byVersion).toEqual([expect.objectContaining({ version: 1, day: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), accepted: 24 })]);
    expect((await call("GET", `/v1/analytics?type=${type}&groupBy=colour`)).status).toBe(400);
  }, 60_000);

  it("counts each outcome once when Lambda replays the stream's batches and a producer repeats records", async () => {
    const type = `it.replayed_${randomBytes(4).toString("hex")}`;
    expect((await call("PUT", `/v1/templates/${type}`, {
      category: "transactional",
      channels: ["email", "in_app"],
      dataSchema: { type: "object", properties: { topic: { type: "string" } } },
      locales: { en: { email: { subject: "{{topic}}", html: "<p>{{topic}}</p>", text: "{{topic}}" }, in_app: { title: "{{topic}}", body: "{{topic}}" } } },
    })).status).toBe(201);
    const readers = Array.from({ length: 20 }, (_, index) => uniqueId(`replayed${index}`));
    for (const userId of readers) await call("PUT", `/v1/users/${userId}/preferences`, { email: `${userId}@example.com` });
    await settled();
    const injectedBefore = (await call("GET", "/_local/faults")).body.injected;
    for (const kind of ["replay_batch", "duplicate_record"]) expect((await call("POST", "/_local/faults", { channel: "stream", kind, rate: 1, times: 4 })).status).toBe(200);
    try {
      const notificationId = uniqueId("replayed");
      expect((await call("POST", "/v1/notifications", { notificationId, type, recipients: readers.map((userId) => ({ userId })), data: { topic: "Again" } })).status).toBe(202);
      await eventually("every send", () => outbox(notificationId), (entries) => entries.length === 40);
      for (const userId of readers.slice(0, 5)) {
        const [item] = (await call("GET", `/v1/users/${userId}/inbox`)).body.items;
        expect((await call("POST", `/v1/users/${userId}/inbox/${item.itemId}/read`)).status).toBe(200);
      }
      await settled();
      const injected = (await call("GET", "/_local/faults")).body.injected;
      for (const kind of ["replay_batch", "duplicate_record"]) expect((injected[kind] ?? 0) - (injectedBefore[kind] ?? 0), kind).toBeGreaterThan(0);

      const table = await outcomesInTable(notificationId);
      const byChannel = Object.fromEntries((await call("GET", `/v1/analytics?type=${type}&groupBy=channel`)).body.rows.map((row: { channel: string }) => [row.channel, row]));
      expect(byChannel.email).toMatchObject({ sent: table.email!.sent, failed: 0 });
      expect(byChannel.in_app).toMatchObject({ sent: table.in_app!.sent, opened: table.in_app!.opened });
      expect(byChannel.email.sent + byChannel.in_app.sent).toBe(40);
      expect(byChannel.in_app.opened).toBe(5);
    } finally {
      await call("DELETE", "/_local/faults");
    }
  }, 60_000);
});
