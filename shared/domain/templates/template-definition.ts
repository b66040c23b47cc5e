import type { z } from "zod";
import type { Category } from "#shared/domain/categories.ts";
import type { Channel } from "#shared/domain/channels.ts";
import { digestRuleProblem, type DigestRule } from "#shared/domain/digest-window.ts";
import type { FollowUp } from "#shared/domain/follow-up-rule.ts";
import { throttleRuleProblem, type ThrottleRule } from "#shared/domain/throttle.ts";

/** Handlebars sources of each channel's parts. Email HTML is escaped; every other part is plain text. */
export interface ChannelContentSources {
  email: { subject: string; html: string; text: string };
  sms: { body: string };
  push: { title: string; body: string };
  in_app: { title: string; body: string };
}

export type LocalizedContent = { [C in Channel]?: ChannelContentSources[C] };

/** Every template has this locale, complete; the last step of every fallback chain. */
export const DEFAULT_LOCALE = "en";

export interface TemplateDefinition<Data extends z.ZodType = z.ZodType> {
  readonly type: string;
  readonly category: Category;
  /** Channels a notification of this type goes to unless the request narrows them. */
  readonly channels: readonly Channel[];
  /** Template parameters, validated at publish so a worker never meets a missing field. */
  readonly data: Data;
  /** Parameters the template test renders every locale with. */
  readonly sampleData: z.input<Data>;
  /** Content by locale ("en", "pt", "pt-BR"); a locale may leave channels to its fallback. */
  readonly locales: Readonly<Record<string, LocalizedContent>>;
  /** Fallbacks and escalations to other channels. @default none */
  readonly followUps?: readonly FollowUp[];
  /** Group notifications of this type in time into one message. @default none */
  readonly digest?: DigestRule;
  /** Cap how many notifications of this type a user gets in a window. @default none */
  readonly throttle?: ThrottleRule;
}

export function defineTemplate<Data extends z.ZodType>(definition: TemplateDefinition<Data>): TemplateDefinition<Data> {
  const fallback = definition.locales[DEFAULT_LOCALE];
  if (!fallback) throw new Error(`template ${definition.type} has no ${DEFAULT_LOCALE} content`);
  for (const channel of definition.channels) {
    if (!fallback[channel]) throw new Error(`template ${definition.type} lists channel ${channel} but has no ${DEFAULT_LOCALE} content for it`);
  }
  for (const followUp of definition.followUps ?? []) {
    if (followUp.from === followUp.to) throw new Error(`template ${definition.type} follows ${followUp.from} up on itself`);
    if (!fallback[followUp.to]) throw new Error(`template ${definition.type} follows up on ${followUp.to} but has no ${DEFAULT_LOCALE} content for it`);
    if (followUp.kind === "escalation" && !(Number.isInteger(followUp.afterMinutes) && followUp.afterMinutes >= 1 && followUp.afterMinutes <= 7 * 24 * 60)) {
      throw new Error(`template ${definition.type} escalates after ${followUp.afterMinutes} minutes; use whole minutes from 1 to a week`);
    }
  }
  for (const problem of [definition.digest && digestRuleProblem(definition.digest, definition.sampleData), definition.throttle && throttleRuleProblem(definition.throttle, definition.sampleData)]) {
    if (problem) throw new Error(`template ${definition.type}: ${problem}`);
  }
  if (definition.category === "marketing") {
    for (const [locale, content] of Object.entries(definition.locales)) {
      const email = content.email;
      if (email && !(email.html.includes("{{unsubscribeUrl}}") && email.text.includes("{{unsubscribeUrl}}"))) {
        throw new Error(`marketing template ${definition.type} (${locale}) must link {{unsubscribeUrl}} in both email parts`);
      }
    }
  }
  return definition;
}
