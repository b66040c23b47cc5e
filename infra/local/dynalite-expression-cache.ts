import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

type AttributeValue = Record<string, unknown>;

interface ParseContext {
  attrNames?: Record<string, string>;
  attrVals?: Record<string, AttributeValue>;
  unusedAttrNames?: Record<string, boolean>;
  unusedAttrVals?: Record<string, boolean>;
}

interface ExpressionParser {
  parse(input: string, options: { context: ParseContext }): unknown;
}

/** A parse to reuse: its tree, which of its nodes were the request's values, and the names and values it used. */
interface CachedParse {
  tree: unknown;
  valueKeys: Map<object, string>;
  usedNames: string[];
  usedValues: string[];
}

/** Distinct expressions a local cloud sends are a few dozen; the bound keeps a stray caller from growing it. */
const MAX_ENTRIES = 500;

/**
 * Expressions whose validation reads a value's content, not only its type (BETWEEN compares its
 * bounds, attribute_type checks its type name): parsed every time.
 */
const READS_VALUE_CONTENT = /between|attribute_type/i;

let installed = false;

/**
 * dynalite parses every ConditionExpression and UpdateExpression with a generated PEG parser, which
 * costs about a millisecond for the conditional updates this stack sends, on the one thread that
 * serves every table. A request repeats an earlier one's expression, names and value types with new
 * values, so its tree is the earlier tree with the new values in place of the old: this cache keeps
 * the tree and swaps the values in. The parser reads values only for their type (part of the key)
 * except in the expressions above, so validation answers the same.
 */
export function cacheExpressionParses(): void {
  if (installed) return;
  installed = true;
  for (const module of ["dynalite/db/conditionParser.js", "dynalite/db/updateParser.js"]) {
    const parser = require(module) as ExpressionParser;
    parser.parse = memoized(parser.parse.bind(parser));
  }
}

function memoized(parse: ExpressionParser["parse"]): ExpressionParser["parse"] {
  const cache = new Map<string, CachedParse>();
  return (input, options) => {
    const { context } = options;
    if (READS_VALUE_CONTENT.test(input)) return parse(input, options);
    const key = cacheKey(input, context);
    const hit = cache.get(key);
    if (hit) {
      for (const name of hit.usedNames) delete context.unusedAttrNames?.[name];
      for (const value of hit.usedValues) delete context.unusedAttrVals?.[value];
      return withValues(hit.tree, hit.valueKeys, context.attrVals ?? {});
    }
    const tree = parse(input, options);
    // A string is a validation error: answer it, never reuse it.
    if (typeof tree === "string") return tree;
    // The placeholders the expression names, read from its text: the update and condition expressions
    // of one request share the context, so what this parse marked used says nothing of a value both name.
    const usedValues = placeholders(input, ":").filter((value) => value in (context.attrVals ?? {}));
    const usedNames = placeholders(input, "#").filter((name) => name in (context.attrNames ?? {}));
    const valueKeys = new Map<object, string>(usedValues.map((value) => [context.attrVals![value]!, value]));
    // Only a tree that holds each value it used as that very object can take new values in its place.
    if (!holdsEach(tree, valueKeys)) return tree;
    if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
    cache.set(key, { tree, valueKeys, usedNames, usedValues });
    return withValues(tree, valueKeys, context.attrVals ?? {});
  };
}

function placeholders(input: string, sigil: ":" | "#"): string[] {
  return [...new Set(input.match(sigil === ":" ? /:[A-Za-z0-9_]+/g : /#[A-Za-z0-9_]+/g) ?? [])];
}

function cacheKey(input: string, context: ParseContext): string {
  const valueTypes = Object.entries(context.attrVals ?? {})
    .map(([name, value]) => `${name}:${Object.keys(value).join("|")}`)
    .sort();
  return JSON.stringify([input, context.attrNames ?? null, valueTypes]);
}

function holdsEach(tree: unknown, valueKeys: Map<object, string>): boolean {
  const found = new Set<object>();
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== "object") return;
    if (valueKeys.has(node)) {
      found.add(node);
      return;
    }
    for (const child of Object.values(node)) visit(child);
  };
  visit(tree);
  return found.size === valueKeys.size;
}

/** A copy of the tree with each of the cached request's values replaced by this request's value of the same name. */
function withValues(node: unknown, valueKeys: Map<object, string>, values: Record<string, AttributeValue>): unknown {
  if (node === null || typeof node !== "object") return node;
  const name = valueKeys.get(node);
  if (name !== undefined) return values[name];
  if (Array.isArray(node)) return node.map((child) => withValues(child, valueKeys, values));
  // dynalite keeps some maps without a prototype; the copy keeps whatever the original had.
  const copy = Object.create(Object.getPrototypeOf(node)) as Record<string, unknown>;
  for (const [field, child] of Object.entries(node)) copy[field] = withValues(child, valueKeys, values);
  return copy;
}
