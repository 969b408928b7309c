import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LiveUpdates, type ChannelStatus, type LiveMode, type LiveSource } from "./live.ts";

const timing = { pollSeconds: 10, connectTimeoutMs: 5000, debounceMs: 300, realtimeCheckSeconds: 60 };

/** A page and a channel the test drives by hand. */
function harness(options: { realtime?: boolean } = {}) {
  let hidden = false;
  let visibilityListener: (() => void) | null = null;
  let onChange: (() => void) | null = null;
  let onStatus: ((status: ChannelStatus) => void) | null = null;
  const closed = vi.fn();
  const refresh = vi.fn();
  const modes: LiveMode[] = [];
  const source: LiveSource = {
    refresh,
    isHidden: () => hidden,
    onVisibilityChange: (listener) => {
      visibilityListener = listener;
      return () => {
        visibilityListener = null;
      };
    },
    onModeChange: (mode) => modes.push(mode),
    ...(options.realtime === false
      ? {}
      : {
          subscribe: (change: () => void, status: (s: ChannelStatus) => void) => {
            onChange = change;
            onStatus = status;
            return closed;
          },
        }),
  };
  const live = new LiveUpdates(source, timing);
  return {
    live,
    refresh,
    closed,
    modes,
    status: (s: ChannelStatus) => onStatus?.(s),
    change: () => onChange?.(),
    setHidden(value: boolean) {
      hidden = value;
      visibilityListener?.();
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("LiveUpdates", () => {
  it("uses Realtime once the channel is subscribed: a change loads (once per burst); only a slow safety load besides", () => {
    const h = harness();
    h.live.start();
    expect(h.live.current).toBe("connecting");
    h.status("SUBSCRIBED");
    expect(h.live.current).toBe("realtime");
    expect(h.refresh).toHaveBeenCalledTimes(1); // catches up with what changed while subscribing
    h.change();
    h.change();
    h.change();
    vi.advanceTimersByTime(300);
    expect(h.refresh).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(59_000);
    expect(h.refresh).toHaveBeenCalledTimes(2);
    // A dropped event is caught up within a minute.
    vi.advanceTimersByTime(1000);
    expect(h.refresh).toHaveBeenCalledTimes(3);
    expect(h.closed).not.toHaveBeenCalled();
  });

  for (const failure of ["CHANNEL_ERROR", "TIMED_OUT", "CLOSED"] as const) {
    it(`falls back to polling on ${failure}, closes the channel and ignores it afterwards`, () => {
      const h = harness();
      h.live.start();
      h.status(failure);
      expect(h.live.current).toBe("polling");
      expect(h.closed).toHaveBeenCalledTimes(1);
      vi.advanceTimersByTime(10_000);
      expect(h.refresh).toHaveBeenCalledTimes(1);
      h.status("SUBSCRIBED"); // a late answer does not bring Realtime back
      expect(h.live.current).toBe("polling");
      vi.advanceTimersByTime(20_000);
      expect(h.refresh).toHaveBeenCalledTimes(3);
    });
  }

  it("falls back to polling when the channel never answers", () => {
    const h = harness();
    h.live.start();
    vi.advanceTimersByTime(4999);
    expect(h.live.current).toBe("connecting");
    vi.advanceTimersByTime(1);
    expect(h.live.current).toBe("polling");
    expect(h.closed).toHaveBeenCalledTimes(1);
    expect(h.modes).toEqual(["connecting", "polling"]);
  });

  it("falls back to polling when a subscribed channel fails later", () => {
    const h = harness();
    h.live.start();
    h.status("SUBSCRIBED");
    h.status("CHANNEL_ERROR");
    expect(h.live.current).toBe("polling");
    h.refresh.mockClear();
    vi.advanceTimersByTime(10_000);
    expect(h.refresh).toHaveBeenCalledTimes(1);
  });

  it("polls at once without Realtime", () => {
    const h = harness({ realtime: false });
    h.live.start();
    expect(h.live.current).toBe("polling");
    vi.advanceTimersByTime(30_000);
    expect(h.refresh).toHaveBeenCalledTimes(3);
  });

  it("stops polling while the tab is hidden and, back on it, loads at once and polls again", () => {
    const h = harness({ realtime: false });
    h.live.start();
    h.setHidden(true);
    vi.advanceTimersByTime(120_000);
    expect(h.refresh).not.toHaveBeenCalled();
    h.setHidden(false);
    expect(h.refresh).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(10_000);
    expect(h.refresh).toHaveBeenCalledTimes(2);
  });

  it("pauses the safety load of a hidden Realtime tab and catches up when it comes back", () => {
    const h = harness();
    h.live.start();
    h.status("SUBSCRIBED");
    h.refresh.mockClear();
    h.setHidden(true);
    vi.advanceTimersByTime(300_000);
    expect(h.refresh).not.toHaveBeenCalled();
    h.setHidden(false);
    expect(h.refresh).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(59_000);
    expect(h.refresh).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1000);
    expect(h.refresh).toHaveBeenCalledTimes(2);
  });

  it("does nothing once stopped", () => {
    const h = harness();
    h.live.start();
    h.live.stop();
    expect(h.closed).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(60_000);
    h.status("SUBSCRIBED");
    h.change();
    vi.advanceTimersByTime(60_000);
    expect(h.refresh).not.toHaveBeenCalled();
  });
});
