import { userIdSchema } from "#shared/domain/identifiers.ts";
import { withDefaults } from "#shared/domain/preferences.ts";
import { patchPreferences } from "#shared/workflows/preferences-patch.ts";
import { RequestError } from "#shared/domain/request-error.ts";
import { PreferencesStore } from "#shared/adapters/stores/preferences-store.ts";
import type { Target } from "../target.ts";

/**
 * Preferences go through the HTTP API when the stack has one, so the CLI gets the same checks as
 * any caller; without it (LocalStack's free plan) they go to the table through the same validation.
 */
async function answer(response: Response): Promise<unknown> {
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${JSON.stringify(body)}`);
  return body;
}

function directly(target: Target, userId: string): PreferencesStore {
  const parsed = userIdSchema.safeParse(userId);
  if (!parsed.success) throw new Error(`userId ${parsed.error.issues[0]!.message}`);
  return new PreferencesStore(target.documents, target.outputs.PreferencesTableName!);
}

function explained(error: unknown): never {
  if (!(error instanceof RequestError)) throw error;
  throw new Error(`${error.code}: ${error.message}${(error.issues ?? []).map((issue) => `\n  ${issue.path}: ${issue.message}`).join("")}`);
}

export async function getPreferences(target: Target, userId: string): Promise<unknown> {
  if (target.api) return answer(await target.api("GET", `/v1/users/${encodeURIComponent(userId)}/preferences`));
  return { userId, ...withDefaults(await directly(target, userId).get(userId)) };
}

/** Applies a JSON Merge Patch: keys left out stay, null removes one. */
export async function setPreferences(target: Target, userId: string, patch: unknown): Promise<unknown> {
  if (target.api) return answer(await target.api("PATCH", `/v1/users/${encodeURIComponent(userId)}/preferences`, patch));
  const patched = await patchPreferences(directly(target, userId), userId, patch, new Date().toISOString()).catch(explained);
  return { userId, ...withDefaults(patched) };
}
