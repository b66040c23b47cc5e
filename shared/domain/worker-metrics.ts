/**
 * The channel workers' CloudWatch metrics (EMF, namespace Notify), named once for the workers that
 * emit them and the dashboard that draws them. Each carries the dimensions service and channel;
 * `suppressed` adds reason.
 */
export const WORKER_METRICS = {
  sent: "sent",
  suppressed: "suppressed",
  failed: "failed",
  deferred: "deferred",
  deduplicated: "deduplicated",
  deadLettered: "deadLettered",
  retried: "retried",
  redundant: "redundant",
  /** Put back on the queue because the channel's send rate had no room in time. */
  held: "held",
  /** Milliseconds the provider took to accept or refuse a send. */
  providerLatency: "providerLatency",
} as const;

export const METRICS_NAMESPACE = "Notify";

export function workerServiceName(channel: string): string {
  return `${channel}-worker`;
}
