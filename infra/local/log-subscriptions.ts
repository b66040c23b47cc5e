import { gzipSync } from "node:zlib";
import type { LocalFunction } from "./local-function.ts";

/**
 * CloudWatch Logs subscriptions on the local cloud: lines written to a log group reach the
 * subscribed functions as Logs would hand them over, a gzipped, base64 DATA_MESSAGE batch.
 */
export class LogSubscriptions {
  private readonly subscribers = new Map<string, LocalFunction[]>();
  private readonly account: string;
  private sequence = 0;

  constructor(account: string) {
    this.account = account;
  }

  subscribe(logGroupName: string, fn: LocalFunction): void {
    this.subscribers.set(logGroupName, [...(this.subscribers.get(logGroupName) ?? []), fn]);
  }

  /** Throws with the function's error when a subscriber fails, where Lambda would retry and then use the on-failure destination. */
  async write(logGroupName: string, messages: string[], at: number): Promise<void> {
    const subscribers = this.subscribers.get(logGroupName);
    if (!subscribers?.length) throw new Error(`no subscription on log group ${logGroupName}`);
    const batch = {
      messageType: "DATA_MESSAGE",
      owner: this.account,
      logGroup: logGroupName,
      logStream: "local",
      subscriptionFilters: ["local"],
      logEvents: messages.map((message) => ({ id: String(++this.sequence), timestamp: at, message })),
    };
    const event = { awslogs: { data: gzipSync(JSON.stringify(batch)).toString("base64") } };
    for (const fn of subscribers) {
      const outcome = await fn.invoke(event, { invocationType: "Event" });
      if (!outcome.ok) throw new Error(`${fn.spec.name} failed on ${logGroupName}: ${outcome.error.errorMessage}`);
    }
  }
}
