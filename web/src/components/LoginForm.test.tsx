import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { LoginForm, type SignIn } from "./LoginForm.tsx";

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

async function fillAndSubmit(email = "tech@example.com", password = "secret") {
  const user = userEvent.setup();
  await user.type(screen.getByLabelText("Email"), email);
  await user.type(screen.getByLabelText("Password"), password);
  await user.click(screen.getByRole("button", { name: "Sign in" }));
  return user;
}

describe("LoginForm", () => {
  it("sends the typed credentials, with the email trimmed", async () => {
    const signIn = vi.fn<SignIn>(async () => ({ error: null }));
    render(<LoginForm signIn={signIn} />);
    await fillAndSubmit("  tech@example.com ", "p4ss word");
    expect(signIn).toHaveBeenCalledExactlyOnceWith({ email: "tech@example.com", password: "p4ss word" });
  });

  it("shows the auth error message in an alert when sign-in is refused", async () => {
    const signIn = vi.fn<SignIn>(async () => ({ error: { message: "Invalid login credentials" } }));
    render(<LoginForm signIn={signIn} />);
    expect(screen.getByRole("alert")).toBeEmptyDOMElement();

    await fillAndSubmit();

    expect(await screen.findByRole("alert")).toHaveTextContent("Invalid login credentials");
    expect(screen.getByRole("button", { name: "Sign in" })).toBeEnabled();
  });

  it("shows the message of a rejected sign-in (network failure) and lets the person retry", async () => {
    const signIn = vi.fn<SignIn>(async () => {
      throw new TypeError("Failed to fetch");
    });
    render(<LoginForm signIn={signIn} />);
    await fillAndSubmit();
    expect(await screen.findByRole("alert")).toHaveTextContent("Failed to fetch");
    expect(screen.getByRole("button", { name: "Sign in" })).toBeEnabled();
  });

  it("disables the button while signing in and ignores a second submit", async () => {
    const pending = deferred<{ error: { message: string } | null }>();
    const signIn = vi.fn<SignIn>(() => pending.promise);
    render(<LoginForm signIn={signIn} />);
    const user = await fillAndSubmit();

    const button = screen.getByRole("button", { name: "Signing in…" });
    expect(button).toBeDisabled();
    // Pressing Enter in the password field must not start a second sign-in.
    await user.type(screen.getByLabelText("Password"), "{Enter}");
    expect(signIn).toHaveBeenCalledTimes(1);

    pending.resolve({ error: { message: "Invalid login credentials" } });
    expect(await screen.findByRole("button", { name: "Sign in" })).toBeEnabled();
    expect(screen.getByRole("alert")).toHaveTextContent("Invalid login credentials");
  });

  it("clears a previous error when the person tries again", async () => {
    const pending = deferred<{ error: { message: string } | null }>();
    const signIn = vi
      .fn<SignIn>()
      .mockResolvedValueOnce({ error: { message: "Invalid login credentials" } })
      .mockReturnValueOnce(pending.promise);
    render(<LoginForm signIn={signIn} />);
    const user = await fillAndSubmit();
    expect(await screen.findByRole("alert")).toHaveTextContent("Invalid login credentials");

    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(screen.getByRole("alert")).toBeEmptyDOMElement();
    pending.resolve({ error: null });
  });
});
