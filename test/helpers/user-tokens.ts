import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { inject } from "vitest";
import { mintUserToken, parseUserTokenSecret, type UserTokenSecret } from "#shared/domain/user-token.ts";
import { localNow } from "./local-api.ts";

/** The local stack's user-token secret, read as NotifyClient reads it. */
export async function userTokenSecret(): Promise<UserTokenSecret> {
  const secretsManager = new SecretsManagerClient({ region: "us-east-1", endpoint: inject("localCloudEndpoints").secretsmanager, credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  const { SecretString } = await secretsManager.send(new GetSecretValueCommand({ SecretId: inject("localCloudOutputs").UserTokenSecretArn }));
  return parseUserTokenSecret(SecretString!);
}

/** A valid token for the user, minted at the local cloud's time. */
export async function userToken(userId: string, ttlSeconds = 3600): Promise<string> {
  return mintUserToken(userId, await userTokenSecret(), await localNow(), ttlSeconds);
}

/** A fetch to the API as a browser with the user's token would make it. */
export async function asUser(token: string | undefined, method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: Headers; body: any }> {
  const response = await fetch(`${inject("apiUrl")}${path}`, {
    method,
    headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(init.body === undefined ? {} : { "content-type": "application/json" }), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}
