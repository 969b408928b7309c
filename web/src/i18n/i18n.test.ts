import { describe, expect, it } from "vitest";
import { en } from "./en.ts";
import { fr } from "./fr.ts";
import { changeLanguage, DEFAULT_LANGUAGE, formatDate, formatMoney, formatNumber, i18n } from "./index.ts";

function keys(value: object, prefix = ""): string[] {
  return Object.entries(value).flatMap(([k, v]) => (typeof v === "string" ? [`${prefix}${k}`] : keys(v as object, `${prefix}${k}.`)));
}

describe("i18n", () => {
  it("starts in French, and English has exactly the same keys", () => {
    expect(DEFAULT_LANGUAGE).toBe("fr");
    expect(keys(en).sort()).toEqual(keys(fr).sort());
  });

  it("counts pending actions in each language, including none", async () => {
    await changeLanguage("fr");
    expect(i18n.t("banner.offline", { count: 0 })).toBe("Hors ligne. Vos actions seront envoyées au retour du réseau.");
    expect(i18n.t("banner.offline", { count: 1 })).toBe("Hors ligne · 1 action en attente");
    expect(i18n.t("banner.offline", { count: 7 })).toBe("Hors ligne · 7 actions en attente");
    expect(document.documentElement.lang).toBe("fr");
    await changeLanguage("en");
    expect(i18n.t("banner.offline", { count: 7 })).toBe("Offline · 7 pending actions");
    expect(document.documentElement.lang).toBe("en");
    expect(localStorage.getItem("terrain.language")).toBe("en");
  });

  it("formats dates, numbers and money in the user's locale", () => {
    expect(formatNumber(2.5, "fr-FR")).toBe("2,5");
    expect(formatNumber(2.5, "en-GB")).toBe("2.5");
    // fr-FR groups with a narrow no-break space and puts the euro sign after.
    expect(formatMoney(123456, "EUR", "fr-FR")).toBe("1\u202f234,56\u00a0€");
    expect(formatMoney(123456, "EUR", "en-GB")).toBe("€1,234.56");
    // A calendar day stays that day whatever the time zone.
    expect(formatDate("2026-12-03", "fr-FR")).toBe("3 déc. 2026");
    expect(formatDate("2026-12-03", "en-GB")).toBe("3 Dec 2026");
  });
});
