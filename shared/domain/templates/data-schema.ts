import { Ajv, type ErrorObject, type Options, type ValidateFunction } from "ajv";
import { Ajv2019 } from "ajv/dist/2019.js";
import { Ajv2020 } from "ajv/dist/2020.js";
import formats from "ajv-formats";
import { RequestError, type RequestIssue } from "#shared/domain/request-error.ts";
import { linearRegExp } from "./linear-regexp.ts";

/**
 * A template's data is described by JSON Schema and checked at publish, so a worker never meets a
 * missing field. The dialect is the schema's `$schema` (draft-07 when it names none, as before
 * dialects were read). Strict mode refuses keywords ajv does not know rather than ignoring a typo;
 * formats such as uri, email and date-time are checked.
 */
const DIALECTS = {
  "http://json-schema.org/draft-07/schema": Ajv,
  "https://json-schema.org/draft/2019-09/schema": Ajv2019,
  "https://json-schema.org/draft/2020-12/schema": Ajv2020,
} as const;
type Dialect = keyof typeof DIALECTS;
const DEFAULT_DIALECT: Dialect = "http://json-schema.org/draft-07/schema";

const OPTIONS: Options = {
  allErrors: true,
  strict: true,
  // `pattern` and `patternProperties` run over data from the application's users: a linear engine
  // means `^(a+)+$` cannot hold ingest for seconds per added character.
  code: { regExp: linearRegExp },
  // Each schema is compiled on its own instance (below), so an `$id` is only ever the schema's own.
  addUsedSchema: false,
};

// ajv-formats is CommonJS: under Node's ESM loader its default export is the module object.
const addFormats = ((formats as unknown as { default?: typeof formats }).default ?? formats) as unknown as (instance: Ajv) => void;

export type DataSchema = Record<string, unknown>;

/** Validators by template type and version: a stored version never changes, so neither does its validator. */
const validators = new Map<string, ValidateFunction>();

function dialectOf(schema: DataSchema): Dialect | undefined {
  const named = schema.$schema;
  if (named === undefined) return DEFAULT_DIALECT;
  if (typeof named !== "string") return undefined;
  const dialect = named.replace(/#$/, "");
  return dialect in DIALECTS ? (dialect as Dialect) : undefined;
}

/**
 * A fresh ajv for one schema: ajv keeps every schema it compiled (and refuses a second `$id`), so a
 * shared instance let one template's schema break another's and grew with every PUT.
 */
function compile(schema: DataSchema, dialect: Dialect): ValidateFunction {
  const ajv = new DIALECTS[dialect](OPTIONS);
  addFormats(ajv as Ajv);
  return ajv.compile(schema);
}

/** What is wrong with a template's data schema, under `path`; empty when it is a valid JSON Schema of an object. */
export function dataSchemaProblems(schema: DataSchema, path = "dataSchema"): RequestIssue[] {
  const dialect = dialectOf(schema);
  if (!dialect) return [{ path: `${path}.$schema`, message: `must be one of ${Object.keys(DIALECTS).join(", ")} (or left out for draft-07)` }];
  if (schema.type !== "object") return [{ path: `${path}.type`, message: 'must be "object": a template\'s data is an object of named fields' }];
  let validator: ValidateFunction;
  try {
    const ajv = new DIALECTS[dialect](OPTIONS);
    if (!ajv.validateSchema(schema)) return issuesOf(ajv.errors ?? [], path);
    validator = compile(schema, dialect);
  } catch (error) {
    return [{ path, message: (error as Error).message }];
  }
  const examples = schema.examples;
  if (examples !== undefined && !(Array.isArray(examples) && examples.length > 0)) return [{ path: `${path}.examples`, message: "must list at least one example of the data" }];
  for (const [index, example] of ((examples as unknown[] | undefined) ?? []).entries()) {
    if (!validator(example)) return issuesOf(validator.errors ?? [], `${path}.examples.${index}`);
  }
  return [];
}

/** The fields a data schema declares at its top level. */
export function declaredFields(schema: DataSchema): string[] {
  return Object.keys((schema.properties as Record<string, unknown> | undefined) ?? {});
}

/** Problems with `data` against the schema of template `cacheKey` ("type@version"), as issues under `data`. */
export function dataIssues(cacheKey: string, schema: DataSchema, data: unknown): RequestIssue[] {
  let validator = validators.get(cacheKey);
  if (!validator) {
    try {
      validator = compile(schema, dialectOf(schema) ?? DEFAULT_DIALECT);
    } catch (error) {
      // A version stored before its schema's checks tightened (a lookahead, before patterns ran on RE2): the author must store a new one.
      throw new RequestError("invalid_template", `the data schema of ${cacheKey} cannot be compiled; store a new version`, [{ path: "dataSchema", message: (error as Error).message }]);
    }
    validators.set(cacheKey, validator);
  }
  return validator(data) ? [] : issuesOf(validator.errors ?? [], "data");
}

/** ajv's errors as issues whose path names the field ("data.trackingUrl"), the missing or extra one included. */
function issuesOf(errors: ErrorObject[], prefix: string): RequestIssue[] {
  return errors.map((error) => {
    const segments = error.instancePath.split("/").slice(1).map((segment) => segment.replace(/~1/g, "/").replace(/~0/g, "~"));
    const named = (error.params as { missingProperty?: string; additionalProperty?: string }).missingProperty ?? (error.params as { additionalProperty?: string }).additionalProperty;
    return { path: [prefix, ...segments, ...(named === undefined ? [] : [named])].join("."), message: error.message ?? error.keyword };
  });
}
