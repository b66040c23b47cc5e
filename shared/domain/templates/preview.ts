import type { Channel } from "#shared/domain/channels.ts";
import { localeChain } from "./locale-chain.ts";
import { PUSH_BODY_LIMIT, PUSH_TITLE_LIMIT, renderContent, resolveContent, type RenderedContent } from "./render.ts";
import type { TemplateDefinition } from "./template-definition.ts";
import { withPreferenceCenterLink } from "./email-footer.ts";

/** Stands in for a recipient's own one-click link, which is minted per user at send time. */
export const PREVIEW_UNSUBSCRIBE_URL = "https://unsubscribe.example/preview";
/** Stands in for a recipient's own preference center link, which every email gets at send time. */
export const PREVIEW_PREFERENCE_CENTER_URL = "https://preferences.example/preview";

export interface PreviewRequest {
  data: Record<string, unknown>;
  locale?: string;
  variant?: string;
  /** Defaults to every channel the template is sent on. */
  channels?: readonly Channel[];
}

export interface Preview {
  channels: Partial<Record<Channel, RenderedContent>>;
  /** What a reader of the preview should know: a fallback locale, a cut push, a multi-part SMS, a placeholder link. */
  warnings: string[];
}

/**
 * Each channel as a recipient with that locale (and variant) would get it, rendered by the workers'
 * own renderer, with what would surprise them said in warnings. The data must already fit the
 * version's schema: the route checks it as publishing would.
 */
export function previewTemplate(template: TemplateDefinition, request: PreviewRequest): Preview {
  const channels = (request.channels ?? template.channels).filter((channel) => template.channels.includes(channel));
  const warnings: string[] = [];
  if (request.variant !== undefined && !template.variants?.some((variant) => variant.name === request.variant)) {
    warnings.push(`version ${template.version} has no variant ${request.variant}: the template's own content is shown`);
  }
  const marketingEmail = template.category === "marketing" && channels.includes("email");
  if (marketingEmail) warnings.push(`the email's unsubscribe link is a placeholder (${PREVIEW_UNSUBSCRIBE_URL}); each recipient gets their own`);
  const preview: Preview = { channels: {}, warnings };
  for (const channel of channels) {
    const { locale } = resolveContent(template, channel, request.locale, request.variant);
    const asked = localeChain(request.locale)[0];
    if (request.locale !== undefined && locale !== asked) warnings.push(`${channel} has no ${asked} content: it falls back to ${locale}`);
    const rendered = renderContent(template, channel, request.data, { locale: request.locale, variant: request.variant, unsubscribeUrl: marketingEmail ? PREVIEW_UNSUBSCRIBE_URL : undefined });
    if ("segments" in rendered && rendered.segments > 1) warnings.push(`the SMS is ${rendered.segments} ${rendered.encoding} segments, each billed as a message`);
    if ("truncated" in rendered && rendered.truncated) warnings.push(`the push is cut to ${PUSH_TITLE_LIMIT} characters of title and ${PUSH_BODY_LIMIT} of body`);
    preview.channels[channel] = "html" in rendered ? withPreferenceCenterLink(rendered, PREVIEW_PREFERENCE_CENTER_URL, locale) : rendered;
  }
  return preview;
}
