import { z } from "zod";
import { defineTemplate } from "../template-definition.ts";
import en from "./en.json" with { type: "json" };
import es from "./es.json" with { type: "json" };
import pt from "./pt.json" with { type: "json" };

export const securityLoginAlert = defineTemplate({
  type: "security.login_alert",
  category: "security",
  channels: ["email", "sms", "push"],
  data: z.object({
    device: z.string().max(128).optional(),
    location: z.string().max(128).optional(),
  }),
  sampleData: { device: "Firefox on Linux", location: "Lisbon" },
  locales: { en, pt, es },
});
