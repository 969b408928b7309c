/**
 * Every string the app shows goes through i18next (react-i18next's useTranslation).
 * French is the default; English is available from the header. The choice is
 * kept on the device (localStorage), so it holds offline and across reloads.
 * Dates, numbers and money are formatted with Intl in the chosen language.
 */
import i18next from "i18next";
import { initReactI18next } from "react-i18next";
import { en } from "./en.ts";
import { fr } from "./fr.ts";

export type Widen<T> = { [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };
export type Messages = Widen<typeof fr>;
/** An area's English strings: the same keys as its French ones. */
export type Translations<T> = Widen<T>;

export const LANGUAGES = [
  { code: "fr", label: "Français", locale: "fr-FR" },
  { code: "en", label: "English", locale: "en-GB" },
] as const;
export type Language = (typeof LANGUAGES)[number]["code"];

const STORAGE_KEY = "terrain.language";
export const DEFAULT_LANGUAGE: Language = "fr";

function storedLanguage(): Language {
  try {
    const value = globalThis.localStorage?.getItem(STORAGE_KEY);
    return LANGUAGES.some((l) => l.code === value) ? (value as Language) : DEFAULT_LANGUAGE;
  } catch {
    return DEFAULT_LANGUAGE;
  }
}

export const i18n = i18next.createInstance();
void i18n.use(initReactI18next).init({
  resources: { fr: { translation: fr }, en: { translation: en } },
  lng: storedLanguage(),
  fallbackLng: DEFAULT_LANGUAGE,
  // React escapes what it renders; escaping here too would show "&amp;" in names.
  interpolation: { escapeValue: false },
  returnNull: false,
  initAsync: false,
});
setDocumentLanguage(i18n.language);
i18n.on("languageChanged", setDocumentLanguage);

/**
 * The back office and the portal keep each area's strings in its own namespace
 * (web/src/office/<area>/i18n.ts), registered when the area's code loads, so the
 * technician's first download carries none of them.
 */
export function registerNamespace<T extends object>(namespace: string, messages: { fr: T; en: Widen<T> }): void {
  if (i18n.hasResourceBundle("fr", namespace)) return;
  i18n.addResourceBundle("fr", namespace, messages.fr);
  i18n.addResourceBundle("en", namespace, messages.en);
}

function setDocumentLanguage(language: string) {
  if (typeof document !== "undefined") document.documentElement.lang = language;
}

export async function changeLanguage(language: Language) {
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, language);
  } catch {
    // Private mode without storage: the choice lasts for this page only.
  }
  await i18n.changeLanguage(language);
}

/** The Intl locale of the current language (fr → fr-FR). */
export function currentLocale(): string {
  return LANGUAGES.find((l) => l.code === i18n.language)?.locale ?? "fr-FR";
}

export function formatDate(value: string | Date, locale = currentLocale()): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium" }).format(toDate(value));
}

export function formatDateTime(value: string | Date, locale = currentLocale()): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(toDate(value));
}

export function formatNumber(value: number, locale = currentLocale()): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(value);
}

export function formatMoney(cents: number, currency = "EUR", locale = currentLocale()): string {
  return new Intl.NumberFormat(locale, { style: "currency", currency }).format(cents / 100);
}

/** A date-only value ("2026-12-03") is a calendar day, not midnight UTC: read it as local. */
function toDate(value: string | Date): Date {
  if (value instanceof Date) return value;
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  return day ? new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3])) : new Date(value);
}
