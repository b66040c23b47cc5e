import { defineTemplate } from "../template-definition.ts";
import en from "./en.json" with { type: "json" };
import es from "./es.json" with { type: "json" };
import pt from "./pt.json" with { type: "json" };

/**
 * "Bo started following you", at most three an hour per user: past that, a follow is suppressed as
 * `throttled` (the follower list in the app still has it). A throttle without a digest.
 */
export const socialNewFollower = defineTemplate("social.new_follower", {
  // The categories are part of the preferences contract (DESIGN.md); a social category would be a change to it.
  category: "transactional",
  channels: ["push", "in_app"],
  dataSchema: {
    type: "object",
    properties: { followerName: { type: "string", minLength: 1, maxLength: 64 } },
    required: ["followerName"],
    examples: [{ followerName: "Bo" }],
  },
  locales: { en, pt, es },
  throttle: { max: 3, perMinutes: 60 },
});
