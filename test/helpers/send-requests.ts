import type { SendRequest } from "#shared/adapters/providers/provider.ts";

export function emailRequest(overrides: Partial<SendRequest> = {}): SendRequest {
  return {
    notificationId: "n-1",
    userId: "u-1",
    channel: "email",
    type: "order.shipped",
    category: "transactional",
    to: ["ada@example.com"],
    content: { subject: "Hi", html: "<p>Hi</p>", text: "Hi" },
    attempt: 1,
    publishedAt: "2026-11-23T10:00:00.000Z",
    ...overrides,
  };
}

export function smsRequest(overrides: Partial<SendRequest> = {}): SendRequest {
  return { ...emailRequest(), channel: "sms", to: ["+14155550123"], content: { body: "Hi", encoding: "GSM-7", length: 2, segments: 1 }, ...overrides };
}

export function pushRequest(overrides: Partial<SendRequest> = {}): SendRequest {
  return { ...emailRequest(), channel: "push", to: ["arn:aws:sns:us-east-1:1:endpoint/GCM/app/a"], content: { title: "T", body: "B" }, ...overrides };
}
