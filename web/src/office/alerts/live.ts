/**
 * How the alert dashboard stays current: Supabase Realtime where a Realtime
 * server answers (production), polling where none does (the local stack runs
 * no Realtime server), behind one controller so the screen does not care.
 *
 * The controller cannot silently stop updating: it trusts Realtime only once
 * the channel says SUBSCRIBED, and any other outcome (an error, a timeout, the
 * channel closing later, no answer within `connectTimeoutMs`) switches it to
 * polling for good. Polling pauses while the tab is hidden and, on return,
 * loads at once and starts again. In both modes the screen loads again when the
 * tab comes back (events missed while hidden or asleep are caught up), and a
 * subscribed channel is backed by a slow reload (`realtimeCheckSeconds`): an
 * event Realtime drops (a table left out of the publication, a replication
 * hiccup) costs at most that long, never the rest of the day.
 */

export type LiveMode = "connecting" | "realtime" | "polling";

/** What a Realtime channel reports to `subscribe()` (supabase-js REALTIME_SUBSCRIBE_STATES). */
export type ChannelStatus = "SUBSCRIBED" | "CHANNEL_ERROR" | "TIMED_OUT" | "CLOSED";

export interface LiveSource {
  /**
   * Opens the change feed; `onChange` on every change, `onStatus` on every
   * status. Returns what closes it. Absent: no Realtime at all, poll.
   */
  subscribe?: (onChange: () => void, onStatus: (status: ChannelStatus) => void) => () => void;
  /** Loads the data again (errors are the caller's to show). */
  refresh: () => void;
  /** The page is hidden (document.visibilityState === "hidden"). */
  isHidden: () => boolean;
  /** Calls back when the page is hidden or shown again; returns what stops listening. */
  onVisibilityChange: (listener: () => void) => () => void;
  onModeChange?: (mode: LiveMode) => void;
}

export interface LiveTiming {
  /** Seconds between two loads when polling (shown to the person). */
  pollSeconds: number;
  /** How long the channel may take to say SUBSCRIBED before polling takes over. */
  connectTimeoutMs: number;
  /** Changes arriving together (a check firing ten alerts) make one load. */
  debounceMs: number;
  /** Seconds between two safety loads while Realtime is subscribed. */
  realtimeCheckSeconds: number;
}

export const DEFAULT_TIMING: LiveTiming = { pollSeconds: 10, connectTimeoutMs: 5000, debounceMs: 300, realtimeCheckSeconds: 60 };

export class LiveUpdates {
  private mode: LiveMode = "connecting";
  private closeChannel: (() => void) | null = null;
  private connectTimer: ReturnType<typeof setTimeout> | null = null;
  private pollTimer: ReturnType<typeof setInterval> | null = null;
  private debounceTimer: ReturnType<typeof setTimeout> | null = null;
  private stopListening: (() => void) | null = null;
  private stopped = false;

  constructor(
    private readonly source: LiveSource,
    private readonly timing: LiveTiming = DEFAULT_TIMING,
  ) {}

  get current(): LiveMode {
    return this.mode;
  }

  start(): void {
    this.stopListening = this.source.onVisibilityChange(() => this.visibilityChanged());
    if (!this.source.subscribe) {
      this.fallBackToPolling();
      return;
    }
    this.setMode("connecting");
    this.connectTimer = setTimeout(() => this.fallBackToPolling(), this.timing.connectTimeoutMs);
    this.closeChannel = this.source.subscribe(
      () => this.changed(),
      (status) => this.channelStatus(status),
    );
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    this.stopListening?.();
    this.stopListening = null;
    this.closeChannelOnce();
  }

  private channelStatus(status: ChannelStatus): void {
    if (this.stopped || this.mode === "polling") return;
    if (status === "SUBSCRIBED") {
      if (this.connectTimer) clearTimeout(this.connectTimer);
      this.connectTimer = null;
      this.setMode("realtime");
      // What changed between the first load and the subscription.
      this.source.refresh();
      if (!this.source.isHidden()) this.startPolling();
      return;
    }
    this.fallBackToPolling();
  }

  private changed(): void {
    if (this.stopped || this.mode !== "realtime") return;
    if (this.debounceTimer) clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = null;
      this.source.refresh();
    }, this.timing.debounceMs);
  }

  private fallBackToPolling(): void {
    if (this.stopped || this.mode === "polling") return;
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = null;
    this.closeChannelOnce();
    this.setMode("polling");
    if (!this.source.isHidden()) this.startPolling();
  }

  private visibilityChanged(): void {
    if (this.stopped) return;
    if (this.source.isHidden()) {
      this.stopPolling();
      return;
    }
    // Back on the page: catch up at once, whatever the mode.
    this.source.refresh();
    if (this.mode !== "connecting") this.startPolling();
  }

  /** Polling every pollSeconds, or the slow safety load while Realtime is subscribed. */
  private startPolling(): void {
    this.stopPolling();
    const seconds = this.mode === "realtime" ? this.timing.realtimeCheckSeconds : this.timing.pollSeconds;
    this.pollTimer = setInterval(() => {
      if (!this.source.isHidden()) this.source.refresh();
    }, seconds * 1000);
  }

  private stopPolling(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
  }

  private clearTimers(): void {
    if (this.connectTimer) clearTimeout(this.connectTimer);
    if (this.debounceTimer) clearTimeout(this.debounceTimer);
    this.connectTimer = null;
    this.debounceTimer = null;
    this.stopPolling();
  }

  private closeChannelOnce(): void {
    const close = this.closeChannel;
    this.closeChannel = null;
    close?.();
  }

  private setMode(mode: LiveMode): void {
    if (this.mode === mode && mode !== "connecting") return;
    this.mode = mode;
    this.source.onModeChange?.(mode);
  }
}
