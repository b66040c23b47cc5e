export interface QuietHours {
  start: string;
  end: string;
}

const MINUTE = 60_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function minuteOfDay(instant: number, timeZone: string): number {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    formatters.set(timeZone, formatter);
  }
  const parts = formatter.formatToParts(instant);
  const value = (type: string) => Number(parts.find((part) => part.type === type)!.value);
  return value("hour") * 60 + value("minute");
}

function toMinutes(clock: string): number {
  const [hours, minutes] = clock.split(":").map(Number) as [number, number];
  return hours * 60 + minutes;
}

/** Whether the local wall-clock minute falls in [start, end), the window wrapping past midnight when end < start. */
function insideWindow(minute: number, window: QuietHours): boolean {
  const start = toMinutes(window.start);
  const end = toMinutes(window.end);
  if (start === end) return false;
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/**
 * When the user's quiet hours end, if `now` is inside them; undefined otherwise. Walks forward a
 * minute at a time in the user's zone, so a window crossing midnight or a DST change (a skipped or
 * repeated hour) ends at the first real instant the local clock shows a time outside it.
 */
export function quietHoursEnd(now: number, timeZone: string, window: QuietHours): number | undefined {
  if (!insideWindow(minuteOfDay(now, timeZone), window)) return undefined;
  // A window is at most 24 h; 25 h of minutes covers a day that DST lengthens.
  let instant = Math.floor(now / MINUTE) * MINUTE + MINUTE;
  for (let step = 0; step < 25 * 60; step++, instant += MINUTE) {
    if (!insideWindow(minuteOfDay(instant, timeZone), window)) return instant;
  }
  return undefined;
}
