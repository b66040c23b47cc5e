import type { AddressInfo } from "node:net";
import { ConditionalCheckFailedException, CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import dynalite from "dynalite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cacheExpressionParses } from "#infra/local/dynalite-expression-cache.ts";

cacheExpressionParses();
const server = dynalite({ createTableMs: 0 });
let documents: DynamoDBDocumentClient;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const client = new DynamoDBClient({ region: "us-east-1", endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  await client.send(new CreateTableCommand({ TableName: "claims", KeySchema: [{ AttributeName: "id", KeyType: "HASH" }], AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }], BillingMode: "PAY_PER_REQUEST" }));
  documents = DynamoDBDocumentClient.from(client);
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** The same expression and names every time; only the values change. */
const takeOver = (id: string, token: string, from: string) =>
  documents.send(
    new UpdateCommand({
      TableName: "claims",
      Key: { id },
      UpdateExpression: "SET #token = :token, history = list_append(if_not_exists(history, :empty), :entry)",
      ConditionExpression: "attribute_not_exists(#token) OR #token IN (:from, :released)",
      ExpressionAttributeNames: { "#token": "token" },
      ExpressionAttributeValues: { ":token": token, ":empty": [], ":entry": [token], ":from": from, ":released": "released" },
    }),
  );
const item = async (id: string) => (await documents.send(new GetCommand({ TableName: "claims", Key: { id } }))).Item;

describe("dynalite with expression parses reused", () => {
  it("applies each request's own values when the expression repeats", async () => {
    await takeOver("a", "first", "nobody");
    await takeOver("a", "second", "first");
    await takeOver("b", "third", "nobody");
    expect(await item("a")).toEqual({ id: "a", token: "second", history: ["first", "second"] });
    expect(await item("b")).toEqual({ id: "b", token: "third", history: ["third"] });
  });

  it("evaluates a repeated condition against the new values", async () => {
    await takeOver("c", "first", "nobody");
    await expect(takeOver("c", "intruder", "someone-else")).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    await takeOver("c", "heir", "first");
    expect((await item("c"))!.token).toBe("heir");
  });

  it("evaluates a condition with the new value of a placeholder the update expression also sets", async () => {
    // The update expression is parsed first and marks :latest used; the condition must still swap it.
    const advance = (version: number) =>
      documents.send(
        new UpdateCommand({
          TableName: "claims",
          Key: { id: "e" },
          UpdateExpression: "SET latest = :latest",
          ConditionExpression: "attribute_not_exists(latest) OR latest < :latest",
          ExpressionAttributeValues: { ":latest": version },
        }),
      );
    await advance(1);
    await advance(2);
    await expect(advance(2)).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    expect((await item("e"))!.latest).toBe(2);
  });

  it("still refuses a repeated expression whose values do not fit it", async () => {
    const withValues = (values?: Record<string, unknown>) =>
      documents.send(new PutCommand({ TableName: "claims", Item: { id: "d" }, ConditionExpression: "attribute_not_exists(id) OR begins_with(id, :prefix)", ExpressionAttributeValues: values }));
    await withValues({ ":prefix": "d" });
    await expect(withValues({ ":prefix": 7 })).rejects.toThrow(/Incorrect operand type/);
    await expect(withValues({ ":prefix": "d", ":unused": "x" })).rejects.toThrow(/unused in expressions/);
    await expect(withValues()).rejects.toThrow(/not defined/);
  });
});
