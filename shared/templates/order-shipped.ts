import { z } from "zod";
import { defineTemplate } from "./template-definition.ts";

export const orderShipped = defineTemplate({
  type: "order.shipped",
  category: "transactional",
  channels: ["email", "sms", "push", "in_app"],
  data: z.object({
    orderId: z.string().min(1).max(64),
    carrier: z.string().max(64).optional(),
    trackingUrl: z.url({ protocol: /^https?$/ }).max(2048).optional(),
  }),
  content: {
    email: {
      subject: "Your order {{orderId}} has shipped",
      html:
        "<p>Good news: your order <strong>{{orderId}}</strong> is on its way{{#if carrier}} with {{carrier}}{{/if}}.</p>" +
        '{{#if trackingUrl}}<p><a href="{{trackingUrl}}">Track your package</a></p>{{/if}}',
      text: "Good news: your order {{orderId}} is on its way{{#if carrier}} with {{carrier}}{{/if}}.{{#if trackingUrl}}\nTrack it: {{trackingUrl}}{{/if}}",
    },
    sms: { body: "Order {{orderId}} has shipped{{#if carrier}} via {{carrier}}{{/if}}.{{#if trackingUrl}} Track: {{trackingUrl}}{{/if}}" },
    push: { title: "Order shipped", body: "Order {{orderId}} is on its way{{#if carrier}} with {{carrier}}{{/if}}." },
    in_app: { title: "Order shipped", body: "Order {{orderId}} is on its way{{#if carrier}} with {{carrier}}{{/if}}." },
  },
});
