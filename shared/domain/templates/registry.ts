import { marketingWeeklyDigest } from "./marketing-weekly-digest/definition.ts";
import { orderShipped } from "./order-shipped/definition.ts";
import { securityLoginAlert } from "./security-login-alert/definition.ts";
import { socialCommentLiked } from "./social-comment-liked/definition.ts";
import { socialNewFollower } from "./social-new-follower/definition.ts";
import type { TemplateDefinition } from "./template-definition.ts";

const TEMPLATES: ReadonlyMap<string, TemplateDefinition> = new Map(
  [orderShipped, securityLoginAlert, marketingWeeklyDigest, socialCommentLiked, socialNewFollower].map((template) => [template.type, template as TemplateDefinition]),
);

export function findTemplate(type: string): TemplateDefinition | undefined {
  return TEMPLATES.get(type);
}

export function allTemplates(): TemplateDefinition[] {
  return [...TEMPLATES.values()];
}
