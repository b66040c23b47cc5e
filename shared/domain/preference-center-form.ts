import { CATEGORIES, isCritical, type Category } from "./categories.ts";
import { CHANNELS, type Channel } from "./channels.ts";
import { withDefaults, type Preferences } from "./preferences.ts";

/** The categories a person may switch; critical ones are always delivered. */
export const SWITCHABLE_CATEGORIES = CATEGORIES.filter((category) => !isCritical(category));

export const CHANNEL_LABELS: Record<Channel, string> = { email: "Email", sms: "SMS", push: "Push", in_app: "In-app" };
export const CATEGORY_LABELS: Record<Category, string> = { transactional: "Account and orders", security: "Security", marketing: "News and offers" };

/** Whether the preferences let a category through on a channel, as the page shows it. */
export function categoryOn(preferences: Preferences, category: Category, channel: Channel): boolean {
  if (isCritical(category)) return true;
  if (category === "marketing" && preferences.unsubscribed === true) return false;
  const switches = preferences.categories?.[category];
  if (switches === false) return false;
  return switches?.[channel] !== false;
}

export class PreferenceCenterFormError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.name = "PreferenceCenterFormError";
    this.field = field;
  }
}

/**
 * The preferences a submitted form asks for, over what is stored. A checkbox left unchecked is not
 * submitted, so every switch the form shows is set from the form: channels from `channel`, each
 * switchable category's channels from `category` (`marketing:email`). Critical categories, custom
 * categories and everything the form does not show (addresses) stay as stored.
 */
export function preferencesFromForm(form: URLSearchParams, stored: Preferences): Preferences {
  const checkedChannels = new Set(form.getAll("channel"));
  const checkedCategories = new Set(form.getAll("category"));
  const channels = Object.fromEntries(CHANNELS.map((channel) => [channel, checkedChannels.has(channel)])) as Record<Channel, boolean>;

  const categories: NonNullable<Preferences["categories"]> = { ...stored.categories };
  for (const category of SWITCHABLE_CATEGORIES) {
    const switches = Object.fromEntries(CHANNELS.map((channel) => [channel, checkedCategories.has(`${category}:${channel}`)])) as Record<Channel, boolean>;
    const on = Object.values(switches).filter(Boolean).length;
    if (on === CHANNELS.length) delete categories[category];
    else if (on === 0) categories[category] = false;
    else categories[category] = switches;
  }

  const start = form.get("quietStart")?.trim() ?? "";
  const end = form.get("quietEnd")?.trim() ?? "";
  if (Boolean(start) !== Boolean(end)) throw new PreferenceCenterFormError(start ? "quietEnd" : "quietStart", "Set both the start and the end of quiet hours, or neither.");

  const next: Preferences = { ...stored, channels, categories };
  if (!Object.keys(categories).length) delete next.categories;
  if (start && end) next.quietHours = { start, end };
  else delete next.quietHours;
  const timezone = form.get("timezone")?.trim();
  if (timezone) next.timezone = timezone;
  // Switching any news channel back on undoes the one-click unsubscribe from news.
  if (SWITCHABLE_CATEGORIES.includes("marketing") && CHANNELS.some((channel) => checkedCategories.has(`marketing:${channel}`))) delete next.unsubscribed;
  return next;
}

/** What a save changed, in words for the person who made it. */
export function describeChanges(before: Preferences | undefined, after: Preferences): string[] {
  const was = withDefaults(before);
  const now = withDefaults(after);
  const changes: string[] = [];
  for (const channel of CHANNELS) {
    if (was.channels?.[channel] !== now.channels?.[channel]) changes.push(`${CHANNEL_LABELS[channel]}: ${now.channels?.[channel] ? "on" : "off"}`);
  }
  for (const category of SWITCHABLE_CATEGORIES) {
    for (const channel of CHANNELS) {
      const on = categoryOn(now, category, channel);
      if (categoryOn(was, category, channel) !== on) changes.push(`${CATEGORY_LABELS[category]} by ${CHANNEL_LABELS[channel]}: ${on ? "on" : "off"}`);
    }
  }
  const quiet = (preferences: Preferences) => (preferences.quietHours ? `${preferences.quietHours.start} to ${preferences.quietHours.end}` : "none");
  if (quiet(was) !== quiet(now)) changes.push(`Quiet hours: ${quiet(now)}`);
  if (was.timezone !== now.timezone) changes.push(`Time zone: ${now.timezone}`);
  return changes;
}
