import type { Channel } from "#shared/domain/channels.ts";
import { COMPILE_OPTIONS, handlebars } from "./handlebars-env.ts";
import { localeChain } from "./locale-chain.ts";
import { smsEncoding, type SmsEncoding } from "./sms-segments.ts";
import type { ChannelContentSources, TemplateDefinition } from "./template-definition.ts";

/** What a push shows before the platform cuts it (APNs and FCM alerts on a lock screen). */
export const PUSH_TITLE_LIMIT = 65;
export const PUSH_BODY_LIMIT = 240;

export type RenderedContent =
  | { subject: string; html: string; text: string; unsubscribeUrl?: string }
  | ({ body: string } & SmsEncoding)
  | { title: string; body: string; /** A push part was longer than the platform shows, and is cut. */ truncated?: true };

export interface RenderOptions {
  /** The user's locale; falls back to its language, then to English. */
  locale?: string;
  /** One-click unsubscribe target; required for marketing email. */
  unsubscribeUrl?: string;
  /** The recipient's variant (assignVariant), whose content goes first where it has some. */
  variant?: string;
}

/**
 * A stored part that fails when rendered (a version stored before the checks that now refuse it at
 * PUT, or a case they miss): the same data fails every time, so it is a permanent failure, not a retry.
 */
export class RenderError extends Error {
  /** `<locale>.<channel>.<part>`, as the template's locales name it. */
  readonly part: string;
  constructor(part: string, message: string) {
    super(`${part} cannot be rendered: ${message}`);
    this.name = "RenderError";
    this.part = part;
  }
}

/**
 * The most one rendered part may take, counted as JSON (how it is stored, queued and answered):
 * an inbox item holds two parts within DynamoDB's 400 KB, and a preview's parts stay well inside
 * Lambda's 6 MB response, whatever the data repeats (`{{name}}` 2,000 times over a long name).
 */
export const MAX_RENDERED_PART_BYTES = 128 * 1024;

const jsonBytes = (text: string) => new TextEncoder().encode(JSON.stringify(text)).byteLength;

type Compiled = (data: unknown) => string;
const compiledParts = new Map<string, Compiled>();

/** Only an HTML part escapes its parameters; SMS, push and plain text would show the entities to the user. */
function compilePart(cacheKey: string, source: string, html: boolean): Compiled {
  let compiled = compiledParts.get(cacheKey);
  if (!compiled) {
    compiled = handlebars.compile(source, { ...COMPILE_OPTIONS, noEscape: !html });
    compiledParts.set(cacheKey, compiled);
  }
  return compiled;
}

/** Line breaks and other control characters, as runs: what would end a header line or forge the next. */
const CONTROL_RUNS = /[\u0000-\u001f\u007f\u0085\u2028\u2029]+/g;

/**
 * A subject is one header line: data from the application's users ("A-1\r\nBcc: …") must not be
 * able to end it and start another, so every run of control characters becomes one space.
 */
function singleLine(text: string): string {
  return text.replace(CONTROL_RUNS, " ");
}

function truncate(text: string, limit: number): string {
  const characters = Array.from(text);
  return characters.length <= limit ? text : `${characters.slice(0, limit - 1).join("").trimEnd()}…`;
}

/** Which content a channel renders: the locale after fallback, and whether the variant gives it. */
export interface ResolvedContent {
  locale: string;
  /** The variant's name when its content is used; undefined for the template's own. */
  variant: string | undefined;
  sources: ChannelContentSources[Channel];
}

/**
 * Walks the locale chain ("pt-BR", "pt", "en"); at each locale the variant's content comes before
 * the template's own, so a variant without a translation leaves its readers to the translated base.
 */
export function resolveContent(template: TemplateDefinition, channel: Channel, locale: string | undefined, variant?: string): ResolvedContent {
  const variantLocales = variant === undefined ? undefined : template.variants?.find((candidate) => candidate.name === variant)?.locales;
  for (const candidate of localeChain(locale)) {
    const fromVariant = variantLocales?.[candidate]?.[channel];
    if (fromVariant) return { locale: candidate, variant, sources: fromVariant };
    const own = template.locales[candidate]?.[channel];
    if (own) return { locale: candidate, variant: undefined, sources: own };
  }
  throw new Error(`template ${template.type} has no content for channel ${channel}`);
}

export function renderContent(template: TemplateDefinition, channel: Channel, data: Record<string, unknown>, options: RenderOptions = {}): RenderedContent {
  const { locale, variant, sources } = resolveContent(template, channel, options.locale, options.variant);
  if (channel === "email" && template.category === "marketing" && !options.unsubscribeUrl) {
    throw new Error(`marketing email ${template.type} needs an unsubscribe link`);
  }
  // In an email, `unsubscribeUrl` is always the stack's (empty when it has none): data cannot supply one to output unescaped.
  const variables = channel === "email" ? { ...data, unsubscribeUrl: options.unsubscribeUrl ?? "" } : data;
  const parts: Record<string, string> = {};
  for (const [part, source] of Object.entries(sources)) {
    let text: string;
    try {
      text = compilePart(`${template.type}@${template.version}/${variant ?? ""}/${locale}/${channel}/${part}`, source, channel === "email" && part === "html")(variables).trim();
    } catch (error) {
      throw new RenderError(`${locale}.${channel}.${part}`, (error as Error).message);
    }
    if (jsonBytes(text) > MAX_RENDERED_PART_BYTES) throw new RenderError(`${locale}.${channel}.${part}`, `it renders to more than ${MAX_RENDERED_PART_BYTES / 1024} KiB`);
    parts[part] = text;
  }
  switch (channel) {
    case "email":
      return { subject: singleLine(parts.subject!), html: parts.html!, text: parts.text!, ...(options.unsubscribeUrl ? { unsubscribeUrl: options.unsubscribeUrl } : {}) };
    case "sms":
      return { body: parts.body!, ...smsEncoding(parts.body!) };
    case "push": {
      const title = truncate(parts.title!, PUSH_TITLE_LIMIT);
      const body = truncate(parts.body!, PUSH_BODY_LIMIT);
      return { title, body, ...(title !== parts.title || body !== parts.body ? { truncated: true as const } : {}) };
    }
    case "in_app":
      return { title: parts.title!, body: parts.body! };
  }
}
