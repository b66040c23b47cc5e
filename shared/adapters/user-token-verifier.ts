import { InvalidUserToken, parseUserTokenSecret, verifyUserToken, type VerifiedUserToken } from "#shared/domain/user-token.ts";

/** How often at most a token naming an unknown key makes the verifier read the secret again. */
export const FRESH_SECRET_READ_INTERVAL_MILLIS = 10_000;

/**
 * Verifies user tokens against a cached copy of the signing secret. A token naming a key the copy
 * does not hold may have been minted with a key rotated in since the copy was read: the secret is
 * then read again, at most once per interval, so made-up key ids cannot turn into a read apiece.
 */
export class UserTokenVerifier {
  private readonly readSecret: (fresh: boolean) => Promise<string>;
  private lastFreshRead = Number.NEGATIVE_INFINITY;

  /** `readSecret(false)` may answer from a cache; `readSecret(true)` must read the secret itself. */
  constructor(readSecret: (fresh: boolean) => Promise<string>) {
    this.readSecret = readSecret;
  }

  async verify(token: string | undefined, now: number): Promise<VerifiedUserToken> {
    try {
      return await verifyUserToken(token, parseUserTokenSecret(await this.readSecret(false)), now);
    } catch (error) {
      if (!(error instanceof InvalidUserToken && error.reason === "unknown_key") || now - this.lastFreshRead < FRESH_SECRET_READ_INTERVAL_MILLIS) throw error;
      this.lastFreshRead = now;
      return verifyUserToken(token, parseUserTokenSecret(await this.readSecret(true)), now);
    }
  }
}
