import { describe, expect, it } from "vitest";
import { SignJWT } from "jose";
import { bearerToken, InvalidUserToken, mintUserToken, rotatedUserTokenSecret, USER_TOKEN_KEY_OVERLAP_SECONDS, USER_TOKEN_MAX_TTL_SECONDS, verifyUserToken, type UserTokenSecret } from "#shared/domain/user-token.ts";
import { FRESH_SECRET_READ_INTERVAL_MILLIS, UserTokenVerifier } from "#shared/adapters/user-token-verifier.ts";

const secret: UserTokenSecret = { stack: "Notify", signingKey: "k".repeat(64) };
const now = Date.parse("2026-12-06T12:00:00Z");

async function reason(token: string | undefined, against: UserTokenSecret = secret, at = now): Promise<string> {
  try {
    return `accepted ${(await verifyUserToken(token, against, at)).userId}`;
  } catch (error) {
    if (error instanceof InvalidUserToken) return error.reason;
    throw error;
  }
}

describe("user tokens", () => {
  it("names the user, and is accepted until it expires", async () => {
    const token = await mintUserToken("ada", secret, now, 60);
    expect(await reason(token)).toBe("accepted ada");
    expect(await reason(token, secret, now + 59_999)).toBe("accepted ada");
    expect(await reason(token, secret, now + 60_000)).toBe("expired");
  });

  it("says when it expires, so a cached authorization cannot outlive it", async () => {
    expect(await verifyUserToken(await mintUserToken("ada", secret, now, 60), secret, now)).toEqual({ userId: "ada", expiresAt: now / 1000 + 60 });
  });

  it("lasts an hour by default and at most a day", async () => {
    const token = await mintUserToken("ada", secret, now);
    expect(await reason(token, secret, now + 3_599_000)).toBe("accepted ada");
    expect(await reason(token, secret, now + 3_600_000)).toBe("expired");
    await expect(mintUserToken("ada", secret, now, USER_TOKEN_MAX_TTL_SECONDS + 1)).rejects.toThrow(RangeError);
    await expect(mintUserToken("ada", secret, now, 0)).rejects.toThrow(RangeError);
  });

  it("refuses a token whose user id could not have been published to", async () => {
    await expect(mintUserToken("ada lovelace", secret, now)).rejects.toThrow();
  });

  it("is refused once the key is replaced outright, and by another stack", async () => {
    const token = await mintUserToken("ada", secret, now);
    expect(await reason(token, { ...secret, signingKey: "n".repeat(64) })).toBe("unknown_key");
    expect(await reason(token, rotatedUserTokenSecret(secret, "n".repeat(64), now, { revoke: true }))).toBe("unknown_key");
    expect(await reason(token, { stack: "Other", signingKey: secret.signingKey })).toBe("unknown_key");
  });

  it("accepts the previous key for the overlap after a rotation, so tokens a client mints from its cached key work", async () => {
    const rotated = rotatedUserTokenSecret(secret, "n".repeat(64), now);
    const cachedKeyToken = await mintUserToken("ada", secret, now + 60_000, 3600);
    expect(await reason(cachedKeyToken, rotated, now + 60_000)).toBe("accepted ada");
    expect(await reason(cachedKeyToken, rotated, now + USER_TOKEN_KEY_OVERLAP_SECONDS * 1000 - 1)).toBe("accepted ada");
    expect(await reason(cachedKeyToken, rotated, now + USER_TOKEN_KEY_OVERLAP_SECONDS * 1000)).toBe("unknown_key");
    expect(await reason(await mintUserToken("ada", rotated, now), rotated, now + 3_000_000)).toBe("accepted ada");
  });

  it("accepts a token minted before keys were named (no kid) with either key the secret holds", async () => {
    const key = new Uint8Array((await import("node:crypto")).hkdfSync("sha256", secret.signingKey, secret.stack, "notify/user-token/v1", 32));
    const legacy = await new SignJWT({}).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setSubject("ada").setIssuer("notify-fanout").setAudience("Notify").setExpirationTime(now / 1000 + 60).sign(key);
    expect(await reason(legacy)).toBe("accepted ada");
    expect(await reason(legacy, rotatedUserTokenSecret(secret, "n".repeat(64), now))).toBe("accepted ada");
    expect(await reason(legacy, { ...secret, signingKey: "n".repeat(64) })).toBe("forged");
  });

  it("refuses a changed payload, a missing token, garbage, and an unsigned token", async () => {
    const token = await mintUserToken("ada", secret, now);
    const [header, , signature] = token.split(".");
    const forgedPayload = Buffer.from(JSON.stringify({ sub: "grace", iss: "notify-fanout", aud: "Notify", exp: now / 1000 + 60 })).toString("base64url");
    expect(await reason(`${header}.${forgedPayload}.${signature}`)).toBe("forged");
    expect(await reason(undefined)).toBe("missing");
    expect(await reason("not-a-token")).toBe("malformed");
    const unsigned = `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${forgedPayload}.`;
    expect(await reason(unsigned)).toBe("malformed");
  });

  it("refuses a token for another audience signed with the same key material", async () => {
    const other = await mintUserToken("ada", { stack: "Other", signingKey: secret.signingKey }, now);
    expect(await reason(other, { stack: "Other", signingKey: secret.signingKey })).toBe("accepted ada");
    // Signed with this stack's derived key but naming another audience: only a key leak could make one.
    const key = new Uint8Array((await import("node:crypto")).hkdfSync("sha256", secret.signingKey, secret.stack, "notify/user-token/v1", 32));
    const misaddressed = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("ada").setIssuer("notify-fanout").setAudience("Other").setExpirationTime(now / 1000 + 60).sign(key);
    expect(await reason(misaddressed)).toBe("other_stack");
  });

  it("reads the token from a Bearer header only", () => {
    expect(bearerToken("Bearer abc.def.ghi")).toBe("abc.def.ghi");
    expect(bearerToken("bearer abc")).toBe("abc");
    expect(bearerToken("Basic abc")).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});

describe("UserTokenVerifier", () => {
  it("reads the secret again when a token names a key its cached copy lacks, at most once per interval", async () => {
    const rotated = rotatedUserTokenSecret(secret, "n".repeat(64), now);
    const reads: boolean[] = [];
    const verifier = new UserTokenVerifier(async (fresh) => {
      reads.push(fresh);
      return JSON.stringify(fresh ? rotated : secret);
    });
    const newKeyToken = await mintUserToken("ada", rotated, now);
    expect(await verifier.verify(newKeyToken, now)).toMatchObject({ userId: "ada" });
    expect(reads).toEqual([false, true]);
    const madeUp = await mintUserToken("ada", { ...secret, signingKey: "m".repeat(64) }, now);
    await expect(verifier.verify(madeUp, now + 1000)).rejects.toMatchObject({ reason: "unknown_key" });
    expect(reads).toEqual([false, true, false]);
    await expect(verifier.verify(madeUp, now + FRESH_SECRET_READ_INTERVAL_MILLIS)).rejects.toMatchObject({ reason: "unknown_key" });
    expect(reads).toEqual([false, true, false, false, true]);
  });
});
