import { localeChain } from "./locale-chain.ts";

/** The link's words in the reader's language, as far as we have them; English otherwise. */
const LINK_TEXT: Record<string, string> = {
  en: "Manage notification settings",
  "pt-BR": "Gerenciar configurações de notificação",
  pt: "Gerir definições de notificação",
  es: "Gestionar la configuración de notificaciones",
  fr: "Gérer les paramètres de notification",
  de: "Benachrichtigungseinstellungen verwalten",
};

export function preferenceCenterLinkText(locale: string | undefined): string {
  return LINK_TEXT[localeChain(locale).find((candidate) => LINK_TEXT[candidate]) ?? "en"]!;
}

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
export function withPreferenceCenterLink<T extends EmailContent>(content: T, url: string, locale: string | undefined): T {
  const text = preferenceCenterLinkText(locale);
  const link = `<p style="font-size:12px;color:#6b7280;margin-top:24px"><a href="${escapeAttribute(url)}">${text}</a></p>`;
  const closingBody = content.html.search(/<\/body>/i);
  const html = closingBody === -1 ? `${content.html}${link}` : `${content.html.slice(0, closingBody)}${link}${content.html.slice(closingBody)}`;
  return { ...content, html, text: `${content.text}\n\n--\n${text}: ${url}` };
}
