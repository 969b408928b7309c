/**
 * A button's action: busy while it runs (the button disabled), then its
 * error as the API words it, or the sentence saying what was done.
 */
import { useState } from "react";
import { ErrorMessage } from "./ErrorMessage.tsx";
import { toApiError, type ApiError } from "./useQuery.ts";

export interface Action {
  busy: boolean;
  error: ApiError | null;
  done: string | null;
  run: (action: () => Promise<string | null | void>) => Promise<void>;
}

export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  async function run(action: () => Promise<string | null | void>) {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      setDone((await action()) ?? null);
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, done, run };
}

/** The action's outcome: its error (an alert), or what was done (a status line). */
export function ActionFeedback({ action, testId }: { action: Action; testId?: string }) {
  return (
    <>
      <ErrorMessage error={action.error} />
      {action.done && (
        <p className="saved" role="status" data-testid={testId}>
          {action.done}
        </p>
      )}
    </>
  );
}
