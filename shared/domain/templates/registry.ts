import { marketingWeeklyDigest } from "./marketing-weekly-digest/definition.ts";
import { orderShipped } from "./order-shipped/definition.ts";
import { securityLoginAlert } from "./security-login-alert/definition.ts";
import { socialCommentLiked } from "./social-comment-liked/definition.ts";
import { socialNewFollower } from "./social-new-follower/definition.ts";
import { BUILT_IN_VERSION, type TemplateDefinition } from "./template-definition.ts";

const TEMPLATES: ReadonlyMap<string, TemplateDefinition> = new Map(
  [orderShipped, securityLoginAlert, marketingWeeklyDigest, socialCommentLiked, socialNewFollower].map((template) => [template.type, template]),
);

/** Where the workers, the sweeper and ingest find a template: the stored versions on a stack, the built-in set alone elsewhere. */
export interface TemplateSource {
  /** The version new notifications of the type render with; undefined for a type nobody defined. */
  active(type: string): Promise<TemplateDefinition | undefined>;
  /** One version of a type; undefined when there is no such version. */
  version(type: string, version: number): Promise<TemplateDefinition | undefined>;
}

/** The templates in the repository, version 1 of their types: all a publisher without the stack's tables knows. */
export const builtInTemplates: TemplateSource = {
  active: async (type) => TEMPLATES.get(type),
  version: async (type, version) => (version === BUILT_IN_VERSION ? TEMPLATES.get(type) : undefined),
};

export function findTemplate(type: string): TemplateDefinition | undefined {
  return TEMPLATES.get(type);
}

export function allTemplates(): TemplateDefinition[] {
  return [...TEMPLATES.values()];
}
