import { DEFAULT_LOCALE } from "./template-document.ts";

/** The locales tried in turn: "pt-BR" → "pt-BR", "pt", "en". */
export function localeChain(locale: string | undefined): string[] {
  const chain: string[] = [];
  if (locale) {
    chain.push(locale);
    const language = locale.split("-")[0]!;
    if (language !== locale) chain.push(language);
  }
  if (!chain.includes(DEFAULT_LOCALE)) chain.push(DEFAULT_LOCALE);
  return chain;
}
