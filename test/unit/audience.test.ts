import { describe, expect, it } from "vitest";
import { AUDIENCE_SHARDS, audienceShardOf, memberChangeSchema, MAX_MEMBER_CHANGES } from "#shared/domain/audience.ts";

describe("audience shards", () => {
  it("puts a member in the same shard on every call", () => {
    expect(audienceShardOf("user-42")).toBe(audienceShardOf("user-42"));
  });

  it("spreads 16,000 members over every shard, none holding more than 1.25x its share", () => {
    const counts = new Array<number>(AUDIENCE_SHARDS).fill(0);
    for (let index = 0; index < 16_000; index++) counts[audienceShardOf(`user-${index}`)]! += 1;
    expect(Math.min(...counts)).toBeGreaterThan(0);
    expect(Math.max(...counts)).toBeLessThanOrEqual((16_000 / AUDIENCE_SHARDS) * 1.25);
  });
});

describe("member changes", () => {
  it("accepts adds and removes up to the limit together", () => {
    const ids = (prefix: string, count: number) => Array.from({ length: count }, (_, index) => `${prefix}-${index}`);
    expect(memberChangeSchema.safeParse({ add: ids("a", MAX_MEMBER_CHANGES / 2), remove: ids("r", MAX_MEMBER_CHANGES / 2) }).success).toBe(true);
    expect(memberChangeSchema.safeParse({ add: ids("a", MAX_MEMBER_CHANGES / 2), remove: ids("r", MAX_MEMBER_CHANGES / 2 + 1) }).success).toBe(false);
  });

  it("refuses a change that names nobody", () => {
    expect(memberChangeSchema.safeParse({}).success).toBe(false);
    expect(memberChangeSchema.safeParse({ add: [] }).success).toBe(false);
  });

  it("names the ids a change both adds and removes", () => {
    const parsed = memberChangeSchema.safeParse({ add: ["ada", "bob"], remove: ["bob"] });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues).toEqual([expect.objectContaining({ path: ["remove"], message: "added and removed at once: bob" })]);
  });

  it("refuses a userId a user could not have", () => {
    expect(memberChangeSchema.safeParse({ add: ["has#hash"] }).success).toBe(false);
  });
});
