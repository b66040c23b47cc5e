import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { permanentReasonOrThrow } from "./aws-errors.ts";
import type { ChannelProvider, SendRequest, SendResult } from "./provider.ts";

/** SMS through SNS's direct-to-phone publish: fewer controls than End User Messaging, available everywhere. */
export class SnsSmsProvider implements ChannelProvider {
  readonly name = "sns-sms";
  private readonly client: SNSClient;
  private readonly senderId: string | undefined;

  constructor(client: SNSClient, senderId?: string) {
    this.client = client;
    this.senderId = senderId;
  }

  async send(request: SendRequest): Promise<SendResult> {
    if (request.channel !== "sms" || !("body" in request.content)) return { ok: false, reason: `sms provider cannot send ${request.channel}` };
    try {
      const response = await this.client.send(
        new PublishCommand({
          PhoneNumber: request.to[0],
          Message: request.content.body,
          MessageAttributes: {
            "AWS.SNS.SMS.SMSType": { DataType: "String", StringValue: request.category === "marketing" ? "Promotional" : "Transactional" },
            ...(this.senderId ? { "AWS.SNS.SMS.SenderID": { DataType: "String", StringValue: this.senderId } } : {}),
          },
        }),
      );
      return { ok: true, providerMessageId: response.MessageId ?? "" };
    } catch (error) {
      return { ok: false, reason: permanentReasonOrThrow(error, this.name) };
    }
  }
}
