import { RE2JS } from "re2js";
import type { RegExpEngine } from "ajv/dist/types/index.js";

/**
 * A JSON Schema `pattern` compiled for RE2's engine, which runs in time linear in the input: no
 * backtracking, so no pattern makes a long value slow. RE2 has no lookaround or backreferences; a
 * pattern using them fails to compile, which the template's PUT reports as a 400.
 */
class LinearRegExp {
  private readonly compiled: RE2JS;
  private readonly source: string;

  constructor(source: string) {
    this.source = source;
    try {
      this.compiled = RE2JS.compile(RE2JS.translateRegExp(source));
    } catch (error) {
      throw new Error(`pattern ${JSON.stringify(source)} cannot be matched in linear time (no lookaround or backreferences): ${(error as Error).message}`);
    }
  }

  test(input: string): boolean {
    return this.compiled.test(input);
  }

  /** ajv keys a schema's patterns by this string, so it must tell two patterns apart. */
  toString(): string {
    return `/${this.source}/`;
  }
}

export const linearRegExp: RegExpEngine = Object.assign((pattern: string) => new LinearRegExp(pattern), { code: "linearRegExp" });
