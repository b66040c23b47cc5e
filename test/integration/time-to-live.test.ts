import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, inject, it } from "vitest";
import { advanceClockTo, eventually, localNow, uniqueId } from "../helpers/local-api.ts";

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1", endpoint: inject("localCloudEndpoints").dynamodb, credentials: { accessKeyId: "local", secretAccessKey: "local" } }));
const tableName = inject("localCloudOutputs").DedupTableName!;
const YEAR_SECONDS = 365 * 24 * 3600;

const put = (claimKey: string, expiresAt: unknown) => documents.send(new PutCommand({ TableName: tableName, Item: { claimKey, expiresAt } }));
const exists = async (claimKey: string) => (await documents.send(new GetCommand({ TableName: tableName, Key: { claimKey }, ConsistentRead: true }))).Item !== undefined;

describe("DynamoDB's TTL on the local clock", () => {
  it("deletes an item once the local clock passes its expiry, and leaves what AWS leaves", async () => {
    const nowSeconds = Math.floor((await localNow()) / 1000);
    const keys = { expiring: uniqueId("ttl-expiring"), later: uniqueId("ttl-later"), text: uniqueId("ttl-text"), ancient: uniqueId("ttl-ancient") };
    await put(keys.expiring, nowSeconds + 60);
    await put(keys.later, nowSeconds + 3600);
    // TTL reads only a Number of epoch seconds, and ignores one more than five years past; each stays below.
    await put(keys.text, String(nowSeconds - 60));
    await put(keys.ancient, nowSeconds - 6 * YEAR_SECONDS);

    await advanceClockTo((nowSeconds + 30) * 1000);
    expect(await exists(keys.expiring)).toBe(true);
    // The sweep runs once the schedules that fell due have run, as AWS's sweeper would have first.
    await advanceClockTo((nowSeconds + 120) * 1000);
    await eventually("the expired item deleted", () => exists(keys.expiring), (found) => !found);
    expect(await exists(keys.later)).toBe(true);
    expect(await exists(keys.text)).toBe(true);
    expect(await exists(keys.ancient)).toBe(true);
  });
});
