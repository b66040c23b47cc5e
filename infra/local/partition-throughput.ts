import { AWS_LIMITS } from "#shared/adapters/aws-limits.ts";

export type Capacity = "read" | "write";

/** Units a second one partition key may take. */
export interface PartitionLimits {
  readUnitsPerSecond: number;
  writeUnitsPerSecond: number;
}

/** DynamoDB's per-partition limits, scaled (a tenth lets a test reach them with a tenth of the traffic). */
export function partitionLimits(scale = 1): PartitionLimits {
  if (!(scale > 0)) throw new RangeError(`the partition throughput scale must be above 0, not ${scale}`);
  return { readUnitsPerSecond: AWS_LIMITS.dynamodb.partitionReadUnitsPerSecond * scale, writeUnitsPerSecond: AWS_LIMITS.dynamodb.partitionWriteUnitsPerSecond * scale };
}

/** One partition key's busiest second so far, and how often it was refused. */
export interface HotKey {
  key: string;
  peakWriteUnitsPerSecond: number;
  peakReadUnitsPerSecond: number;
  writeUnits: number;
  readUnits: number;
  throttledWrites: number;
  throttledReads: number;
}

/** Per table: its hottest keys, the busiest second first, and the requests it refused. */
export interface PartitionReport {
  limits: PartitionLimits;
  tables: Record<string, { hottest: HotKey[]; throttledRequests: number }>;
}

interface KeyState extends HotKey {
  second: number;
  secondWriteUnits: number;
  secondReadUnits: number;
}

/** Keys reported per table, and kept once they go quiet. */
const HOTTEST_KEPT = 5;
/** Keys quiet for this long are folded into their table's hottest and forgotten, so memory stays flat. */
const QUIET_SECONDS = 2;

const heat = (key: HotKey) => Math.max(key.peakWriteUnitsPerSecond, key.peakReadUnitsPerSecond / 3);

/**
 * DynamoDB's per-partition throughput, counted per table and partition key value in one-second
 * windows: a key that has taken its second's units is refused until the next second, on demand too
 * (ProvisionedThroughputExceededException on AWS), whatever the table's own capacity. The request
 * that crosses the line goes through, as AWS's accounting is after the fact.
 */
export class PartitionThroughput {
  readonly limits: PartitionLimits;
  private readonly now: () => number;
  private readonly tables = new Map<string, { live: Map<string, KeyState>; quiet: HotKey[]; throttledRequests: number }>();
  private operations = 0;

  constructor(limits: PartitionLimits, now: () => number = () => performance.now()) {
    this.limits = limits;
    this.now = now;
  }

  /**
   * Whether the key may take more units of this kind in the current second, beside `pendingUnits`
   * already admitted for it in the same request (a batch's earlier items); a refusal is counted.
   */
  admits(table: string, key: string, capacity: Capacity, pendingUnits = 0): boolean {
    const state = this.state(table, key);
    const admitted =
      capacity === "write" ? state.secondWriteUnits + pendingUnits < this.limits.writeUnitsPerSecond : state.secondReadUnits + pendingUnits < this.limits.readUnitsPerSecond;
    if (!admitted) {
      if (capacity === "write") state.throttledWrites++;
      else state.throttledReads++;
    }
    return admitted;
  }

  /** A whole request refused for its keys: counted once per table. */
  refused(table: string): void {
    this.table(table).throttledRequests++;
  }

  consume(table: string, key: string, capacity: Capacity, units: number): void {
    const state = this.state(table, key);
    if (capacity === "write") {
      state.writeUnits += units;
      state.secondWriteUnits += units;
      state.peakWriteUnitsPerSecond = Math.max(state.peakWriteUnitsPerSecond, state.secondWriteUnits);
    } else {
      state.readUnits += units;
      state.secondReadUnits += units;
      state.peakReadUnitsPerSecond = Math.max(state.peakReadUnitsPerSecond, state.secondReadUnits);
    }
    if (++this.operations % 10_000 === 0) this.forgetQuietKeys();
  }

  /** Forgets every count, so the next report covers what happens from now on (a benchmark's scenario). */
  reset(): void {
    this.tables.clear();
  }

  report(): PartitionReport {
    const tables: PartitionReport["tables"] = {};
    for (const [name, table] of this.tables) {
      const live = [...table.live.values()].map(hotKey);
      tables[name] = { hottest: hottestOf([...table.quiet, ...live]), throttledRequests: table.throttledRequests };
    }
    return { limits: this.limits, tables };
  }

  private table(name: string) {
    let table = this.tables.get(name);
    if (!table) this.tables.set(name, (table = { live: new Map(), quiet: [], throttledRequests: 0 }));
    return table;
  }

  /** The key's state with its window moved to the current second; a key that went quiet resumes its figures. */
  private state(tableName: string, key: string): KeyState {
    const table = this.table(tableName);
    const second = Math.floor(this.now() / 1000);
    let state = table.live.get(key);
    if (!state) {
      const before = table.quiet.find((quiet) => quiet.key === key);
      if (before) table.quiet = table.quiet.filter((quiet) => quiet !== before);
      state = { ...(before ?? coldKey(key)), second, secondWriteUnits: 0, secondReadUnits: 0 };
      table.live.set(key, state);
    }
    if (state.second !== second) {
      state.second = second;
      state.secondWriteUnits = 0;
      state.secondReadUnits = 0;
    }
    return state;
  }

  private forgetQuietKeys(): void {
    const second = Math.floor(this.now() / 1000);
    for (const table of this.tables.values()) {
      const quiet: HotKey[] = [];
      for (const [key, state] of table.live) {
        if (second - state.second < QUIET_SECONDS) continue;
        quiet.push(hotKey(state));
        table.live.delete(key);
      }
      if (quiet.length) table.quiet = hottestOf([...table.quiet, ...quiet]);
    }
  }
}

function coldKey(key: string): HotKey {
  return { key, peakWriteUnitsPerSecond: 0, peakReadUnitsPerSecond: 0, writeUnits: 0, readUnits: 0, throttledWrites: 0, throttledReads: 0 };
}

function hotKey({ key, peakWriteUnitsPerSecond, peakReadUnitsPerSecond, writeUnits, readUnits, throttledWrites, throttledReads }: HotKey): HotKey {
  return { key, peakWriteUnitsPerSecond, peakReadUnitsPerSecond, writeUnits, readUnits, throttledWrites, throttledReads };
}

function hottestOf(keys: HotKey[]): HotKey[] {
  return keys.toSorted((a, b) => heat(b) - heat(a)).slice(0, HOTTEST_KEPT);
}
