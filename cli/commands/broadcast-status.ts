import { setTimeout as sleep } from "node:timers/promises";
import { MultiBar, Presets } from "cli-progress";
import type { BroadcastSummary } from "#shared/domain/broadcast-summary.ts";
import type { CancelProgress, ExpansionProgress } from "#shared/domain/broadcast-expansion.ts";
import { DeliveriesStore } from "#shared/adapters/stores/deliveries-store.ts";
import type { Target } from "../target.ts";

/** Statuses that settle a delivery: what it ends as unless feedback moves it on. */
const UNDECIDED = new Set(["scheduled", "deferred", "digested"]);

/** A broadcast's progress as `notify status <notificationId>` shows it: one read of its header, checkpoints and summary. */
export interface BroadcastStatus {
  notificationId: string;
  audience: string;
  sendAt?: string;
  canceledAt?: string;
  expansion: ExpansionProgress;
  /** Deliveries with an outcome, of every recipient on every channel at acceptance. */
  deliveries: { decided: number; total: number };
  summary: BroadcastSummary;
  cancel?: CancelProgress;
}

export async function broadcastStatus(target: Target, notificationId: string): Promise<BroadcastStatus | undefined> {
  const view = await new DeliveriesStore(target.documents, target.outputs.DeliveriesTableName!).broadcastOverview(notificationId);
  if (view?.audience === undefined) return undefined;
  const decided = Object.values(view.summary ?? {}).flatMap((byStatus) => Object.entries(byStatus ?? {}).filter(([status]) => !UNDECIDED.has(status)).map(([, count]) => count ?? 0));
  return {
    notificationId,
    audience: view.audience,
    ...(view.sendAt ? { sendAt: view.sendAt } : {}),
    ...(view.canceledAt ? { canceledAt: view.canceledAt } : {}),
    expansion: view.expansion!,
    deliveries: { decided: decided.reduce((sum, count) => sum + count, 0), total: view.recipients * view.channels.length },
    summary: view.summary ?? {},
    ...(view.cancel ? { cancel: view.cancel } : {}),
  };
}

/** Whether there is nothing left to follow: expanded (or stopped), every delivery decided, the cancel done. */
export function isSettled(status: BroadcastStatus): boolean {
  if (status.cancel) return status.cancel.status === "done";
  return status.expansion.status === "done" && status.deliveries.decided >= status.deliveries.total;
}

const percent = (part: number, whole: number) => (whole === 0 ? 100 : Math.floor((part / whole) * 100));

export function formatBroadcastStatus(status: BroadcastStatus): string {
  const { expansion, deliveries, cancel } = status;
  return [
    `broadcast ${status.notificationId} to audience ${status.audience}${status.sendAt ? `, scheduled for ${status.sendAt}` : ""}${status.canceledAt ? `, canceled at ${status.canceledAt}` : ""}`,
    `  expansion ${expansion.status}: ${expansion.expanded.toLocaleString("en-US")} of ${expansion.total.toLocaleString("en-US")} members published (${percent(expansion.expanded, expansion.total)}%)`,
    `  deliveries: ${deliveries.decided.toLocaleString("en-US")} of ${deliveries.total.toLocaleString("en-US")} decided (${percent(deliveries.decided, deliveries.total)}%)`,
    ...Object.entries(status.summary)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([channel, byStatus]) => `    ${channel.padEnd(7)} ${Object.entries(byStatus!).sort(([a], [b]) => a.localeCompare(b)).map(([name, count]) => `${name} ${count}`).join(", ")}`),
    ...(cancel ? [`  cancel ${cancel.status}: ${cancel.checked.toLocaleString("en-US")} members checked, ${cancel.canceled.toLocaleString("en-US")} deliveries canceled`] : []),
  ].join("\n");
}

/**
 * Follows a broadcast until it settles, redrawing a bar each for its expansion, its deliveries and
 * its cancel (members checked) on a terminal, every `intervalMillis`. Answers its last status.
 */
export async function watchBroadcast(target: Target, notificationId: string, stream: NodeJS.WritableStream, intervalMillis = 1_000): Promise<BroadcastStatus | undefined> {
  let status = await broadcastStatus(target, notificationId);
  if (!status) return undefined;
  const bars = new MultiBar({ stream, format: "{name} {bar} {percentage}% {value}/{total}", hideCursor: true, clearOnComplete: false }, Presets.shades_classic);
  const expansion = bars.create(status.expansion.total, 0, { name: "expansion " });
  const deliveries = bars.create(status.deliveries.total, 0, { name: "deliveries" });
  const cancel = status.cancel ? bars.create(status.expansion.total, 0, { name: "cancel    " }) : undefined;
  try {
    for (;;) {
      expansion.update(status.expansion.expanded);
      deliveries.update(status.deliveries.decided);
      cancel?.update(status.cancel?.checked ?? 0);
      if (isSettled(status)) return status;
      await sleep(intervalMillis);
      status = (await broadcastStatus(target, notificationId))!;
    }
  } finally {
    bars.stop();
  }
}
