import type { LocalCloud } from "#infra/local/local-cloud.ts";
import type { HotKey, PartitionReport } from "#infra/local/partition-throughput.ts";

/** The hottest partition key of a scenario: which table and key, its busiest second, and what it was refused. */
export interface ScenarioHeat {
  table: string;
  key: string;
  peakWriteUnitsPerSecond: number;
  peakReadUnitsPerSecond: number;
  /** Its write units over the scenario, in all and per delivery of the scenario (or per recipient, per like). */
  writeUnits: number;
  writeUnitsPerDelivery: number;
  throttledWrites: number;
  /** Requests refused across every table for hot keys. */
  throttledRequests: number;
  limits: PartitionReport["limits"];
}

/** A key's share of its partition's budget at its busiest: writes against 1,000 a second, reads against 3,000. */
const heat = (key: HotKey, limits: PartitionReport["limits"]) => Math.max(key.peakWriteUnitsPerSecond / limits.writeUnitsPerSecond, key.peakReadUnitsPerSecond / limits.readUnitsPerSecond);

/** The hottest key over every table of a report, or undefined when nothing was read or written. */
export function scenarioHeatOf(report: PartitionReport, deliveries: number): ScenarioHeat | undefined {
  const keys = Object.entries(report.tables).flatMap(([table, { hottest }]) => hottest.map((key) => ({ table, ...key })));
  const hottest = keys.toSorted((a, b) => heat(b, report.limits) - heat(a, report.limits))[0];
  if (!hottest) return undefined;
  return {
    table: hottest.table,
    key: hottest.key,
    peakWriteUnitsPerSecond: hottest.peakWriteUnitsPerSecond,
    peakReadUnitsPerSecond: hottest.peakReadUnitsPerSecond,
    writeUnits: hottest.writeUnits,
    writeUnitsPerDelivery: hottest.writeUnits / deliveries,
    throttledWrites: hottest.throttledWrites,
    throttledRequests: Object.values(report.tables).reduce((sum, table) => sum + table.throttledRequests, 0),
    limits: report.limits,
  };
}

/** Runs a scenario with the partition counts started afresh, and returns its result beside its hottest key and every table's. */
export async function withHeat<T>(cloud: LocalCloud, scenario: () => Promise<T>, deliveriesOf: (result: T) => number): Promise<{ result: T; heat: ScenarioHeat | undefined; report: PartitionReport }> {
  await cloud.resetPartitionCounts();
  const result = await scenario();
  const report = await cloud.partitions();
  return { result, heat: scenarioHeatOf(report, deliveriesOf(result)), report };
}

/**
 * One line for a scenario's hottest key: its busiest local second against the limit, and what it
 * would take on AWS at `awsRate` deliveries a second (the configured publish rate, say).
 */
export function heatLine(label: string, heat: ScenarioHeat | undefined, awsRate?: { perSecond: number; what: string }): string {
  if (!heat) return `  ${label}: no DynamoDB traffic`;
  const key = heat.key.length > 48 ? `${heat.key.slice(0, 45)}...` : heat.key;
  const peak = `peak ${heat.peakWriteUnitsPerSecond.toFixed(0)} write units/s of ${heat.limits.writeUnitsPerSecond}, ${heat.peakReadUnitsPerSecond.toFixed(0)} read units/s of ${heat.limits.readUnitsPerSecond}`;
  const local = `${heat.table} "${key}": ${peak}; ${heat.writeUnits.toFixed(0)} write units in all; ${heat.throttledRequests} requests throttled`;
  // Only where every delivery writes to the key (a broadcast's) does a rate of deliveries say what the key would take.
  const projected = awsRate
    ? `; ${heat.writeUnitsPerDelivery.toFixed(2)} write units per delivery, so at ${awsRate.perSecond.toLocaleString("en-US")} ${awsRate.what}/s on AWS: ${(heat.writeUnitsPerDelivery * awsRate.perSecond).toLocaleString("en-US", { maximumFractionDigits: 0 })} write units/s on that key`
    : "";
  return `  ${label}: ${local}${projected}`;
}

/** A broadcast row shard's partition key ends in its four-digit shard (see broadcast-rows.ts). */
const ROW_SHARD_KEY = /#\d{4}$/;
/** The busiest of 1,024 shards over a million users is about 1.11 times the mean (test/unit/broadcast-rows.test.ts). */
const ROW_SHARD_SKEW = 1.11;

/** A table's hottest key when a broadcast of `members` runs at `recipientsPerSecond` on AWS. */
export interface ModelledTableHeat {
  table: string;
  key: string;
  writeUnitsPerSecond: number;
  readUnitsPerSecond: number;
  /** Its larger share of AWS's per-key limits (1,000 write, 3,000 read units a second). */
  shareOfLimit: number;
}

/**
 * Each table's hottest key for a broadcast of `members` on `channels` channels at
 * `recipientsPerSecond`, from what one measured local broadcast (`measured`) put on each key. A row
 * shard's key takes its units per delivery times the deliveries a second that reach one of the
 * broadcast's shards (rowShardsFor, at the busiest shard's skew); every other key's units grow with
 * the recipients a second (a broadcast's header and summary, the audience's shards, the publish
 * budget's windows).
 */
export function modelledBroadcastHeat(
  report: PartitionReport,
  measured: { members: number; channels: number; rowShards: number },
  target: { members: number; rowShards: number; recipientsPerSecond: number },
): ModelledTableHeat[] {
  const [writeLimit, readLimit] = [1_000, 3_000];
  return Object.entries(report.tables).flatMap(([table, { hottest }]) => {
    const keys = hottest.map((key) => {
      const perRecipient = ROW_SHARD_KEY.test(key.key)
        ? // The key held 1/rowShards of the measured broadcast's rows; at the target it holds 1/target.rowShards of a faster stream.
          { write: (key.writeUnits * measured.rowShards) / measured.members / target.rowShards * ROW_SHARD_SKEW, read: (key.readUnits * measured.rowShards) / measured.members / target.rowShards * ROW_SHARD_SKEW }
        : { write: key.writeUnits / measured.members, read: key.readUnits / measured.members };
      const writeUnitsPerSecond = perRecipient.write * target.recipientsPerSecond;
      const readUnitsPerSecond = perRecipient.read * target.recipientsPerSecond;
      return { table, key: key.key, writeUnitsPerSecond, readUnitsPerSecond, shareOfLimit: Math.max(writeUnitsPerSecond / writeLimit, readUnitsPerSecond / readLimit) };
    });
    const hottestKey = keys.toSorted((a, b) => b.shareOfLimit - a.shareOfLimit)[0];
    return hottestKey ? [hottestKey] : [];
  });
}
