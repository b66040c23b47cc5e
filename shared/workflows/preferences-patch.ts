import { setTimeout } from "node:timers/promises";
import { mergePatch } from "../lib/merge-patch.ts";
import { liftedSuppressions, preferencesSchema, type Preferences } from "../domain/preferences.ts";
import { RequestError } from "../domain/request-error.ts";
import type { PreferencesStore } from "../adapters/stores/preferences-store.ts";
import { toRequestIssues } from "../domain/zod-issues.ts";

/** Writes that may land between one read and its write before the patch gives up. */
const MAX_ATTEMPTS = 8;
/** Backoff between attempts: random up to this times 2^attempt, so racing patches spread out. */
const BACKOFF_BASE_MILLIS = 5;

/**
 * Applies a JSON Merge Patch over what the user stored (absent keys stay, null removes one) and
 * stores the result only if it is still valid preferences; otherwise throws naming the fields.
 */
export async function patchPreferences(store: PreferencesStore, userId: string, patch: unknown, updatedAt: string, guard?: PreferencesGuard): Promise<Preferences> {
  return updatePreferences(store, userId, (stored) => mergePatch(stored ?? {}, patch), updatedAt, guard);
}

/** Throws a RequestError when `next` is valid preferences but not a change this caller may make. */
export type PreferencesGuard = (stored: Preferences | undefined, next: Preferences) => void;

/** For the person in the browser: a suppressed channel stays off (only the application lifts it). */
export const keepSuppressions: PreferencesGuard = (stored, next) => {
  const lifted = liftedSuppressions(stored, next);
  if (!lifted.length) return;
  const issues = lifted.map(({ channel, reason, at }) => ({
    path: `channels.${channel}`,
    message: `was switched off after a ${reason.replace("_", " ")} at ${at}; only the application can switch it back on, once the address is fixed`,
  }));
  throw new RequestError("invalid_request", "a channel switched off by provider feedback cannot be switched on from the browser", issues);
};

/**
 * Read, change, validate, write: a write that lands in between (a bounce switching a channel off)
 * makes it read and change again over that write, never overwrite it. A change that returns what
 * it was given writes nothing.
 */
export async function updatePreferences(
  store: PreferencesStore,
  userId: string,
  change: (stored: Preferences | undefined) => unknown,
  updatedAt: string,
  guard?: PreferencesGuard,
): Promise<Preferences> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const stored = await store.getForUpdate(userId);
    const changed = change(stored.preferences);
    if (changed === stored.preferences) return stored.preferences ?? {};
    const parsed = preferencesSchema.safeParse(changed);
    if (!parsed.success) throw new RequestError("invalid_request", "the patched preferences do not match the expected shape", toRequestIssues(parsed.error));
    // Checked against the revision being replaced, so a bounce landing meanwhile is seen on the retry.
    guard?.(stored.preferences, parsed.data);
    if (await store.putIfUnchanged(userId, parsed.data, updatedAt, stored.revision)) return parsed.data;
    if (attempt < MAX_ATTEMPTS) await setTimeout(Math.random() * BACKOFF_BASE_MILLIS * 2 ** attempt);
  }
  // A lost race, not a fault: the caller may send the same change again (HTTP 409).
  throw new RequestError("conflict", `the preferences of ${userId} changed ${MAX_ATTEMPTS} times while being patched; send the change again`);
}
