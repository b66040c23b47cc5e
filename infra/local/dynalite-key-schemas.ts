/** A table's key attributes, and each index's partition key attribute, as its CreateTable named them. */
export interface KeySchema {
  hash: string;
  range?: string;
  indexHashes: Record<string, string>;
}

type KeySchemaElement = { AttributeName: string; KeyType: "HASH" | "RANGE" };

interface CreateTableRequest {
  TableName?: string;
  KeySchema?: KeySchemaElement[];
  GlobalSecondaryIndexes?: Array<{ IndexName: string; KeySchema: KeySchemaElement[] }>;
  LocalSecondaryIndexes?: Array<{ IndexName: string; KeySchema: KeySchemaElement[] }>;
}

const hashOf = (schema: KeySchemaElement[]) => schema.find((key) => key.KeyType === "HASH")!.AttributeName;

/**
 * Key schemas by table name, learnt from the CreateTable requests dynalite validates: dynalite
 * keeps them in its store behind asynchronous reads, and the local checks are synchronous.
 */
export const keySchemas = new Map<string, KeySchema>();

export function learnKeySchema(request: CreateTableRequest): void {
  if (!request.TableName || !request.KeySchema) return;
  const range = request.KeySchema.find((key) => key.KeyType === "RANGE")?.AttributeName;
  const indexes = [...(request.GlobalSecondaryIndexes ?? []), ...(request.LocalSecondaryIndexes ?? [])];
  keySchemas.set(request.TableName, {
    hash: hashOf(request.KeySchema),
    ...(range ? { range } : {}),
    indexHashes: Object.fromEntries(indexes.map((index) => [index.IndexName, hashOf(index.KeySchema)])),
  });
}
