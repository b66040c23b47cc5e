import { SendEmailCommand, type SESv2Client } from "@aws-sdk/client-sesv2";
import { permanentReasonOrThrow } from "./aws-errors.ts";
import { emailHeaders } from "./email-headers.ts";
import { encodeDeliveryTags } from "../../domain/message-tags.ts";
import type { ChannelProvider, SendRequest, SendResult } from "./provider.ts";

export interface SesEmailOptions {
  fromAddress: string;
  configurationSetName?: string;
}

export class SesEmailProvider implements ChannelProvider {
  readonly name = "ses";
  private readonly client: SESv2Client;
  private readonly options: SesEmailOptions;

  constructor(client: SESv2Client, options: SesEmailOptions) {
    this.client = client;
    this.options = options;
  }

  async send(request: SendRequest): Promise<SendResult> {
    if (request.channel !== "email" || !("subject" in request.content) || !("html" in request.content)) {
      return { ok: false, reason: `ses sends email only, not ${request.channel}` };
    }
    try {
      const response = await this.client.send(
        new SendEmailCommand({
          FromEmailAddress: this.options.fromAddress,
          Destination: { ToAddresses: request.to },
          ConfigurationSetName: this.options.configurationSetName,
          Content: {
            Simple: {
              Subject: { Data: request.content.subject, Charset: "UTF-8" },
              Body: { Html: { Data: request.content.html, Charset: "UTF-8" }, Text: { Data: request.content.text, Charset: "UTF-8" } },
              Headers: emailHeaders(request.content),
            },
          },
          EmailTags: encodeDeliveryTags(request),
        }),
      );
      return { ok: true, providerMessageId: response.MessageId ?? "" };
    } catch (error) {
      return { ok: false, reason: permanentReasonOrThrow(error, this.name) };
    }
  }
}
