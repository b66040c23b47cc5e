/** A route's limits as the stage declares them: requests a second, and how many at once above that. */
export interface ThrottleSpec {
  rateLimit: number;
  burstLimit: number;
}

/**
 * API Gateway's token bucket for one route: `burstLimit` tokens when idle, refilled at `rateLimit` a
 * second; a request that finds none is answered 429 before any authorizer or integration runs.
 */
export class RouteThrottle {
  private readonly spec: ThrottleSpec;
  private readonly now: () => number;
  private tokens: number;
  private refilledAt: number;

  constructor(spec: ThrottleSpec, now: () => number = () => performance.now()) {
    this.spec = spec;
    this.now = now;
    this.tokens = spec.burstLimit;
    this.refilledAt = now();
  }

  /** Takes a token; false when the route is over its limit. */
  admit(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.spec.burstLimit, this.tokens + ((now - this.refilledAt) / 1000) * this.spec.rateLimit);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
