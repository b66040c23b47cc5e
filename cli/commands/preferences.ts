import type { SignedCall } from "../../client/signed-call.ts";
import type { Target } from "../target.ts";

/** Preferences go through the HTTP API, so the CLI gets the same validation and named errors as any caller. */
async function answer(response: Response): Promise<unknown> {
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${JSON.stringify(body)}`);
  return body;
}

function apiOf(target: Target): SignedCall {
  if (!target.api) throw new Error("this stack was deployed without the HTTP API (notify:httpApi=false), which preferences go through");
  return target.api;
}

export async function getPreferences(target: Target, userId: string): Promise<unknown> {
  return answer(await apiOf(target)("GET", `/v1/users/${encodeURIComponent(userId)}/preferences`));
}

/** Applies a JSON Merge Patch: keys left out stay, null removes one. */
export async function setPreferences(target: Target, userId: string, patch: unknown): Promise<unknown> {
  return answer(await apiOf(target)("PATCH", `/v1/users/${encodeURIComponent(userId)}/preferences`, patch));
}
