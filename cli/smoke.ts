// Entry point of `npm run smoke -- --user <name>` (see cli/smoke-command.ts,
// or `npm run smoke -- --help`). Kept to a few lines so that importing the
// command's logic (tests) never runs anything.
//
// Ctrl-C (SIGINT), SIGTERM (kill, a CI runner's cancel, systemd) and SIGHUP
// (the terminal or SSH session closed) all cancel the SSM command and delete
// the temporary password parameter; the exit code is 128 + the signal's
// number. A repeated signal does not cut the clean-up short.
import { CANCELLING_SIGNALS, runSmoke } from "./smoke-command";

const interrupt = new AbortController();
for (const name of CANCELLING_SIGNALS) {
  process.on(name, () => {
    if (interrupt.signal.aborted) {
      process.stderr.write(`${name}: still cleaning up (cancelling the command, deleting the password parameter)\n`);
      return;
    }
    interrupt.abort(name);
  });
}
// After SIGHUP the terminal may be gone: a failed write must not crash the
// process before it has deleted the parameter.
process.stdout.on("error", () => undefined);
process.stderr.on("error", () => undefined);

void runSmoke(process.argv.slice(2), { signal: interrupt.signal }).then((code) => {
  if (!interrupt.signal.aborted) {
    process.exitCode = code;
    return;
  }
  // Interrupted at the password prompt, stdin may still be raw and held open:
  // restore the terminal and end now.
  if (process.stdin.isTTY && process.stdin.isRaw) process.stdin.setRawMode(false);
  process.exit(code);
});
