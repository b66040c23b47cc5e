import type { CancelProgress } from "#shared/domain/broadcast-expansion.ts";
import { randomUUID } from "node:crypto";
import { SNSClient } from "@aws-sdk/client-sns";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { setTimeout as sleep } from "node:timers/promises";
import { channelMessagesFor } from "#shared/domain/channel-message.ts";
import { NotificationPublisher, PublishIncompleteError } from "#shared/adapters/notification-publisher.ts";
import { acceptNotificationRequest } from "#shared/domain/notification-request.ts";
import { RequestError, type RequestErrorCode, type RequestIssue } from "#shared/domain/request-error.ts";
import { signedCall, type SignedCall, type SignedCallOptions } from "./signed-call.ts";
import { Audiences } from "./audiences.ts";
import { Templates } from "./templates.ts";
import { analyticsPath, type AnalyticsAnswer, type AnalyticsQuery } from "./analytics.ts";
import { answerOf } from "./api-answer.ts";
import { UserTokens, type UserTokenOptions } from "./user-tokens.ts";

export interface HttpApiClientOptions extends SignedCallOptions {
  /** The stack's UserTokenSecretArn output, for userToken(). */
  userTokenSecretArn?: string;
  /** @default a client for `region` with `credentials` */
  secretsManager?: SecretsManagerClient;
  /** The clock user tokens are minted by, where the stack's is not the machine's (the local cloud's can be moved ahead). @default Date.now */
  now?: () => number | Promise<number>;
}

/** A NotificationRequest as DESIGN.md describes it; validated by the same schema ingest uses. */
export interface NotificationRequest {
  notificationId?: string;
  type: string;
  /** Exactly one of recipients and audience; a broadcast to an audience needs the HTTP API. */
  recipients?: Array<{ userId: string }>;
  audience?: string;
  channels?: Array<"email" | "sms" | "push" | "in_app">;
  category?: string;
  data?: Record<string, unknown>;
  priority?: "high" | "normal" | "low";
  /** ISO 8601 with an offset, at most 365 days ahead: deliveries are `scheduled` until then (HTTP API only). */
  sendAt?: string;
}

export interface CancelResult {
  notificationId: string;
  /** Deliveries this call took back; 0 when everything was sent already or canceled before. On a broadcast: those its cancel has taken back so far. */
  canceled: number;
  /** On a broadcast, canceled page by page: how far the cancel has come (`canceling` until every member is checked). */
  cancel?: CancelProgress;
}

export interface PublishResult {
  notificationId: string;
  /** On a broadcast: the audience, whose members at acceptance are the recipients. */
  audience?: string;
  recipients: number;
  channels: string[];
  /** On a scheduled notification: when it goes, in UTC. */
  sendAt?: string;
}

interface Transport {
  publish(request: NotificationRequest): Promise<PublishResult>;
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
  private readonly call: SignedCall;
  constructor(call: SignedCall) {
    this.call = call;
  }
  async publish(request: NotificationRequest): Promise<PublishResult> {
    // The API checks the request: its templates and their data schemas are data only the stack holds.
    // The id is fixed here so a retry reuses it.
    const notificationId = request.notificationId ?? randomUUID();
    const response = await this.call("POST", "/v1/notifications", { ...request, notificationId });
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
  /** Create audiences and change their members; only through the HTTP API. */
  readonly audiences: Audiences;
  /** Change, list and roll back templates; only through the HTTP API. */
  readonly templates: Templates;

  private readonly call: SignedCall | undefined;
  private readonly userTokens: UserTokens | undefined;

  private constructor(transport: Transport, call?: SignedCall, userTokens?: UserTokens) {
    this.transport = transport;
    this.call = call;
    this.userTokens = userTokens;
    this.audiences = new Audiences(call);
    this.templates = new Templates(call);
  }

  /** Publishes to the topic (the stack's NotificationsTopicArn output); the caller's role must be one of `notify:publisherArns`. */
  static forTopic(topicArn: string, sns: SNSClient = new SNSClient({})): NotifyClient {
    return new NotifyClient(new TopicTransport(topicArn, sns));
  }

  /** Calls the HTTP API (the ApiUrl output) with SigV4; credentials default to the SDK's provider chain. */
  static forHttpApi(apiUrl: string, options: HttpApiClientOptions): NotifyClient {
    const call = signedCall(apiUrl, options);
    const secretsManager = options.secretsManager ?? new SecretsManagerClient({ region: options.region, ...(options.credentials ? { credentials: options.credentials } : {}) });
    return new NotifyClient(new HttpApiTransport(call), call, options.userTokenSecretArn ? new UserTokens(options.userTokenSecretArn, secretsManager, options.now) : undefined);
  }

  /**
   * A token for the signed-in user's browser, which calls the /v1/me routes and `<notify-inbox>`
   * with it: it names the user, expires after `ttlSeconds` (default an hour, at most a day), and
   * stops working when the stack's signing key is rotated.
   */
  userToken(userId: string, options: UserTokenOptions = {}): Promise<string> {
    if (!this.userTokens) throw new Error("user tokens need the signing key: create the client with NotifyClient.forHttpApi(apiUrl, { userTokenSecretArn })");
    return this.userTokens.mint(userId, options);
  }

  publish(request: NotificationRequest): Promise<PublishResult> {
    return this.transport.publish(request);
  }

  /**
   * Takes back every delivery of the notification not yet sent (scheduled, held for quiet hours,
   * waiting in a digest, a pending escalation); what was sent stays. Undefined for an unknown id.
   */
  /** A template type's engagement counts and rates, grouped as asked; only through the HTTP API. */
  async analytics(query: AnalyticsQuery): Promise<AnalyticsAnswer> {
    if (!this.call) throw new Error("analytics need the HTTP API: create the client with NotifyClient.forHttpApi");
    return answerOf(await this.call("GET", analyticsPath(query)), 200);
  }

  async cancel(notificationId: string): Promise<CancelResult | undefined> {
    if (!this.call) throw new Error("cancel needs the HTTP API: create the client with NotifyClient.forHttpApi");
    const response = await this.call("DELETE", `/v1/notifications/${encodeURIComponent(notificationId)}`);
    if (response.status === 404) return undefined;
    // A broadcast's cancel is under way when the answer comes: 202, with its progress.
    return answerOf(response, response.status === 202 ? 202 : 200);
  }
}
