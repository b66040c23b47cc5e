import { describe, expect, it } from "vitest";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DeliveriesStore } from "#shared/adapters/stores/deliveries-store.ts";
import { mintUserToken } from "#shared/domain/user-token.ts";
import { NotifyClient } from "../../client/index.ts";
import { inject } from "vitest";
import { PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { call, deliveries, eventually, localNow, settled, uniqueId } from "../helpers/local-api.ts";
import { asUser, userToken, userTokenSecret } from "../helpers/user-tokens.ts";

async function notifyInApp(userId: string, orderId: string): Promise<string> {
  const notificationId = uniqueId("order");
  await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", recipients: [{ userId }], channels: ["in_app"], data: { orderId } });
  await eventually(`${orderId} sent`, () => deliveries(notificationId), (rows) => rows[0]?.status === "sent");
  return notificationId;
}

/** Every /v1/me route, with a body where it takes one. */
const ME_ROUTES = (itemId: string): Array<[string, string, unknown?]> => [
  ["GET", "/v1/me/inbox"],
  ["POST", `/v1/me/inbox/${itemId}/read`],
  ["POST", "/v1/me/inbox/read-all"],
  ["POST", `/v1/me/inbox/${itemId}/archive`],
  ["GET", "/v1/me/preferences"],
  ["PATCH", "/v1/me/preferences", { channels: { sms: false } }],
];

describe("the browser's /v1/me routes", () => {
  it("act for the token's user: inbox, read, read-all, archive and preferences", async () => {
    const userId = uniqueId("browser");
    const first = await notifyInApp(userId, "M-1");
    const second = await notifyInApp(userId, "M-2");
    const third = await notifyInApp(userId, "M-3");
    const token = await userToken(userId);

    const inbox = await asUser(token, "GET", "/v1/me/inbox?limit=2");
    expect(inbox.status).toBe(200);
    expect(inbox.body).toMatchObject({ userId, unread: 3 });
    expect(inbox.body.items.map((item: { notificationId: string }) => item.notificationId)).toEqual([third, second]);

    const firstItem = (await asUser(token, "GET", `/v1/me/inbox?cursor=${inbox.body.nextCursor}`)).body.items[0];
    expect(firstItem.notificationId).toBe(first);
    expect((await asUser(token, "POST", `/v1/me/inbox/${firstItem.itemId}/read`)).body).toMatchObject({ read: true });
    await eventually("the read item's delivery opened", () => deliveries(first), (rows) => rows[0]?.status === "opened");

    const archived = await asUser(token, "POST", `/v1/me/inbox/${inbox.body.items[0].itemId}/archive`);
    expect(archived.body).toMatchObject({ notificationId: third, archived: true, read: false });
    const afterArchive = (await asUser(token, "GET", "/v1/me/inbox")).body;
    expect(afterArchive.unread).toBe(1);
    expect(afterArchive.items.map((item: { notificationId: string }) => item.notificationId)).toEqual([second, first]);
    expect((await asUser(token, "GET", "/v1/me/inbox?archived=true")).body.items.map((item: { notificationId: string }) => item.notificationId)).toEqual([third]);

    expect((await asUser(token, "POST", "/v1/me/inbox/read-all")).body).toEqual({ userId, read: 1, more: false });
    expect((await asUser(token, "GET", "/v1/me/inbox")).body.unread).toBe(0);
    await eventually("read-all opened the unread delivery", () => deliveries(second), (rows) => rows[0]?.status === "opened");
    // The archived item was never read: archiving is not opening.
    expect((await deliveries(third))[0]?.status).toBe("sent");

    const patched = await asUser(token, "PATCH", "/v1/me/preferences", { body: { categories: { marketing: { email: false } }, quietHours: { start: "22:00", end: "07:00" } } });
    expect(patched.status).toBe(200);
    expect((await asUser(token, "GET", "/v1/me/preferences")).body).toMatchObject({ userId, categories: { marketing: { email: false } }, quietHours: { start: "22:00", end: "07:00" } });
    expect((await call("GET", `/v1/users/${userId}/preferences`)).body.categories).toEqual({ marketing: { email: false } });
  });

  it("opens each delivery exactly once when reads, read-alls and archives race", async () => {
    const userId = uniqueId("racer");
    const notificationIds = await Promise.all(Array.from({ length: 12 }, (_, index) => notifyInApp(userId, `RACE-${index}`)));
    const token = await userToken(userId);
    const { items } = (await asUser(token, "GET", "/v1/me/inbox?limit=100")).body;
    const answers = await Promise.all([
      asUser(token, "POST", "/v1/me/inbox/read-all"),
      asUser(token, "POST", "/v1/me/inbox/read-all"),
      ...items.flatMap((item: { itemId: string }) => [asUser(token, "POST", `/v1/me/inbox/${item.itemId}/read`), asUser(token, "POST", `/v1/me/inbox/${item.itemId}/read`)]),
      ...items.slice(0, 4).map((item: { itemId: string }) => asUser(token, "POST", `/v1/me/inbox/${item.itemId}/archive`)),
    ]);
    expect(answers.map((answer) => answer.status).every((status) => status === 200)).toBe(true);
    await settled();
    expect((await asUser(token, "GET", "/v1/me/inbox")).body.unread).toBe(0);
    const endpoint = inject("localCloudEndpoints").dynamodb;
    const store = new DeliveriesStore(DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1", endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } })), inject("localCloudOutputs").DeliveriesTableName!);
    for (const notificationId of notificationIds) {
      const opened = (await store.timeline(notificationId)).filter((event) => event.status === "opened");
      expect(opened, notificationId).toHaveLength(1);
    }
  });

  it("answers 304 to a poll whose ETag still holds, and 200 once something changed", async () => {
    const userId = uniqueId("poller");
    await notifyInApp(userId, "E-1");
    const token = await userToken(userId);
    const first = await asUser(token, "GET", "/v1/me/inbox");
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^".+"$/);
    const unchanged = await asUser(token, "GET", "/v1/me/inbox", { headers: { "if-none-match": etag } });
    expect(unchanged.status).toBe(304);
    expect(unchanged.body).toBeUndefined();
    await notifyInApp(userId, "E-2");
    const changed = await asUser(token, "GET", "/v1/me/inbox", { headers: { "if-none-match": etag } });
    expect(changed.status).toBe(200);
    expect(changed.body.unread).toBe(2);
  });

  it("refuses the browser what the application owns: addresses and critical categories", async () => {
    const token = await userToken(uniqueId("browser"));
    const refused = await asUser(token, "PATCH", "/v1/me/preferences", { body: { email: "mallory@example.com", categories: { security: false } } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.issues.map((issue: { path: string }) => issue.path)).toEqual(["email", "categories.security"]);
  });

  it("refuses a __proto__ key, which would have let the browser set what the application owns", async () => {
    const userId = uniqueId("browser");
    const token = await userToken(userId);
    const body = JSON.parse('{"__proto__": {"email": "mallory@example.com", "channelSuppressions": {}}, "locale": "de"}');
    const refused = await asUser(token, "PATCH", "/v1/me/preferences", { body });
    expect(refused.status).toBe(400);
    expect(refused.body.error.issues).toEqual([{ path: "__proto__", message: "__proto__ is not an accepted key" }]);
    expect((await call("GET", `/v1/users/${userId}/preferences`)).body).not.toHaveProperty("email");
    const nested = await call("POST", "/v1/notifications", JSON.parse('{"type": "order.shipped", "recipients": [{"userId": "ada"}], "data": {"orderId": "P-1", "__proto__": {"trackingUrl": "https://evil.example"}}}'));
    expect(nested.status).toBe(400);
    expect(nested.body.error.issues).toEqual([{ path: "data.__proto__", message: "__proto__ is not an accepted key" }]);
  });

  it("refuses missing, expired, forged and other stacks' tokens with 401 on every route, and changes nothing", async () => {
    const userId = uniqueId("victim");
    const notificationId = await notifyInApp(userId, "X-1");
    const { itemId } = (await call("GET", `/v1/users/${userId}/inbox`)).body.items[0];
    await call("PUT", `/v1/users/${userId}/preferences`, { channels: { sms: true } });
    const secret = await userTokenSecret();
    const now = await localNow();
    const badTokens: Record<string, string | undefined> = {
      missing: undefined,
      expired: await mintUserToken(userId, secret, now - 2 * 3600_000, 3600),
      forged: await mintUserToken(userId, { ...secret, signingKey: "f".repeat(64) }, now),
      "other stack": await mintUserToken(userId, { stack: "SomeOtherStack", signingKey: "o".repeat(64) }, now),
      garbage: "not.a.token",
    };
    for (const [kind, token] of Object.entries(badTokens)) {
      for (const [method, path, body] of ME_ROUTES(itemId)) {
        const answer = await asUser(token, method, path, { body });
        expect(answer.status, `${kind} token on ${method} ${path}`).toBe(401);
      }
    }
    expect((await call("GET", `/v1/users/${userId}/inbox`)).body).toMatchObject({ unread: 1, items: [{ itemId, read: false, archived: false }] });
    expect((await call("GET", `/v1/users/${userId}/preferences`)).body.channels.sms).toBe(true);
    expect((await deliveries(notificationId))[0]?.status).toBe("sent");
  });

  it("never lets one user's token reach another user's items", async () => {
    const victim = uniqueId("victim");
    await notifyInApp(victim, "C-1");
    const { itemId } = (await call("GET", `/v1/users/${victim}/inbox`)).body.items[0];
    const intruder = await userToken(uniqueId("intruder"));
    expect((await asUser(intruder, "POST", `/v1/me/inbox/${itemId}/read`)).status).toBe(404);
    expect((await asUser(intruder, "POST", `/v1/me/inbox/${itemId}/archive`)).status).toBe(404);
    expect((await asUser(intruder, "GET", "/v1/me/inbox")).body.items).toEqual([]);
    expect((await call("GET", `/v1/users/${victim}/inbox`)).body).toMatchObject({ unread: 1, items: [{ itemId, read: false, archived: false }] });
  });

  it("answers a preflight from an allowed origin, and gives another origin no CORS headers", async () => {
    const preflight = (origin: string) => fetch(`${inject("apiUrl")}/v1/me/inbox`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "GET", "access-control-request-headers": "authorization,if-none-match" } });
    const allowed = await preflight("http://localhost:3000");
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
    expect(allowed.headers.get("access-control-allow-headers")).toContain("authorization");
    const other = await preflight("https://evil.example");
    expect(other.headers.get("access-control-allow-origin")).toBeNull();

    const token = await userToken(uniqueId("browser"));
    const read = await fetch(`${inject("apiUrl")}/v1/me/inbox`, { headers: { origin: "http://localhost:3000", authorization: `Bearer ${token}` } });
    expect(read.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
    expect(read.headers.get("access-control-expose-headers")).toContain("etag");
  });

  it("refuses every token signed before the key was rotated, and accepts new ones", async () => {
    const userId = uniqueId("rotated");
    const before = await userToken(userId);
    expect((await asUser(before, "GET", "/v1/me/preferences")).status).toBe(200);
    const secret = await userTokenSecret();
    const secretsManager = new SecretsManagerClient({ region: "us-east-1", endpoint: inject("localCloudEndpoints").secretsmanager, credentials: { accessKeyId: "local", secretAccessKey: "local" } });
    await secretsManager.send(new PutSecretValueCommand({ SecretId: inject("localCloudOutputs").UserTokenSecretArn, SecretString: JSON.stringify({ ...secret, signingKey: "r".repeat(64) }) }));
    try {
      // The local cloud keeps neither the authorizer's answers nor its key (notify:userTokenCacheSeconds 0).
      expect((await asUser(before, "GET", "/v1/me/preferences")).status).toBe(401);
      expect((await asUser(await userToken(userId), "GET", "/v1/me/preferences")).status).toBe(200);
    } finally {
      await secretsManager.send(new PutSecretValueCommand({ SecretId: inject("localCloudOutputs").UserTokenSecretArn, SecretString: JSON.stringify(secret) }));
    }
  });

  it("mints tokens with NotifyClient.userToken and `notify token`", async () => {
    const endpoints = inject("localCloudEndpoints");
    const credentials = { accessKeyId: "local", secretAccessKey: "local" };
    const client = NotifyClient.forHttpApi(inject("apiUrl"), {
      region: "us-east-1",
      credentials,
      userTokenSecretArn: inject("localCloudOutputs").UserTokenSecretArn,
      secretsManager: new SecretsManagerClient({ region: "us-east-1", endpoint: endpoints.secretsmanager, credentials }),
      // The local cloud's clock, which other tests move ahead of this machine's.
      now: localNow,
    });
    const userId = uniqueId("client");
    const token = await client.userToken(userId, { ttlSeconds: 600 });
    expect((await asUser(token, "GET", "/v1/me/preferences")).body.userId).toBe(userId);
    await expect(client.userToken(userId, { ttlSeconds: 90_000 })).rejects.toThrow(/ttlSeconds/);
  });
});
