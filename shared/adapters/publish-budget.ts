import { nextTakeAt, sendWindowOf } from "../domain/send-rate.ts";
import type { SendRateWindows } from "./stores/send-rate-windows.ts";

/** The windows' counter that every broadcast expander publishes under. */
export const BROADCAST_PUBLISH_COUNTER = "broadcast-publish";

export interface PublishBudgetOptions {
  /** notify:broadcastPublishRate: messages a second across every expander at once. */
  ratePerSecond: number;
  now: () => number;
  sleep: (millis: number) => Promise<void>;
  random?: () => number;
}

/**
 * notify:broadcastPublishRate as one budget that every expander takes from, in the shared
 * one-second windows: however many shards are still expanding, together they publish at the rate
 * and no faster, and a lone shard at the end of a broadcast may use all of it.
 */
export class PublishBudget {
  private readonly windows: Pick<SendRateWindows, "take">;
  private readonly options: PublishBudgetOptions;

  constructor(windows: Pick<SendRateWindows, "take">, options: PublishBudgetOptions) {
    this.windows = windows;
    this.options = options;
  }

  /** Resolves once `count` messages may be published, waiting for later windows as needed. */
  async acquire(count: number): Promise<void> {
    const { ratePerSecond, now, sleep } = this.options;
    for (let needed = count; needed > 0; ) {
      const window = sendWindowOf(now());
      needed -= await this.windows.take(BROADCAST_PUBLISH_COUNTER, window, Math.min(needed, ratePerSecond), ratePerSecond, "bulk");
      if (needed > 0) await sleep(Math.max(0, nextTakeAt(window, this.options.random ?? Math.random) - now()));
    }
  }
}
