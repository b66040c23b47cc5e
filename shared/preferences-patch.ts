import { mergePatch } from "./merge-patch.ts";
import { preferencesSchema, type Preferences } from "./preferences.ts";
import { RequestError } from "./request-error.ts";
import type { PreferencesStore } from "./stores/preferences-store.ts";
import { toRequestIssues } from "./zod-issues.ts";

/**
 * Applies a JSON Merge Patch over what the user stored (absent keys stay, null removes one) and
 * stores the result only if it is still valid preferences; otherwise throws naming the fields.
 */
export async function patchPreferences(store: PreferencesStore, userId: string, patch: unknown, updatedAt: string): Promise<Preferences> {
  const parsed = preferencesSchema.safeParse(mergePatch((await store.get(userId)) ?? {}, patch));
  if (!parsed.success) throw new RequestError("invalid_request", "the patched preferences do not match the expected shape", toRequestIssues(parsed.error));
  await store.put(userId, parsed.data, updatedAt);
  return parsed.data;
}
