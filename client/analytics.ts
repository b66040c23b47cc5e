import type { AnalyticsRow, GroupBy } from "#shared/domain/engagement-analytics.ts";

export type { AnalyticsRow };

/** What GET /v1/analytics asks: a type, a day range (YYYY-MM-DD, the last 30 days by default) and the dimensions to group by. */
export interface AnalyticsQuery {
  type: string;
  from?: string;
  to?: string;
  groupBy?: GroupBy[];
}

export interface AnalyticsAnswer {
  type: string;
  from: string;
  to: string;
  rows: AnalyticsRow[];
}

export function analyticsPath({ type, from, to, groupBy }: AnalyticsQuery): string {
  const query = new URLSearchParams({ type, ...(from ? { from } : {}), ...(to ? { to } : {}), ...(groupBy?.length ? { groupBy: groupBy.join(",") } : {}) });
  return `/v1/analytics?${query.toString()}`;
}
