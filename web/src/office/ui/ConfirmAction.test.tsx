import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { ConfirmAction } from "./ConfirmAction.tsx";

const labels = { label: "Remove", subject: "Alice", question: "Remove Alice?", confirmLabel: "Confirm", cancelLabel: "Cancel" };

describe("ConfirmAction", () => {
  it("acts only once confirmed, and cancel leaves things as they were", async () => {
    const calls: string[] = [];
    const user = userEvent.setup();
    render(<ConfirmAction {...labels} onConfirm={(reason) => void calls.push(reason)} />);
    await user.click(screen.getByRole("button", { name: "Remove · Alice" }));
    expect(screen.getByRole("group", { name: "Remove Alice?" })).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Cancel" }));
    expect(calls).toEqual([]);
    await user.click(screen.getByRole("button", { name: "Remove · Alice" }));
    await user.click(screen.getByRole("button", { name: "Confirm" }));
    expect(calls).toEqual([""]);
    expect(screen.queryByRole("group")).toBeNull();
  });

  it("passes the reason typed, and stays open with it when the action is refused", async () => {
    const calls: string[] = [];
    const user = userEvent.setup();
    render(<ConfirmAction {...labels} reasonLabel="Reason" onConfirm={async (reason) => (calls.push(reason), false)} />);
    await user.click(screen.getByRole("button", { name: "Remove · Alice" }));
    await user.type(screen.getByLabelText("Reason"), "duplicate");
    await user.click(screen.getByRole("button", { name: "Confirm" }));
    expect(calls).toEqual(["duplicate"]);
    expect(screen.getByLabelText("Reason")).toHaveValue("duplicate");
  });
});
