import { PinpointSMSVoiceV2Client, SendTextMessageCommand, ThrottlingException, ValidationException } from "@aws-sdk/client-pinpoint-sms-voice-v2";
import { MessageRejected, SendEmailCommand, SESv2Client, TooManyRequestsException } from "@aws-sdk/client-sesv2";
import { EndpointDisabledException, PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { InboxProvider } from "#shared/adapters/providers/inbox-provider.ts";
import { InboxStore } from "#shared/adapters/stores/inbox-store.ts";
import { TransientProviderError } from "#shared/adapters/providers/provider.ts";
import { SesEmailProvider } from "#shared/adapters/providers/ses-email-provider.ts";
import { EndUserMessagingSmsProvider } from "#shared/adapters/providers/sms-provider.ts";
import { SnsPushProvider } from "#shared/adapters/providers/sns-push-provider.ts";
import { SnsSmsProvider } from "#shared/adapters/providers/sns-sms-provider.ts";
import { emailRequest, pushRequest, smsRequest } from "../helpers/send-requests.ts";

const metadata = { $metadata: { httpStatusCode: 400 } };

describe("SesEmailProvider", () => {
  const ses = mockClient(SESv2Client);
  beforeEach(() => ses.reset());
  const provider = new SesEmailProvider(new SESv2Client({ region: "us-east-1" }), { fromAddress: "notify@example.com", configurationSetName: "notify" });

  it("sends a simple email with subject, HTML and text from the configured sender", async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: "ses-1" });
    await expect(provider.send(emailRequest())).resolves.toEqual({ ok: true, providerMessageId: "ses-1" });
    expect(ses.commandCalls(SendEmailCommand)[0]?.args[0].input).toMatchObject({
      FromEmailAddress: "notify@example.com",
      Destination: { ToAddresses: ["ada@example.com"] },
      ConfigurationSetName: "notify",
      Content: { Simple: { Subject: { Data: "Hi" }, Body: { Html: { Data: "<p>Hi</p>" }, Text: { Data: "Hi" } } } },
    });
  });

  it("adds RFC 8058 one-click unsubscribe headers when the email carries an unsubscribe link", async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: "ses-2" });
    await provider.send(emailRequest({ category: "marketing", content: { subject: "S", html: "H", text: "T", unsubscribeUrl: "https://api.example/v1/unsubscribe?token=abc" } }));
    expect(ses.commandCalls(SendEmailCommand)[0]?.args[0].input.Content?.Simple?.Headers).toEqual([
      { Name: "List-Unsubscribe", Value: "<https://api.example/v1/unsubscribe?token=abc>" },
      { Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click" },
    ]);
  });

  it("reports a rejected message as a permanent failure", async () => {
    ses.on(SendEmailCommand).rejects(new MessageRejected({ message: "Email address is not verified", ...metadata }));
    await expect(provider.send(emailRequest())).resolves.toMatchObject({ ok: false, reason: expect.stringContaining("MessageRejected") });
  });

  it("throws a transient error when SES throttles", async () => {
    ses.on(SendEmailCommand).rejects(new TooManyRequestsException({ message: "slow down", $metadata: { httpStatusCode: 429 } }));
    await expect(provider.send(emailRequest())).rejects.toBeInstanceOf(TransientProviderError);
  });
});

describe("EndUserMessagingSmsProvider", () => {
  const sms = mockClient(PinpointSMSVoiceV2Client);
  beforeEach(() => sms.reset());
  const provider = new EndUserMessagingSmsProvider(new PinpointSMSVoiceV2Client({ region: "us-east-1" }), { originationIdentity: "pool-1" });

  it("sends a transactional text from the configured origination identity", async () => {
    sms.on(SendTextMessageCommand).resolves({ MessageId: "sms-1" });
    await expect(provider.send(smsRequest())).resolves.toEqual({ ok: true, providerMessageId: "sms-1" });
    expect(sms.commandCalls(SendTextMessageCommand)[0]?.args[0].input).toMatchObject({
      DestinationPhoneNumber: "+14155550123",
      OriginationIdentity: "pool-1",
      MessageBody: "Hi",
      MessageType: "TRANSACTIONAL",
    });
  });

  it("marks marketing texts as promotional", async () => {
    sms.on(SendTextMessageCommand).resolves({ MessageId: "sms-2" });
    await provider.send(smsRequest({ category: "marketing" }));
    expect(sms.commandCalls(SendTextMessageCommand)[0]?.args[0].input.MessageType).toBe("PROMOTIONAL");
  });

  it("reports an invalid number as permanent and throttling as transient", async () => {
    sms.on(SendTextMessageCommand).rejectsOnce(new ValidationException({ message: "bad number", ...metadata, Reason: "INVALID_PARAMETER" } as never));
    await expect(provider.send(smsRequest())).resolves.toMatchObject({ ok: false });
    sms.on(SendTextMessageCommand).rejectsOnce(new ThrottlingException({ message: "slow", $metadata: { httpStatusCode: 429 } }));
    await expect(provider.send(smsRequest())).rejects.toBeInstanceOf(TransientProviderError);
  });
});

describe("SnsPushProvider", () => {
  const sns = mockClient(SNSClient);
  beforeEach(() => sns.reset());
  const provider = new SnsPushProvider(new SNSClient({ region: "us-east-1" }));

  it("publishes a JSON message per endpoint with APNS and GCM payloads", async () => {
    sns.on(PublishCommand).resolves({ MessageId: "p-1" });
    await expect(provider.send(pushRequest())).resolves.toEqual({ ok: true, providerMessageId: "p-1" });
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ TargetArn: "arn:aws:sns:us-east-1:1:endpoint/GCM/app/a", MessageStructure: "json" });
    const message = JSON.parse(input?.Message ?? "{}");
    expect(JSON.parse(message.GCM)).toEqual({ notification: { title: "T", body: "B" }, data: { notificationId: "n-1" } });
    expect(JSON.parse(message.APNS).aps.alert).toEqual({ title: "T", body: "B" });
  });

  it("succeeds when one of several devices is disabled", async () => {
    sns.on(PublishCommand, { TargetArn: "dead" }).rejects(new EndpointDisabledException({ message: "disabled", ...metadata }));
    sns.on(PublishCommand, { TargetArn: "alive" }).resolves({ MessageId: "p-2" });
    await expect(provider.send(pushRequest({ to: ["dead", "alive"] }))).resolves.toEqual({ ok: true, providerMessageId: "p-2" });
  });

  it("fails permanently when every endpoint is disabled", async () => {
    sns.on(PublishCommand).rejects(new EndpointDisabledException({ message: "disabled", ...metadata }));
    await expect(provider.send(pushRequest())).resolves.toMatchObject({ ok: false, reason: expect.stringContaining("EndpointDisabled") });
  });
});

describe("SnsSmsProvider", () => {
  const sns = mockClient(SNSClient);
  beforeEach(() => sns.reset());

  it("publishes straight to the phone number as a transactional SMS with the sender id", async () => {
    sns.on(PublishCommand).resolves({ MessageId: "s-1" });
    const provider = new SnsSmsProvider(new SNSClient({ region: "us-east-1" }), "ACME");
    await expect(provider.send(smsRequest())).resolves.toEqual({ ok: true, providerMessageId: "s-1" });
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input).toEqual({
      PhoneNumber: "+14155550123",
      Message: "Hi",
      MessageAttributes: {
        "AWS.SNS.SMS.SMSType": { DataType: "String", StringValue: "Transactional" },
        "AWS.SNS.SMS.SenderID": { DataType: "String", StringValue: "ACME" },
      },
    });
  });
});

describe("InboxProvider", () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  beforeEach(() => dynamo.reset());

  it("adds an unread inbox item once, keyed newest-first by publish time", async () => {
    dynamo.on(PutCommand).resolves({});
    const store = new InboxStore(DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" })), "inbox");
    const provider = new InboxProvider(store, () => Date.parse("2026-11-23T10:00:05Z"));
    const result = await provider.send({ ...pushRequest(), channel: "in_app", to: ["u-1"] });
    expect(result).toEqual({ ok: true, providerMessageId: "1795428000000-n-1" });
    expect(dynamo.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: "inbox",
      Item: { userId: "u-1", itemId: "1795428000000-n-1", unreadKey: "1795428000000-n-1", notificationId: "n-1", type: "order.shipped", title: "T", body: "B", read: false, createdAt: "2026-11-23T10:00:05.000Z", attempt: 1 },
      ConditionExpression: "attribute_not_exists(itemId)",
    });
  });
});
