import type { AnalyticsAnswer } from "../../client/analytics.ts";

const percent = (rate: number | null) => (rate === null ? "-" : `${(rate * 100).toFixed(1)}%`);

/** One line a row: its dimensions, the funnel's counts and the rates. */
export function formatAnalytics(answer: AnalyticsAnswer): string {
  const header = `${answer.type}, ${answer.from} to ${answer.to}`;
  if (answer.rows.length === 0) return `${header}: nothing counted`;
  const columns = ["accepted", "sent", "delivered", "opened", "clicked", "bounced", "complained", "failed"] as const;
  const lines = answer.rows.map((row) => {
    const dimensions = [row.day, row.channel, row.version === undefined ? undefined : `v${row.version}`, row.variant === undefined ? undefined : row.variant || "(no variant)"].filter(Boolean).join(" ") || "all";
    const suppressed = Object.entries(row.suppressed).map(([reason, count]) => `${reason} ${count}`).join(", ");
    return `${dimensions.padEnd(28)} ${columns.map((column) => String(row[column]).padStart(11)).join("")}  ${percent(row.deliveryRate).padStart(11)}${percent(row.openRate).padStart(11)}${percent(row.clickRate).padStart(11)}${suppressed ? `  suppressed: ${suppressed}` : ""}`;
  });
  return [header, `${"".padEnd(28)} ${columns.map((column) => column.padStart(11)).join("")}  ${"delivery".padStart(11)}${"open".padStart(11)}${"click".padStart(11)}`, ...lines].join("\n");
}
