import { hkdfSync } from "node:crypto";
import { errors, jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import { userIdSchema } from "./identifiers.ts";

export const USER_TOKEN_DEFAULT_TTL_SECONDS = 3600;
/** Counted by the authorizer when it cannot check a token at all (its key unreadable), which the ops alarms watch. */
export const AUTHORIZER_FAILED_METRIC = "authorizerFailed";
export const USER_TOKEN_MAX_TTL_SECONDS = 24 * 3600;
const ISSUER = "notify-fanout";
const ALGORITHM = "HS256";

/**
 * What the stack keeps in Secrets Manager for user tokens: the key material and the stack's name,
 * which every token names as its audience, so a token minted for one stack is refused by another
 * even when both were given the same key.
 */
export const userTokenSecretSchema = z.strictObject({ stack: z.string().min(1), signingKey: z.string().min(32) });
export type UserTokenSecret = z.infer<typeof userTokenSecretSchema>;

export function parseUserTokenSecret(secretString: string): UserTokenSecret {
  return userTokenSecretSchema.parse(JSON.parse(secretString));
}

export type InvalidUserTokenReason = "missing" | "malformed" | "forged" | "expired" | "other_stack";

export class InvalidUserToken extends Error {
  readonly reason: InvalidUserTokenReason;
  constructor(reason: InvalidUserTokenReason) {
    super(`user token is ${reason.replace("_", " ")}`);
    this.name = "InvalidUserToken";
    this.reason = reason;
  }
}

/** A key for this purpose only: the secret's key material never signs anything else. */
function signingKey(secret: UserTokenSecret): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", secret.signingKey, secret.stack, "notify/user-token/v1", 32));
}

/**
 * A JWT (HS256) naming the user as `sub` and the stack as `aud`, valid for `ttlSeconds` (at most a
 * day). Rotating the secret's key revokes every token minted with the old one.
 */
export async function mintUserToken(userId: string, secret: UserTokenSecret, now: number, ttlSeconds = USER_TOKEN_DEFAULT_TTL_SECONDS): Promise<string> {
  userIdSchema.parse(userId);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > USER_TOKEN_MAX_TTL_SECONDS) {
    throw new RangeError(`ttlSeconds must be a whole number from 1 to ${USER_TOKEN_MAX_TTL_SECONDS}, not ${ttlSeconds}`);
  }
  const issuedAt = Math.floor(now / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: ALGORITHM, typ: "JWT" })
    .setSubject(userId)
    .setIssuer(ISSUER)
    .setAudience(secret.stack)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttlSeconds)
    .sign(signingKey(secret));
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
    const { payload } = await jwtVerify(token, signingKey(secret), { algorithms: [ALGORITHM], issuer: ISSUER, audience: secret.stack, currentDate: new Date(now), requiredClaims: ["sub", "exp"] });
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

/** The token in an `Authorization: Bearer <token>` header. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
}
