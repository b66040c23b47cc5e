import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Preferences } from "#shared/preferences.ts";

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

  async put(userId: string, preferences: Preferences, updatedAt: string): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...preferences, userId, updatedAt } }));
  }
}
