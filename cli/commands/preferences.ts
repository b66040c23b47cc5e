import type { Target } from "../target.ts";

/** Preferences go through the HTTP API, so the CLI gets the same validation and named errors as any caller. */
async function answer(response: Response): Promise<unknown> {
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${JSON.stringify(body)}`);
  return body;
}

function requireApi(target: Target): void {
  if (!target.outputs.ApiUrl) throw new Error("this stack was deployed without the HTTP API (notify:httpApi=false), which preferences go through");
}

export async function getPreferences(target: Target, userId: string): Promise<unknown> {
  requireApi(target);
  return answer(await target.api("GET", `/v1/users/${encodeURIComponent(userId)}/preferences`));
}

/** Applies a JSON Merge Patch: keys left out stay, null removes one. */
export async function setPreferences(target: Target, userId: string, patch: unknown): Promise<unknown> {
  requireApi(target);
  return answer(await target.api("PATCH", `/v1/users/${encodeURIComponent(userId)}/preferences`, patch));
}
