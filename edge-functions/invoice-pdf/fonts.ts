/**
 * The font every invoice PDF is set in: DejaVu Sans, TrueType files of the npm
 * package `dejavu-fonts-ttf`, embedded (subset) in each PDF.
 *
 * Why not react-pdf's built-in Helvetica: it has no glyph for U+202F, the
 * narrow no-break space `Intl.NumberFormat("fr-FR")` puts between thousands
 * ("1 234,56 €" prints as "1/234,56 €"). DejaVu Sans has it, and the euro sign.
 *
 * The bytes come in as module imports (`with { type: "bytes" }`, Deno's raw
 * imports: deno.json "unstable": ["raw-imports"]), so they are cached with the
 * other npm packages at install time and need no file-read permission.
 */
import regular from "dejavu-fonts-ttf/ttf/DejaVuSans.ttf" with { type: "bytes" };
import bold from "dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf" with { type: "bytes" };

export const FONT_FAMILY = "DejaVu Sans";

export const fontFiles = { regular, bold } as const;

/** The code points the invoice's text needs beyond ASCII: checked by the tests. */
export const REQUIRED_CODE_POINTS = [
  0x202f, // narrow no-break space (thousands separator of fr-FR)
  0x00a0, // no-break space (before the currency sign)
  0x20ac, // €
  0x00e9, // é
  0x0153, // œ
] as const;
