import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

export const UNSUBSCRIBE_TOKEN_LIFETIME_MILLIS = 90 * 24 * 3600 * 1000;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface UnsubscribeClaim {
  userId: string;
  /** The category the link unsubscribes from. */
  category: string;
}

export class InvalidUnsubscribeToken extends Error {
  readonly reason: "malformed" | "forged" | "expired";
  constructor(reason: "malformed" | "forged" | "expired") {
    super(`unsubscribe token is ${reason}`);
    this.name = "InvalidUnsubscribeToken";
    this.reason = reason;
  }
}

/** A key for this purpose only, derived from the stack's secret. */
export function unsubscribeKey(secret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, "notify-unsubscribe", "notify/unsubscribe-token/v1", 32));
}

/**
 * The preference center's links are sealed the same way under a key of their own, so an
 * unsubscribe link never opens the preference center and the other way round.
 */
export function preferenceCenterKey(secret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, "notify-unsubscribe", "notify/preference-center-token/v1", 32));
}

/** The claim a preference center link carries: every category of the user's. */
export const PREFERENCE_CENTER_CATEGORY = "*";

/**
 * An unsubscribe token: AES-256-GCM over {user, category, expiry}, so it is both signed (a changed
 * byte fails authentication) and opaque (the user id is not readable in the link a mailbox provider
 * or a forwarded email exposes).
 */
export function createUnsubscribeToken(claim: UnsubscribeClaim, key: Buffer, now: number): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const payload = JSON.stringify({ u: claim.userId, c: claim.category, e: now + UNSUBSCRIBE_TOKEN_LIFETIME_MILLIS });
  const sealed = Buffer.concat([cipher.update(payload, "utf8"), cipher.final()]);
  return Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString("base64url");
}

export function readUnsubscribeToken(token: string, key: Buffer, now: number): UnsubscribeClaim {
  const raw = Buffer.from(token, "base64url");
  if (raw.length <= IV_BYTES + TAG_BYTES || raw.toString("base64url") !== token) throw new InvalidUnsubscribeToken("malformed");
  const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, IV_BYTES));
  decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
  let payload: { u: string; c: string; e: number };
  try {
    payload = JSON.parse(Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString("utf8"));
  } catch {
    throw new InvalidUnsubscribeToken("forged");
  }
  if (payload.e < now) throw new InvalidUnsubscribeToken("expired");
  return { userId: payload.u, category: payload.c };
}
