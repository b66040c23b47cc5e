import { defineTemplate } from "../template-definition.ts";
import en from "./en.json" with { type: "json" };
import es from "./es.json" with { type: "json" };
import pt from "./pt.json" with { type: "json" };

/**
 * "Ada and 2 others liked your comment": every like of a user's comment on one post within five
 * minutes becomes one push and one inbox item. The content reads `digest` when it comes from a
 * window, and the like's own fields when it does not (a preview, or the digest rule removed).
 */
export const socialCommentLiked = defineTemplate("social.comment_liked", {
  // The categories are part of the preferences contract (DESIGN.md); a social category would be a change to it.
  category: "transactional",
  channels: ["push", "in_app"],
  dataSchema: {
    type: "object",
    properties: {
      postId: { type: "string", minLength: 1, maxLength: 64 },
      commentId: { type: "string", minLength: 1, maxLength: 64 },
      likerName: { type: "string", minLength: 1, maxLength: 64 },
    },
    required: ["postId", "commentId", "likerName"],
    examples: [{ postId: "post-7", commentId: "c-42", likerName: "Ada" }],
  },
  locales: { en, pt, es },
  digest: { windowMinutes: 5, key: "postId", maxItems: 50 },
});
