import type { AddressInfo } from "node:net";
import { ConditionalCheckFailedException, CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import dynalite from "dynalite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installDynalitePatches } from "#infra/local/dynalite-patches.ts";

installDynalitePatches();
const server = dynalite({ createTableMs: 0 });
let documents: DynamoDBDocumentClient;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const client = new DynamoDBClient({ region: "us-east-1", endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  await client.send(new CreateTableCommand({ TableName: "items", KeySchema: [{ AttributeName: "id", KeyType: "HASH" }], AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }], BillingMode: "PAY_PER_REQUEST" }));
  documents = DynamoDBDocumentClient.from(client);
  await documents.send(new PutCommand({ TableName: "items", Item: { id: "a", rank: 5 } }));
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const lowerRank = (returnValues?: "ALL_OLD") =>
  documents.send(new UpdateCommand({ TableName: "items", Key: { id: "a" }, UpdateExpression: "SET #rank = :rank", ConditionExpression: "#rank < :rank", ExpressionAttributeNames: { "#rank": "rank" }, ExpressionAttributeValues: { ":rank": 1 }, ReturnValuesOnConditionCheckFailure: returnValues }));

describe("dynalite, patched as DynamoDB answers", () => {
  it("returns the item with a failed conditional write that asks for ALL_OLD", async () => {
    const failure = await lowerRank("ALL_OLD").catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConditionalCheckFailedException);
    expect((failure as ConditionalCheckFailedException).Item).toEqual({ id: { S: "a" }, rank: { N: "5" } });
  });

  it("returns no item when the write did not ask for it", async () => {
    const failure = await lowerRank().catch((error: unknown) => error);
    expect((failure as ConditionalCheckFailedException).Item).toBeUndefined();
  });
});
