import { describe, expect, it } from "vitest";
import { call, outbox, settled, uniqueId } from "../helpers/local-api.ts";

describe("an invalid request", () => {
  it.each([
    ["an unknown type", "unknown_type", "type", { type: "order.teleported", recipients: [{ userId: "u" }] }],
    ["an unknown channel", "unknown_channel", "channels", { type: "order.shipped", recipients: [{ userId: "u" }], channels: ["fax"], data: { orderId: "1" } }],
    ["a missing template parameter", "invalid_request", "data.orderId", { type: "order.shipped", recipients: [{ userId: "u" }], data: {} }],
    ["no recipients", "invalid_request", "recipients", { type: "order.shipped", data: { orderId: "1" } }],
    ["a malformed notificationId", "invalid_request", "notificationId", { notificationId: "has spaces", type: "order.shipped", recipients: [{ userId: "u" }], data: { orderId: "1" } }],
  ])("with %s gets 400 %s naming %s and publishes nothing", async (_name, code, path, body) => {
    const notificationId = uniqueId("rejected");
    const response = await call("POST", "/v1/notifications", { notificationId, ...body });

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe(code);
    expect(response.body.error.issues.map((issue: { path: string }) => issue.path)).toContain(path);
    expect((await call("GET", `/v1/notifications/${notificationId}`)).status).toBe(404);
    await settled();
    expect(await outbox(notificationId)).toEqual([]);
  });

  it("that is not JSON gets 400 invalid_request", async () => {
    const response = await call("POST", "/v1/notifications", "{not json");
    expect(response).toMatchObject({ status: 400, body: { error: { code: "invalid_request" } } });
  });

  it("over the size limit gets 413", async () => {
    const response = await call("POST", "/v1/notifications", { type: "order.shipped", recipients: [{ userId: "u" }], data: { orderId: "1", carrier: "x".repeat(200 * 1024) } });
    expect(response).toMatchObject({ status: 413, body: { error: { code: "payload_too_large" } } });
  });

  it("to an unknown notification gets 404", async () => {
    expect((await call("GET", `/v1/notifications/${uniqueId("never")}`)).status).toBe(404);
  });
});

describe("preferences", () => {
  it("returns the defaults for a user nobody configured", async () => {
    const userId = uniqueId("user");
    const { status, body } = await call("GET", `/v1/users/${userId}/preferences`);
    expect(status).toBe(200);
    expect(body).toEqual({ userId, timezone: "UTC", locale: "en", channels: { email: true, sms: true, push: true, in_app: true } });
  });

  it("stores what PUT sends and returns it with the defaults filled in", async () => {
    const userId = uniqueId("user");
    await call("PUT", `/v1/users/${userId}/preferences`, { email: "grace@example.com", channels: { push: false } });
    const { body } = await call("GET", `/v1/users/${userId}/preferences`);
    expect(body).toMatchObject({ email: "grace@example.com", channels: { email: true, sms: true, push: false, in_app: true } });
  });

  it("replaces everything on PUT", async () => {
    const userId = uniqueId("user");
    await call("PUT", `/v1/users/${userId}/preferences`, { email: "grace@example.com", phone: "+14155550100" });
    await call("PUT", `/v1/users/${userId}/preferences`, { phone: "+14155550199" });
    const { body } = await call("GET", `/v1/users/${userId}/preferences`);
    expect(body.email).toBeUndefined();
    expect(body.phone).toBe("+14155550199");
  });

  it("merges a PATCH into what is stored, and null removes a field", async () => {
    const userId = uniqueId("user");
    await call("PUT", `/v1/users/${userId}/preferences`, { email: "grace@example.com", phone: "+14155550100", channels: { sms: false } });
    const patched = await call("PATCH", `/v1/users/${userId}/preferences`, { phone: null, channels: { push: false }, quietHours: { start: "22:00", end: "07:00" } });
    expect(patched.status).toBe(200);
    const { body } = await call("GET", `/v1/users/${userId}/preferences`);
    expect(body).toMatchObject({ email: "grace@example.com", channels: { email: true, sms: false, push: false, in_app: true }, quietHours: { start: "22:00", end: "07:00" } });
    expect(body.phone).toBeUndefined();
  });

  it("rejects a PATCH that would leave invalid preferences and keeps what was stored", async () => {
    const userId = uniqueId("user");
    await call("PUT", `/v1/users/${userId}/preferences`, { timezone: "Europe/Lisbon" });
    const { status, body } = await call("PATCH", `/v1/users/${userId}/preferences`, { timezone: "Europe/Atlantis" });
    expect(status).toBe(400);
    expect(body.error.issues[0].path).toBe("timezone");
    expect((await call("GET", `/v1/users/${userId}/preferences`)).body.timezone).toBe("Europe/Lisbon");
  });

  it.each([
    ["a bad time zone", { timezone: "Mars/Olympus" }, "timezone"],
    ["an unknown channel switch", { channels: { fax: true } }, "channels"],
    ["malformed quiet hours", { quietHours: { start: "7pm", end: "07:00" } }, "quietHours.start"],
    ["an unknown channel in a category opt-out", { categories: { marketing: { pigeon: false } } }, "categories.marketing"],
  ])("rejects %s naming the field", async (_name, preferences, path) => {
    const { status, body } = await call("PUT", `/v1/users/${uniqueId("user")}/preferences`, preferences);
    expect(status).toBe(400);
    expect(body.error.issues.map((issue: { path: string }) => issue.path)).toContain(path);
  });

  it("rejects a bad phone number naming the field", async () => {
    const { status, body } = await call("PUT", `/v1/users/${uniqueId("user")}/preferences`, { phone: "12345" });
    expect(status).toBe(400);
    expect(body.error.issues[0].path).toBe("phone");
  });
});
