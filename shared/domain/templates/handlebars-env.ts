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
