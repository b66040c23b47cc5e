import { describe, expect, it } from "vitest";
import { sendResendingFailed, type BatchOutcome } from "#shared/lib/resend-failed.ts";

const noWait = async () => {};
const giveUp = (failed: string[], detail: string) => new Error(`gave up on ${failed.join(",")}: ${detail}`);

/** A service that fails the listed entries the given number of times each. */
function flaky(failures: Record<string, number>, retryable = true) {
  const requests: string[][] = [];
  const send = async (pending: string[]): Promise<BatchOutcome<string>> => {
    requests.push(pending);
    const failed = pending.filter((entry) => (failures[entry] = (failures[entry] ?? 0) - 1) >= 0);
    return { failed, retryable, detail: failed.length ? "Throttled" : "" };
  };
  return { send, requests };
}

describe("sending a batch, resending only what failed", () => {
  it("resends only the failed entries until none fail", async () => {
    const service = flaky({ b: 2 });
    await sendResendingFailed(["a", "b", "c"], service.send, { maxAttempts: 4, sleep: noWait, giveUp });
    expect(service.requests).toEqual([["a", "b", "c"], ["b"], ["b"]]);
  });

  it("gives up after the last attempt, naming what still failed", async () => {
    const service = flaky({ c: 9 });
    await expect(sendResendingFailed(["a", "c"], service.send, { maxAttempts: 3, sleep: noWait, giveUp })).rejects.toThrow("gave up on c: Throttled");
    expect(service.requests).toHaveLength(3);
  });

  it("does not resend entries the service blamed on the sender", async () => {
    const service = flaky({ a: 1 }, false);
    await expect(sendResendingFailed(["a"], service.send, { maxAttempts: 4, sleep: noWait, giveUp })).rejects.toThrow("gave up on a");
    expect(service.requests).toHaveLength(1);
  });
});
