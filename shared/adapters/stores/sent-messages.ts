import { GetCommand, PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { SentDelivery } from "#shared/domain/push-receipts.ts";


export interface SentMessagesOptions {
  tableName: string;
  /** As long as a claim is remembered: receipts for anything older are not worth reading. */
  retentionSeconds: number;
  now: () => number;
}

/** Sorts apart from the claim keys that earlier versions kept in this table, which never start with '~'. */
const KEY_PREFIX = "~sent-message#";

/**
 * Which delivery a provider message id belongs to, for providers whose receipts name nothing else:
 * SNS mobile push delivery status logs carry the SNS message id and the endpoint, no attributes.
 * Kept in the dedup table, as long as a claim is remembered.
 */
export class SentMessages {
  private readonly client: DynamoDBDocumentClient;
  private readonly options: SentMessagesOptions;

  constructor(client: DynamoDBDocumentClient, options: SentMessagesOptions) {
    this.client = client;
    this.options = options;
  }

  /** Idempotent: recording the same ids again (a redelivered message) rewrites the same items. */
  async record(providerMessageIds: string[], delivery: SentDelivery): Promise<void> {
    const expiresAt = Math.floor(this.options.now() / 1000) + this.options.retentionSeconds;
    await Promise.all(
      providerMessageIds.map((id) => this.client.send(new PutCommand({ TableName: this.options.tableName, Item: { claimKey: `${KEY_PREFIX}${id}`, delivery, expiresAt } }))),
    );
  }

  async find(providerMessageId: string): Promise<SentDelivery | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.options.tableName, Key: { claimKey: `${KEY_PREFIX}${providerMessageId}` }, ConsistentRead: true }));
    if (!Item || (Item.expiresAt as number) < Math.floor(this.options.now() / 1000)) return undefined;
    return Item.delivery as SentDelivery;
  }
}
