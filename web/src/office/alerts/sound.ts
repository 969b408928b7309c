/**
 * The sound of new critical alerts. The organization turns it on (off by
 * default, organizations.alert_sound_enabled) and may upload its own sound
 * (an alert_sound attachment; without one, a short beep). Browsers refuse to
 * play audio before the person interacts with the page, so each person turns
 * it on once with a visible button: that click creates and resumes the
 * AudioContext every later sound plays through. A sound the browser still
 * refuses is skipped quietly: an alert never turns into an error because a
 * speaker is unavailable.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { invokeAttachments } from "../../attachments/upload.ts";
import type { TerrainClient } from "../../supabase.ts";

export interface AlertLike {
  id: string;
  severity: string;
  status: string;
}

/**
 * The critical firing alerts not seen before, and `seen` updated. The first
 * call (the page's first load) only records what is there: what was firing
 * when the page opened is not new.
 */
export function newCriticalAlerts(seen: Set<string> | null, open: readonly AlertLike[]): { fresh: string[]; seen: Set<string> } {
  const ids = new Set(seen ?? []);
  const fresh: string[] = [];
  for (const alert of open) {
    if (ids.has(alert.id)) continue;
    ids.add(alert.id);
    if (seen !== null && alert.severity === "critical" && alert.status === "firing") fresh.push(alert.id);
  }
  return { fresh, seen: ids };
}

/** The organization's sound setting (organizations.alert_sound_enabled, off by default). */
export async function organizationSoundSetting(supabase: TerrainClient, orgId: string): Promise<{ alert_sound_enabled: boolean } | null> {
  const { data, error } = await supabase.from("organizations").select("alert_sound_enabled").eq("id", orgId).maybeSingle();
  if (error) throw error;
  return data;
}

/** The organization's latest alert sound, as a URL signed for an hour, or null. */
export async function organizationSoundUrl(supabase: TerrainClient, orgId: string): Promise<{ url: string; name: string | null } | null> {
  const listed = await invokeAttachments<{ items: Array<{ id: string; original_name: string | null }> }>(supabase, {
    action: "list",
    owner_type: "alert_sound",
    owner_id: orgId,
    limit: 1,
  });
  const latest = listed.data?.items[0];
  if (!latest) return null;
  const signed = await invokeAttachments<{ signed_url: string }>(supabase, { action: "download-url", attachment_id: latest.id });
  return signed.data ? { url: signed.data.signed_url, name: latest.original_name } : null;
}

export interface AlertSound {
  /** The person turned the sound on in this tab (the click that unlocks audio). */
  on: boolean;
  turnOn: () => void;
  turnOff: () => void;
  /** Plays once, if on; never throws. */
  play: () => void;
  /** How many sounds were played (shown for people who cannot hear it, and read by tests). */
  played: number;
}

export function useAlertSound(supabase: TerrainClient, orgId: string, enabledByOrg: boolean): AlertSound {
  const [on, setOn] = useState(false);
  const [played, setPlayed] = useState(0);
  const context = useRef<AudioContext | null>(null);
  const buffer = useRef<AudioBuffer | null>(null);

  useEffect(() => {
    if (!enabledByOrg || !on) return;
    let cancelled = false;
    void (async () => {
      try {
        const sound = await organizationSoundUrl(supabase, orgId);
        if (!sound || cancelled || !context.current) return;
        const bytes = await (await fetch(sound.url)).arrayBuffer();
        const decoded = await context.current.decodeAudioData(bytes);
        if (!cancelled) buffer.current = decoded;
      } catch {
        // No usable file: the beep plays instead.
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [supabase, orgId, enabledByOrg, on]);

  const turnOn = useCallback(() => {
    try {
      context.current ??= new AudioContext();
      void context.current.resume().catch(() => undefined);
    } catch {
      // No Web Audio here: "on" still records the wish; play() does nothing.
    }
    setOn(true);
  }, []);

  const turnOff = useCallback(() => setOn(false), []);

  const play = useCallback(() => {
    if (!enabledByOrg || !on) return;
    setPlayed((count) => count + 1);
    const audio = context.current;
    if (!audio || audio.state !== "running") return;
    try {
      if (buffer.current) {
        const source = audio.createBufferSource();
        source.buffer = buffer.current;
        source.connect(audio.destination);
        source.start();
      } else {
        beep(audio);
      }
    } catch {
      // The browser refused: nothing to do, the alert is on the screen.
    }
  }, [enabledByOrg, on]);

  return { on: on && enabledByOrg, turnOn, turnOff, play, played };
}

/** Two short tones, loud enough to notice, short enough not to annoy. */
function beep(audio: AudioContext): void {
  for (const [offset, frequency] of [
    [0, 880],
    [0.25, 660],
  ] as const) {
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.2, audio.currentTime + offset);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + offset + 0.2);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start(audio.currentTime + offset);
    oscillator.stop(audio.currentTime + offset + 0.2);
  }
}
