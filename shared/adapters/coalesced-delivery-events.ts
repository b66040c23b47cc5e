import type { DeliveryEvent } from "../domain/delivery-event.ts";
import type { DeliveryEventPublisher } from "./delivery-event-publisher.ts";

/** PutRecords' limit. */
const MAX_RECORDS_PER_PUT = 500;

interface Waiting {
  events: DeliveryEvent[];
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Puts the events that arrive within a short window in one request, rather than a request per
 * delivery, and answers each caller only once its own events are on the stream (or failed to get
 * there), so a record still succeeds or fails with its event. The window bounds what a crash can
 * catch unput: the events of the last few milliseconds, which their records' retry puts again.
 */
export class CoalescedDeliveryEvents implements Pick<DeliveryEventPublisher, "publish"> {
  private readonly publisher: Pick<DeliveryEventPublisher, "publish">;
  private readonly windowMillis: number;
  private waiting: Waiting[] = [];
  private pendingEvents = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(publisher: Pick<DeliveryEventPublisher, "publish">, windowMillis: number) {
    this.publisher = publisher;
    this.windowMillis = windowMillis;
  }

  publish(events: DeliveryEvent[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ events, resolve, reject });
      this.pendingEvents += events.length;
      if (this.pendingEvents >= MAX_RECORDS_PER_PUT) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), this.windowMillis);
    });
  }

  private async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const waiting = this.waiting;
    this.waiting = [];
    this.pendingEvents = 0;
    try {
      await this.publisher.publish(waiting.flatMap((entry) => entry.events));
      for (const entry of waiting) entry.resolve();
    } catch (error) {
      for (const entry of waiting) entry.reject(error);
    }
  }
}
