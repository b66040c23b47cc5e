import { CATEGORIES, isCritical } from "#shared/domain/categories.ts";
import { CHANNELS } from "#shared/domain/channels.ts";
import { CATEGORY_LABELS, CHANNEL_LABELS, categoryOn } from "#shared/domain/preference-center-form.ts";
import { withDefaults, type Preferences } from "#shared/domain/preferences.ts";

export interface PreferenceCenterView {
  preferences: Preferences | undefined;
  /** The form posts back here, token included. */
  action: string;
  /** After a save: what it changed (empty when nothing did). */
  saved?: string[];
  /** A field the save refused, and why. */
  problem?: { field: string; message: string };
}

const escape = (value: string) => value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const checked = (on: boolean) => (on ? " checked" : "");

const STYLE = `
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
  body { max-width: 44rem; margin: 2rem auto; padding: 0 1rem; }
  fieldset { border: 1px solid #d1d5db; border-radius: 8px; margin: 0 0 1.25rem; padding: 0.75rem 1rem 1rem; }
  legend { font-weight: 600; padding: 0 0.25rem; }
  table { border-collapse: collapse; width: 100%; }
  th, td { padding: 0.35rem 0.5rem; text-align: center; }
  th[scope="row"] { text-align: left; font-weight: normal; }
  .note { color: #6b7280; font-size: 0.875rem; }
  .status { border-left: 4px solid #16a34a; padding: 0.5rem 1rem; background: #f0fdf4; color: #14532d; }
  .problem { border-left: 4px solid #dc2626; padding: 0.5rem 1rem; background: #fef2f2; color: #7f1d1d; }
  label { margin-right: 1rem; }
  button { font: inherit; padding: 0.5rem 1.25rem; border-radius: 6px; border: 0; background: #2563eb; color: white; cursor: pointer; }
`;

function statusOf(view: PreferenceCenterView): string {
  if (view.problem) return `<div class="problem" role="alert" id="status"><p>Not saved: ${escape(view.problem.message)}</p></div>`;
  if (!view.saved) return "";
  if (!view.saved.length) return `<div class="status" role="status" id="status"><p>Saved. Nothing changed.</p></div>`;
  return `<div class="status" role="status" id="status"><p>Saved. What changed:</p><ul>${view.saved.map((change) => `<li>${escape(change)}</li>`).join("")}</ul></div>`;
}

/**
 * The preference center: one plain form that works without JavaScript. Critical categories are
 * shown switched on and disabled, with the reason.
 */
export function preferenceCenterPage(view: PreferenceCenterView): string {
  const preferences = withDefaults(view.preferences);
  const channelSwitches = CHANNELS.map((channel) => {
    const suppression = preferences.channelSuppressions?.[channel];
    // Only the application lifts a suppression (it knows when the address is fixed), so the box is shown off and disabled.
    if (suppression) return `<label><input type="checkbox" disabled aria-describedby="suppressed-${channel}"> ${CHANNEL_LABELS[channel]}</label>`;
    return `<label><input type="checkbox" name="channel" value="${channel}"${checked(preferences.channels?.[channel] !== false)}> ${CHANNEL_LABELS[channel]}</label>`;
  }).join("");
  const suppressionNotes = CHANNELS.flatMap((channel) => {
    const suppression = preferences.channelSuppressions?.[channel];
    if (!suppression) return [];
    const why = suppression.reason === "hard_bounce" ? "messages to your address could not be delivered" : "a message was reported as spam";
    return [`<p class="note" id="suppressed-${channel}">${CHANNEL_LABELS[channel]} is off because ${why} (${escape(suppression.at.slice(0, 10))}). It can be switched back on once we have a working address for you.</p>`];
  }).join("");
  const categoryRows = CATEGORIES.map((category) => {
    const critical = isCritical(category);
    const cells = CHANNELS.map((channel) => {
      const label = `${CATEGORY_LABELS[category]} by ${CHANNEL_LABELS[channel]}`;
      return critical
        ? `<td><input type="checkbox" checked disabled aria-label="${label} (always on)"></td>`
        : `<td><input type="checkbox" name="category" value="${category}:${channel}" aria-label="${label}"${checked(categoryOn(preferences, category, channel))}></td>`;
    }).join("");
    const note = critical ? ` <span class="note">Always on: we must reach you about these.</span>` : "";
    return `<tr><th scope="row">${CATEGORY_LABELS[category]}${note}</th>${cells}</tr>`;
  }).join("");
  const zones = Intl.supportedValuesOf("timeZone").map((zone) => `<option value="${zone}"></option>`).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Notification settings</title><style>${STYLE}</style></head>
<body><main>
<h1>Notification settings</h1>
${statusOf(view)}
<form method="post" action="${escape(view.action)}">
<fieldset><legend>Channels</legend><p class="note">A channel switched off here is never used, whatever the topic.</p>${channelSwitches}${suppressionNotes}</fieldset>
<fieldset><legend>Topics</legend>
<table><thead><tr><th scope="col">Topic</th>${CHANNELS.map((channel) => `<th scope="col">${CHANNEL_LABELS[channel]}</th>`).join("")}</tr></thead><tbody>${categoryRows}</tbody></table>
</fieldset>
<fieldset><legend>Quiet hours</legend>
<p class="note">Nothing but critical messages between these times; what arrives then waits until they end.</p>
<label>From <input type="time" name="quietStart" value="${escape(preferences.quietHours?.start ?? "")}"></label>
<label>to <input type="time" name="quietEnd" value="${escape(preferences.quietHours?.end ?? "")}"></label>
<label>Time zone <input name="timezone" list="zones" value="${escape(preferences.timezone ?? "UTC")}" required></label>
<datalist id="zones">${zones}</datalist>
</fieldset>
<button type="submit">Save</button>
</form>
</main></body></html>`;
}

/** What a person sees when the link cannot be used: no form, and why. */
export function preferenceCenterRefusal(reason: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Notification settings</title><style>${STYLE}</style></head><body><main><h1>Notification settings</h1><div class="problem" role="alert"><p>This link ${escape(reason)}. Open the latest email we sent you and use its "Manage notification settings" link.</p></div></main></body></html>`;
}
