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

/** Runs a scenario with the partition counts started afresh, and returns its result beside its hottest key. */
export async function withHeat<T>(cloud: LocalCloud, scenario: () => Promise<T>, deliveriesOf: (result: T) => number): Promise<{ result: T; heat: ScenarioHeat | undefined }> {
  await cloud.resetPartitionCounts();
  const result = await scenario();
  return { result, heat: scenarioHeatOf(await cloud.partitions(), deliveriesOf(result)) };
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
