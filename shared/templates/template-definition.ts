import type { z } from "zod";
import type { Category } from "#shared/categories.ts";
import type { Channel } from "#shared/channels.ts";

/** Handlebars sources for each channel's parts. Email HTML is escaped; every other part is plain text. */
export interface ChannelContentSources {
  email: { subject: string; html: string; text: string };
  sms: { body: string };
  push: { title: string; body: string };
  in_app: { title: string; body: string };
}

export interface TemplateDefinition<Data extends z.ZodType = z.ZodType> {
  readonly type: string;
  readonly category: Category;
  /** Channels a notification of this type goes to unless the request narrows them. */
  readonly channels: readonly Channel[];
  /** Template parameters, validated at publish so a worker never meets a missing field. */
  readonly data: Data;
  readonly content: { [C in Channel]?: ChannelContentSources[C] };
}

export function defineTemplate<Data extends z.ZodType>(definition: TemplateDefinition<Data>): TemplateDefinition<Data> {
  for (const channel of definition.channels) {
    if (!definition.content[channel]) {
      throw new Error(`template ${definition.type} lists channel ${channel} but has no content for it`);
    }
  }
  return definition;
}
