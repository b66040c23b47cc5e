import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { describe, expect, inject, it } from "vitest";
import { patchPreferences, updatePreferences } from "#shared/workflows/preferences-patch.ts";
import { PreferencesStore, type StoredPreferences } from "#shared/adapters/stores/preferences-store.ts";
import { call, reachableUser, uniqueId } from "../helpers/local-api.ts";
import { asUser, userToken } from "../helpers/user-tokens.ts";

const documents = DynamoDBDocumentClient.from(
  new DynamoDBClient({ region: "us-east-1", endpoint: inject("localCloudEndpoints").dynamodb, credentials: { accessKeyId: "local", secretAccessKey: "local" } }),
);
const tableName = inject("localCloudOutputs").PreferencesTableName!;

/** A store where a hard bounce switches email off right after the patch has read the preferences. */
class BounceAfterRead extends PreferencesStore {
  bounces = 1;

  override async getForUpdate(userId: string): Promise<StoredPreferences> {
    const stored = await super.getForUpdate(userId);
    if (this.bounces-- > 0) await this.suppressChannel({ userId, channel: "email", reason: "hard_bounce", at: "2026-11-23T10:00:00.000Z" });
    return stored;
  }
}

describe("patching preferences while provider feedback writes them", () => {
  it("never overwrites a channel switched off between the patch's read and its write", async () => {
    const userId = uniqueId("race");
    const store = new BounceAfterRead(documents, tableName);
    store.bounces = 0;
    await patchPreferences(store, userId, reachableUser, "2026-11-23T09:00:00.000Z");

    store.bounces = 1;
    const patched = await patchPreferences(store, userId, { locale: "de" }, "2026-11-23T10:00:01.000Z");

    expect(patched).toMatchObject({ locale: "de", email: reachableUser.email, channels: { email: false }, channelSuppressions: { email: { reason: "hard_bounce" } } });
    expect(await store.get(userId)).toEqual(patched);
  });

  it("gives up with a conflict (409 at the edge), writing nothing, when the preferences keep changing", async () => {
    const userId = uniqueId("race");
    const store = new BounceAfterRead(documents, tableName);
    store.bounces = 100;
    await expect(patchPreferences(store, userId, { locale: "de" }, "2026-11-23T10:00:01.000Z")).rejects.toMatchObject({ name: "RequestError", code: "conflict", message: expect.stringContaining("changed 8 times") });
    expect(await store.get(userId)).not.toHaveProperty("locale");
  });

  it("writes nothing when the change leaves the preferences as they were", async () => {
    const userId = uniqueId("unchanged");
    const store = new PreferencesStore(documents, tableName);
    await patchPreferences(store, userId, reachableUser, "2026-11-23T09:00:00.000Z");
    const before = await store.getForUpdate(userId);
    await updatePreferences(store, userId, (stored) => stored, "2026-11-23T10:00:00.000Z");
    expect(await store.getForUpdate(userId)).toEqual(before);
  });

  it("answers 100 concurrent browser PATCHes of one user 200 or 409, never 500, and keeps every change it answered 200", async () => {
    const userId = uniqueId("racer");
    const token = await userToken(userId);
    const answers = await Promise.all(
      Array.from({ length: 100 }, async (_, index) => ({ category: `topic-${index}`, status: (await asUser(token, "PATCH", "/v1/me/preferences", { body: { categories: { [`topic-${index}`]: false } } })).status })),
    );
    for (const { status } of answers) expect([200, 409]).toContain(status);
    const kept = Object.keys((await call("GET", `/v1/users/${userId}/preferences`)).body.categories ?? {}).sort();
    expect(kept).toEqual(answers.filter(({ status }) => status === 200).map(({ category }) => category).sort());
  });
});
