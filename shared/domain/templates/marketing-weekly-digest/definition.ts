import { defineTemplate } from "../template-definition.ts";
import en from "./en.json" with { type: "json" };
import es from "./es.json" with { type: "json" };
import pt from "./pt.json" with { type: "json" };

export const marketingWeeklyDigest = defineTemplate("marketing.weekly_digest", {
  category: "marketing",
  channels: ["email", "push"],
  dataSchema: {
    type: "object",
    properties: { headline: { type: "string", maxLength: 200 } },
    examples: [{ headline: "Five things worth reading" }],
  },
  locales: { en, pt, es },
});
