import { z } from "zod";
import { defineTemplate } from "./template-definition.ts";

export const securityLoginAlert = defineTemplate({
  type: "security.login_alert",
  category: "security",
  channels: ["email", "sms", "push"],
  data: z.object({
    device: z.string().max(128).optional(),
    location: z.string().max(128).optional(),
  }),
  content: {
    email: {
      subject: "New sign-in to your account",
      html:
        "<p>We noticed a new sign-in to your account{{#if device}} from <strong>{{device}}</strong>{{/if}}{{#if location}} near {{location}}{{/if}}.</p>" +
        "<p>If this was not you, reset your password now.</p>",
      text: "We noticed a new sign-in to your account{{#if device}} from {{device}}{{/if}}{{#if location}} near {{location}}{{/if}}.\nIf this was not you, reset your password now.",
    },
    sms: { body: "New sign-in{{#if device}} from {{device}}{{/if}}{{#if location}} near {{location}}{{/if}}. Not you? Reset your password." },
    push: { title: "New sign-in", body: "A new sign-in{{#if device}} from {{device}}{{/if}}{{#if location}} near {{location}}{{/if}}. Not you? Reset your password." },
  },
});
