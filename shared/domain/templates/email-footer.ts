export const PREFERENCE_CENTER_LINK_TEXT = "Manage notification settings";

interface EmailContent {
  subject: string;
  html: string;
  text: string;
}

const escapeAttribute = (value: string) => value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

/**
 * Every email ends with a link to the recipient's preference center, whatever its template says,
 * so nobody has to remember to add it and no stored template has to change.
 */
export function withPreferenceCenterLink<T extends EmailContent>(content: T, url: string): T {
  const link = `<p style="font-size:12px;color:#6b7280;margin-top:24px"><a href="${escapeAttribute(url)}">${PREFERENCE_CENTER_LINK_TEXT}</a></p>`;
  const closingBody = content.html.search(/<\/body>/i);
  const html = closingBody === -1 ? `${content.html}${link}` : `${content.html.slice(0, closingBody)}${link}${content.html.slice(closingBody)}`;
  return { ...content, html, text: `${content.text}\n\n--\n${PREFERENCE_CENTER_LINK_TEXT}: ${url}` };
}
