import Handlebars from "handlebars";

/**
 * The one Handlebars environment templates compile in: its built-ins plus two helpers for digests
 * ("Ada and {{minus digest.count 1}} others", one wording for a count of 1 or 2 with `eq`); nothing
 * else is callable from a template, and a part that calls anything else is refused when stored.
 */
export const handlebars = Handlebars.create();
const HELPERS = {
  eq: (left: unknown, right: unknown) => left === right,
  minus: (left: unknown, right: unknown) => Number(left) - Number(right),
};
for (const [name, helper] of Object.entries(HELPERS)) handlebars.registerHelper(name, helper);
// The built-in `log` writes its arguments (a template's data: addresses, names) to the function's
// logs. A part that calls it is refused when stored; one stored before renders it as nothing.
handlebars.registerHelper("log", () => "");
export const COMPILE_OPTIONS = { knownHelpersOnly: true, knownHelpers: Object.fromEntries(Object.keys(HELPERS).map((name) => [name, true])) } as const;
const STORE_OPTIONS = { ...COMPILE_OPTIONS, knownHelpers: { ...COMPILE_OPTIONS.knownHelpers, log: false } } as const;

/** Where a part's source is wrong, 1-based, with Handlebars' own words for what. */
export interface SyntaxProblem {
  message: string;
  line: number;
  column: number;
}

interface ParseErrorHash {
  loc?: { first_line: number; first_column: number };
}

// Handlebars' generated parser throws a bare Error and drops the position it knew; keep it on the error.
(Handlebars as unknown as { Parser: { parseError: (message: string, hash: ParseErrorHash) => never } }).Parser.parseError = (message, hash) => {
  throw Object.assign(new Error(message), { hash });
};

/** The first thing wrong with a part's source (parse errors, mismatched blocks, helpers that do not exist or may not be called), or undefined. */
export function syntaxProblem(source: string): SyntaxProblem | undefined {
  try {
    handlebars.precompile(source, STORE_OPTIONS);
    return undefined;
  } catch (error) {
    const { message, hash, lineNumber, column } = error as Error & { hash?: ParseErrorHash; lineNumber?: number; column?: number };
    // A parse error's message repeats the source around the spot; its last line says what was expected.
    const summary = hash ? message.split("\n").at(-1)! : message.replace(/ - \d+:\d+$/, "");
    if (hash?.loc) return { message: summary, line: hash.loc.first_line, column: hash.loc.first_column + 1 };
    return { message: summary, line: lineNumber ?? 1, column: (column ?? 0) + 1 };
  }
}

/** A statement a part may not hold, and where (1-based). */
export interface StatementProblem {
  message: string;
  line: number;
  column: number;
}

/** Built-in block helpers and how many parameters each takes; Handlebars checks only when it renders, so a wrong count would fail a send. */
const BLOCK_PARAMETERS: Record<string, number> = { if: 1, unless: 1, with: 1, each: 1 };
/** Built-ins that change the context inside their block: a name there is the item's, not the template's. */
const SCOPING_BLOCKS = ["each", "with"];
const LOOKUP_PARAMETERS = 2;

/**
 * What a part that parses may still not hold: partials and decorators (a template is one part, with
 * nothing registered to include), built-in helpers called with the wrong parameters or outside a
 * block (both fail only when rendered), and, in an email's html, data output without HTML escaping
 * (`{{{x}}}`, `{{& x}}`; the stack's own links excepted where they mean the stack's, outside each/with).
 */
export function statementProblems(source: string, { html }: { html: boolean }): StatementProblem[] {
  const found: StatementProblem[] = [];
  const pending: Array<{ node: unknown; scoped: boolean }> = [{ node: Handlebars.parse(source), scoped: false }];
  while (pending.length > 0) {
    const { node: next, scoped } = pending.pop()!;
    const node = next as HandlebarsNode | undefined;
    if (!node || typeof node !== "object") continue;
    const at = { line: node.loc?.start.line ?? 1, column: (node.loc?.start.column ?? 0) + 1 };
    const name = String(node.path?.original ?? "");
    const call = node.type === "MustacheStatement" || node.type === "SubExpression";
    if (node.type === "PartialStatement" || node.type === "PartialBlockStatement") found.push({ message: "partials are not supported: a template is one part", ...at });
    if (node.type === "DecoratorBlock" || node.type === "Decorator") found.push({ message: "decorators are not supported", ...at });
    if (node.type === "BlockStatement" && name in BLOCK_PARAMETERS && node.params?.length !== BLOCK_PARAMETERS[name]) found.push({ message: `#${name} takes exactly ${BLOCK_PARAMETERS[name]} parameter`, ...at });
    if (call && name in BLOCK_PARAMETERS && node.path?.type === "PathExpression") found.push({ message: `${name} is a block: write {{#${name} x}}…{{/${name}}}`, ...at });
    if ((call || node.type === "BlockStatement") && name === "lookup" && node.params?.length !== LOOKUP_PARAMETERS) found.push({ message: `lookup takes exactly ${LOOKUP_PARAMETERS} parameters`, ...at });
    const stackValue = STACK_VALUES.includes(name) && !scoped;
    if (html && node.type === "MustacheStatement" && node.escaped === false && !stackValue) found.push({ message: `{{{${name}}}} outputs data without HTML escaping; use {{${name}}}`, ...at });
    const inner = scoped || (node.type === "BlockStatement" && SCOPING_BLOCKS.includes(name));
    for (const child of [...(node.body ?? []), node.program, node.inverse]) pending.push({ node: child, scoped: inner });
    for (const parameter of [...(node.params ?? []), ...(node.hash?.pairs ?? []).map((pair) => pair.value)]) pending.push({ node: parameter, scoped });
  }
  return found.sort((a, b) => a.line - b.line || a.column - b.column);
}

interface HandlebarsNode {
  type?: string;
  escaped?: boolean;
  path?: { type?: string; original?: unknown };
  hash?: { pairs?: Array<{ value: unknown }> };
  params?: unknown[];
  loc?: { start: { line: number; column: number } };
  body?: unknown[];
  program?: unknown;
  inverse?: unknown;
}

/** Values the stack puts in a template itself, never from data: a URL it made, safe to output as is. */
const STACK_VALUES = ["unsubscribeUrl"];
