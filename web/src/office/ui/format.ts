/** Dates, numbers and money in the current language, through Intl (one place: web/src/i18n/index.ts). */
export { currentLocale, formatDate, formatDateTime, formatMoney, formatNumber } from "../../i18n/index.ts";

export { parseDecimal } from "../../i18n/parseDecimal.ts";
