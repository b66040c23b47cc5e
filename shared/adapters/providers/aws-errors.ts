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
  const throttled = THROTTLING.test(shaped.name ?? "") || status === 429;
  // No status means the request never got an answer (timeout, reset): the provider may try again.
  if (throttled || shaped.$fault === "server" || shaped.$retryable || status === undefined || status >= 500) {
    throw new TransientProviderError(`${provider}: ${shaped.name ?? "error"}: ${shaped.message ?? String(error)}`, { cause: error, throttled });
  }
  return `${shaped.name ?? "rejected"}: ${shaped.message ?? ""}`.slice(0, 500);
}
