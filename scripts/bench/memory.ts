/**
 * Memory of the stack's processes, read from /proc (Linux): RSS and PSS of a
 * process and every descendant. RSS counts shared memory (PostgreSQL's shared
 * buffers) once per process, so summed over backends it overstates; PSS
 * divides each shared page among the processes mapping it, so PSS sums add up.
 */
import { readdirSync, readFileSync } from "node:fs";

export interface Usage {
  processes: number;
  rssKiB: number;
  pssKiB: number;
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // pid (comm) state ppid …: comm may contain spaces and parentheses.
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

/** `root` and all its descendants that are alive now. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const ppid = parentOf(pid);
    if (ppid === undefined) continue;
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

function kib(text: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
  return m ? Number(m[1]) : 0;
}

/** RSS and PSS of `root` and its descendants (processes that vanish meanwhile are skipped). */
export function treeUsage(root: number | undefined, { descendants = true } = {}): Usage {
  const usage: Usage = { processes: 0, rssKiB: 0, pssKiB: 0 };
  if (!root) return usage;
  for (const pid of descendants ? processTree(root) : [root]) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
      usage.rssKiB += kib(rollup, "Rss");
      usage.pssKiB += kib(rollup, "Pss");
      usage.processes++;
    } catch {
      // gone, or not ours to read
    }
  }
  return usage;
}

/** Samples the groups every `everyMs` and keeps each group's peak PSS (and the RSS at that moment). */
export type Groups = Record<string, { pid: number | undefined; descendants: boolean }>;

export function measureGroups(groups: Groups): Record<string, Usage> {
  return Object.fromEntries(Object.entries(groups).map(([name, g]) => [name, treeUsage(g.pid, { descendants: g.descendants })]));
}

export function peakSampler(groups: () => Groups, everyMs = 2000) {
  const peaks: Record<string, Usage> = {};
  const sample = () => {
    for (const [name, u] of Object.entries(measureGroups(groups()))) {
      if (!peaks[name] || u.pssKiB > peaks[name]!.pssKiB) peaks[name] = u;
    }
  };
  let timer = setInterval(sample, everyMs);
  timer.unref();
  sample();
  return {
    peaks,
    /**
     * No sampling until resume(): a sample reads /proc synchronously for tens of
     * milliseconds, in the process that also serves the gateway (the bench's
     * HTTP figures would count that stall against the gateway).
     */
    pause() {
      clearInterval(timer);
    },
    /** Samples now, then every `everyMs` again. */
    resume() {
      clearInterval(timer);
      sample();
      timer = setInterval(sample, everyMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      sample();
      return peaks;
    },
  };
}
