import { createRequire } from "node:module";
import { AWS_LIMITS } from "#shared/adapters/aws-limits.ts";
import { keySchemas, learnKeySchema, type KeySchema } from "./dynalite-key-schemas.ts";

const require = createRequire(import.meta.url);

/** The dynalite version these checks were written against: they wrap its request validation. */
const DYNALITE_VERSION = "4.0.0";

type AttributeValue = Record<string, unknown>;
type Item = Record<string, AttributeValue>;

interface Request {
  TableName?: string;
  KeySchema?: Array<{ AttributeName: string; KeyType: "HASH" | "RANGE" }>;
  Key?: Item;
  Item?: Item;
  RequestItems?: Record<string, Array<{ PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }> | { Keys: Item[] }>;
  [expression: string]: unknown;
}

/** Expressions DynamoDB measures against its 4 KB limit, each on its own. */
const EXPRESSIONS = ["ConditionExpression", "UpdateExpression", "KeyConditionExpression", "FilterExpression", "ProjectionExpression"];

class DynamoDbValidationError extends Error {
  readonly statusCode = 400;
  readonly body: { __type: string; message: string };
  constructor(message: string) {
    super(message);
    this.body = { __type: "com.amazon.coral.validate#ValidationException", message };
  }
}

/** A key attribute's size as DynamoDB counts it: UTF-8 bytes of a string, decoded bytes of a binary. */
function keyBytes(value: AttributeValue | undefined): number {
  if (!value) return 0;
  if (typeof value.S === "string") return Buffer.byteLength(value.S, "utf8");
  if (typeof value.B === "string") return Buffer.from(value.B, "base64").byteLength;
  return 0;
}

/**
 * The limits dynalite does not check as DynamoDB does: a key's size in bytes (dynalite counts a
 * string's characters, so a key of multi-byte characters passed) and each expression's 4 KB.
 * (An item's 400 KB is dynalite's own check, counted in bytes by the itemSize patch below.)
 * Returns AWS's message, or undefined when the request is within them.
 */
export function dynamoDbLimitProblem(request: Request, schemas: ReadonlyMap<string, KeySchema>): string | undefined {
  for (const name of EXPRESSIONS) {
    const expression = request[name];
    if (typeof expression !== "string") continue;
    const bytes = Buffer.byteLength(expression, "utf8");
    if (bytes > AWS_LIMITS.dynamodb.expressionBytes) return `Invalid ${name}: Expression size has exceeded the maximum allowed size; expression size: ${bytes}`;
  }
  for (const [table, key] of keysOf(request)) {
    const schema = schemas.get(table);
    if (!schema) continue;
    if (keyBytes(key[schema.hash]) > AWS_LIMITS.dynamodb.partitionKeyBytes) {
      return `One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of ${AWS_LIMITS.dynamodb.partitionKeyBytes} bytes`;
    }
    if (schema.range && keyBytes(key[schema.range]) > AWS_LIMITS.dynamodb.sortKeyBytes) {
      return `One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of ${AWS_LIMITS.dynamodb.sortKeyBytes} bytes`;
    }
  }
  return undefined;
}

/** Every item or key a request names, with its table. */
function* keysOf(request: Request): Generator<[string, Item]> {
  if (request.TableName && request.Key) yield [request.TableName, request.Key];
  if (request.TableName && request.Item) yield [request.TableName, request.Item];
  for (const [table, requests] of Object.entries(request.RequestItems ?? {})) {
    if (Array.isArray(requests)) {
      for (const write of requests) {
        const item = write.PutRequest?.Item ?? write.DeleteRequest?.Key;
        if (item) yield [table, item];
      }
    } else {
      for (const key of requests.Keys ?? []) yield [table, key];
    }
  }
}

/**
 * What dynalite undercounts in an item's size: it measures strings and attribute names in UTF-16
 * code units, DynamoDB in UTF-8 bytes. Only non-ASCII text differs, so every string and key of the
 * item (type tags and base64 included, which are ASCII) adds its difference.
 */
function utf8Excess(value: unknown): number {
  if (typeof value === "string") return Buffer.byteLength(value, "utf8") - value.length;
  if (Array.isArray(value)) return value.reduce((sum: number, element) => sum + utf8Excess(element), 0);
  if (value && typeof value === "object") return Object.entries(value).reduce((sum, [key, element]) => sum + utf8Excess(key) + utf8Excess(element), 0);
  return 0;
}

interface DynaliteDb {
  itemSize(item: Item, ...rest: unknown[]): number;
}

export interface DynaliteValidations {
  checkValidations(data: Request, types: object, custom: unknown, store: unknown): void;
}

let installed = false;

/**
 * Runs dynamoDbLimitProblem after dynalite's own validation of every request, and learns each
 * table's key schema from the CreateTable requests that pass. A problem is answered with
 * DynamoDB's ValidationException, as dynalite answers its own.
 */
export function installDynaliteLimits(): void {
  if (installed) return;
  installed = true;
  const { version } = require("dynalite/package.json") as { version: string };
  if (version !== DYNALITE_VERSION) throw new Error(`infra/local/dynalite-limits.ts wraps dynalite ${DYNALITE_VERSION}'s validation, not ${version}'s: check its DynamoDB limits again and update it`);
  // Every 400 KB check (PutItem, BatchWriteItem, an UpdateItem's result) asks db.itemSize.
  const db = require("dynalite/db/index.js") as DynaliteDb;
  const itemSize = db.itemSize;
  db.itemSize = (item, ...rest) => itemSize(item, ...rest) + utf8Excess(item);
  const createTableTypes = (require("dynalite/validations/createTable.js") as { types: object }).types;
  const validations = require("dynalite/validations/index.js") as DynaliteValidations;
  const checkValidations = validations.checkValidations;
  validations.checkValidations = (data, types, custom, store) => {
    checkValidations(data, types, custom, store);
    if (types === createTableTypes) learnKeySchema(data as Parameters<typeof learnKeySchema>[0]);
    const problem = dynamoDbLimitProblem(data, keySchemas);
    if (problem) throw new DynamoDbValidationError(problem);
  };
}
