import { describe, expect, it } from "vitest";
import { mergePatch } from "#shared/lib/merge-patch.ts";

describe("mergePatch (RFC 7396)", () => {
  it.each([
    ["replaces a value", { a: "b" }, { a: "c" }, { a: "c" }],
    ["adds a key", { a: "b" }, { b: "c" }, { a: "b", b: "c" }],
    ["removes a key set to null", { a: "b", b: "c" }, { a: null }, { b: "c" }],
    ["merges nested objects", { channels: { sms: false, push: true } }, { channels: { push: false } }, { channels: { sms: false, push: false } }],
    ["replaces arrays whole", { pushEndpoints: ["a", "b"] }, { pushEndpoints: ["c"] }, { pushEndpoints: ["c"] }],
    ["replaces an object with a scalar", { categories: { marketing: { email: false } } }, { categories: { marketing: false } }, { categories: { marketing: false } }],
    ["creates a nested object under an absent key", {}, { quietHours: { start: "22:00", end: "07:00" } }, { quietHours: { start: "22:00", end: "07:00" } }],
  ])("%s", (_name, target, patch, expected) => {
    expect(mergePatch(target, patch)).toEqual(expected);
  });

  it("keeps a __proto__ key as an own property, never as the result's prototype", () => {
    const patch = JSON.parse('{"__proto__": {"email": "mallory@example.com"}, "channels": {"__proto__": {"email": true}}}');
    const merged = mergePatch({ channels: { sms: false } }, patch) as Record<string, any>;
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(merged.channels)).toBe(Object.prototype);
    expect(merged.email).toBeUndefined();
    expect(merged.channels.email).toBeUndefined();
    expect(Object.keys(merged)).toEqual(["channels", "__proto__"]);
    expect(({} as Record<string, unknown>).email).toBeUndefined();
  });
});
