import { BatchGetCommand, BatchWriteCommand, GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { AUDIENCE_SHARDS, audienceShardOf, type Audience, type AudienceDetails } from "#shared/domain/audience.ts";
import { sendResendingFailed } from "#shared/lib/resend-failed.ts";
import { AWS_LIMITS } from "../aws-limits.ts";

/** The audience's own item sorts apart from its members: '#' is never in a userId. */
const DETAILS_KEY = "#audience";
const KEYS_PER_BATCH_GET = AWS_LIMITS.dynamodb.batchGetItems;
const WRITES_PER_BATCH_WRITE = AWS_LIMITS.dynamodb.batchWriteItems;
/** Batch requests of one change in flight at once. */
const PARALLEL_BATCHES = 4;
const MAX_BATCH_ATTEMPTS = 6;

type MemberKey = { audienceKey: string; memberKey: string };
type WriteRequest = { PutRequest: { Item: MemberKey } } | { DeleteRequest: { Key: MemberKey } };

export const shardKey = (audienceId: string, shard: number): string => `${audienceId}#${shard}`;
const memberKeyOf = (audienceId: string, userId: string): MemberKey => ({ audienceKey: shardKey(audienceId, audienceShardOf(userId)), memberKey: userId });

export interface MemberChangeResult {
  added: number;
  removed: number;
  members: number;
}

export interface MembersPage {
  items: string[];
  nextCursor?: string;
}

/** Where a members listing goes on: the shard it was reading and the last member it returned there. */
interface MembersCursor {
  shard: number;
  after?: string;
}

function encodeCursor(cursor: MembersCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

/** undefined for a cursor this store did not write. */
export function decodeMembersCursor(text: string): MembersCursor | undefined {
  try {
    const cursor = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as MembersCursor;
    if (!Number.isInteger(cursor.shard) || cursor.shard < 0 || cursor.shard >= AUDIENCE_SHARDS) return undefined;
    if (cursor.after !== undefined && typeof cursor.after !== "string") return undefined;
    return cursor;
  } catch {
    return undefined;
  }
}

function toAudience(item: Record<string, unknown>): Audience {
  return {
    audienceId: item.audienceKey as string,
    ...(item.name === undefined ? {} : { name: item.name as string }),
    ...(item.description === undefined ? {} : { description: item.description as string }),
    members: item.members as number,
    createdAt: item.createdAt as string,
  };
}

async function inBatches<T>(items: T[], size: number, run: (batch: T[]) => Promise<void>): Promise<void> {
  const batches: T[][] = [];
  for (let start = 0; start < items.length; start += size) batches.push(items.slice(start, start + size));
  for (let start = 0; start < batches.length; start += PARALLEL_BATCHES) await Promise.all(batches.slice(start, start + PARALLEL_BATCHES).map(run));
}

/**
 * Audiences and their members. Members live under `audienceId#shard` (see AUDIENCE_SHARDS), one
 * item each, so an audience of millions is written at the table's speed, not one partition's; the
 * audience's own item keeps the member count, changed by the same amount as the members.
 *
 * The count is exact unless a change is cut off between its member writes and its count update, or
 * two changes name the same member at the same instant: each learns which members exist before it
 * writes, without a transaction. Nothing that delivers reads the count; expansion reads members.
 */
export class AudienceStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly sleep: (millis: number) => Promise<void>;

  constructor(client: DynamoDBDocumentClient, tableName: string, sleep: (millis: number) => Promise<void>) {
    this.client = client;
    this.tableName = tableName;
    this.sleep = sleep;
  }

  /** Creates the audience, or replaces its name and description; its members and createdAt stay. */
  async put(audienceId: string, details: AudienceDetails, now: string): Promise<Audience> {
    const sets = ["createdAt = if_not_exists(createdAt, :now)", "members = if_not_exists(members, :zero)"];
    const removes: string[] = [];
    const values: Record<string, unknown> = { ":now": now, ":zero": 0 };
    for (const field of ["name", "description"] as const) {
      if (details[field] === undefined) removes.push(`#${field}`);
      else {
        sets.push(`#${field} = :${field}`);
        values[`:${field}`] = details[field];
      }
    }
    const result = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { audienceKey: audienceId, memberKey: DETAILS_KEY },
        UpdateExpression: `SET ${sets.join(", ")}${removes.length ? ` REMOVE ${removes.join(", ")}` : ""}`,
        ExpressionAttributeNames: { "#name": "name", "#description": "description" },
        ExpressionAttributeValues: values,
        ReturnValues: "ALL_NEW",
      }),
    );
    return toAudience(result.Attributes!);
  }

  async get(audienceId: string): Promise<Audience | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { audienceKey: audienceId, memberKey: DETAILS_KEY } }));
    return result.Item ? toAudience(result.Item) : undefined;
  }

  /**
   * Adds and removes members (an audience that exists); adding a member twice or removing an absent
   * one changes nothing. Safe to repeat: a change already made is found made.
   */
  async changeMembers(audienceId: string, add: readonly string[], remove: readonly string[]): Promise<MemberChangeResult> {
    const present = await this.presentMembers(audienceId, [...add, ...remove]);
    const toAdd = [...new Set(add)].filter((userId) => !present.has(userId));
    const toRemove = [...new Set(remove)].filter((userId) => present.has(userId));
    const writes: WriteRequest[] = [
      ...toAdd.map((userId) => ({ PutRequest: { Item: memberKeyOf(audienceId, userId) } })),
      ...toRemove.map((userId) => ({ DeleteRequest: { Key: memberKeyOf(audienceId, userId) } })),
    ];
    await inBatches(writes, WRITES_PER_BATCH_WRITE, (batch) =>
      sendResendingFailed(
        batch,
        async (pending) => {
          const result = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }));
          const failed = (result.UnprocessedItems?.[this.tableName] ?? []) as WriteRequest[];
          return { failed, retryable: true, detail: "unprocessed by BatchWriteItem (throttled)" };
        },
        { maxAttempts: MAX_BATCH_ATTEMPTS, sleep: this.sleep, giveUp: (failed, detail) => new Error(`${failed.length} member writes of audience ${audienceId} were ${detail} after ${MAX_BATCH_ATTEMPTS} attempts; repeat the change`) },
      ),
    );
    const members = await this.addToCount(audienceId, toAdd.length - toRemove.length);
    return { added: toAdd.length, removed: toRemove.length, members };
  }

  /** Members of one shard in userId order, after `after`: what expansion reads a page at a time. */
  async shardPage(audienceId: string, shard: number, limit: number, after?: string): Promise<{ userIds: string[]; last?: string }> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: "audienceKey = :shard",
        ExpressionAttributeValues: { ":shard": shardKey(audienceId, shard) },
        ...(after ? { ExclusiveStartKey: { audienceKey: shardKey(audienceId, shard), memberKey: after } } : {}),
        Limit: limit,
      }),
    );
    const userIds = (result.Items ?? []).map((item) => item.memberKey as string);
    return { userIds, ...(result.LastEvaluatedKey ? { last: result.LastEvaluatedKey.memberKey as string } : {}) };
  }

  /** Members shard after shard, `limit` at a time; pass `nextCursor` back as the cursor for more. */
  async listMembers(audienceId: string, limit: number, cursor?: MembersCursor): Promise<MembersPage> {
    const items: string[] = [];
    let position: MembersCursor | undefined = cursor ?? { shard: 0 };
    while (position && items.length < limit) {
      const page = await this.shardPage(audienceId, position.shard, limit - items.length, position.after);
      items.push(...page.userIds);
      if (page.last) position = { shard: position.shard, after: page.last };
      else position = position.shard + 1 < AUDIENCE_SHARDS ? { shard: position.shard + 1 } : undefined;
    }
    return { items, ...(position ? { nextCursor: encodeCursor(position) } : {}) };
  }

  private async presentMembers(audienceId: string, userIds: string[]): Promise<Set<string>> {
    const present = new Set<string>();
    const unique = [...new Set(userIds)].map((userId) => memberKeyOf(audienceId, userId));
    await inBatches(unique, KEYS_PER_BATCH_GET, (batch) =>
      sendResendingFailed(
        batch,
        async (pending) => {
          const result = await this.client.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ProjectionExpression: "memberKey" } } }));
          for (const item of result.Responses?.[this.tableName] ?? []) present.add(item.memberKey as string);
          return { failed: (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as MemberKey[], retryable: true, detail: "unprocessed by BatchGetItem (throttled)" };
        },
        { maxAttempts: MAX_BATCH_ATTEMPTS, sleep: this.sleep, giveUp: (failed, detail) => new Error(`${failed.length} member reads of audience ${audienceId} were ${detail} after ${MAX_BATCH_ATTEMPTS} attempts`) },
      ),
    );
    return present;
  }

  private async addToCount(audienceId: string, delta: number): Promise<number> {
    const result = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { audienceKey: audienceId, memberKey: DETAILS_KEY },
        UpdateExpression: "ADD members :delta",
        ConditionExpression: "attribute_exists(audienceKey)",
        ExpressionAttributeValues: { ":delta": delta },
        ReturnValues: "UPDATED_NEW",
      }),
    );
    return result.Attributes!.members as number;
  }
}
