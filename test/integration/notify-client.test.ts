import { SNSClient } from "@aws-sdk/client-sns";
import { describe, expect, inject, it } from "vitest";
import { NotifyClient, RequestError } from "../../client/index.ts";
import { call, deliveries, eventually, localNow, outbox, reachableUser, settled, uniqueId } from "../helpers/local-api.ts";

const credentials = { accessKeyId: "local", secretAccessKey: "local" };
const sns = new SNSClient({ region: "us-east-1", endpoint: inject("localCloudEndpoints").sns, credentials });

async function reachable(): Promise<string> {
  const userId = uniqueId("user");
  await call("PUT", `/v1/users/${userId}/preferences`, reachableUser);
  return userId;
}

describe("NotifyClient", () => {
  it("publishes straight to the topic, one message per recipient, and the deliveries show up", async () => {
    const client = NotifyClient.forTopic(inject("localCloudOutputs").NotificationsTopicArn!, sns);
    const users = [await reachable(), await reachable()];
    const result = await client.publish({ type: "order.shipped", recipients: users.map((userId) => ({ userId })), channels: ["email", "sms"], data: { orderId: "NC-1" } });
    expect(result).toEqual({ notificationId: expect.any(String), recipients: 2, channels: ["email", "sms"] });

    const rows = await eventually("four deliveries sent", () => deliveries(result.notificationId), (rows) => rows.filter((row) => row.status === "sent").length === 4);
    expect(rows.map((row) => `${row.userId} ${row.channel}`).sort()).toEqual(users.flatMap((userId) => [`${userId} email`, `${userId} sms`]).sort());
    const { status, body } = await call("GET", `/v1/notifications/${result.notificationId}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ type: "order.shipped", recipients: 2, channels: ["email", "sms"] });
  });

  it("refuses bad input with the same named errors as the API and publishes nothing", async () => {
    const client = NotifyClient.forTopic(inject("localCloudOutputs").NotificationsTopicArn!, sns);
    const notificationId = uniqueId("bad");
    const attempt = client.publish({ notificationId, type: "order.shipped", recipients: [{ userId: await reachable() }], data: {} });
    await expect(attempt).rejects.toBeInstanceOf(RequestError);
    await expect(attempt).rejects.toMatchObject({ code: "invalid_request", issues: [expect.objectContaining({ path: "data.orderId" })] });
    await settled();
    expect(await outbox(notificationId)).toEqual([]);
  });

  it("publishes through the HTTP API with a SigV4-signed request and returns what the API accepted", async () => {
    const seen: Headers[] = [];
    const recordingFetch: typeof fetch = (input, init) => {
      seen.push(new Headers(init?.headers));
      return fetch(input, init);
    };
    const client = NotifyClient.forHttpApi(inject("apiUrl"), { region: "us-east-1", credentials, fetch: recordingFetch });
    const notificationId = uniqueId("signed");
    const result = await client.publish({ notificationId, type: "order.shipped", recipients: [{ userId: await reachable() }], channels: ["in_app"], data: { orderId: "NC-2" } });
    expect(result).toEqual({ notificationId, recipients: 1, channels: ["in_app"] });
    expect(seen[0]!.get("authorization")).toMatch(/^AWS4-HMAC-SHA256 Credential=local\/\d{8}\/us-east-1\/execute-api\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/);
    await eventually("the in-app item sent", () => deliveries(notificationId), (rows) => rows[0]?.status === "sent");
  });

  it("schedules a notification with sendAt and cancels it, through the HTTP API", async () => {
    const client = NotifyClient.forHttpApi(inject("apiUrl"), { region: "us-east-1", credentials });
    const notificationId = uniqueId("scheduled");
    const sendAt = new Date((await localNow()) + 3_600_000).toISOString();
    expect(await client.publish({ notificationId, type: "order.shipped", recipients: [{ userId: await reachable() }], channels: ["in_app"], data: { orderId: "NC-3" }, sendAt })).toEqual({ notificationId, recipients: 1, channels: ["in_app"], sendAt });
    expect(await client.cancel(notificationId)).toEqual({ notificationId, canceled: 1 });
    expect(await client.cancel(uniqueId("never"))).toBeUndefined();
    await expect(NotifyClient.forTopic("arn:aws:sns:us-east-1:000000000000:none").cancel(notificationId)).rejects.toThrow(/needs the HTTP API/);
  });

  it("answers an unknown type with the API's refusal, as a RequestError naming the field", async () => {
    const client = NotifyClient.forHttpApi(inject("apiUrl"), { region: "us-east-1", credentials });
    await expect(client.publish({ type: "no.such_type", recipients: [{ userId: "ada" }] })).rejects.toMatchObject({ name: "RequestError", code: "unknown_type", issues: [expect.objectContaining({ path: "type" })] });
  });
  it("changes, reads and rolls back templates through the HTTP API, refusing a bad definition as a RequestError", async () => {
    const client = NotifyClient.forHttpApi(inject("apiUrl"), { region: "us-east-1", credentials });
    const type = `client.welcome_${uniqueId("t").slice(-8)}`;
    const definition = { category: "transactional" as const, channels: ["in_app" as const], dataSchema: { type: "object" }, locales: { en: { in_app: { title: "Hi", body: "Welcome" } } } };
    expect(await client.templates.put(type, definition)).toEqual({ type, version: 1, active: true });
    expect(await client.templates.put(type, { ...definition, locales: { en: { in_app: { title: "Hello", body: "Welcome" } } } })).toEqual({ type, version: 2, active: true });
    expect(await client.templates.activate(type, 1)).toEqual({ type, activeVersion: 1 });
    expect(await client.templates.get(type)).toMatchObject({ type, version: 1, active: true });
    expect((await client.templates.list()).find((item) => item.type === type)).toMatchObject({ activeVersion: 1, versions: 2 });
    expect(await client.templates.preview(type, { version: 2 })).toMatchObject({ version: 2, channels: { in_app: { title: "Hello", body: "Welcome" } }, warnings: [] });
    expect(await client.templates.get(type, 3)).toBeUndefined();
    expect(await client.templates.activate(type, 3)).toBeUndefined();
    await expect(client.templates.put(type, { ...definition, channels: ["in_app", "sms"] })).rejects.toMatchObject({ name: "RequestError", code: "invalid_template", issues: [{ path: "locales.en.sms" }] });
    await expect(NotifyClient.forTopic("arn:aws:sns:us-east-1:000000000000:none").templates.list()).rejects.toThrow(/behind the HTTP API/);
  });
});
