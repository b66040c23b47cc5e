import Handlebars from "handlebars";
import type { Channel } from "#shared/channels.ts";
import type { ChannelContentSources, TemplateDefinition } from "./template-definition.ts";

export type RenderedContent = { [C in Channel]: { [Part in keyof ChannelContentSources[C]]: string } }[Channel];

type Compiled = (data: unknown) => string;
const compiledParts = new Map<string, Compiled>();

/** Only an HTML part escapes its parameters; SMS, push and plain text would show the entities to the user. */
function compilePart(cacheKey: string, source: string, html: boolean): Compiled {
  let compiled = compiledParts.get(cacheKey);
  if (!compiled) {
    compiled = Handlebars.compile(source, { noEscape: !html, strict: false, knownHelpersOnly: true });
    compiledParts.set(cacheKey, compiled);
  }
  return compiled;
}

export function renderContent(template: TemplateDefinition, channel: Channel, data: Record<string, unknown>): RenderedContent {
  const sources = template.content[channel];
  if (!sources) throw new Error(`template ${template.type} has no content for channel ${channel}`);
  const rendered: Record<string, string> = {};
  for (const [part, source] of Object.entries(sources)) {
    rendered[part] = compilePart(`${template.type}/${channel}/${part}`, source, channel === "email" && part === "html")(data).trim();
  }
  return rendered as RenderedContent;
}
