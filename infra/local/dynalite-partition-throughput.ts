import { createRequire } from "node:module";
import { keySchemas } from "./dynalite-key-schemas.ts";
import type { DynaliteValidations } from "./dynalite-limits.ts";
import type { Capacity, PartitionThroughput } from "./partition-throughput.ts";

const require = createRequire(import.meta.url);

type AttributeValue = Record<string, unknown>;
type Item = Record<string, AttributeValue>;
type Callback = (error: unknown, result?: Record<string, unknown>) => void;
type Action = (store: unknown, data: Record<string, unknown>, cb: Callback) => void;

interface Request {
  TableName?: string;
  IndexName?: string;
  Key?: Item;
  Item?: Item;
  KeyConditions?: Record<string, { AttributeValueList: AttributeValue[] }>;
  ConsistentRead?: boolean;
  ReturnConsumedCapacity?: string;
}

interface DynaliteDb {
  capacityUnits(item: Item | undefined, isRead: boolean, isConsistent: boolean | undefined): number;
  addConsumedCapacity(data: Request, isRead: boolean, newItem?: Item, oldItem?: Item): unknown;
  checkConditional(data: Request, existingItem: Item | undefined): unknown;
  queryTable(store: unknown, table: unknown, data: Request, ...rest: unknown[]): void;
}

/** What DynamoDB answers a request refused for a hot partition key (on demand as provisioned). */
class ThroughputExceeded extends Error {
  readonly statusCode = 400;
  readonly body: Record<string, unknown>;
  constructor(table: string, capacity: Capacity) {
    const message = `Throughput exceeds the current capacity for one or more partition keys of table ${table}: a partition key takes at most its partition's ${capacity} units a second.`;
    super(message);
    this.body = {
      __type: "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
      message,
      ThrottlingReasons: [{ reason: capacity === "write" ? "TableWriteKeyRangeThroughputExceeded" : "TableReadKeyRangeThroughputExceeded", resource: table }],
    };
  }
}

/** A partition key value as the report names it. */
function keyText(value: AttributeValue | undefined): string | undefined {
  if (!value) return undefined;
  const [inner] = Object.values(value);
  return typeof inner === "string" ? inner : JSON.stringify(inner);
}

const partitionKeyOf = (table: string, item: Item | undefined) => keyText(item?.[keySchemas.get(table)?.hash ?? ""]);

/** The partition a request reads or writes (a query's, on its index when it names one), and which capacity. */
function partitionOf(action: string, data: Request): { table: string; key: string; capacity: Capacity } | undefined {
  const table = data.TableName;
  if (!table) return undefined;
  if (action === "putItem") return withKey(table, partitionKeyOf(table, data.Item), "write");
  if (action === "updateItem" || action === "deleteItem") return withKey(table, partitionKeyOf(table, data.Key), "write");
  if (action === "getItem") return withKey(table, partitionKeyOf(table, data.Key), "read");
  if (action === "query" && data.KeyConditions) {
    const schema = keySchemas.get(table);
    const hash = data.IndexName ? schema?.indexHashes[data.IndexName] : schema?.hash;
    return withKey(data.IndexName ? `${table}/${data.IndexName}` : table, keyText(data.KeyConditions[hash ?? ""]?.AttributeValueList[0]), "read");
  }
  return undefined;
}

const withKey = (table: string, key: string | undefined, capacity: Capacity) => (key === undefined ? undefined : { table, key, capacity });

/**
 * BatchWriteItem and BatchGetItem as DynamoDB runs them against hot keys: the requests whose
 * partition has no units left this second come back unprocessed, and only a batch with none left
 * is refused whole. Replaces dynalite's action modules before dynalite loads them.
 */
function throttleBatches(throughput: PartitionThroughput): void {
  const db = require("dynalite/db/index.js") as DynaliteDb;
  const wrap = (path: string, wrapper: (original: Action) => Action) => {
    const resolved = require.resolve(path);
    const original = require(resolved) as Action;
    require.cache[resolved]!.exports = wrapper(original);
  };
  wrap("dynalite/actions/batchWriteItem.js", (original) => (store, data, cb) => {
    const requestItems = data.RequestItems as Record<string, Array<{ PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }>>;
    const admitted: typeof requestItems = {};
    const unprocessed: typeof requestItems = {};
    // Each admitted item counts against its key before the next is weighed, as one batch of 25 large items on a key would.
    const pending = new Map<string, number>();
    for (const [table, requests] of Object.entries(requestItems)) {
      for (const request of requests) {
        const key = partitionKeyOf(table, request.PutRequest?.Item ?? request.DeleteRequest?.Key);
        const units = db.capacityUnits(request.PutRequest?.Item, false, true);
        const slot = `${table}\n${key}`;
        const admit = key === undefined || throughput.admits(table, key, "write", pending.get(slot) ?? 0);
        if (admit) pending.set(slot, (pending.get(slot) ?? 0) + units);
        ((admit ? admitted : unprocessed)[table] ??= []).push(request);
      }
    }
    if (Object.keys(admitted).length === 0) return refuseWhole(throughput, Object.keys(unprocessed), "write", cb);
    original(store, { ...data, RequestItems: admitted }, (error, result) => cb(error, result && { ...result, UnprocessedItems: { ...(result.UnprocessedItems as object), ...unprocessed } }));
  });
  wrap("dynalite/actions/batchGetItem.js", (original) => (store, data, cb) => {
    const requestItems = data.RequestItems as Record<string, { Keys: Item[] } & Record<string, unknown>>;
    const admitted: typeof requestItems = {};
    const unprocessed: typeof requestItems = {};
    const pending = new Map<string, number>();
    for (const [table, { Keys: keys, ...request }] of Object.entries(requestItems)) {
      // dynalite's own parse of the projection rides on the request: dynalite needs it, AWS never sends it back.
      const answered = Object.fromEntries(Object.entries(request).filter(([name]) => !name.startsWith("_")));
      for (const key of keys) {
        const value = partitionKeyOf(table, key);
        const slot = `${table}\n${value}`;
        const admit = value === undefined || throughput.admits(table, value, "read", pending.get(slot) ?? 0);
        // A read's size is known only once it is read: each key is weighed at one unit until then.
        if (admit) pending.set(slot, (pending.get(slot) ?? 0) + 1);
        if (admit) (admitted[table] ??= { ...request, Keys: [] }).Keys.push(key);
        else (unprocessed[table] ??= { ...answered, Keys: [] }).Keys.push(key);
      }
    }
    if (Object.keys(admitted).length === 0) return refuseWhole(throughput, Object.keys(unprocessed), "read", cb);
    original(store, { ...data, RequestItems: admitted }, (error, result) => {
      if (!result) return cb(error);
      const merged = { ...(result.UnprocessedKeys as typeof requestItems) };
      for (const [table, left] of Object.entries(unprocessed)) merged[table] = { ...left, Keys: [...(merged[table]?.Keys ?? []), ...left.Keys] };
      cb(error, { ...result, UnprocessedKeys: merged });
    });
  });
}

function refuseWhole(throughput: PartitionThroughput, tables: string[], capacity: Capacity, cb: Callback): void {
  for (const table of tables) throughput.refused(table);
  cb(new ThroughputExceeded(tables[0]!, capacity));
}

/** Counts what each item read or write consumed against its partition key, failed conditional writes included. */
function countConsumedUnits(throughput: PartitionThroughput): void {
  const db = require("dynalite/db/index.js") as DynaliteDb;
  const addConsumedCapacity = db.addConsumedCapacity;
  db.addConsumedCapacity = (data, isRead, newItem, oldItem) => {
    const table = data.TableName;
    const key = table && partitionKeyOf(table, newItem ?? oldItem ?? data.Key ?? data.Item);
    if (table && key !== undefined) {
      const units = Math.max(db.capacityUnits(newItem, isRead, data.ConsistentRead), oldItem ? db.capacityUnits(oldItem, isRead, data.ConsistentRead) : 0);
      throughput.consume(table, key, isRead ? "read" : "write", units);
    }
    return addConsumedCapacity(data, isRead, newItem, oldItem);
  };
  // A conditional write that fails still consumes a write, of the item as it stands.
  const checkConditional = db.checkConditional;
  db.checkConditional = (data, existingItem) => {
    const failure = checkConditional(data, existingItem);
    const table = data.TableName;
    const key = table && partitionKeyOf(table, data.Key ?? data.Item);
    if (failure && table && key !== undefined) throughput.consume(table, key, "write", db.capacityUnits(existingItem, false, true));
    return failure;
  };
  // A query's units are what it read, which dynalite totals only when asked: asked always, answered as the caller asked.
  const queryTable = db.queryTable;
  db.queryTable = (store, table, data, ...rest) => {
    const target = partitionOf("query", data);
    if (!target) return queryTable(store, table, data, ...rest);
    const forced = data.ReturnConsumedCapacity !== "TOTAL" && data.ReturnConsumedCapacity !== "INDEXES";
    if (forced) data.ReturnConsumedCapacity = "TOTAL";
    const cb = rest.pop() as Callback;
    queryTable(store, table, data, ...rest, (error: unknown, result?: Record<string, unknown>) => {
      const consumed = result?.ConsumedCapacity as { CapacityUnits?: number } | undefined;
      if (consumed?.CapacityUnits) throughput.consume(target.table, target.key, "read", consumed.CapacityUnits);
      if (result && forced) delete result.ConsumedCapacity;
      cb(error, result);
    });
  };
}

/** Refuses a single-key request whose partition has no units left this second, after dynalite's own validation. */
function admitRequests(throughput: PartitionThroughput): void {
  const actions = ["putItem", "updateItem", "deleteItem", "getItem", "query"];
  const actionOf = new Map(actions.map((action) => [(require(`dynalite/validations/${action}.js`) as { types: object }).types, action]));
  const validations = require("dynalite/validations/index.js") as DynaliteValidations;
  const checkValidations = validations.checkValidations;
  validations.checkValidations = (data, types, custom, store) => {
    checkValidations(data, types, custom, store);
    const action = actionOf.get(types);
    const target = action && partitionOf(action, data as Request);
    if (target && !throughput.admits(target.table, target.key, target.capacity)) {
      throughput.refused(target.table);
      throw new ThroughputExceeded(target.table, target.capacity);
    }
  };
}

let installed = false;

/**
 * DynamoDB's per-partition throughput on dynalite, which has none: each request's units are counted
 * against its table and partition key, and a key past its second's limit is refused as DynamoDB
 * refuses it, so a hot key shows on the local cloud (throttled writes, retries, unprocessed batch
 * items) instead of only on AWS. Must run after installDynaliteLimits and before dynalite is loaded.
 */
export function installDynalitePartitionThroughput(throughput: PartitionThroughput): void {
  if (installed) return;
  installed = true;
  throttleBatches(throughput);
  countConsumedUnits(throughput);
  admitRequests(throughput);
}
