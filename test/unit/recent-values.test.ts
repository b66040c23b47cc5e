import { describe, expect, it } from "vitest";
import { RecentValues } from "#shared/lib/recent-values.ts";

describe("RecentValues", () => {
  it("loads a key once while it stays recent, and again after it is evicted", async () => {
    const loads: string[] = [];
    const values = new RecentValues(2, async (key) => (loads.push(key), `value of ${key}`));
    expect(await values.get("a")).toBe("value of a");
    await values.get("b");
    await values.get("a");
    await values.get("c"); // evicts b, the least recently used
    await values.get("a");
    await values.get("b");
    expect(loads).toEqual(["a", "b", "c", "b"]);
  });

  it("does not keep a miss, so a value that appears later is found", async () => {
    let stored: string | undefined;
    const values = new RecentValues(4, async () => stored);
    expect(await values.get("header")).toBeUndefined();
    stored = "written";
    expect(await values.get("header")).toBe("written");
  });
});
