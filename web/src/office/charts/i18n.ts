/** Strings of the shared chart component (namespace "charts"). */
import { registerNamespace, type Translations } from "../../i18n/index.ts";

export const fr = {
  showTable: "Afficher les données en tableau",
  date: "Date",
  month: "Mois",
  noData: "Aucune donnée sur cette période.",
  drawFailed: "Le graphique n’a pas pu être dessiné ; les données sont dans le tableau.",
};

export const en: Translations<typeof fr> = {
  showTable: "Show the data as a table",
  date: "Date",
  month: "Month",
  noData: "No data for this period.",
  drawFailed: "The chart could not be drawn; the data is in the table.",
};

registerNamespace("charts", { fr, en });
