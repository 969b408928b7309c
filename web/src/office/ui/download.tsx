/**
 * Files fetched through the API (a PDF, an export) and handed to the person:
 * useDownload offers the fetched file as a link they click, saveFile saves
 * it at once.
 */
import { useEffect, useRef, useState } from "react";
import { ActionFeedback, useAction, type Action } from "./useAction.tsx";

export interface PreparedFile {
  url: string;
  name: string;
}

export interface Download extends Action {
  /** The last file offered, while the last run succeeded. */
  file: PreparedFile | null;
  /** Offers a fetched file (from within run); the previous one's object URL is released. */
  offer: (blob: Blob, name: string) => void;
}

/**
 * A fetched file as an object URL, offered as a link the person clicks: a
 * download started by the click itself is never taken for an unwanted
 * automatic download by the browser (a script-started one after an await can be).
 */
export function useDownload(): Download {
  const action = useAction();
  const [file, setFile] = useState<PreparedFile | null>(null);
  const current = useRef<PreparedFile | null>(null);
  useEffect(
    () => () => {
      if (current.current) URL.revokeObjectURL(current.current.url);
    },
    [],
  );
  function offer(blob: Blob, name: string) {
    if (current.current) URL.revokeObjectURL(current.current.url);
    current.current = { url: URL.createObjectURL(blob), name };
    setFile(current.current);
  }
  return { ...action, file: action.done ? file : null, offer };
}

/** The download's outcome (error or status line), then the link to save the file under `label(name)`. */
export function DownloadFeedback({ download, label, testId }: { download: Download; label: (name: string) => string; testId?: string }) {
  return (
    <>
      <ActionFeedback action={download} testId={testId} />
      {download.file && (
        <p className="file-link">
          <a className="button inline" href={download.file.url} download={download.file.name} data-testid="file-link">
            {label(download.file.name)}
          </a>
        </p>
      )}
    </>
  );
}

/** Saves a file straight away, from the click that asked for it (the link is released after a minute). */
export function saveFile(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement("a");
  anchor.href = url;
  anchor.download = name;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
