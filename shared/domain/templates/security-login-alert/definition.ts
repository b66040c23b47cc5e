import { defineTemplate } from "../template-definition.ts";
import en from "./en.json" with { type: "json" };
import es from "./es.json" with { type: "json" };
import pt from "./pt.json" with { type: "json" };

export const securityLoginAlert = defineTemplate("security.login_alert", {
  category: "security",
  channels: ["email", "sms", "push"],
  dataSchema: {
    type: "object",
    properties: {
      device: { type: "string", maxLength: 128 },
      location: { type: "string", maxLength: 128 },
    },
    examples: [{ device: "Firefox on Linux", location: "Lisbon" }],
  },
  locales: { en, pt, es },
});
