import { createHash, createHmac, randomUUID, type Hash, type Hmac } from "node:crypto";
import { SNSClient } from "@aws-sdk/client-sns";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Checksum, SourceData } from "@smithy/types";
import { setTimeout as sleep } from "node:timers/promises";
import { channelMessagesFor } from "#shared/channel-message.ts";
import { NotificationPublisher, PublishIncompleteError } from "#shared/notification-publisher.ts";
import { acceptNotificationRequest } from "#shared/notification-request.ts";
import { RequestError, type RequestErrorCode, type RequestIssue } from "#shared/request-error.ts";

/** A NotificationRequest as DESIGN.md describes it; validated by the same schema ingest uses. */
export interface NotificationRequest {
  notificationId?: string;
  type: string;
  recipients: Array<{ userId: string }>;
  channels?: Array<"email" | "sms" | "push" | "in_app">;
  category?: string;
  data?: Record<string, unknown>;
  priority?: "high" | "normal" | "low";
}

export interface PublishResult {
  notificationId: string;
  recipients: number;
  channels: string[];
}

interface Transport {
  publish(request: NotificationRequest): Promise<PublishResult>;
}

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

class TopicTransport implements Transport {
  private readonly publisher: NotificationPublisher;
  constructor(topicArn: string, sns: SNSClient) {
    this.publisher = new NotificationPublisher(sns, topicArn, (millis) => sleep(millis));
  }
  async publish(request: NotificationRequest): Promise<PublishResult> {
    const notification = acceptNotificationRequest(request, randomUUID);
    await this.publisher.publish(channelMessagesFor(notification, new Date().toISOString()));
    return { notificationId: notification.notificationId, recipients: notification.userIds.length, channels: notification.channels };
  }
}

class HttpApiTransport implements Transport {
  private readonly url: URL;
  private readonly signer: SignatureV4;
  private readonly fetch: typeof fetch;
  constructor(apiUrl: string, region: string, credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider, fetchImpl: typeof fetch) {
    this.url = new URL("/v1/notifications", apiUrl);
    this.signer = new SignatureV4({ service: "execute-api", region, credentials, sha256: Sha256 });
    this.fetch = fetchImpl;
  }
  async publish(request: NotificationRequest): Promise<PublishResult> {
    // Same checks as ingest, before anything leaves the process; the id is fixed here so a retry reuses it.
    const notificationId = acceptNotificationRequest(request, randomUUID).notificationId;
    const body = JSON.stringify({ ...request, notificationId });
    const signed = await this.signer.sign({
      method: "POST",
      protocol: this.url.protocol,
      hostname: this.url.hostname,
      port: this.url.port ? Number(this.url.port) : undefined,
      path: this.url.pathname,
      headers: { host: this.url.host, "content-type": "application/json" },
      body,
    });
    const response = await this.fetch(this.url, { method: "POST", headers: signed.headers as Record<string, string>, body });
    const answer = (await response.json().catch(() => ({}))) as Partial<PublishResult> & { error?: { code?: string; message?: string; issues?: RequestIssue[] } };
    if (response.status === 202) return answer as PublishResult;
    if (response.status >= 400 && response.status < 500 && answer.error?.code) throw new RequestError(answer.error.code as RequestErrorCode, answer.error.message ?? "rejected", answer.error.issues);
    throw new PublishIncompleteError(1, `HTTP ${response.status}: ${answer.error?.message ?? "no answer"}; retry with notificationId ${notificationId}`);
  }
}

/**
 * The typed publisher application APIs import. It validates with the schema ingest uses, then either
 * publishes one message per recipient straight to the notifications topic (PublishBatch, resending
 * only failed entries), or calls the HTTP API signed with SigV4. It returns the notificationId, and
 * throws rather than report success for anything SNS or the API did not accept: RequestError for bad
 * input (nothing was published), PublishIncompleteError when some messages may be missing (retry
 * with the same notificationId; dedup keeps that safe).
 */
export class NotifyClient {
  private readonly transport: Transport;

  private constructor(transport: Transport) {
    this.transport = transport;
  }

  /** Publishes to the topic (the stack's NotificationsTopicArn output); the caller's role must be one of `notify:publisherArns`. */
  static forTopic(topicArn: string, sns: SNSClient = new SNSClient({})): NotifyClient {
    return new NotifyClient(new TopicTransport(topicArn, sns));
  }

  /** Calls the HTTP API (the ApiUrl output) with SigV4; credentials default to the SDK's provider chain. */
  static forHttpApi(apiUrl: string, options: { region: string; credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider; fetch?: typeof fetch }): NotifyClient {
    const credentials = options.credentials ?? new SNSClient({ region: options.region }).config.credentials;
    return new NotifyClient(new HttpApiTransport(apiUrl, options.region, credentials, options.fetch ?? fetch));
  }

  publish(request: NotificationRequest): Promise<PublishResult> {
    return this.transport.publish(request);
  }
}
