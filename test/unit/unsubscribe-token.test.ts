import { describe, expect, it } from "vitest";
import { createUnsubscribeToken, readUnsubscribeToken, unsubscribeKey, UNSUBSCRIBE_TOKEN_LIFETIME_MILLIS } from "#shared/domain/unsubscribe-token.ts";

const key = unsubscribeKey("stack secret");
const now = Date.parse("2026-11-23T10:00:00Z");
const claim = { userId: "user-42@example", category: "marketing" };

function reason(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as { reason: string }).reason;
  }
  return "accepted";
}

describe("unsubscribe tokens", () => {
  it("reads back the user and category it was made for", () => {
    expect(readUnsubscribeToken(createUnsubscribeToken(claim, key, now), key, now)).toEqual(claim);
  });

  it("does not carry the user id in clear", () => {
    const token = createUnsubscribeToken(claim, key, now);
    expect(Buffer.from(token, "base64url").toString("latin1")).not.toContain("user-42");
    expect(token).not.toContain("user-42");
  });

  it("is URL-safe", () => {
    expect(createUnsubscribeToken(claim, key, now)).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it("refuses a token with one byte changed as forged", () => {
    const raw = Buffer.from(createUnsubscribeToken(claim, key, now), "base64url");
    raw[20] = raw[20]! ^ 1;
    expect(reason(() => readUnsubscribeToken(raw.toString("base64url"), key, now))).toBe("forged");
  });

  it("refuses a token made with another stack's secret as forged", () => {
    expect(reason(() => readUnsubscribeToken(createUnsubscribeToken(claim, unsubscribeKey("other"), now), key, now))).toBe("forged");
  });

  it("refuses a token past its lifetime as expired", () => {
    const token = createUnsubscribeToken(claim, key, now);
    expect(reason(() => readUnsubscribeToken(token, key, now + UNSUBSCRIBE_TOKEN_LIFETIME_MILLIS))).toBe("accepted");
    expect(reason(() => readUnsubscribeToken(token, key, now + UNSUBSCRIBE_TOKEN_LIFETIME_MILLIS + 1))).toBe("expired");
  });

  it.each(["", "abc", "not a token!", "A".repeat(10)])("refuses %j as malformed", (token) => {
    expect(reason(() => readUnsubscribeToken(token, key, now))).toBe("malformed");
  });
});
