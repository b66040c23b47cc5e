import { COUNTED_OUTCOMES } from "#shared/domain/engagement-analytics.ts";
import { HISTORY_ATTRIBUTE_PREFIX } from "#shared/domain/delivery-row.ts";

/** `<type> <channel> <status>`: suppressions by reason are summed, as a row counts one suppression. */
export type OutcomeKey = string;

/** How many rows reached each counted status at least once, per type and channel: what the analytics must equal. */
export function reachedByRows(items: ReadonlyArray<Record<string, unknown>>): Map<OutcomeKey, number> {
  const reached = new Map<OutcomeKey, number>();
  for (const item of items) {
    if (typeof item.channel !== "string" || typeof item.type !== "string") continue;
    const statuses = new Set(
      Object.entries(item)
        .filter(([name]) => name.startsWith(HISTORY_ATTRIBUTE_PREFIX))
        .map(([, entry]) => (entry as { status: string }).status)
        .filter((status) => (COUNTED_OUTCOMES as readonly string[]).includes(status)),
    );
    for (const status of statuses) {
      const key = `${item.type} ${item.channel} ${status}`;
      reached.set(key, (reached.get(key) ?? 0) + 1);
    }
  }
  return reached;
}

/** The same counts from GET /v1/analytics?groupBy=channel answers. */
export function countedByAnalytics(rowsByType: ReadonlyArray<{ type: string; channel: string; suppressed: Record<string, number> } & Record<string, unknown>>): Map<OutcomeKey, number> {
  const counted = new Map<OutcomeKey, number>();
  for (const row of rowsByType) {
    for (const status of COUNTED_OUTCOMES) {
      const value = status === "suppressed" ? Object.values(row.suppressed).reduce((sum, count) => sum + count, 0) : Number(row[status] ?? 0);
      if (value > 0) counted.set(`${row.type} ${row.channel} ${status}`, value);
    }
  }
  return counted;
}

/** Outcomes counted more often than rows reached them (a replay or a repeat counted twice), and those counted less often. */
export function analyticsFindings(reached: Map<OutcomeKey, number>, counted: Map<OutcomeKey, number>): { overCounted: string[]; underCounted: Array<{ key: OutcomeKey; missing: number }> } {
  const keys = new Set([...reached.keys(), ...counted.keys()]);
  const overCounted: string[] = [];
  const underCounted: Array<{ key: OutcomeKey; missing: number }> = [];
  for (const key of keys) {
    const rows = reached.get(key) ?? 0;
    const analytics = counted.get(key) ?? 0;
    if (analytics > rows) overCounted.push(`${key}: ${analytics} counted, ${rows} rows`);
    if (analytics < rows) underCounted.push({ key, missing: rows - analytics });
  }
  return { overCounted, underCounted };
}
