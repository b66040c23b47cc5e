import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { audienceShardOf } from "#shared/domain/audience.ts";
import { AudienceStore, decodeMembersCursor } from "#shared/adapters/stores/audience-store.ts";

const documents = mockClient(DynamoDBDocumentClient);
const store = () => new AudienceStore(DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" })), "Notify-audiences", async () => {});
const ids = (count: number) => Array.from({ length: count }, (_, index) => `user-${index}`);

describe("AudienceStore request shapes", () => {
  beforeEach(() => {
    documents.reset();
    documents.on(UpdateCommand).callsFake((input) => ({ Attributes: { members: input.ExpressionAttributeValues[":delta"] } }));
  });

  it("writes 60 new members in BatchWriteItem requests of at most 25, each under its shard's key, then adds 60 to the count", async () => {
    documents.on(BatchGetCommand).resolves({ Responses: { "Notify-audiences": [] } });
    documents.on(BatchWriteCommand).resolves({});
    expect(await store().changeMembers("launch", ids(60), [])).toEqual({ added: 60, removed: 0, members: 60 });
    const writes = documents.commandCalls(BatchWriteCommand).map((call) => call.args[0].input.RequestItems!["Notify-audiences"]!);
    expect(writes.map((batch) => batch.length).sort()).toEqual([10, 25, 25]);
    expect(writes.flat()).toContainEqual({ PutRequest: { Item: { audienceKey: `launch#${audienceShardOf("user-7")}`, memberKey: "user-7" } } });
    expect(documents.commandCalls(UpdateCommand)[0]!.args[0].input).toMatchObject({ UpdateExpression: "ADD members :delta", ExpressionAttributeValues: { ":delta": 60 } });
  });

  it("counts only members that were absent when added and present when removed", async () => {
    documents.on(BatchGetCommand).resolves({ Responses: { "Notify-audiences": [{ memberKey: "user-0" }, { memberKey: "user-2" }] } });
    documents.on(BatchWriteCommand).resolves({});
    expect(await store().changeMembers("launch", ["user-0", "user-1", "user-1"], ["user-2", "user-3"])).toEqual({ added: 1, removed: 1, members: 0 });
    expect(documents.commandCalls(BatchWriteCommand)[0]!.args[0].input.RequestItems!["Notify-audiences"]).toEqual([
      { PutRequest: { Item: { audienceKey: `launch#${audienceShardOf("user-1")}`, memberKey: "user-1" } } },
      { DeleteRequest: { Key: { audienceKey: `launch#${audienceShardOf("user-2")}`, memberKey: "user-2" } } },
    ]);
  });

  it("resends only the items BatchWriteItem left unprocessed", async () => {
    documents.on(BatchGetCommand).resolves({ Responses: { "Notify-audiences": [] } });
    const leftOver = { PutRequest: { Item: { audienceKey: `launch#${audienceShardOf("user-1")}`, memberKey: "user-1" } } };
    documents.on(BatchWriteCommand).resolvesOnce({ UnprocessedItems: { "Notify-audiences": [leftOver] } }).resolves({});
    await store().changeMembers("launch", ids(3), []);
    const calls = documents.commandCalls(BatchWriteCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.args[0].input.RequestItems!["Notify-audiences"]).toEqual([leftOver]);
  });

  it("refuses a members cursor it did not write", () => {
    expect(decodeMembersCursor("not-a-cursor")).toBeUndefined();
    expect(decodeMembersCursor(Buffer.from(JSON.stringify({ shard: 99 })).toString("base64url"))).toBeUndefined();
  });
});
