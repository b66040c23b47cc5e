import { SendTextMessageCommand, type PinpointSMSVoiceV2Client } from "@aws-sdk/client-pinpoint-sms-voice-v2";
import { permanentReasonOrThrow } from "./aws-errors.ts";
import { smsContext } from "#shared/domain/provider-feedback.ts";
import type { ChannelProvider, SendRequest, SendResult } from "./provider.ts";

export interface SmsOptions {
  /** A phone number, sender id or pool in AWS End User Messaging SMS; absent lets the service choose. */
  originationIdentity?: string;
  configurationSetName?: string;
}

/** AWS End User Messaging SMS (pinpoint-sms-voice-v2), which outlives Amazon Pinpoint's end of support. */
export class EndUserMessagingSmsProvider implements ChannelProvider {
  readonly name = "end-user-messaging-sms";
  private readonly client: PinpointSMSVoiceV2Client;
  private readonly options: SmsOptions;

  constructor(client: PinpointSMSVoiceV2Client, options: SmsOptions) {
    this.client = client;
    this.options = options;
  }

  async send(request: SendRequest): Promise<SendResult> {
    if (request.channel !== "sms" || !("body" in request.content)) return { ok: false, reason: `sms provider cannot send ${request.channel}` };
    try {
      const response = await this.client.send(
        new SendTextMessageCommand({
          DestinationPhoneNumber: request.to[0],
          OriginationIdentity: this.options.originationIdentity,
          ConfigurationSetName: this.options.configurationSetName,
          MessageBody: request.content.body,
          MessageType: request.category === "marketing" ? "PROMOTIONAL" : "TRANSACTIONAL",
          // Echoed in delivery receipts, which is how a receipt finds its delivery.
          Context: smsContext(request),
        }),
      );
      return { ok: true, providerMessageId: response.MessageId ?? "" };
    } catch (error) {
      return { ok: false, reason: permanentReasonOrThrow(error, this.name) };
    }
  }
}
