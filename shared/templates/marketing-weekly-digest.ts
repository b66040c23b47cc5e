import { z } from "zod";
import { defineTemplate } from "./template-definition.ts";

export const marketingWeeklyDigest = defineTemplate({
  type: "marketing.weekly_digest",
  category: "marketing",
  channels: ["email", "push"],
  data: z.object({
    headline: z.string().max(200).optional(),
  }),
  content: {
    email: {
      subject: "Your weekly digest{{#if headline}}: {{headline}}{{/if}}",
      html: "<h1>This week</h1>{{#if headline}}<p>{{headline}}</p>{{/if}}",
      text: "This week{{#if headline}}: {{headline}}{{/if}}",
    },
    push: { title: "Your weekly digest", body: "{{#if headline}}{{headline}}{{else}}See what happened this week.{{/if}}" },
  },
});
