/** What GET /v1/analytics asks: a type, a day range (YYYY-MM-DD, the last 30 days by default) and the dimensions to group by. */
export interface AnalyticsQuery {
  type: string;
  from?: string;
  to?: string;
  groupBy?: Array<"channel" | "version" | "variant" | "day">;
}

export interface AnalyticsRow {
  type: string;
  channel?: string;
  version?: number;
  variant?: string;
  day?: string;
  accepted: number;
  sent: number;
  delivered: number;
  opened: number;
  clicked: number;
  bounced: number;
  complained: number;
  failed: number;
  suppressed: Record<string, number>;
  deliveryRate: number | null;
  openRate: number | null;
  clickRate: number | null;
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
