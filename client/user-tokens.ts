import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mintUserToken, parseUserTokenSecret, USER_TOKEN_DEFAULT_TTL_SECONDS, type UserTokenSecret } from "#shared/domain/user-token.ts";

/** How long the signing key is trusted once read: a rotation reaches the minting side within it. */
const SECRET_CACHE_MILLIS = 5 * 60_000;

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
