import { describe, expect, it } from "vitest";
import { RouteThrottle } from "#infra/local/route-throttle.ts";

describe("RouteThrottle, API Gateway's token bucket for one route", () => {
  it("admits a burst at once, then the steady rate", () => {
    const clock = { now: 0 };
    const throttle = new RouteThrottle({ rateLimit: 20, burstLimit: 40 }, () => clock.now);
    expect(Array.from({ length: 45 }, () => throttle.admit()).filter(Boolean)).toHaveLength(40);
    clock.now += 100;
    expect(Array.from({ length: 5 }, () => throttle.admit()).filter(Boolean)).toHaveLength(2);
    clock.now += 60_000;
    expect(Array.from({ length: 50 }, () => throttle.admit()).filter(Boolean)).toHaveLength(40);
  });
});
