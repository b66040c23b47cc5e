import type { CfnTemplate } from "./cloudformation-template.ts";

export interface ResolveContext {
  template: CfnTemplate;
  pseudo: Record<string, string>;
  /** What Ref returns for a deployed resource. */
  ref(logicalId: string): string;
  getAtt(logicalId: string, attribute: string): string;
}

/** Marks a property CloudFormation would drop (Ref AWS::NoValue). */
const NO_VALUE = Symbol("AWS::NoValue");

function resolveRef(name: string, context: ResolveContext): unknown {
  if (name === "AWS::NoValue") return NO_VALUE;
  if (name in context.pseudo) return context.pseudo[name];
  const parameter = context.template.Parameters?.[name];
  if (parameter) return parameter.Default;
  return context.ref(name);
}

function substitute(text: string, variables: Record<string, unknown>, context: ResolveContext): string {
  return text.replace(/\$\{(!?)([^}]+)\}/g, (_whole, literal: string, name: string) => {
    if (literal) return `\${${name}}`;
    if (name in variables) return String(variables[name]);
    const dot = name.indexOf(".");
    if (dot > 0 && !name.startsWith("AWS::")) return context.getAtt(name.slice(0, dot), name.slice(dot + 1));
    return String(resolveRef(name, context));
  });
}

/**
 * Evaluates the intrinsic functions CDK emits (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select,
 * Fn::Split) against resources deployed on the emulators. Anything else is refused by name, so a new
 * construct that needs more fails loudly instead of deploying something half-resolved.
 */
export function resolve(value: unknown, context: ResolveContext): unknown {
  if (Array.isArray(value)) return value.map((item) => resolve(item, context)).filter((item) => item !== NO_VALUE);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value);
  if (entries.length === 1) {
    const [key, argument] = entries[0]!;
    switch (key) {
      case "Ref":
        return resolveRef(argument as string, context);
      case "Fn::GetAtt": {
        const [logicalId, attribute] = Array.isArray(argument) ? (argument as string[]) : (argument as string).split(/\.(.*)/s);
        return context.getAtt(logicalId!, resolve(attribute, context) as string);
      }
      case "Fn::Join": {
        const [separator, parts] = argument as [string, unknown[]];
        return (resolve(parts, context) as unknown[]).join(separator);
      }
      case "Fn::Sub": {
        const [text, variables] = typeof argument === "string" ? [argument, {}] : (argument as [string, Record<string, unknown>]);
        return substitute(text, resolve(variables, context) as Record<string, unknown>, context);
      }
      case "Fn::Select": {
        const [index, list] = argument as [unknown, unknown];
        return (resolve(list, context) as unknown[])[Number(resolve(index, context))];
      }
      case "Fn::Split": {
        const [separator, text] = argument as [string, unknown];
        return String(resolve(text, context)).split(separator);
      }
      default:
        if (key.startsWith("Fn::")) throw new Error(`the local cloud does not evaluate ${key}`);
    }
  }
  const resolved: Record<string, unknown> = {};
  for (const [key, item] of entries) {
    const result = resolve(item, context);
    if (result !== NO_VALUE) resolved[key] = result;
  }
  return resolved;
}

/** Logical ids a value refers to, which must be deployed before it. */
export function referencedResources(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) referencedResources(item, into);
  } else if (value && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      if (key === "Ref" && typeof item === "string" && !item.startsWith("AWS::")) into.add(item);
      else if (key === "Fn::GetAtt") into.add(Array.isArray(item) ? (item[0] as string) : (item as string).split(".")[0]!);
      else if (key === "Fn::Sub") {
        const text = typeof item === "string" ? item : (item as [string])[0];
        for (const match of text.matchAll(/\$\{([^!}][^}.]*)(?:\.[^}]*)?\}/g)) if (!match[1]!.startsWith("AWS::")) into.add(match[1]!);
        if (Array.isArray(item)) referencedResources(item[1], into);
      } else referencedResources(item, into);
    }
  }
  return into;
}
