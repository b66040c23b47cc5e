import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Preferences } from "#shared/preferences.ts";
import type { ChannelSuppression } from "#shared/provider-feedback.ts";

export class PreferencesStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.client = client;
    this.tableName = tableName;
  }

  /** What the user stored, or undefined for a user nobody has configured. */
  async get(userId: string): Promise<Preferences | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { userId } }));
    if (!result.Item) return undefined;
    const { userId: _key, updatedAt: _updatedAt, ...preferences } = result.Item;
    return preferences as Preferences;
  }

  /** The global marketing opt-out, set in place so nothing else the user stored is touched. */
  async unsubscribe(userId: string, updatedAt: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { userId },
        UpdateExpression: "SET unsubscribed = :true, updatedAt = :updatedAt",
        ExpressionAttributeValues: { ":true": true, ":updatedAt": updatedAt },
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
        UpdateExpression: "SET channels.#channel = :off, channelSuppressions.#channel = :why, updatedAt = :at",
        ExpressionAttributeNames: { "#channel": channel },
        ExpressionAttributeValues: { ":off": false, ":why": { reason, at }, ":at": at },
      }),
    );
  }

  async put(userId: string, preferences: Preferences, updatedAt: string): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...preferences, userId, updatedAt } }));
  }
}
