import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { permanentReasonOrThrow } from "./aws-errors.ts";
import type { ChannelProvider, SendRequest, SendResult } from "./provider.ts";

/** Push through SNS mobile platform endpoints; the user's pushEndpoints are endpoint ARNs. */
export class SnsPushProvider implements ChannelProvider {
  readonly name = "sns-push";
  private readonly client: SNSClient;

  constructor(client: SNSClient) {
    this.client = client;
  }

  async send(request: SendRequest): Promise<SendResult> {
    if (request.channel !== "push" || !("title" in request.content)) return { ok: false, reason: `push provider cannot send ${request.channel}` };
    const { title, body } = request.content;
    const payload = {
      default: body,
      GCM: JSON.stringify({ notification: { title, body }, data: { notificationId: request.notificationId } }),
      APNS: JSON.stringify({ aps: { alert: { title, body } }, notificationId: request.notificationId }),
      APNS_SANDBOX: JSON.stringify({ aps: { alert: { title, body } }, notificationId: request.notificationId }),
    };
    const messageIds: string[] = [];
    const rejections: string[] = [];
    // A user's devices are independent: one disabled endpoint must not stop the others.
    for (const endpointArn of request.to) {
      try {
        const response = await this.client.send(new PublishCommand({ TargetArn: endpointArn, MessageStructure: "json", Message: JSON.stringify(payload) }));
        messageIds.push(response.MessageId ?? "");
      } catch (error) {
        rejections.push(permanentReasonOrThrow(error, this.name));
      }
    }
    if (messageIds.length === 0) return { ok: false, reason: rejections.join("; ").slice(0, 500) };
    return { ok: true, providerMessageId: messageIds.join(",") };
  }
}
