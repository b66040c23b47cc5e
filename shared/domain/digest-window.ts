import { createHash } from "node:crypto";
import type { Channel } from "./channels.ts";

/** A template's digest: notifications of its type for one user, key value and channel within a window become one message. */
export interface DigestRule {
  /** How long the window stays open after the notification that opened it. */
  readonly windowMinutes: number;
  /** The data field whose value keeps digests apart (a post's id); without it, one digest per user and channel. */
  readonly key?: string;
  /** How many notifications' data the digest message carries; `count` still counts every one. @default 50 */
  readonly maxItems?: number;
}

export const DEFAULT_DIGEST_MAX_ITEMS = 50;
/** A day: longer windows are a scheduled summary, not grouping in time. */
export const MAX_DIGEST_WINDOW_MINUTES = 24 * 60;

/** What opens, joins and is released together: one type, user, key value and channel. */
export interface DigestScope {
  type: string;
  userId: string;
  channel: Channel;
  /** The value of the rule's key field, or "" when the rule has no key. */
  keyValue: string;
}

/** The problem with a digest rule, or undefined when it is sound; its key must be one of `dataFields`. */
export function digestRuleProblem(rule: DigestRule, dataFields: readonly string[]): string | undefined {
  if (!Number.isInteger(rule.windowMinutes) || rule.windowMinutes < 1 || rule.windowMinutes > MAX_DIGEST_WINDOW_MINUTES) return `digest windowMinutes must be whole minutes from 1 to ${MAX_DIGEST_WINDOW_MINUTES}, not ${rule.windowMinutes}`;
  if (rule.maxItems !== undefined && !(Number.isInteger(rule.maxItems) && rule.maxItems >= 1 && rule.maxItems <= 500)) return `digest maxItems must be a whole number from 1 to 500, not ${rule.maxItems}`;
  if (rule.key !== undefined && !dataFields.includes(rule.key)) return `digest key ${rule.key} is not a field of the template's data`;
  return undefined;
}

/** The key value a notification's data puts it under; a key field's value is text whatever its type. */
export function digestKeyValue(rule: DigestRule, data: Record<string, unknown>): string {
  if (rule.key === undefined) return "";
  const value = data[rule.key];
  return typeof value === "string" ? value : JSON.stringify(value ?? null);
}

/**
 * A key value longer than this, encoded, is stored as its hash: the value comes from the data (up to
 * 32 KB), and the scope key is part of a partition key, which DynamoDB caps at 2,048 bytes.
 */
export const MAX_PLAIN_KEY_VALUE_LENGTH = 256;

/** The key value as the scope key holds it: encoded, or `#` and its SHA-256 when long ("#" is encoded in any plain value). */
function keyValuePart(keyValue: string): string {
  const encoded = encodeURIComponent(keyValue);
  return encoded.length <= MAX_PLAIN_KEY_VALUE_LENGTH ? encoded : `#${createHash("sha256").update(keyValue).digest("hex")}`;
}

/** The scope as one string, kept apart by separators no id may contain. */
export function digestScopeKey(scope: DigestScope): string {
  return [...[scope.type, scope.userId, scope.channel].map((part) => encodeURIComponent(part)), keyValuePart(scope.keyValue)].join("|");
}

/**
 * A window's id, the same for every writer that opens it at `openedAt` and different for the next
 * window of the same scope: the digest message's notificationId, so its delivery has a dedup claim
 * of its own and a release that crashes and runs again sends it once.
 */
export function digestWindowId(scope: DigestScope, openedAt: number): string {
  return `digest-${createHash("sha256").update(`${digestScopeKey(scope)}\n${openedAt}`).digest("hex").slice(0, 32)}`;
}

/** One notification in a window: its data and when it joined. */
export interface DigestEntry {
  notificationId: string;
  data: Record<string, unknown>;
  at: string;
}

/** The data a digest message is rendered with, under `digest`. */
export interface DigestContent {
  count: number;
  /** The data of the first notifications, oldest first: at most `maxItems`, and no more than the message can carry. */
  items: Array<Record<string, unknown>>;
  /** Notifications counted in `count` whose data is not in `items`. */
  itemsLeftOut: number;
  /** True when items were left out to keep the message within its size limit, not only by `maxItems`. */
  trimmedToFit: boolean;
  firstAt: string;
  lastAt: string;
}

/**
 * The window's content; each notification counts once however often it joined (redelivered
 * messages). `itemBytes` is what the items may take of the message, their JSON and the commas
 * between them: a window's data can add up to more than one message may carry (500 likes of 30 KB
 * each), and a digest that cannot be published loses the whole window, so the newest items are left
 * out to fit and the content says so.
 */
export function digestContent(entries: readonly DigestEntry[], rule: DigestRule, itemBytes = Number.POSITIVE_INFINITY): DigestContent {
  if (entries.length === 0) throw new RangeError("a digest window holds at least the notification that opened it");
  const unique = [...new Map(entries.map((entry) => [entry.notificationId, entry])).values()].sort((a, b) => a.at.localeCompare(b.at) || a.notificationId.localeCompare(b.notificationId));
  const wanted = unique.slice(0, rule.maxItems ?? DEFAULT_DIGEST_MAX_ITEMS).map((entry) => entry.data);
  const items = withinBytes(wanted, itemBytes);
  return {
    count: unique.length,
    items,
    itemsLeftOut: unique.length - items.length,
    trimmedToFit: items.length < wanted.length,
    firstAt: unique[0]!.at,
    lastAt: unique.at(-1)!.at,
  };
}

/** The longest prefix of `items` whose JSON, with a comma between each two, takes at most `budget` bytes. */
function withinBytes(items: Array<Record<string, unknown>>, budget: number): Array<Record<string, unknown>> {
  let used = -1;
  for (const [index, item] of items.entries()) {
    used += Buffer.byteLength(JSON.stringify(item), "utf8") + 1;
    if (used > budget) return items.slice(0, index);
  }
  return items;
}
