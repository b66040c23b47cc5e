import { describe, expect, it } from "vitest";
import { retryDelaySeconds } from "#shared/domain/retry-backoff.ts";

const policy = { baseSeconds: 2, maxSeconds: 300 };

describe("retryDelaySeconds", () => {
  it.each([
    [1, 1, 2],
    [2, 2, 4],
    [3, 4, 8],
    [4, 8, 16],
  ])("waits between half and all of base·2^(n-1) after attempt %i (%i-%i s)", (attempt, low, high) => {
    expect(retryDelaySeconds(attempt, policy, false, () => 0)).toBe(low);
    expect(retryDelaySeconds(attempt, policy, false, () => 1)).toBe(high);
  });

  it("never exceeds the cap", () => {
    expect(retryDelaySeconds(20, policy, false, () => 1)).toBe(300);
  });

  it("backs off four times longer from a throttle", () => {
    expect(retryDelaySeconds(1, policy, true, () => 1)).toBe(8);
  });

  it("spreads a burst of failures over the interval", () => {
    const delays = new Set(Array.from({ length: 50 }, (_, index) => retryDelaySeconds(5, policy, false, () => index / 50)));
    expect(delays.size).toBeGreaterThan(10);
  });
});
