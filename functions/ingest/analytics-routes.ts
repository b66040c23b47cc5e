import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { z } from "zod";
import { analyticsRows, GROUP_BY } from "#shared/domain/engagement-analytics.ts";
import { RequestError } from "#shared/domain/request-error.ts";
import { templateTypeSchema } from "#shared/domain/templates/template-document.ts";
import { toRequestIssues } from "#shared/domain/zod-issues.ts";
import type { AnalyticsStore } from "#shared/adapters/stores/analytics-store.ts";
import { json } from "./http-response.ts";

export interface AnalyticsDependencies {
  analytics: Pick<AnalyticsStore, "items">;
  now: () => number;
}

const DAY_MILLIS = 86_400_000;
/** A year of days a question: a type has at most one bucket a day per channel, version and variant. */
const MAX_RANGE_DAYS = 366;
const day = z.iso.date();

const querySchema = z.object({
  type: templateTypeSchema,
  from: day.optional(),
  to: day.optional(),
  groupBy: z
    .string()
    .optional()
    .transform((text) => (text ? text.split(",") : []))
    .pipe(z.array(z.enum(GROUP_BY))),
});

/**
 * A type's engagement from its counters, never from the deliveries: rows by the asked dimensions
 * (`groupBy=channel,variant`), the last 30 days when no range is given.
 */
export async function readAnalytics(event: APIGatewayProxyEventV2, deps: AnalyticsDependencies): Promise<APIGatewayProxyStructuredResultV2> {
  const parsed = querySchema.safeParse(event.queryStringParameters ?? {});
  if (!parsed.success) throw new RequestError("invalid_request", "the analytics query is invalid", toRequestIssues(parsed.error));
  const { type, groupBy } = parsed.data;
  const to = parsed.data.to ?? new Date(deps.now()).toISOString().slice(0, 10);
  const from = parsed.data.from ?? new Date(Date.parse(to) - 29 * DAY_MILLIS).toISOString().slice(0, 10);
  if (from > to) throw new RequestError("invalid_request", `from ${from} is after to ${to}`, [{ path: "from", message: "after to" }]);
  if ((Date.parse(to) - Date.parse(from)) / DAY_MILLIS >= MAX_RANGE_DAYS) throw new RequestError("invalid_request", `ask for at most ${MAX_RANGE_DAYS} days`, [{ path: "from", message: "range too long" }]);
  return json(200, { type, from, to, rows: analyticsRows(await deps.analytics.items(type, from, to), groupBy) });
}
