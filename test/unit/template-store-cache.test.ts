import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { TemplateStore } from "#shared/adapters/stores/template-store.ts";
import { allTemplates } from "#shared/domain/templates/registry.ts";

describe("the active version's cache", () => {
  it("reads a type's head once for lookups that start together, and again after a failed read", async () => {
    const dynamodb = mockClient(DynamoDBDocumentClient);
    dynamodb.on(GetCommand).rejectsOnce(new Error("throttled")).resolves({ Item: { activeVersion: 3 } });
    const store = new TemplateStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), "templates", allTemplates(), { activeCacheMillis: 30_000, now: () => 0 });

    await expect(store.activeVersion("order.shipped")).rejects.toThrow("throttled");
    // A page of a sweep's digests asks at once: one read answers all of them.
    expect(await Promise.all(Array.from({ length: 100 }, () => store.activeVersion("order.shipped")))).toEqual(Array(100).fill(3));
    expect(dynamodb.commandCalls(GetCommand)).toHaveLength(2);
  });
});
