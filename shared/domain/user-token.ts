import { createHash, hkdfSync } from "node:crypto";
import { decodeProtectedHeader, errors, jwtVerify, SignJWT, type JWTVerifyOptions, type JWTVerifyResult } from "jose";
import { z } from "zod";
import { userIdSchema } from "./identifiers.ts";

export const USER_TOKEN_DEFAULT_TTL_SECONDS = 3600;
/** Counted by the authorizer when it cannot check a token at all (its key unreadable), which the ops alarms watch. */
export const AUTHORIZER_FAILED_METRIC = "authorizerFailed";
export const USER_TOKEN_MAX_TTL_SECONDS = 24 * 3600;
const ISSUER = "notify-fanout";
const ALGORITHM = "HS256";

/**
 * How long after a rotation a token signed with the previous key is still accepted: the longest a
 * minting client (NotifyClient, `notify token`) keeps the key it read, so tokens it mints meanwhile
 * work. A revoking rotation keeps no previous key.
 */
export const USER_TOKEN_KEY_OVERLAP_SECONDS = 300;

/**
 * What the stack keeps in Secrets Manager for user tokens: the key material and the stack's name,
 * which every token names as its audience, so a token minted for one stack is refused by another
 * even when both were given the same key. After a rotation, the previous key and when it was replaced.
 */
export const userTokenSecretSchema = z
  .strictObject({ stack: z.string().min(1), signingKey: z.string().min(32), previousSigningKey: z.string().min(32).optional(), rotatedAt: z.iso.datetime().optional() })
  .refine((secret) => (secret.previousSigningKey === undefined) === (secret.rotatedAt === undefined), "previousSigningKey and rotatedAt come together");
export type UserTokenSecret = z.infer<typeof userTokenSecretSchema>;

/**
 * The secret after a rotation to `newKey` at `now`: tokens signed with the replaced key are still
 * accepted for USER_TOKEN_KEY_OVERLAP_SECONDS, unless `revoke` (a leaked key) refuses them at once.
 */
export function rotatedUserTokenSecret(secret: UserTokenSecret, newKey: string, now: number, { revoke = false } = {}): UserTokenSecret {
  if (revoke) return { stack: secret.stack, signingKey: newKey };
  return { stack: secret.stack, signingKey: newKey, previousSigningKey: secret.signingKey, rotatedAt: new Date(now).toISOString() };
}

export function parseUserTokenSecret(secretString: string): UserTokenSecret {
  return userTokenSecretSchema.parse(JSON.parse(secretString));
}

/** `unknown_key`: signed with a key the secret does not hold (newer than a cached copy of it, revoked, or made up). */
export type InvalidUserTokenReason = "missing" | "malformed" | "forged" | "expired" | "other_stack" | "unknown_key";

export class InvalidUserToken extends Error {
  readonly reason: InvalidUserTokenReason;
  constructor(reason: InvalidUserTokenReason) {
    super(`user token is ${reason.replace("_", " ")}`);
    this.name = "InvalidUserToken";
    this.reason = reason;
  }
}

/** A key for this purpose only: the secret's key material never signs anything else. */
function signingKey(stack: string, keyMaterial: string): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", keyMaterial, stack, "notify/user-token/v1", 32));
}

/** Names a key in a token's header without revealing it, so a verifier can tell a key it does not hold yet. */
function keyId(key: Uint8Array): string {
  return createHash("sha256").update(key).digest("base64url").slice(0, 16);
}

/** The keys a token may be signed with at `now`, by key id: the current one, and the previous one within the overlap. */
function verificationKeys(secret: UserTokenSecret, now: number): Map<string, Uint8Array> {
  const keys = [signingKey(secret.stack, secret.signingKey)];
  const overlapEnds = secret.rotatedAt === undefined ? 0 : Date.parse(secret.rotatedAt) + USER_TOKEN_KEY_OVERLAP_SECONDS * 1000;
  if (secret.previousSigningKey !== undefined && now < overlapEnds) keys.push(signingKey(secret.stack, secret.previousSigningKey));
  return new Map(keys.map((key) => [keyId(key), key]));
}

/**
 * A JWT (HS256) naming the user as `sub` and the stack as `aud`, valid for `ttlSeconds` (at most a
 * day). A rotation (rotatedUserTokenSecret) revokes every token minted with the old key once the overlap has passed.
 */
export async function mintUserToken(userId: string, secret: UserTokenSecret, now: number, ttlSeconds = USER_TOKEN_DEFAULT_TTL_SECONDS): Promise<string> {
  userIdSchema.parse(userId);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > USER_TOKEN_MAX_TTL_SECONDS) {
    throw new RangeError(`ttlSeconds must be a whole number from 1 to ${USER_TOKEN_MAX_TTL_SECONDS}, not ${ttlSeconds}`);
  }
  const issuedAt = Math.floor(now / 1000);
  const key = signingKey(secret.stack, secret.signingKey);
  return new SignJWT({})
    .setProtectedHeader({ alg: ALGORITHM, typ: "JWT", kid: keyId(key) })
    .setSubject(userId)
    .setIssuer(ISSUER)
    .setAudience(secret.stack)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttlSeconds)
    .sign(key);
}

export interface VerifiedUserToken {
  userId: string;
  /** When it expires, in seconds since the epoch: a cached authorization must not outlive it. */
  expiresAt: number;
}

/** The token's user and expiry, or InvalidUserToken saying why not. */
export async function verifyUserToken(token: string | undefined, secret: UserTokenSecret, now: number): Promise<VerifiedUserToken> {
  if (!token) throw new InvalidUserToken("missing");
  try {
    const keys = verificationKeys(secret, now);
    const kid = keyIdOf(token);
    // Tokens minted before keys were named carry no kid: each key the secret holds is tried.
    const candidates = kid === undefined ? [...keys.values()] : [keys.get(kid)].filter((key) => key !== undefined);
    if (candidates.length === 0) throw new InvalidUserToken("unknown_key");
    const { payload } = await verifiedWithAny(token, candidates, { algorithms: [ALGORITHM], issuer: ISSUER, audience: secret.stack, currentDate: new Date(now), requiredClaims: ["sub", "exp"] });
    const userId = userIdSchema.safeParse(payload.sub);
    if (!userId.success) throw new InvalidUserToken("malformed");
    return { userId: userId.data, expiresAt: payload.exp! };
  } catch (error) {
    if (error instanceof InvalidUserToken) throw error;
    if (error instanceof errors.JWTExpired) throw new InvalidUserToken("expired");
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === "aud") throw new InvalidUserToken("other_stack");
    if (error instanceof errors.JWSSignatureVerificationFailed) throw new InvalidUserToken("forged");
    if (error instanceof errors.JOSEError) throw new InvalidUserToken("malformed");
    throw error;
  }
}

/** The key id a token's header names; InvalidUserToken when the token has no readable header. */
function keyIdOf(token: string): string | undefined {
  try {
    return decodeProtectedHeader(token).kid;
  } catch {
    throw new InvalidUserToken("malformed");
  }
}

/** The first key's verification that holds; a signature none of them made fails as the last did. */
async function verifiedWithAny(token: string, keys: Uint8Array[], options: JWTVerifyOptions): Promise<JWTVerifyResult> {
  for (const [index, key] of keys.entries()) {
    try {
      return await jwtVerify(token, key, options);
    } catch (error) {
      if (!(error instanceof errors.JWSSignatureVerificationFailed) || index === keys.length - 1) throw error;
    }
  }
  throw new Error("no key to verify with");
}

/** The token in an `Authorization: Bearer <token>` header. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
}
