import { randomUUID } from "node:crypto";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { BatchGetCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Preferences } from "#shared/domain/preferences.ts";
import type { ChannelSuppression } from "#shared/domain/provider-feedback.ts";
import { AWS_LIMITS } from "../aws-limits.ts";

/** What a user stored and the revision it was read at; every write sets a new revision. */
export interface StoredPreferences {
  preferences: Preferences | undefined;
  /** Undefined for a user nobody has configured (or stored before revisions existed). */
  revision: string | undefined;
}

const KEYS_PER_BATCH_GET = AWS_LIMITS.dynamodb.batchGetItems;
const MAX_BATCH_GET_ATTEMPTS = 5;

function preferencesOf(item: Record<string, unknown>): Preferences {
  const { userId: _key, updatedAt: _updatedAt, revision: _revision, ...preferences } = item;
  return preferences as Preferences;
}

export class PreferencesStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.client = client;
    this.tableName = tableName;
  }

  /** What the user stored, or undefined for a user nobody has configured. */
  async get(userId: string): Promise<Preferences | undefined> {
    return (await this.read(userId, false)).preferences;
  }

  /**
   * Several users' preferences in as few requests as BatchGetItem allows (each user still reads as
   * one item); users nobody has configured map to undefined.
   */
  async getMany(userIds: readonly string[], sleep: (millis: number) => Promise<void>): Promise<Map<string, Preferences | undefined>> {
    const found = new Map<string, Preferences | undefined>(userIds.map((userId) => [userId, undefined]));
    const unique = [...found.keys()];
    for (let start = 0; start < unique.length; start += KEYS_PER_BATCH_GET) {
      let keys: Record<string, unknown>[] = unique.slice(start, start + KEYS_PER_BATCH_GET).map((userId) => ({ userId }));
      for (let attempt = 1; keys.length > 0; attempt++) {
        const result = await this.client.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }));
        for (const item of result.Responses?.[this.tableName] ?? []) found.set(item.userId as string, preferencesOf(item));
        keys = result.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
        if (keys.length === 0) break;
        // DynamoDB returns unprocessed keys when throttled: back off, then ask again for those alone.
        if (attempt >= MAX_BATCH_GET_ATTEMPTS) throw new Error(`${keys.length} preferences were still unprocessed after ${attempt} BatchGetItem attempts`);
        await sleep(50 * 2 ** attempt * Math.random());
      }
    }
    return found;
  }

  /** For a read-modify-write: strongly consistent, with the revision `putIfUnchanged` checks. */
  async getForUpdate(userId: string): Promise<StoredPreferences> {
    return this.read(userId, true);
  }

  private async read(userId: string, consistent: boolean): Promise<StoredPreferences> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { userId }, ConsistentRead: consistent }));
    if (!result.Item) return { preferences: undefined, revision: undefined };
    return { preferences: preferencesOf(result.Item), revision: result.Item.revision as string | undefined };
  }

  /**
   * Stores the preferences only if nothing wrote them since `revision` was read, so a concurrent
   * change (a bounce switching email off, an unsubscribe) is never overwritten. False when one was.
   */
  async putIfUnchanged(userId: string, preferences: Preferences, updatedAt: string, revision: string | undefined): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...preferences, userId, updatedAt, revision: randomUUID() },
          ConditionExpression: revision === undefined ? "attribute_not_exists(revision)" : "revision = :revision",
          ...(revision === undefined ? {} : { ExpressionAttributeValues: { ":revision": revision } }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** The global marketing opt-out, set in place so nothing else the user stored is touched. */
  async unsubscribe(userId: string, updatedAt: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { userId },
        UpdateExpression: "SET unsubscribed = :true, updatedAt = :updatedAt, revision = :revision",
        ExpressionAttributeValues: { ":true": true, ":updatedAt": updatedAt, ":revision": randomUUID() },
      }),
    );
  }

  /**
   * Switches one channel off after provider feedback and records why, leaving everything else the
   * user stored alone. Repeating it changes nothing but the recorded time.
   */
  async suppressChannel(suppression: ChannelSuppression): Promise<void> {
    const { userId, channel, reason, at } = suppression;
    // Nested paths need their parent maps; create them first (a path may not appear twice in one update).
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { userId },
        UpdateExpression: "SET channels = if_not_exists(channels, :empty), channelSuppressions = if_not_exists(channelSuppressions, :empty)",
        ExpressionAttributeValues: { ":empty": {} },
      }),
    );
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { userId },
        UpdateExpression: "SET channels.#channel = :off, channelSuppressions.#channel = :why, updatedAt = :at, revision = :revision",
        ExpressionAttributeNames: { "#channel": channel },
        ExpressionAttributeValues: { ":off": false, ":why": { reason, at }, ":at": at, ":revision": randomUUID() },
      }),
    );
  }

  /** Replaces everything the user stored (PUT semantics): what was there before does not matter. */
  async put(userId: string, preferences: Preferences, updatedAt: string): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...preferences, userId, updatedAt, revision: randomUUID() } }));
  }
}
