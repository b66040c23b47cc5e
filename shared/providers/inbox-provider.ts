import { PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { ChannelProvider, SendRequest, SendResult } from "./provider.ts";

/** The in-app channel's "provider" is the user's inbox: one item per notification, newest first by sort key. */
export class InboxProvider implements ChannelProvider {
  readonly name = "inbox";
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly now: () => number;

  constructor(client: DynamoDBDocumentClient, tableName: string, now: () => number) {
    this.client = client;
    this.tableName = tableName;
    this.now = now;
  }

  async send(request: SendRequest): Promise<SendResult> {
    if (request.channel !== "in_app" || !("title" in request.content)) return { ok: false, reason: `inbox cannot hold ${request.channel}` };
    const createdAt = new Date(this.now()).toISOString();
    const itemId = `${createdAt}#${request.notificationId}`;
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { userId: request.userId, itemId, notificationId: request.notificationId, title: request.content.title, body: request.content.body, read: false, createdAt },
      }),
    );
    return { ok: true, providerMessageId: itemId };
  }
}
