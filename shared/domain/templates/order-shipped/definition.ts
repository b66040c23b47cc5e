import { z } from "zod";
import { defineTemplate } from "../template-definition.ts";
import en from "./en.json" with { type: "json" };
import es from "./es.json" with { type: "json" };
import pt from "./pt.json" with { type: "json" };

export const orderShipped = defineTemplate({
  type: "order.shipped",
  category: "transactional",
  channels: ["email", "sms", "push", "in_app"],
  data: z.object({
    orderId: z.string().min(1).max(64),
    carrier: z.string().max(64).optional(),
    trackingUrl: z.url({ protocol: /^https?$/ }).max(2048).optional(),
  }),
  sampleData: { orderId: "A-1042", carrier: "UPS", trackingUrl: "https://track.example/A-1042" },
  locales: { en, pt, es },
  // Asked for on push alone: email instead when push cannot go, or when it went unopened for 30 minutes.
  followUps: [
    { kind: "fallback", from: "push", to: "email", when: ["no_address", "channel_disabled", "failed"] },
    { kind: "escalation", from: "push", to: "email", afterMinutes: 30, unless: ["opened", "clicked"] },
  ],
});
