import { useId, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";

export interface Credentials {
  email: string;
  password: string;
}

/** Matches `supabase.auth.signInWithPassword`, which reports bad credentials in `error` rather than throwing. */
export type SignIn = (credentials: Credentials) => Promise<{ error: { message: string } | null }>;

export function LoginForm({ signIn }: { signIn: SignIn }) {
  const { t } = useTranslation();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [pending, setPending] = useState(false);
  const [errorMessage, setErrorMessage] = useState<string | null>(null);
  const emailId = useId();
  const passwordId = useId();

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    // A second submit (Enter pressed twice) would race the first sign-in.
    if (pending) return;
    setPending(true);
    setErrorMessage(null);
    try {
      const { error } = await signIn({ email: email.trim(), password });
      // On success the auth state listener replaces this screen; nothing to do here.
      if (error) setErrorMessage(error.message || t("login.failed"));
    } catch (error) {
      // Network failures and unexpected errors must not leave the button stuck.
      const message = error instanceof Error && error.message ? error.message : t("login.failed");
      setErrorMessage(navigator.onLine === false ? `${t("login.offline")} (${message})` : message);
    } finally {
      setPending(false);
    }
  }

  return (
    <form className="card login-form" onSubmit={handleSubmit} aria-busy={pending}>
      <h1>{t("login.title")}</h1>
      <div className="field">
        <label htmlFor={emailId}>{t("login.email")}</label>
        <input
          id={emailId}
          type="email"
          autoComplete="username"
          inputMode="email"
          required
          value={email}
          onChange={(event) => setEmail(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={passwordId}>{t("login.password")}</label>
        <input
          id={passwordId}
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
      </div>
      {/* Always rendered so screen readers already know the live region when a message arrives. */}
      <div role="alert" className="error-message">
        {errorMessage}
      </div>
      <button type="submit" className="button primary" disabled={pending}>
        {pending ? t("login.submitting") : t("login.submit")}
      </button>
    </form>
  );
}
