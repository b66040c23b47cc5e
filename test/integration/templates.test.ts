import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { advanceClockTo, call, deliveries, eventually, localNow, outbox, reachableUser, settled, uniqueId, utcClock } from "../helpers/local-api.ts";
import { PREVIEW_PREFERENCE_CENTER_URL } from "#shared/domain/templates/preview.ts";

const MINUTE = 60_000;

/** A type of its own per test: the local cloud is shared, and a type's active version is global. */
const freshType = () => `it.welcome_${randomBytes(4).toString("hex")}`;

const definition = (subject: string, category = "transactional") => ({
  category,
  channels: ["email", "in_app"],
  dataSchema: { type: "object", properties: { name: { type: "string", minLength: 1 } }, required: ["name"], examples: [{ name: "Ada" }] },
  locales: {
    en: {
      email: { subject, html: "<p>Welcome, {{name}}</p>", text: "Welcome, {{name}}" },
      in_app: { title: "Welcome", body: "Welcome, {{name}}" },
    },
  },
});

async function reader(): Promise<string> {
  const userId = uniqueId("reader");
  await call("PUT", `/v1/users/${userId}/preferences`, { ...reachableUser, timezone: "UTC" });
  return userId;
}

async function publishAndRead(type: string, userId: string): Promise<string | undefined> {
  const notificationId = uniqueId("welcome");
  expect((await call("POST", "/v1/notifications", { notificationId, type, recipients: [{ userId }], channels: ["email"], data: { name: "Ada" } })).status).toBe(202);
  const [sent] = await eventually(`${notificationId} sent`, () => outbox(notificationId), (entries) => entries.length === 1);
  return sent!.subject;
}

describe("templates as data", () => {
  it("sends with a changed subject at once, and with the old one again once it is activated: no deploy", async () => {
    const type = freshType();
    const userId = await reader();
    expect(await call("PUT", `/v1/templates/${type}`, definition("Welcome aboard, {{name}}"))).toEqual({ status: 201, body: { type, version: 1, active: true } });
    expect(await publishAndRead(type, userId)).toBe("Welcome aboard, Ada");

    expect(await call("PUT", `/v1/templates/${type}`, definition("Ada, you are in: {{name}}"))).toEqual({ status: 201, body: { type, version: 2, active: true } });
    expect(await publishAndRead(type, userId)).toBe("Ada, you are in: Ada");

    expect(await call("POST", `/v1/templates/${type}/activate`, { version: 1 })).toEqual({ status: 200, body: { type, activeVersion: 1 } });
    expect(await publishAndRead(type, userId)).toBe("Welcome aboard, Ada");

    const listed = (await call("GET", "/v1/templates")).body.items.find((item: { type: string }) => item.type === type);
    expect(listed).toMatchObject({ type, category: "transactional", channels: ["email", "in_app"], activeVersion: 1, versions: 2 });
    expect((await call("GET", `/v1/templates/${type}`)).body).toMatchObject({ type, version: 1, active: true });
    expect((await call("GET", `/v1/templates/${type}?version=2`)).body).toMatchObject({ type, version: 2, active: false, locales: { en: { email: { subject: "Ada, you are in: {{name}}" } } } });
  });

  it("renders a notification accepted before a change with its own version, even when quiet hours release it after the change", async () => {
    const type = freshType();
    await call("PUT", `/v1/templates/${type}`, definition("Before the change"));
    const userId = uniqueId("sleeper");
    const now = await localNow();
    const quietEnd = Math.floor(now / MINUTE) * MINUTE + 2 * 3_600_000;
    await call("PUT", `/v1/users/${userId}/preferences`, { ...reachableUser, timezone: "UTC", quietHours: { start: utcClock(now - MINUTE), end: utcClock(quietEnd) } });
    const notificationId = uniqueId("held");
    await call("POST", "/v1/notifications", { notificationId, type, recipients: [{ userId }], channels: ["email"], data: { name: "Ada" } });
    await eventually("deferred", () => deliveries(notificationId), (rows) => rows[0]?.status === "deferred");

    await call("PUT", `/v1/templates/${type}`, definition("After the change"));
    await advanceClockTo(quietEnd + MINUTE);
    const [sent] = await eventually("sent after quiet hours", () => outbox(notificationId), (entries) => entries.length === 1);
    expect(sent!.subject).toBe("Before the change");
  });

  it("serves the built-in templates as version 1 of their types", async () => {
    const shipped = (await call("GET", "/v1/templates/order.shipped")).body;
    expect(shipped).toMatchObject({ type: "order.shipped", version: 1, active: true, category: "transactional", dataSchema: { required: ["orderId"] } });
    expect((await call("GET", "/v1/templates")).body.items.map((item: { type: string }) => item.type)).toEqual(expect.arrayContaining(["order.shipped", "social.comment_liked"]));
  });

  it("refuses a broken expression and a marketing email without the unsubscribe link, naming each, and keeps the active version", async () => {
    const type = freshType();
    await call("PUT", `/v1/templates/${type}`, definition("Hello {{name}}"));
    const broken = await call("PUT", `/v1/templates/${type}`, definition("Hello {{name"));
    expect(broken).toMatchObject({ status: 400, body: { error: { code: "invalid_template", issues: [{ path: "locales.en.email.subject", message: expect.stringMatching(/^line 1, column 7: /) }] } } });
    const marketing = await call("PUT", `/v1/templates/${type}`, definition("News", "marketing"));
    expect(marketing).toMatchObject({ status: 400, body: { error: { code: "invalid_template", issues: [{ path: "locales.en.email.html" }, { path: "locales.en.email.text" }] } } });
    expect((await call("GET", `/v1/templates/${type}`)).body).toMatchObject({ version: 1, active: true });
    expect((await call("GET", "/v1/templates")).body.items.find((item: { type: string }) => item.type === type)).toMatchObject({ versions: 1 });
  });

  it("checks data against the active version's schema at publish, and answers 404 for what does not exist", async () => {
    const type = freshType();
    await call("PUT", `/v1/templates/${type}`, definition("Hi {{name}}"));
    const refused = await call("POST", "/v1/notifications", { type, recipients: [{ userId: "ada" }], data: { name: "" } });
    expect(refused).toMatchObject({ status: 400, body: { error: { code: "invalid_request", issues: [{ path: "data.name" }] } } });
    expect((await call("GET", `/v1/templates/${freshType()}`)).status).toBe(404);
    expect((await call("POST", `/v1/templates/${type}/activate`, { version: 7 })).status).toBe(404);
    expect((await call("GET", "/v1/templates/Not%20A%20Type")).status).toBe(400);
    await settled();
  });
  it("takes any data schema a template author writes without breaking a publish: 2020-12, shared $ids, catastrophic patterns", async () => {
    const withSchema = (dataSchema: Record<string, unknown>) => ({ ...definition("Welcome, {{name}}"), dataSchema });
    const schema2020 = { $schema: "https://json-schema.org/draft/2020-12/schema", $id: "https://example.com/welcome", type: "object", properties: { name: { type: "string", pattern: "^(a+)+$" } }, required: ["name"] };
    const [first, second] = [freshType(), freshType()];
    expect((await call("PUT", `/v1/templates/${first}`, withSchema(schema2020))).status).toBe(201);
    const publish = (type: string, name: string) => call("POST", "/v1/notifications", { type, recipients: [{ userId: uniqueId("reader") }], channels: ["in_app"], data: { name } });
    expect((await publish(first, "aaa")).status).toBe(202);
    // The same $id in another type, and again in a second version: each schema is its own.
    const otherShape = { ...schema2020, properties: { name: { type: "string", maxLength: 3 } } };
    expect((await call("PUT", `/v1/templates/${second}`, withSchema(otherShape))).status).toBe(201);
    expect((await call("PUT", `/v1/templates/${first}`, withSchema({ ...schema2020, properties: { name: { type: "string", pattern: "^(a+)+$", maxLength: 50 } } }))).status).toBe(201);
    for (let attempt = 0; attempt < 2; attempt++) {
      expect((await publish(first, "aaaa")).status).toBe(202);
      expect((await publish(second, "abc")).status).toBe(202);
    }
    // A backtracking engine needs about 2^40 steps to refuse this value: ingest answered 503 after 30 s.
    const catastrophic = await publish(first, `${"a".repeat(40)}!`);
    expect(catastrophic.status).toBe(400);
    expect(catastrophic.body.error.issues).toEqual([{ path: "data.name", message: 'must match pattern "^(a+)+$"' }]);

    const lookahead = await call("PUT", `/v1/templates/${freshType()}`, withSchema({ ...schema2020, properties: { name: { type: "string", pattern: "^(?!admin)" } } }));
    expect(lookahead.status).toBe(400);
    expect(lookahead.body.error.issues).toEqual([{ path: "dataSchema", message: expect.stringContaining("cannot be matched in linear time") }]);
    const draft04 = await call("PUT", `/v1/templates/${freshType()}`, withSchema({ ...schema2020, $schema: "http://json-schema.org/draft-04/schema#" }));
    expect(draft04.body.error.issues).toEqual([{ path: "dataSchema.$schema", message: expect.stringContaining("2020-12") }]);
  });

  it("previews exactly what the outbox later shows, on every channel, in the reader's locale", async () => {
    const userId = uniqueId("leitora");
    await call("PUT", `/v1/users/${userId}/preferences`, { ...reachableUser, timezone: "UTC", locale: "pt-BR" });
    const data = { orderId: "P-7", carrier: "CTT", trackingUrl: "https://track.example/P-7" };
    const { status, body: preview } = await call("POST", "/v1/templates/order.shipped/preview", { data, locale: "pt-BR" });
    expect(status).toBe(200);
    expect(preview).toMatchObject({ type: "order.shipped", version: 1 });
    expect(preview.warnings).toEqual(["email", "sms", "push", "in_app"].map((channel) => `${channel} has no pt-BR content: it falls back to pt`));

    const notificationId = uniqueId("shipped");
    await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", recipients: [{ userId }], data });
    const sent = await eventually("all four sent", () => outbox(notificationId), (entries) => entries.length === 4);
    const byChannel = Object.fromEntries(sent.map((entry) => [entry.channel, entry])) as Record<string, { subject?: string; body: string; html?: string }>;
    // The preference center link is the reader's own; the preview shows a placeholder in its place.
    const ownLink = /http:\/\/[^"\s]+\/v1\/preferences-center\?token=[\w-]+/g;
    for (const part of ["html", "body"] as const) byChannel.email![part] = byChannel.email![part]!.replace(ownLink, PREVIEW_PREFERENCE_CENTER_URL);
    expect(byChannel.email).toMatchObject({ subject: preview.channels.email.subject, html: preview.channels.email.html, body: preview.channels.email.text });
    expect(byChannel.sms!.body).toBe(preview.channels.sms.body);
    expect(byChannel.push).toMatchObject({ subject: preview.channels.push.title, body: preview.channels.push.body });
    expect(byChannel.in_app).toMatchObject({ subject: preview.channels.in_app.title, body: preview.channels.in_app.body });

    expect(await call("POST", "/v1/templates/order.shipped/preview", { data: {} })).toMatchObject({ status: 400, body: { error: { issues: [{ path: "data.orderId" }] } } });
    expect((await call("POST", "/v1/templates/order.shipped/preview", { data, version: 99 })).status).toBe(404);
  });
  it("splits 1,000 readers between two variants weighted 50/50, each reader seeing one variant on every channel", async () => {
    const type = freshType();
    const parts = (title: string, body: string) => ({ in_app: { title, body }, push: { title, body } });
    expect((await call("PUT", `/v1/templates/${type}`, {
      ...definition("unused"),
      channels: ["in_app", "push"],
      locales: { en: parts("Welcome", "Welcome, {{name}}") },
      variants: [
        { name: "warm", weight: 1, locales: { en: parts("Warm", "So glad you are here, {{name}}") } },
        { name: "brief", weight: 1, locales: { en: parts("Brief", "Hi {{name}}") } },
      ],
    })).status).toBe(201);
    // Fixed ids, so the split (a hash of notification and reader) is the same on every run.
    const readers = Array.from({ length: 1_000 }, (_, index) => `ab-reader-${index}`);
    for (let start = 0; start < readers.length; start += 25) {
      await Promise.all(readers.slice(start, start + 25).map((userId) => call("PUT", `/v1/users/${userId}/preferences`, { pushEndpoints: reachableUser.pushEndpoints })));
    }
    const notificationIds: string[] = [];
    for (let start = 0; start < readers.length; start += 100) {
      const notificationId = `ab-${start}`;
      notificationIds.push(notificationId);
      const recipients = readers.slice(start, start + 100).map((userId) => ({ userId }));
      expect((await call("POST", "/v1/notifications", { notificationId, type, recipients, data: { name: "Ada" } })).status).toBe(202);
    }
    const seen = new Map<string, Set<string>>();
    for (const notificationId of notificationIds) {
      for (const entry of await eventually(`${notificationId} sent`, () => outbox(notificationId), (entries) => entries.length === 200, 60_000)) {
        seen.set(entry.userId, (seen.get(entry.userId) ?? new Set()).add(entry.subject!));
      }
    }
    expect(seen.size).toBe(1_000);
    expect([...seen.values()].filter((titles) => titles.size !== 1)).toEqual([]);
    const warm = [...seen.values()].filter((titles) => titles.has("Warm")).length / seen.size;
    expect(warm).toBeGreaterThanOrEqual(0.45);
    expect(warm).toBeLessThanOrEqual(0.55);
    // The deliveries table records the variant each delivery rendered.
    await settled();
    const rows = await deliveries(notificationIds[0]!);
    expect(rows.every((row) => (row as { variant?: string }).variant === ([...seen.get(row.userId)!][0] === "Warm" ? "warm" : "brief"))).toBe(true);
  }, 180_000);
});
