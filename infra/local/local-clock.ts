/**
 * The time the local cloud's functions and schedules see: real time plus an offset that only grows.
 * Tests move it forward (POST /_local/clock) to reach the end of quiet hours or a token's expiry
 * without sleeping; product code keeps reading Date.now() at its edges.
 */
export class LocalClock {
  private offset = 0;
  private readonly listeners = new Set<(offsetMillis: number) => void>();

  now(): number {
    return Date.now() + this.offset;
  }

  get offsetMillis(): number {
    return this.offset;
  }

  advanceTo(instant: number): void {
    if (instant < this.now()) throw new RangeError(`the local clock only moves forward; it is already ${new Date(this.now()).toISOString()}`);
    this.offset = instant - Date.now();
    for (const listener of this.listeners) listener(this.offset);
  }

  onChange(listener: (offsetMillis: number) => void): void {
    this.listeners.add(listener);
  }
}
