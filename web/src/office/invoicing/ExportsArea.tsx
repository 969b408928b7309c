/**
 * /office/exports: the FEC of a fiscal year through the `fec` function (the
 * file is built by SQL, named <SIREN>FEC<AAAAMMJJ>.txt, with the invoice log
 * head to keep beside it), and the CSV journals (export_journal_csv).
 */
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Page } from "../../components/Page.tsx";
import type { AreaProps } from "../areas.ts";
import { useOffice } from "../context.tsx";
import { DownloadFeedback, NotFound, unwrap, useDownload } from "../ui/index.ts";
import "./i18n.ts";
import "./invoicing.css";
import { callFunction, fileNameOf, todayIso } from "./shared.tsx";

const JOURNALS = ["VT", "AV", "BQ"] as const;

export default function ExportsArea({ path }: AreaProps) {
  if (path !== "" && path !== "/") return <NotFound />;
  return <Exports />;
}

function Exports() {
  const { t } = useTranslation("invoicing");
  const { supabase, org } = useOffice();
  const thisYear = Number(todayIso().slice(0, 4));
  const years = Array.from({ length: 6 }, (_, i) => thisYear - i);
  const [year, setYear] = useState(String(thisYear));
  const [journal, setJournal] = useState<(typeof JOURNALS)[number]>("VT");
  const [from, setFrom] = useState(`${thisYear}-01-01`);
  const [to, setTo] = useState(todayIso());
  const fec = useDownload();
  const csv = useDownload();

  function downloadFec(event: FormEvent) {
    event.preventDefault();
    void fec.run(async () => {
      const yearEnd = `${year}-12-31`;
      const { data, response } = await callFunction<string>(supabase, "fec", { org_id: org.id, year_end: yearEnd });
      const name = fileNameOf(response, `FEC${year}1231.txt`);
      fec.offer(new Blob([data], { type: "text/plain;charset=utf-8" }), name);
      const lines = data.split(/\r?\n/).filter((line) => line !== "").length;
      return t("exports.fecReady", { name, lines, head: response.headers.get("x-invoice-log-head") ?? "—" });
    });
  }

  function downloadCsv(event: FormEvent) {
    event.preventDefault();
    void csv.run(async () => {
      // A read (stable function): GET, so it does not count as a write.
      const text = unwrap(await supabase.rpc("export_journal_csv", { p_org_id: org.id, p_journal: journal, p_from: from, p_to: to }, { get: true })) as string;
      const name = `journal-${journal}-${from}-${to}.csv`;
      csv.offer(new Blob([text], { type: "text/csv;charset=utf-8" }), name);
      return t("exports.csvReady", { name });
    });
  }

  return (
    <Page title={t("exports.title")}>
      <form className="card" onSubmit={downloadFec} aria-labelledby="fec-title">
        <h2 id="fec-title">{t("exports.fecTitle")}</h2>
        <p>{t("exports.fecHelp")}</p>
        <div className="row">
          <div className="field">
            <label htmlFor="fec-year">{t("exports.year")}</label>
            <select id="fec-year" value={year} onChange={(e) => setYear(e.target.value)}>
              {years.map((y) => (
                <option key={y} value={String(y)}>
                  {y}
                </option>
              ))}
            </select>
          </div>
        </div>
        <button type="submit" className="button primary inline" disabled={fec.busy}>
          {t("exports.downloadFec")}
        </button>
        <DownloadFeedback download={fec} label={(name) => t("exports.save", { name })} testId="fec-result" />
      </form>

      <form className="card" onSubmit={downloadCsv} aria-labelledby="csv-title">
        <h2 id="csv-title">{t("exports.csvTitle")}</h2>
        <div className="row">
          <div className="field">
            <label htmlFor="csv-journal">{t("exports.journal")}</label>
            <select id="csv-journal" value={journal} onChange={(e) => setJournal(e.target.value as (typeof JOURNALS)[number])}>
              {JOURNALS.map((j) => (
                <option key={j} value={j}>
                  {t(`exports.journals.${j}`)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="csv-from">{t("exports.from")}</label>
            <input id="csv-from" type="date" required value={from} onChange={(e) => setFrom(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="csv-to">{t("exports.to")}</label>
            <input id="csv-to" type="date" required value={to} onChange={(e) => setTo(e.target.value)} />
          </div>
        </div>
        <button type="submit" className="button primary inline" disabled={csv.busy}>
          {t("exports.downloadCsv")}
        </button>
        <DownloadFeedback download={csv} label={(name) => t("exports.save", { name })} testId="csv-result" />
      </form>
    </Page>
  );
}
