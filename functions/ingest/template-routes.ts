import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { z } from "zod";
import { RequestError } from "#shared/domain/request-error.ts";
import { CHANNELS } from "#shared/domain/channels.ts";
import { dataIssues } from "#shared/domain/templates/data-schema.ts";
import { previewTemplate as renderPreview } from "#shared/domain/templates/preview.ts";
import { RenderError } from "#shared/domain/templates/render.ts";
import { templateProblems } from "#shared/domain/templates/template-problems.ts";
import { templateTypeSchema, type TemplateDocument } from "#shared/domain/templates/template-document.ts";
import type { TemplateStore } from "#shared/adapters/stores/template-store.ts";
import { toRequestIssues } from "#shared/domain/zod-issues.ts";
import { json } from "./http-response.ts";
import { jsonBody } from "./request-body.ts";

export interface TemplateDependencies {
  templates: TemplateStore;
  now: () => number;
}

type TemplateRoute = (event: APIGatewayProxyEventV2, deps: TemplateDependencies) => Promise<APIGatewayProxyStructuredResultV2>;

const versionSchema = z.coerce.number().int().min(1).max(1_000_000);

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string, path: string[]): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new RequestError("invalid_request", `${what} is invalid`, toRequestIssues(parsed.error, path));
  return parsed.data;
}

const typeOf = (event: APIGatewayProxyEventV2): string => parse(templateTypeSchema, event.pathParameters?.type, "path parameter type", ["type"]);

export const listTemplates: TemplateRoute = async (_event, deps) => json(200, { items: await deps.templates.list() });

/** The definition of the active version, or of `?version=n`. */
export const getTemplate: TemplateRoute = async (event, deps) => {
  const type = typeOf(event);
  const asked = event.queryStringParameters?.version;
  const template = asked === undefined ? await deps.templates.active(type) : await deps.templates.version(type, parse(versionSchema, asked, "query parameter version", ["version"]));
  if (!template) throw new RequestError("not_found", asked === undefined ? `no template ${type}` : `template ${type} has no version ${asked}`);
  return json(200, { ...template, active: (await deps.templates.activeVersion(type)) === template.version });
};

/** A new version, checked in full before it is stored: a refused definition changes nothing. */
export const putTemplate: TemplateRoute = async (event, deps) => {
  const type = typeOf(event);
  const definition = jsonBody(event);
  const problems = templateProblems(type, definition);
  if (problems.length > 0) throw new RequestError("invalid_template", `the definition of ${type} has ${problems.length} problem${problems.length === 1 ? "" : "s"}`, problems);
  const stored = await deps.templates.put(type, definition as TemplateDocument, new Date(deps.now()).toISOString());
  return json(201, { type, ...stored });
};

/** Rolls back or forward to a version that exists. */
export const activateTemplate: TemplateRoute = async (event, deps) => {
  const type = typeOf(event);
  const { version } = parse(z.strictObject({ version: versionSchema }), jsonBody(event), "the activation", []);
  if (!(await deps.templates.activate(type, version, new Date(deps.now()).toISOString()))) throw new RequestError("not_found", `template ${type} has no version ${version}`);
  return json(200, { type, activeVersion: version });
};

const previewSchema = z.strictObject({
  data: z.record(z.string(), z.unknown()).default({}),
  locale: z.string().max(35).optional(),
  version: versionSchema.optional(),
  variant: z.string().max(32).optional(),
  channels: z.array(z.enum(CHANNELS)).min(1).optional(),
});

/** What each channel would show, from the active version or `version`; data that would be refused at publish is refused here. */
export const previewTemplate: TemplateRoute = async (event, deps) => {
  const type = typeOf(event);
  const request = parse(previewSchema, jsonBody(event), "the preview request", []);
  const template = request.version === undefined ? await deps.templates.active(type) : await deps.templates.version(type, request.version);
  if (!template) throw new RequestError("not_found", request.version === undefined ? `no template ${type}` : `template ${type} has no version ${request.version}`);
  const problems = dataIssues(`${template.type}@${template.version}`, template.dataSchema, request.data);
  if (problems.length > 0) throw new RequestError("invalid_request", `data does not fit template ${type} version ${template.version}`, problems);
  try {
    return json(200, { type, version: template.version, ...renderPreview(template, request) });
  } catch (error) {
    if (!(error instanceof RenderError)) throw error;
    throw new RequestError("invalid_template", `version ${template.version} of ${type} cannot be rendered with this data`, [{ path: `locales.${error.part}`, message: error.message }]);
  }
};

