import Handlebars from "handlebars";
import type { Channel } from "#shared/domain/channels.ts";
import { localeChain } from "./locale-chain.ts";
import { smsEncoding, type SmsEncoding } from "./sms-segments.ts";
import type { ChannelContentSources, TemplateDefinition } from "./template-definition.ts";

/** What a push shows before the platform cuts it (APNs and FCM alerts on a lock screen). */
export const PUSH_TITLE_LIMIT = 65;
export const PUSH_BODY_LIMIT = 240;

export type RenderedContent =
  | { subject: string; html: string; text: string; unsubscribeUrl?: string }
  | ({ body: string } & SmsEncoding)
  | { title: string; body: string };

export interface RenderOptions {
  /** The user's locale; falls back to its language, then to English. */
  locale?: string;
  /** One-click unsubscribe target; required for marketing email. */
  unsubscribeUrl?: string;
}

type Compiled = (data: unknown) => string;
const compiledParts = new Map<string, Compiled>();

/**
 * Handlebars with two helpers beyond its built-ins, for digests ("Ada and {{minus digest.count 1}}
 * others", one wording for a count of 1 or 2 with `eq`); nothing else is callable from a template.
 */
const handlebars = Handlebars.create();
const HELPERS = {
  eq: (left: unknown, right: unknown) => left === right,
  minus: (left: unknown, right: unknown) => Number(left) - Number(right),
};
for (const [name, helper] of Object.entries(HELPERS)) handlebars.registerHelper(name, helper);
const KNOWN_HELPERS = Object.fromEntries(Object.keys(HELPERS).map((name) => [name, true]));

/** Only an HTML part escapes its parameters; SMS, push and plain text would show the entities to the user. */
function compilePart(cacheKey: string, source: string, html: boolean): Compiled {
  let compiled = compiledParts.get(cacheKey);
  if (!compiled) {
    compiled = handlebars.compile(source, { noEscape: !html, knownHelpersOnly: true, knownHelpers: KNOWN_HELPERS });
    compiledParts.set(cacheKey, compiled);
  }
  return compiled;
}

function truncate(text: string, limit: number): string {
  const characters = Array.from(text);
  return characters.length <= limit ? text : `${characters.slice(0, limit - 1).join("").trimEnd()}…`;
}

/** The locale whose content is used for this channel, after fallback. */
export function resolveLocale(template: TemplateDefinition, channel: Channel, locale: string | undefined): string {
  const found = localeChain(locale).find((candidate) => template.locales[candidate]?.[channel]);
  if (!found) throw new Error(`template ${template.type} has no content for channel ${channel}`);
  return found;
}

export function renderContent(template: TemplateDefinition, channel: Channel, data: Record<string, unknown>, options: RenderOptions = {}): RenderedContent {
  const locale = resolveLocale(template, channel, options.locale);
  const sources = template.locales[locale]![channel] as ChannelContentSources[Channel];
  if (channel === "email" && template.category === "marketing" && !options.unsubscribeUrl) {
    throw new Error(`marketing email ${template.type} needs an unsubscribe link`);
  }
  const variables = options.unsubscribeUrl ? { ...data, unsubscribeUrl: options.unsubscribeUrl } : data;
  const parts: Record<string, string> = {};
  for (const [part, source] of Object.entries(sources)) {
    parts[part] = compilePart(`${template.type}/${locale}/${channel}/${part}`, source, channel === "email" && part === "html")(variables).trim();
  }
  switch (channel) {
    case "email":
      return { subject: parts.subject!, html: parts.html!, text: parts.text!, ...(options.unsubscribeUrl ? { unsubscribeUrl: options.unsubscribeUrl } : {}) };
    case "sms":
      return { body: parts.body!, ...smsEncoding(parts.body!) };
    case "push":
      return { title: truncate(parts.title!, PUSH_TITLE_LIMIT), body: truncate(parts.body!, PUSH_BODY_LIMIT) };
    case "in_app":
      return { title: parts.title!, body: parts.body! };
  }
}
