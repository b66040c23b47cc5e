import { describe, expect, it } from "vitest";
import { digestContent, digestKeyValue, digestRuleProblem, digestScopeKey, digestWindowId, type DigestScope } from "#shared/domain/digest-window.ts";
import { throttleDecision, throttleRuleProblem, throttleWindowOf } from "#shared/domain/throttle.ts";
import { defineTemplate } from "#shared/domain/templates/template-definition.ts";

const scope: DigestScope = { type: "social.comment_liked", userId: "ada", channel: "push", keyValue: "post-1" };
const entry = (notificationId: string, at: string, liker = notificationId) => ({ notificationId, at, data: { postId: "post-1", liker } });

describe("digest windows", () => {
  it("names a window the same for every writer, apart for another open time or scope", () => {
    expect(digestWindowId(scope, 1_000)).toBe(digestWindowId({ ...scope }, 1_000));
    expect(digestWindowId(scope, 1_000)).not.toBe(digestWindowId(scope, 301_000));
    expect(digestWindowId(scope, 1_000)).not.toBe(digestWindowId({ ...scope, keyValue: "post-2" }, 1_000));
    expect(digestWindowId(scope, 1_000)).toMatch(/^digest-[0-9a-f]{32}$/);
  });

  it("keeps scopes apart even when their parts run into each other", () => {
    expect(digestScopeKey({ ...scope, userId: "a|b", keyValue: "c" })).not.toBe(digestScopeKey({ ...scope, userId: "a", keyValue: "b|c" }));
  });

  it("takes the key value from the data, as text", () => {
    expect(digestKeyValue({ windowMinutes: 5, key: "postId" }, { postId: "p-9" })).toBe("p-9");
    expect(digestKeyValue({ windowMinutes: 5, key: "postId" }, { postId: 42 })).toBe("42");
    expect(digestKeyValue({ windowMinutes: 5 }, { postId: "p-9" })).toBe("");
  });

  it("counts each notification once, oldest first, carrying at most maxItems of them", () => {
    const entries = [entry("n-3", "2026-12-04T10:02:00.000Z"), entry("n-1", "2026-12-04T10:00:00.000Z"), entry("n-2", "2026-12-04T10:01:00.000Z"), entry("n-1", "2026-12-04T10:00:00.000Z")];
    expect(digestContent(entries, { windowMinutes: 5, maxItems: 2 })).toEqual({
      count: 3,
      items: [{ postId: "post-1", liker: "n-1" }, { postId: "post-1", liker: "n-2" }],
      firstAt: "2026-12-04T10:00:00.000Z",
      lastAt: "2026-12-04T10:02:00.000Z",
    });
    expect(() => digestContent([], { windowMinutes: 5 })).toThrow(RangeError);
  });

  it("refuses an unsound rule when the template is defined, naming it", () => {
    expect(digestRuleProblem({ windowMinutes: 0 }, [])).toMatch(/windowMinutes/);
    expect(digestRuleProblem({ windowMinutes: 5, maxItems: 0 }, [])).toMatch(/maxItems/);
    expect(digestRuleProblem({ windowMinutes: 5, key: "postId" }, ["liker"])).toMatch(/postId/);
    expect(digestRuleProblem({ windowMinutes: 5, key: "postId" }, ["postId"])).toBeUndefined();
    const definition = { category: "transactional" as const, channels: ["push" as const], dataSchema: { type: "object", properties: { postId: { type: "string" } } }, locales: { en: { push: { title: "t", body: "b" } } } };
    expect(() => defineTemplate("t.x", { ...definition, digest: { windowMinutes: 5, key: "missing" } })).toThrow(/template t\.x: digest: digest key missing/);
    expect(() => defineTemplate("t.x", { ...definition, throttle: { max: 0, perMinutes: 5 } })).toThrow(/template t\.x: throttle: throttle max/);
    expect(defineTemplate("t.x", { ...definition, digest: { windowMinutes: 5, key: "postId" }, throttle: { max: 3, perMinutes: 60 } }).digest).toEqual({ windowMinutes: 5, key: "postId" });
  });
});

describe("throttles", () => {
  it("counts in fixed windows every worker agrees on", () => {
    const rule = { max: 3, perMinutes: 10 };
    expect(throttleWindowOf(0, rule)).toBe(throttleWindowOf(599_999, rule));
    expect(throttleWindowOf(600_000, rule)).toBe(1);
  });

  it("sends up to max, then folds into the digest if there is one, else suppresses", () => {
    const rule = { max: 2, perMinutes: 60 };
    expect([1, 2, 3].map((position) => throttleDecision(position, rule, false))).toEqual(["send", "send", "suppress"]);
    expect(throttleDecision(3, rule, true)).toBe("digest");
  });

  it("refuses an unsound rule", () => {
    expect(throttleRuleProblem({ max: 1.5, perMinutes: 5 }, [])).toMatch(/max/);
    expect(throttleRuleProblem({ max: 1, perMinutes: 0 }, [])).toMatch(/perMinutes/);
    expect(throttleRuleProblem({ max: 1, perMinutes: 5, key: "postId" }, [])).toMatch(/postId/);
  });
});
