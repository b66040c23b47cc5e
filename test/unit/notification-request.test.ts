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
      broadcast: { notificationId: "b-1", type: "order.shipped", category: "transactional", audience: "beta", channels: ["email", "sms", "push", "in_app"], data: { orderId: "1" }, priority: "normal", templateVersion: 1 },
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

describe("sendAt", () => {
  const now = Date.parse("2026-12-04T12:00:00Z");
  const accept = (sendAt: string) => acceptPublishRequest({ ...shipped, sendAt }, () => "s-1", () => now);
  const issueOf = (sendAt: string) => {
    try {
      accept(sendAt);
    } catch (error) {
      return (error as RequestError).issues?.[0];
    }
    throw new Error("expected a rejection");
  };

  it("schedules a notification for a later instant, kept in UTC whatever offset it was given in", () => {
    const accepted = accept("2026-12-04T14:30:00+01:00");
    expect(accepted.kind === "direct" && accepted.notification.sendAt).toBe("2026-12-04T13:30:00.000Z");
  });

  it("sends at once when sendAt is now or less than a minute ago (a caller's clock may lag)", () => {
    for (const sendAt of ["2026-12-04T12:00:00Z", "2026-12-04T11:59:01Z"]) {
      const accepted = accept(sendAt);
      expect(accepted.kind === "direct" && accepted.notification.sendAt).toBeUndefined();
    }
  });

  it("refuses an instant more than a minute past, more than 365 days ahead, or without an offset, naming sendAt", () => {
    expect(issueOf("2026-12-04T11:58:59Z")).toEqual({ path: "sendAt", message: "in the past" });
    expect(issueOf("2027-12-05T12:00:00Z")).toEqual({ path: "sendAt", message: "more than 365 days ahead" });
    expect(issueOf("2026-12-04T13:00:00")?.path).toBe("sendAt");
  });

  it("schedules a broadcast, whose audience is expanded then, and refuses sendAt on the topic transport, which cannot hold a notification", () => {
    const accepted = acceptPublishRequest({ type: "order.shipped", audience: "beta", data: { orderId: "1" }, sendAt: "2026-12-04T13:00:00Z" }, () => "b", () => now);
    expect(accepted).toMatchObject({ kind: "broadcast", broadcast: { audience: "beta", sendAt: "2026-12-04T13:00:00.000Z" } });
    expect(() => acceptNotificationRequest({ ...shipped, sendAt: "2026-12-04T13:00:00Z" }, () => "s", () => now)).toThrow(/held by the stack until sendAt/);
  });
});
