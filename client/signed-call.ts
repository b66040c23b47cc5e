import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { SNSClient } from "@aws-sdk/client-sns";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Checksum, SourceData } from "@smithy/types";

/** SHA-256 and HMAC-SHA-256 from node:crypto, in the shape SignatureV4 asks for. */
class Sha256 implements Checksum {
  private readonly secret: SourceData | undefined;
  private hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.secret = secret;
    this.hash = this.fresh();
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    if (this.secret === undefined) return createHash("sha256");
    const key = typeof this.secret === "string" ? this.secret : Buffer.from(ArrayBuffer.isView(this.secret) ? new Uint8Array(this.secret.buffer, this.secret.byteOffset, this.secret.byteLength) : new Uint8Array(this.secret));
    return createHmac("sha256", key);
  }
}

/** One HTTP API call, SigV4-signed for execute-api; the body is sent as JSON. */
export type SignedCall = (method: string, path: string, body?: unknown) => Promise<Response>;

export interface SignedCallOptions {
  region: string;
  /** @default the AWS SDK's default credential provider chain */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  fetch?: typeof fetch;
}

export function signedCall(apiUrl: string, options: SignedCallOptions): SignedCall {
  const credentials = options.credentials ?? new SNSClient({ region: options.region }).config.credentials;
  const signer = new SignatureV4({ service: "execute-api", region: options.region, credentials, sha256: Sha256 });
  const send = options.fetch ?? fetch;
  return async (method, path, body) => {
    const url = new URL(path, apiUrl);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { host: url.host, ...(payload === undefined ? {} : { "content-type": "application/json" }) },
      body: payload,
    });
    return send(url, { method, headers: signed.headers as Record<string, string>, body: payload });
  };
}
