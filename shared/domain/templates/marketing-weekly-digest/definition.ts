import { z } from "zod";
import { defineTemplate } from "../template-definition.ts";
import en from "./en.json" with { type: "json" };
import es from "./es.json" with { type: "json" };
import pt from "./pt.json" with { type: "json" };

export const marketingWeeklyDigest = defineTemplate({
  type: "marketing.weekly_digest",
  category: "marketing",
  channels: ["email", "push"],
  data: z.object({
    headline: z.string().max(200).optional(),
  }),
  sampleData: { headline: "Five things worth reading" },
  locales: { en, pt, es },
});
