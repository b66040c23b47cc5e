import type { Channel } from "../domain/channels.ts";
import { nextTakeAt, sendWindowOf, type SendLane } from "../domain/send-rate.ts";
import type { SendRateWindows } from "./stores/send-rate-windows.ts";

export interface SendRateGateOptions {
  channel: Channel;
  /** Sends a second across every worker of the channel. */
  limit: number;
  now: () => number;
  sleep: (millis: number) => Promise<void>;
  /** How long a take waits for the batch's other records to share it. @default 10 */
  coalesceMillis?: number;
  /** Spreads the workers' takes over the start of a window. @default Math.random */
  random?: () => number;
}

interface Waiter {
  /** Past this instant the record gives up waiting and is put back on its queue. */
  deadline: number;
  settle: (admitted: boolean) => void;
  fail: (error: unknown) => void;
}

/**
 * Admits a worker's sends at the channel's rate. Records of a batch that arrive together share one
 * take from the current window; those it could not grant wait for the next window, and a record
 * whose deadline comes first is answered `false` (held: its worker puts it back on the queue, so
 * waiting never uses up its receives).
 */
export class SendRateGate {
  private readonly windows: Pick<SendRateWindows, "take" | "reserveForTransactional">;
  private readonly options: SendRateGateOptions;
  private readonly waiting: Record<SendLane, Waiter[]> = { transactional: [], bulk: [] };
  private readonly pumping: Record<SendLane, boolean> = { transactional: false, bulk: false };

  constructor(windows: Pick<SendRateWindows, "take" | "reserveForTransactional">, options: SendRateGateOptions) {
    this.windows = windows;
    this.options = options;
  }

  /** Resolves true when the send may go, false when the deadline passed first. */
  admit(lane: SendLane, deadline: number): Promise<boolean> {
    return new Promise<boolean>((settle, fail) => {
      this.waiting[lane].push({ deadline, settle, fail });
      if (!this.pumping[lane]) void this.pump(lane);
    });
  }

  /** Takes for the lane's waiters, window after window, until none is left. */
  private async pump(lane: SendLane): Promise<void> {
    this.pumping[lane] = true;
    try {
      await this.takeUntilEmpty(lane);
    } finally {
      // Synchronously after the last look at the queue: a waiter that arrives later starts a new pump.
      this.pumping[lane] = false;
    }
  }

  private async takeUntilEmpty(lane: SendLane): Promise<void> {
    const { channel, limit, now, sleep } = this.options;
    const queue = this.waiting[lane];
    await sleep(this.options.coalesceMillis ?? 10);
    while (queue.length > 0) {
      const window = sendWindowOf(now());
      let granted: number;
      try {
        granted = await this.windows.take(channel, window, Math.min(queue.length, limit), limit, lane);
        if (granted < queue.length && lane === "transactional") await this.windows.reserveForTransactional(channel, window + 1);
      } catch (error) {
        for (const waiter of queue.splice(0)) waiter.fail(error);
        return;
      }
      for (const waiter of queue.splice(0, granted)) waiter.settle(true);
      if (queue.length === 0) return;
      const nextTake = nextTakeAt(window, this.options.random ?? Math.random);
      for (const waiter of queue.filter((candidate) => candidate.deadline < nextTake)) {
        queue.splice(queue.indexOf(waiter), 1);
        waiter.settle(false);
      }
      await sleep(Math.max(0, nextTake - now()));
    }
  }
}
