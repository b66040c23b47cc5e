import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { ChannelMessage } from "#shared/domain/channel-message.ts";
import { digestScopeKey, digestWindowId, type DigestScope } from "#shared/domain/digest-window.ts";
import { shardFor, type DigestRelease } from "./deferred-items.ts";

/**
 * Members a window takes before the next one opens beside it: each member is up to 153 bytes, and
 * an item holds 400 KB.
 */
export const MAX_WINDOW_MEMBERS = 2_000;
/** Joins that lose a race (another writer opened or sealed the window) go round again; this many is a bug. */
const MAX_JOIN_ROUNDS = 10;
const RETENTION_AFTER_DUE_SECONDS = 7 * 24 * 3600;

/** A notification in a window: when it was published, then its id, so members sort oldest first. */
export function windowMember(message: Pick<ChannelMessage, "publishedAt" | "notificationId">): string {
  return `${message.publishedAt}#${message.notificationId}`;
}

/** The notificationId of a member. */
export function memberNotificationId(member: string): string {
  return member.slice(member.indexOf("#") + 1);
}

interface Pointer {
  windowId: string;
  openedAt: number;
}

/** When a window's items go: a week after it is due, long after its release. */
function expiresAtOf(openedAt: number, windowMinutes: number): number {
  return Math.floor((openedAt + windowMinutes * 60_000) / 1000) + RETENTION_AFTER_DUE_SECONDS;
}

/** What a digest's message shares with the notifications it carries. */
export type DigestMessageFields = Pick<ChannelMessage, "category" | "priority">;

/**
 * Digest windows in the deferred table, each scope (type, user, channel, key value) in a partition
 * of its own: a pointer to the scope's current window, the windows with their members, and for each
 * window a due item in the sweeper's shards. The pointer expires with the window it points at: TTL
 * deletes a window a week after it is due, and a pointer left behind would have the next
 * notification re-create that window under its old id, due in the past and already sent. Since TTL
 * deletes lag, an expired pointer is replaced as a sealed window's is. Opening is a conditional write
 * on the pointer, which exactly one writer wins; joining adds the notification to a set, so a redelivery joins once; a
 * sealed or full window refuses joins, and the next notification opens its successor. Any joiner
 * finishes an opening whose writer stopped between the pointer and the window.
 */
export class DigestWindows {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.client = client;
    this.tableName = tableName;
  }

  /** Joins the scope's open window, opening one for `windowMinutes` when there is none; returns its id. */
  async join(scope: DigestScope, member: string, fields: DigestMessageFields, windowMinutes: number, now: number): Promise<string> {
    const partition = `digest#${digestScopeKey(scope)}`;
    // The writer that moves the pointer knows where it points: only a lost race reads it again.
    let pointer = await this.pointer(partition, windowMinutes, now);
    for (let round = 1; round <= MAX_JOIN_ROUNDS; round++) {
      if (!pointer || pointer.expired) {
        const opening = { windowId: digestWindowId(scope, now), openedAt: now };
        if (await this.putPointer(partition, opening, pointer?.windowId, windowMinutes)) {
          await this.createWindow(partition, scope, opening, fields, windowMinutes);
          pointer = { ...opening, expired: false };
        } else {
          pointer = await this.pointer(partition, windowMinutes, now);
        }
        continue;
      }
      const refused = await this.addMember(partition, pointer.windowId, member);
      if (refused === "joined") return pointer.windowId;
      // A redelivery whose first join landed just before the window was sealed: it is in that window.
      if (refused.members?.has(member)) return pointer.windowId;
      // A window missing before its due time is an opening that stopped halfway: finish it. One
      // missing after it (TTL took it, or its opening never finished) may have been sent under its
      // id already, so the notification opens a successor instead.
      if (refused.kind === "missing" && pointer.openedAt + windowMinutes * 60_000 > now) {
        await this.createWindow(partition, scope, pointer, fields, windowMinutes);
        continue;
      }
      const successor = { windowId: digestWindowId(scope, Math.max(now, pointer.openedAt + 1)), openedAt: Math.max(now, pointer.openedAt + 1) };
      if (await this.putPointer(partition, successor, pointer.windowId, windowMinutes)) {
        await this.createWindow(partition, scope, successor, fields, windowMinutes);
        pointer = { ...successor, expired: false };
      } else {
        pointer = await this.pointer(partition, windowMinutes, now);
      }
    }
    throw new Error(`could not join a digest window of ${partition} in ${MAX_JOIN_ROUNDS} rounds`);
  }

  /** Closes the window to joins and returns its members, the same on every call; undefined for a window that was never created. */
  async seal(scope: DigestScope, windowId: string): Promise<string[] | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { shard: `digest#${digestScopeKey(scope)}`, dueKey: `window#${windowId}` },
          UpdateExpression: "SET #state = :sealed",
          ConditionExpression: "attribute_exists(dueKey)",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: { ":sealed": "sealed" },
          ReturnValues: "ALL_NEW",
        }),
      );
      return [...((Attributes?.members as Set<string> | undefined) ?? [])].sort();
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /**
   * The scope's current window, undefined when there is none, and `expired` once its window's
   * retention has passed (TTL may not have deleted it yet). A pointer written before pointers
   * carried their expiry is given its window's, from the rule in force.
   */
  private async pointer(partition: string, windowMinutes: number, now: number): Promise<(Pointer & { expired: boolean }) | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { shard: partition, dueKey: "current" }, ConsistentRead: true }));
    if (!Item) return undefined;
    const pointer = { windowId: Item.windowId as string, openedAt: Item.openedAt as number };
    const expiresAt = (Item.expiresAt as number | undefined) ?? expiresAtOf(pointer.openedAt, windowMinutes);
    return { ...pointer, expired: expiresAt * 1000 <= now };
  }

  /**
   * Points the scope at a new window if it still points at `previous` (or nowhere): true for the one
   * writer that moved it. The pointer expires with the window it points at.
   */
  private async putPointer(partition: string, next: Pointer, previous: string | undefined, windowMinutes: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { shard: partition, dueKey: "current", ...next, expiresAt: expiresAtOf(next.openedAt, windowMinutes) },
          ConditionExpression: previous === undefined ? "attribute_not_exists(dueKey)" : "windowId = :previous",
          ...(previous === undefined ? {} : { ExpressionAttributeValues: { ":previous": previous } }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** The due item first, then the window: a window that exists is always released. Both writes are idempotent. */
  private async createWindow(partition: string, scope: DigestScope, { windowId, openedAt }: Pointer, fields: DigestMessageFields, windowMinutes: number): Promise<void> {
    const dueAt = openedAt + windowMinutes * 60_000;
    const expiresAt = expiresAtOf(openedAt, windowMinutes);
    const release: DigestRelease & { expiresAt: number } = {
      kind: "digest",
      shard: shardFor(windowId),
      dueKey: `${new Date(dueAt).toISOString()}#digest#${windowId}`,
      dueAt,
      windowId,
      scope,
      ...fields,
      expiresAt,
    };
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: release }));
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { shard: partition, dueKey: `window#${windowId}`, windowId, openedAt, dueAt, state: "open", expiresAt },
          ConditionExpression: "attribute_not_exists(dueKey)",
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  private async addMember(partition: string, windowId: string, member: string): Promise<"joined" | { kind: "missing" | "closed"; members?: Set<string> }> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { shard: partition, dueKey: `window#${windowId}` },
          UpdateExpression: "ADD members :member",
          ConditionExpression: "#state = :open AND (attribute_not_exists(members) OR size(members) < :cap OR contains(members, :one))",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: { ":member": new Set([member]), ":one": member, ":open": "open", ":cap": MAX_WINDOW_MEMBERS },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      return "joined";
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const window = error.Item ? unmarshall(error.Item) : undefined;
      return window ? { kind: "closed", members: window.members as Set<string> | undefined } : { kind: "missing" };
    }
  }
}
