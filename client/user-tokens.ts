import { randomBytes } from "node:crypto";
import { GetSecretValueCommand, PutSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mintUserToken, parseUserTokenSecret, rotatedUserTokenSecret, USER_TOKEN_DEFAULT_TTL_SECONDS, USER_TOKEN_KEY_OVERLAP_SECONDS, type UserTokenSecret } from "#shared/domain/user-token.ts";

/** How long the signing key is trusted once read: the authorizer accepts the previous key this long after a rotation. */
const SECRET_CACHE_MILLIS = USER_TOKEN_KEY_OVERLAP_SECONDS * 1000;

export interface UserTokenOptions {
  /** Seconds until the token expires, 1 to 86,400. @default 3600 */
  ttlSeconds?: number;
}

/**
 * Mints the tokens an application hands its signed-in user's browser, with the stack's signing key
 * from Secrets Manager (the UserTokenSecretArn output; the caller needs secretsmanager:GetSecretValue
 * on it). Signing happens here: no request per token beyond reading the key every five minutes.
 */
export class UserTokens {
  private readonly secretId: string;
  private readonly secretsManager: SecretsManagerClient;
  private readonly now: () => number | Promise<number>;
  private cached: { secret: UserTokenSecret; readAt: number } | undefined;

  constructor(secretId: string, secretsManager: SecretsManagerClient, now: () => number | Promise<number> = Date.now) {
    this.secretId = secretId;
    this.secretsManager = secretsManager;
    this.now = now;
  }

  async mint(userId: string, options: UserTokenOptions = {}): Promise<string> {
    const now = await this.now();
    return mintUserToken(userId, await this.secret(now), now, options.ttlSeconds ?? USER_TOKEN_DEFAULT_TTL_SECONDS);
  }

  private async secret(now: number): Promise<UserTokenSecret> {
    if (this.cached && now - this.cached.readAt < SECRET_CACHE_MILLIS) return this.cached.secret;
    const { SecretString } = await this.secretsManager.send(new GetSecretValueCommand({ SecretId: this.secretId }));
    if (!SecretString) throw new Error(`secret ${this.secretId} has no string value`);
    this.cached = { secret: parseUserTokenSecret(SecretString), readAt: now };
    return this.cached.secret;
  }
}

export interface RotationOptions {
  /** Refuse tokens signed with the replaced key at once (a leaked key), instead of after the overlap. */
  revoke?: boolean;
}

/**
 * Puts a new random signing key in the stack's user-token secret. Tokens signed with the replaced
 * key are accepted for USER_TOKEN_KEY_OVERLAP_SECONDS (what a minting client caches), unless `revoke`.
 */
export async function rotateUserTokenKey(secretsManager: SecretsManagerClient, secretId: string, now: number, options: RotationOptions = {}): Promise<{ rotatedAt: string; previousKeyAcceptedUntil?: string }> {
  const { SecretString } = await secretsManager.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (!SecretString) throw new Error(`secret ${secretId} has no string value`);
  const rotated = rotatedUserTokenSecret(parseUserTokenSecret(SecretString), randomBytes(48).toString("base64url"), now, options);
  await secretsManager.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify(rotated) }));
  const rotatedAt = new Date(now).toISOString();
  return options.revoke ? { rotatedAt } : { rotatedAt, previousKeyAcceptedUntil: new Date(now + USER_TOKEN_KEY_OVERLAP_SECONDS * 1000).toISOString() };
}
