import type { RequestIssue } from "#shared/domain/request-error.ts";
import { toRequestIssues } from "#shared/domain/zod-issues.ts";
import { digestRuleProblem } from "#shared/domain/digest-window.ts";
import { throttleRuleProblem } from "#shared/domain/throttle.ts";
import { dataSchemaProblems, declaredFields } from "./data-schema.ts";
import { statementProblems, syntaxProblem } from "./handlebars-env.ts";
import { DEFAULT_LOCALE, templateDocumentSchema, templateTypeSchema, type LocalizedContent, type TemplateDocument } from "./template-document.ts";

const UNSUBSCRIBE_LINK = /\{\{\{?\s*unsubscribeUrl\s*\}?\}\}/;
const MAX_ESCALATION_MINUTES = 7 * 24 * 60;

/** Each part's syntax, named by where it is: "locales.pt.email.subject: line 1, column 9: …". */
function contentProblems(locales: Record<string, LocalizedContent>, path: string): RequestIssue[] {
  const problems: RequestIssue[] = [];
  for (const [locale, content] of Object.entries(locales)) {
    for (const [channel, parts] of Object.entries(content)) {
      for (const [part, source] of Object.entries(parts as Record<string, string>)) {
        const syntax = syntaxProblem(source);
        // The application's users write the data: unescaped in html, a name could carry a link or a form into the email.
        const found = syntax ? [syntax] : statementProblems(source, { html: channel === "email" && part === "html" });
        for (const { line, column, message } of found) problems.push({ path: `${path}.${locale}.${channel}.${part}`, message: `line ${line}, column ${column}: ${message}` });
      }
    }
  }
  return problems;
}

function unsubscribeProblems(locales: Record<string, LocalizedContent>, path: string): RequestIssue[] {
  return Object.entries(locales).flatMap(([locale, content]) =>
    (["html", "text"] as const).filter((part) => content.email && !UNSUBSCRIBE_LINK.test(content.email[part])).map((part) => ({ path: `${path}.${locale}.email.${part}`, message: "a marketing email must link {{unsubscribeUrl}}" })),
  );
}

function ruleProblems(document: TemplateDocument): RequestIssue[] {
  const fields = declaredFields(document.dataSchema);
  const problems: RequestIssue[] = [];
  const digest = document.digest && digestRuleProblem(document.digest, fields);
  if (digest) problems.push({ path: "digest", message: digest });
  const throttle = document.throttle && throttleRuleProblem(document.throttle, fields);
  if (throttle) problems.push({ path: "throttle", message: throttle });
  document.followUps?.forEach((followUp, index) => {
    const path = `followUps.${index}`;
    if (followUp.from === followUp.to) problems.push({ path, message: `follows ${followUp.from} up on itself` });
    if (!document.locales[DEFAULT_LOCALE]?.[followUp.to]) problems.push({ path: `${path}.to`, message: `has no ${DEFAULT_LOCALE} content for ${followUp.to}` });
    if (followUp.kind === "escalation" && !(Number.isInteger(followUp.afterMinutes) && followUp.afterMinutes >= 1 && followUp.afterMinutes <= MAX_ESCALATION_MINUTES)) {
      problems.push({ path: `${path}.afterMinutes`, message: "whole minutes from 1 to a week" });
    }
  });
  return problems;
}

function variantProblems(document: TemplateDocument): RequestIssue[] {
  const names = new Set<string>();
  return (document.variants ?? []).flatMap((variant, index) => {
    const path = `variants.${index}`;
    const problems = contentProblems(variant.locales, `${path}.locales`);
    if (names.has(variant.name)) problems.push({ path: `${path}.name`, message: `${variant.name} is named twice` });
    names.add(variant.name);
    for (const [locale, content] of Object.entries(variant.locales)) {
      for (const channel of Object.keys(content)) {
        if (!(document.channels as string[]).includes(channel)) problems.push({ path: `${path}.locales.${locale}.${channel}`, message: `the template is not sent on ${channel}` });
      }
    }
    if (document.category === "marketing") problems.push(...unsubscribeProblems(variant.locales, `${path}.locales`));
    return problems;
  });
}

/**
 * Everything wrong with a template definition, each named by its path in the document; empty when
 * it may be stored. Beyond its shape: the data schema is valid JSON Schema of an object (its
 * examples fit it), every channel it lists has content in the default locale, every part parses as
 * Handlebars with only the known helpers, a marketing email links {{unsubscribeUrl}} in html and
 * text, digest and throttle keys are fields of the data, follow-ups go somewhere with content, and
 * variants are named once and give content only for the template's channels.
 */
export function templateProblems(type: string, definition: unknown): RequestIssue[] {
  const typeCheck = templateTypeSchema.safeParse(type);
  if (!typeCheck.success) return toRequestIssues(typeCheck.error, ["type"]);
  const shape = templateDocumentSchema.safeParse(definition);
  if (!shape.success) return toRequestIssues(shape.error);
  const document = shape.data;

  const problems = [...dataSchemaProblems(document.dataSchema), ...contentProblems(document.locales, "locales")];
  const fallback = document.locales[DEFAULT_LOCALE];
  if (!fallback) problems.push({ path: "locales", message: `must have the default locale ${DEFAULT_LOCALE}` });
  for (const channel of document.channels) {
    if (fallback && !fallback[channel]) problems.push({ path: `locales.${DEFAULT_LOCALE}.${channel}`, message: `${channel} is listed in channels but has no ${DEFAULT_LOCALE} content` });
  }
  if (document.category === "marketing") problems.push(...unsubscribeProblems(document.locales, "locales"));
  problems.push(...ruleProblems(document), ...variantProblems(document));
  return problems;
}
