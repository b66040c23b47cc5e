import { getSecret } from "@aws-lambda-powertools/parameters/secrets";

/** Cached for five minutes across invocations, so a rotated secret is picked up without a cold start. */
export async function secretString(secretId: string): Promise<string> {
  const value = await getSecret(secretId, { maxAge: 300 });
  if (typeof value !== "string" || value.length === 0) throw new Error(`secret ${secretId} has no string value`);
  return value;
}
