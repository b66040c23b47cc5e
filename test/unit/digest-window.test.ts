import { describe, expect, it } from "vitest";
import { digestContent, digestKeyValue, digestRuleProblem, digestScopeKey, digestWindowId, type DigestScope } from "#shared/domain/digest-window.ts";
import { MAX_THROTTLE_MAX, throttleDecision, throttleRuleProblem, throttleWindowOf } from "#shared/domain/throttle.ts";
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

  it("holds a long key value as its hash, so a scope key stays far inside DynamoDB's 2,048-byte partition key", () => {
    const long = "é".repeat(2_000);
    const key = digestScopeKey({ ...scope, keyValue: long });
    expect(Buffer.byteLength(key)).toBeLessThan(300);
    expect(key).not.toBe(digestScopeKey({ ...scope, keyValue: `${long}x` }));
    // Short values keep their readable form, as windows opened before hashing stored them.
    expect(digestScopeKey(scope)).toBe("social.comment_liked|ada|push|post-1");
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
      itemsLeftOut: 1,
      trimmedToFit: false,
      firstAt: "2026-12-04T10:00:00.000Z",
      lastAt: "2026-12-04T10:02:00.000Z",
    });
    expect(() => digestContent([], { windowMinutes: 5 })).toThrow(RangeError);
  });

  it("leaves the newest items out when their data would pass the bytes the message has left, and says so", () => {
    const entries = ["n-1", "n-2", "n-3"].map((id, index) => entry(id, `2026-12-04T10:0${index}:00.000Z`));
    const itemBytes = JSON.stringify({ postId: "post-1", liker: "n-1" }).length;
    // Two items and the comma between them fit exactly; one byte less fits only the first.
    expect(digestContent(entries, { windowMinutes: 5 }, 2 * itemBytes + 1)).toMatchObject({ count: 3, items: [{ liker: "n-1" }, { liker: "n-2" }], itemsLeftOut: 1, trimmedToFit: true });
    expect(digestContent(entries, { windowMinutes: 5 }, 2 * itemBytes)).toMatchObject({ count: 3, items: [{ liker: "n-1" }], itemsLeftOut: 2, trimmedToFit: true });
    expect(digestContent(entries, { windowMinutes: 5 }, 0)).toMatchObject({ count: 3, items: [], itemsLeftOut: 3, trimmedToFit: true });
    expect(digestContent(entries, { windowMinutes: 5 })).toMatchObject({ items: [{}, {}, {}], itemsLeftOut: 0, trimmedToFit: false });
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
    // One attribute per counted notification on one 400 KB item: a max past it could never be kept.
    expect(throttleRuleProblem({ max: MAX_THROTTLE_MAX, perMinutes: 5 }, [])).toBeUndefined();
    expect(throttleRuleProblem({ max: MAX_THROTTLE_MAX + 1, perMinutes: 5 }, [])).toMatch(/max must be a whole number from 1 to 1000/);
    expect(throttleRuleProblem({ max: 1, perMinutes: 0 }, [])).toMatch(/perMinutes/);
    expect(throttleRuleProblem({ max: 1, perMinutes: 5, key: "postId" }, [])).toMatch(/postId/);
  });
});
