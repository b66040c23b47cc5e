import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { z } from "zod";
import { audienceDetailsSchema, audienceIdSchema, memberChangeSchema } from "#shared/domain/audience.ts";
import { RequestError } from "#shared/domain/request-error.ts";
import { decodeMembersCursor, type AudienceStore } from "#shared/adapters/stores/audience-store.ts";
import { toRequestIssues } from "#shared/domain/zod-issues.ts";
import { json } from "./http-response.ts";
import { jsonBody } from "./request-body.ts";

export interface AudienceDependencies {
  audiences: AudienceStore;
  now: () => number;
}

type AudienceRoute = (event: APIGatewayProxyEventV2, deps: AudienceDependencies) => Promise<APIGatewayProxyStructuredResultV2>;

const membersPageSchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(1024).optional(),
});

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string, path: string[] = []): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new RequestError("invalid_request", `${what} is invalid`, toRequestIssues(parsed.error, path));
  return parsed.data;
}

const audienceIdOf = (event: APIGatewayProxyEventV2): string => parse(audienceIdSchema, event.pathParameters?.audienceId, "path parameter audienceId", ["audienceId"]);

/** Creates the audience, or renames it; its members stay. */
export const putAudience: AudienceRoute = async (event, deps) => {
  const audienceId = audienceIdOf(event);
  const details = parse(audienceDetailsSchema, jsonBody(event), "the audience");
  return json(200, await deps.audiences.put(audienceId, details, new Date(deps.now()).toISOString()));
};

export const getAudience: AudienceRoute = async (event, deps) => {
  const audienceId = audienceIdOf(event);
  const audience = await deps.audiences.get(audienceId);
  if (!audience) throw new RequestError("not_found", `no audience ${audienceId}`);
  return json(200, audience);
};

/** Adding a member twice or removing an absent one is not an error: it changes nothing. */
export const changeMembers: AudienceRoute = async (event, deps) => {
  const audienceId = audienceIdOf(event);
  const change = parse(memberChangeSchema, jsonBody(event), "the member change");
  if (!(await deps.audiences.get(audienceId))) throw new RequestError("not_found", `no audience ${audienceId}; create it with PUT /v1/audiences/${audienceId}`);
  return json(200, await deps.audiences.changeMembers(audienceId, change.add ?? [], change.remove ?? []));
};

/** Members `limit` at a time, in no meaningful order; pass `nextCursor` back as `cursor` for more. */
export const listMembers: AudienceRoute = async (event, deps) => {
  const audienceId = audienceIdOf(event);
  const { limit, cursor } = parse(membersPageSchema, event.queryStringParameters ?? {}, "the query");
  const position = cursor === undefined ? undefined : decodeMembersCursor(cursor);
  if (cursor !== undefined && !position) throw new RequestError("invalid_request", "cursor is not one this API returned", [{ path: "cursor", message: "not a members cursor" }]);
  if (!(await deps.audiences.get(audienceId))) throw new RequestError("not_found", `no audience ${audienceId}`);
  return json(200, await deps.audiences.listMembers(audienceId, limit, position));
};
