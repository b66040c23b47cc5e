import type { TemplateDocument } from "./template-document.ts";
import { templateProblems } from "./template-problems.ts";

/** Handlebars sources of each channel's parts. Email HTML is escaped; every other part is plain text. */
export interface ChannelContentSources {
  email: { subject: string; html: string; text: string };
  sms: { body: string };
  push: { title: string; body: string };
  in_app: { title: string; body: string };
}

/** A version of a template, as the workers render it. */
export interface TemplateDefinition extends TemplateDocument {
  readonly type: string;
  /** 1 for the built-in set; each stored change adds one. */
  readonly version: number;
}

/** The version every template in the repository is, on a fresh stack. */
export const BUILT_IN_VERSION = 1;

/** A built-in template: refused at load, naming every problem, as a stored one is refused at PUT. */
export function defineTemplate(type: string, document: TemplateDocument): TemplateDefinition {
  const problems = templateProblems(type, document);
  if (problems.length > 0) throw new Error(`template ${type}: ${problems.map((problem) => `${problem.path}: ${problem.message}`).join("; ")}`);
  return { type, version: BUILT_IN_VERSION, ...document };
}

/** The data a preview or test renders when none is given: the data schema's first example. */
export function sampleDataOf(template: Pick<TemplateDocument, "dataSchema">): Record<string, unknown> {
  const [first] = (template.dataSchema.examples as Record<string, unknown>[] | undefined) ?? [];
  return first ?? {};
}
