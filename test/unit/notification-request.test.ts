import { describe, expect, it } from "vitest";
import { acceptNotificationRequest, acceptPublishRequest } from "#shared/domain/notification-request.ts";
import { RequestError } from "#shared/domain/request-error.ts";

function rejection(body: unknown): RequestError {
  try {
    acceptNotificationRequest(body);
  } catch (error) {
    if (error instanceof RequestError) return error;
    throw error;
  }
  throw new Error("expected the request to be rejected");
}

const shipped = { type: "order.shipped", recipients: [{ userId: "u-1" }], data: { orderId: "A-1" } };

describe("acceptNotificationRequest", () => {
  it("sends on every channel of the template when the request names none", () => {
    expect(acceptNotificationRequest(shipped, () => "generated").channels).toEqual(["email", "sms", "push", "in_app"]);
  });

  it("generates a notificationId when the producer gives none", () => {
    expect(acceptNotificationRequest(shipped, () => "generated").notificationId).toBe("generated");
  });

  it("keeps the producer's notificationId as the idempotency key", () => {
    expect(acceptNotificationRequest({ ...shipped, notificationId: "order-A-1:shipped" }).notificationId).toBe("order-A-1:shipped");
  });

  it("narrows the template's channels to the requested ones", () => {
    expect(acceptNotificationRequest({ ...shipped, channels: ["sms", "email"] }).channels).toEqual(["email", "sms"]);
  });

  it("never widens beyond the template's channels", () => {
    const accepted = acceptNotificationRequest({ type: "marketing.weekly_digest", recipients: [{ userId: "u" }], channels: ["push", "sms"] });
    expect(accepted.channels).toEqual(["push"]);
  });

  it("rejects a request whose channels the template does not offer at all", () => {
    const error = rejection({ type: "marketing.weekly_digest", recipients: [{ userId: "u" }], channels: ["sms"] });
    expect(error.code).toBe("invalid_request");
    expect(error.issues?.[0]?.path).toBe("channels");
  });

  it("takes the category from the template unless the request sets one", () => {
    expect(acceptNotificationRequest(shipped).category).toBe("transactional");
    expect(acceptNotificationRequest({ ...shipped, category: "marketing" }).category).toBe("marketing");
  });

  it("sends once to a recipient listed twice", () => {
    expect(acceptNotificationRequest({ ...shipped, recipients: [{ userId: "u" }, { userId: "u" }] }).userIds).toEqual(["u"]);
  });

  it("answers unknown_type for a type no template declares", () => {
    expect(rejection({ ...shipped, type: "order.teleported" }).code).toBe("unknown_type");
  });

  it("answers unknown_channel naming the channel", () => {
    const error = rejection({ ...shipped, channels: ["email", "pigeon"] });
    expect(error.code).toBe("unknown_channel");
    expect(error.message).toContain("pigeon");
  });

  it("names a missing required template parameter", () => {
    const error = rejection({ ...shipped, data: { carrier: "UPS" } });
    expect(error.code).toBe("invalid_request");
    expect(error.issues?.map((issue) => issue.path)).toContain("data.orderId");
  });

  it.each([
    ["no recipients", { type: "order.shipped", data: { orderId: "1" } }, "recipients"],
    ["an empty recipient list", { ...shipped, recipients: [] }, "recipients"],
    ["101 recipients", { ...shipped, recipients: Array.from({ length: 101 }, (_, i) => ({ userId: `u${i}` })) }, "recipients"],
    ["a userId with a reserved character", { ...shipped, recipients: [{ userId: "a#b" }] }, "recipients.0.userId"],
    ["a notificationId with a space", { ...shipped, notificationId: "a b" }, "notificationId"],
    ["an unknown field", { ...shipped, extra: 1 }, "(body)"],
    ["a priority outside high|normal|low", { ...shipped, priority: "urgent" }, "priority"],
    ["a category nobody declares", { ...shipped, category: "gossip" }, "category"],
    ["data over 32 KB", { ...shipped, data: { orderId: "1", carrier: "x".repeat(33 * 1024) } }, "data"],
    ["a body that is not an object", [1, 2], "(body)"],
  ])("rejects %s naming the field", (_name, body, path) => {
    const error = rejection(body);
    expect(error.code).toBe("invalid_request");
    expect(error.issues?.map((issue) => issue.path)).toContain(path);
  });

  it("refuses a broadcast where only recipients can be sent, naming the HTTP API", () => {
    const error = rejection({ type: "order.shipped", audience: "all", data: { orderId: "1" } });
    expect(error.issues?.[0]).toEqual({ path: "audience", message: "needs the HTTP API" });
  });
});

describe("acceptPublishRequest", () => {
  it("accepts a broadcast to an audience with the template's channels", () => {
    expect(acceptPublishRequest({ type: "order.shipped", audience: "beta", data: { orderId: "1" } }, () => "b-1")).toEqual({
      kind: "broadcast",
      broadcast: { notificationId: "b-1", type: "order.shipped", category: "transactional", audience: "beta", channels: ["email", "sms", "push", "in_app"], data: { orderId: "1" }, priority: "normal" },
    });
  });

  it.each([
    ["both recipients and an audience", { ...shipped, audience: "beta" }, "audience"],
    ["neither", { type: "order.shipped", data: { orderId: "1" } }, "recipients"],
    ["an audience id with spaces", { type: "order.shipped", audience: "two words", data: { orderId: "1" } }, "audience"],
  ])("refuses %s, naming the field", (_name, body, path) => {
    try {
      acceptPublishRequest(body);
    } catch (error) {
      expect((error as RequestError).issues?.map((issue) => issue.path)).toContain(path);
      return;
    }
    throw new Error("expected a rejection");
  });
});
