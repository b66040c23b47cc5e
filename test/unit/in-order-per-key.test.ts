import { describe, expect, it } from "vitest";
import { inOrderPerKey } from "#shared/lib/in-order-per-key.ts";

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("inOrderPerKey", () => {
  it("keeps each key's order while keys run side by side", async () => {
    const items = ["a1", "b1", "a2", "c1", "b2", "a3"];
    const started: string[] = [];
    const finished: string[] = [];
    let running = 0;
    let mostRunning = 0;
    await inOrderPerKey(items, (item) => item[0]!, async (item) => {
      started.push(item);
      mostRunning = Math.max(mostRunning, ++running);
      await tick();
      running--;
      finished.push(item);
    }, 2);
    for (const key of ["a", "b", "c"]) expect(finished.filter((item) => item.startsWith(key))).toEqual(items.filter((item) => item.startsWith(key)));
    expect(mostRunning).toBe(2);
  });

  it("skips the rest of a key after a failure and reports both, leaving other keys alone", async () => {
    const handled: string[] = [];
    const failed = await inOrderPerKey(["a1", "b1", "a2", "b2", "a3"], (item) => item[0]!, async (item) => {
      if (item === "a2") throw new Error("boom");
      handled.push(item);
    }, 4);
    expect(failed).toEqual(["a2", "a3"]);
    expect(handled.sort()).toEqual(["a1", "b1", "b2"]);
  });

  it("handles an empty batch", async () => {
    expect(await inOrderPerKey([], () => "k", async () => {}, 4)).toEqual([]);
  });
});
