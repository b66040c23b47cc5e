import { randomUUID } from "node:crypto";
import type { ScheduledEvent } from "aws-lambda";
import type { LocalClock } from "./local-clock.ts";
import type { LocalFunction } from "./local-function.ts";

export interface ScheduledRule {
  name: string;
  arn: string;
  scheduleExpression: string;
  targets: Array<Pick<LocalFunction, "invoke" | "spec">>;
}

const UNIT_MILLIS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** rate(N unit) in milliseconds; cron expressions are refused by name rather than misread. */
export function rateMillis(expression: string): number {
  const match = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(expression.trim());
  if (!match) throw new Error(`the local cloud runs rate(...) schedules only, not ${expression}`);
  return Number(match[1]) * UNIT_MILLIS[match[2]!]!;
}

/**
 * EventBridge scheduled rules on the local clock: each rule fires when the clock passes its next
 * time, so moving the clock forward fires a due schedule at once (once, as EventBridge does not
 * replay missed runs).
 */
export class LocalScheduler {
  private readonly clock: LocalClock;
  private readonly rules: { rule: ScheduledRule; every: number; nextAt: number; running: Promise<void> | undefined }[];
  private timer: NodeJS.Timeout | undefined;

  constructor(clock: LocalClock, rules: ScheduledRule[]) {
    this.clock = clock;
    this.rules = rules.map((rule) => {
      const every = rateMillis(rule.scheduleExpression);
      return { rule, every, nextAt: clock.now() + every, running: undefined };
    });
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), 200);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  isIdle(): boolean {
    return this.rules.every((entry) => !entry.running && entry.nextAt > this.clock.now());
  }

  /** Fires what is due on the clock now and resolves once those runs (and any already running) have finished. */
  async dueRunsFinished(): Promise<void> {
    this.tick();
    await Promise.all(this.rules.map((entry) => entry.running));
  }

  private tick(): void {
    const now = this.clock.now();
    for (const entry of this.rules) {
      if (entry.running || now < entry.nextAt) continue;
      entry.nextAt = now + entry.every;
      const event: ScheduledEvent = {
        version: "0",
        id: randomUUID(),
        "detail-type": "Scheduled Event",
        source: "aws.events",
        account: "000000000000",
        time: new Date(now).toISOString(),
        region: "us-east-1",
        resources: [entry.rule.arn],
        detail: {},
      };
      entry.running = Promise.all(
        entry.rule.targets.map(async (target) => {
          const outcome = await target.invoke(event, { invocationType: "Event" });
          if (!outcome.ok) console.error(`schedule ${entry.rule.name}: ${target.spec.name} failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`);
        }),
      ).then(() => {
        entry.running = undefined;
      });
    }
  }
}
