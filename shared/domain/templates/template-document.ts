import { z } from "zod";
import { CATEGORIES } from "#shared/domain/categories.ts";
import { CHANNELS } from "#shared/domain/channels.ts";
import { DELIVERY_STATUSES } from "#shared/domain/delivery-event.ts";

/** Types are dotted lowercase names ("order.shipped"): they appear in URLs, metrics and message attributes. */
export const templateTypeSchema = z
  .string()
  .max(128)
  .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, "a dotted lowercase name such as order.shipped");

/** Every template has this locale, complete; the last step of every fallback chain. */
export const DEFAULT_LOCALE = "en";

/** A locale tag ("en", "pt", "pt-BR"). */
const localeSchema = z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "a locale such as en or pt-BR");

const part = z.string().min(1).max(100_000);
const localizedContentSchema = z.strictObject({
  email: z.strictObject({ subject: part, html: part, text: part }).optional(),
  sms: z.strictObject({ body: part }).optional(),
  push: z.strictObject({ title: part, body: part }).optional(),
  in_app: z.strictObject({ title: part, body: part }).optional(),
});
const localesSchema = z.record(localeSchema, localizedContentSchema);

const channel = z.enum(CHANNELS);
const followUpSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("fallback"), from: channel, to: channel, when: z.array(z.string().min(1)).min(1) }),
  z.strictObject({ kind: z.literal("escalation"), from: channel, to: channel, afterMinutes: z.number(), unless: z.array(z.enum(DELIVERY_STATUSES)) }),
]);

/**
 * A template as data: what `PUT /v1/templates/{type}` takes and what the built-in templates are.
 * This is its shape only; templateProblems() checks what the shape cannot (syntax, channels with
 * content, the unsubscribe link, the data schema, rules that name data fields).
 */
export const templateDocumentSchema = z.strictObject({
  category: z.enum(CATEGORIES),
  channels: z.array(channel).min(1).max(CHANNELS.length),
  /** JSON Schema of the template's data (an object); its first `examples` entry is the sample that previews and tests render. */
  dataSchema: z.record(z.string(), z.unknown()),
  locales: localesSchema,
  followUps: z.array(followUpSchema).max(8).optional(),
  digest: z.strictObject({ windowMinutes: z.number(), key: z.string().min(1).optional(), maxItems: z.number().optional() }).optional(),
  throttle: z.strictObject({ max: z.number(), perMinutes: z.number(), key: z.string().min(1).optional() }).optional(),
  variants: z
    .array(z.strictObject({ name: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, "1-32 letters, digits, _ or -"), weight: z.number().int().min(1).max(10_000), locales: localesSchema }))
    .min(2)
    .max(10)
    .optional(),
});

export type TemplateDocument = z.infer<typeof templateDocumentSchema>;
export type LocalizedContent = z.infer<typeof localizedContentSchema>;
export type TemplateVariant = NonNullable<TemplateDocument["variants"]>[number];

/** A template type as listed: which version renders new notifications, and how many there are. */
export interface TemplateSummary {
  type: string;
  category: string;
  channels: string[];
  activeVersion: number;
  versions: number;
  updatedAt: string;
}
