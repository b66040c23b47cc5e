import { TransientProviderError } from "./provider.ts";

interface ServiceErrorShape {
  name?: string;
  message?: string;
  $fault?: "client" | "server";
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

const THROTTLING = /throttl|toomanyrequests|limitexceeded|servicequota|sending_paused|requestlimit/i;

/**
 * Sorts an AWS SDK error into "retry later" (throws) or a permanent reason. The SDK has already
 * retried what it considers retryable; what is left is either a throttle we back off from or the
 * provider refusing this message for good.
 */
export function permanentReasonOrThrow(error: unknown, provider: string): string {
  const shaped = (error ?? {}) as ServiceErrorShape;
  const status = shaped.$metadata?.httpStatusCode;
  if (shaped.$fault === "server" || shaped.$retryable || THROTTLING.test(shaped.name ?? "") || status === 429 || (status !== undefined && status >= 500) || status === undefined) {
    throw new TransientProviderError(`${provider}: ${shaped.name ?? "error"}: ${shaped.message ?? String(error)}`, { cause: error });
  }
  return `${shaped.name ?? "rejected"}: ${shaped.message ?? ""}`.slice(0, 500);
}
