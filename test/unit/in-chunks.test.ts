import { describe, expect, it } from "vitest";
import { inChunks } from "#shared/lib/in-chunks.ts";

describe("inChunks", () => {
  it("runs at most `size` at once and returns results in order", async () => {
    let running = 0;
    let most = 0;
    const results = await inChunks([1, 2, 3, 4, 5], 2, async (item) => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      return item * 10;
    });
    expect(results).toEqual([10, 20, 30, 40, 50]);
    expect(most).toBe(2);
  });
});
