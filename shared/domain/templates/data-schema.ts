import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import formats from "ajv-formats";
import type { RequestIssue } from "#shared/domain/request-error.ts";

/**
 * A template's data is described by JSON Schema (draft 2020-12's common subset, as ajv's default
 * draft-07 reads it) and checked at publish, so a worker never meets a missing field. Strict mode
 * refuses keywords ajv does not know rather than ignoring a typo; formats such as uri, email and
 * date-time are checked.
 */
const ajv = new Ajv({ allErrors: true, strict: true });
// ajv-formats is CommonJS: under Node's ESM loader its default export is the module object.
const addFormats = ((formats as unknown as { default?: typeof formats }).default ?? formats) as unknown as (instance: Ajv) => void;
addFormats(ajv);

export type DataSchema = Record<string, unknown>;

/** Validators by template type and version: a stored version never changes, so neither does its validator. */
const validators = new Map<string, ValidateFunction>();

/** What is wrong with a template's data schema, under `path`; empty when it is a valid JSON Schema of an object. */
export function dataSchemaProblems(schema: DataSchema, path = "dataSchema"): RequestIssue[] {
  if (!ajv.validateSchema(schema)) return issuesOf(ajv.errors ?? [], path);
  if (schema.type !== "object") return [{ path: `${path}.type`, message: 'must be "object": a template\'s data is an object of named fields' }];
  try {
    ajv.compile(schema);
  } catch (error) {
    return [{ path, message: (error as Error).message }];
  }
  const examples = schema.examples;
  if (examples !== undefined && !(Array.isArray(examples) && examples.length > 0)) return [{ path: `${path}.examples`, message: "must list at least one example of the data" }];
  const invalidExample = (examples as unknown[] | undefined)?.findIndex((example) => validate(schema, example).length > 0) ?? -1;
  if (invalidExample >= 0) return validate(schema, examples![invalidExample]).map((issue) => ({ ...issue, path: issue.path.replace(/^data/, `${path}.examples.${invalidExample}`) }));
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
    validator = ajv.compile(schema);
    validators.set(cacheKey, validator);
  }
  return validator(data) ? [] : issuesOf(validator.errors ?? [], "data");
}

function validate(schema: DataSchema, data: unknown): RequestIssue[] {
  const validator = ajv.compile(schema);
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
