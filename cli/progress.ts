// A phase of a long command that says it is still alive: when nothing has been
// printed for `quietMs`, a line with the phase's name and the time so far.
// `npm run demo` had silent stretches of over a minute (the AWS provider's
// waits, the emulator's start), which look like a hang.

export interface ProgressOptions {
  /** Prints one line. */
  readonly say: (line: string) => void;
  /** Silence after which a "still ..." line is printed (default 15 s). */
  readonly quietMs?: number;
  /** How often the silence is checked (default 1 s). */
  readonly checkMs?: number;
  readonly now?: () => number;
}

export interface Progress {
  /** Prints a line now (and resets the silence). */
  say(line: string): void;
  /** Runs `work` as the phase `what`: "still <what>" lines while it is silent. */
  phase<T>(what: string, work: () => Promise<T>): Promise<T>;
}

export function progress(options: ProgressOptions): Progress {
  const quietMs = options.quietMs ?? 15_000;
  const checkMs = options.checkMs ?? 1_000;
  const now = options.now ?? Date.now;
  let lastLine = now();
  const say = (line: string) => {
    lastLine = now();
    options.say(line);
  };
  return {
    say,
    async phase<T>(what: string, work: () => Promise<T>): Promise<T> {
      const started = now();
      lastLine = started;
      const timer = setInterval(() => {
        if (now() - lastLine >= quietMs) say(`    ... still ${what} (${Math.round((now() - started) / 1000)} s so far)`);
      }, checkMs);
      try {
        return await work();
      } finally {
        clearInterval(timer);
      }
    },
  };
}
