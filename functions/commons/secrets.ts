import { getSecret } from "@aws-lambda-powertools/parameters/secrets";

/**
 * Cached across invocations, so a rotated secret is picked up without a cold start: for five
 * minutes, or SECRET_CACHE_SECONDS where a function must notice a rotation sooner; `fresh` reads
 * past the cache (and refills it).
 */
export async function secretString(secretId: string, { fresh = false } = {}): Promise<string> {
  const value = await getSecret(secretId, { maxAge: Number(process.env.SECRET_CACHE_SECONDS ?? 300), forceFetch: fresh });
  if (typeof value !== "string" || value.length === 0) throw new Error(`secret ${secretId} has no string value`);
  return value;
}
