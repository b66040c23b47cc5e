import { ConditionalCheckFailedException, DeleteItemCommand, DescribeTableCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { LocalClock } from "./local-clock.ts";

/** A table whose TimeToLiveSpecification is enabled, and the attribute that holds each item's expiry. */
export interface TimeToLiveSpec {
  tableName: string;
  attribute: string;
}

/** AWS leaves alone an item whose expiry is more than five years past: it reads as a mistake, not a TTL. */
const IGNORED_AFTER_SECONDS = 5 * 365 * 24 * 3600;

/**
 * DynamoDB's TTL on the local clock: dynalite has no UpdateTimeToLive, so an expired item lived for
 * ever and code that forgets an item can vanish (a pointer outliving its window) passed every test.
 * AWS deletes within a few days of expiry; locally a sweep deletes every item whose expiry (a Number
 * of epoch seconds) has passed on the local clock each time the clock is moved, so a time-travel
 * test sees what AWS would (between moves an expired item lingers, as it may for days on AWS). A
 * delete is conditional on the expiry the sweep read: an item rewritten meanwhile with a later
 * expiry stays. A delete refused for a hot partition is left for the next sweep (on AWS, TTL's
 * deletes take no throughput at all). No table of this stack has a stream, and dynalite emulates
 * none, so no REMOVE records are emitted.
 */
export class LocalTimeToLive {
  private readonly client: DynamoDBClient;
  private readonly tables: readonly TimeToLiveSpec[];
  private readonly clock: LocalClock;
  private readonly keyNames = new Map<string, string[]>();
  private sweeping: Promise<void> = Promise.resolve();

  constructor(client: DynamoDBClient, tables: readonly TimeToLiveSpec[], clock: LocalClock) {
    this.client = client;
    this.tables = tables;
    this.clock = clock;
  }

  /** Deletes what has expired on the local clock in every table, after any sweep already running. */
  sweep(): Promise<void> {
    this.sweeping = this.sweeping.catch(() => undefined).then(() => this.sweepAll());
    return this.sweeping;
  }

  private async sweepAll(): Promise<void> {
    const nowSeconds = Math.floor(this.clock.now() / 1000);
    await Promise.all(this.tables.map((table) => this.sweepTable(table, nowSeconds)));
  }

  private async sweepTable({ tableName, attribute }: TimeToLiveSpec, nowSeconds: number): Promise<void> {
    const keyNames = await this.keyNamesOf(tableName);
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: tableName,
          FilterExpression: "#expiry < :now AND #expiry > :ignoredBefore",
          ProjectionExpression: [...keyNames.map((_, index) => `#key${index}`), "#expiry"].join(", "),
          ExpressionAttributeNames: { "#expiry": attribute, ...Object.fromEntries(keyNames.map((name, index) => [`#key${index}`, name])) },
          ExpressionAttributeValues: { ":now": { N: String(nowSeconds) }, ":ignoredBefore": { N: String(nowSeconds - IGNORED_AFTER_SECONDS) } },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) await this.deleteIfStillExpired(tableName, keyNames, attribute, item);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  private async deleteIfStillExpired(tableName: string, keyNames: string[], attribute: string, item: Record<string, AttributeValue>): Promise<void> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: tableName,
          Key: Object.fromEntries(keyNames.map((name) => [name, item[name]!])),
          ConditionExpression: "#expiry = :seen",
          ExpressionAttributeNames: { "#expiry": attribute },
          ExpressionAttributeValues: { ":seen": item[attribute]! },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as Error).name === "ProvisionedThroughputExceededException") return;
      throw error;
    }
  }

  private async keyNamesOf(tableName: string): Promise<string[]> {
    let names = this.keyNames.get(tableName);
    if (!names) {
      const { Table } = await this.client.send(new DescribeTableCommand({ TableName: tableName }));
      names = (Table?.KeySchema ?? []).map((key) => key.AttributeName!);
      this.keyNames.set(tableName, names);
    }
    return names;
  }
}
