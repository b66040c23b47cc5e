import { TemplateStore } from "#shared/adapters/stores/template-store.ts";
import { allTemplates } from "#shared/domain/templates/registry.ts";
import { documents } from "./clients.ts";
import { requiredEnv } from "./env.ts";

/**
 * The stack's templates: the stored versions over the built-in set. A function trusts the active
 * version it read for TEMPLATE_CACHE_SECONDS (notify:templateCacheSeconds; 0 on the local cloud),
 * so an activation reaches every environment within that time.
 */
export function templateStore(): TemplateStore {
  return new TemplateStore(documents, requiredEnv("TEMPLATES_TABLE_NAME"), allTemplates(), {
    activeCacheMillis: Number(process.env.TEMPLATE_CACHE_SECONDS ?? 0) * 1000,
    now: () => Date.now(),
  });
}
