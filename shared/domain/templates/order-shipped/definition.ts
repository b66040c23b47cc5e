import { defineTemplate } from "../template-definition.ts";
import en from "./en.json" with { type: "json" };
import es from "./es.json" with { type: "json" };
import pt from "./pt.json" with { type: "json" };

export const orderShipped = defineTemplate("order.shipped", {
  category: "transactional",
  channels: ["email", "sms", "push", "in_app"],
  dataSchema: {
    type: "object",
    properties: {
      orderId: { type: "string", minLength: 1, maxLength: 64 },
      carrier: { type: "string", maxLength: 64 },
      trackingUrl: { type: "string", format: "uri", pattern: "^https?://", maxLength: 2048 },
    },
    required: ["orderId"],
    examples: [{ orderId: "A-1042", carrier: "UPS", trackingUrl: "https://track.example/A-1042" }],
  },
  locales: { en, pt, es },
  // Asked for on push alone: email instead when push cannot go, or when it went unopened for 30 minutes.
  followUps: [
    { kind: "fallback", from: "push", to: "email", when: ["no_address", "channel_disabled", "failed"] },
    { kind: "escalation", from: "push", to: "email", afterMinutes: 30, unless: ["opened", "clicked"] },
  ],
});
