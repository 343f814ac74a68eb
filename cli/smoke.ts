// Entry point of `npm run smoke -- --user <name>` (see cli/smoke-command.ts,
// or `npm run smoke -- --help`). Kept to one call so that importing the
// command's logic (tests) never runs anything. Ctrl-C cancels the SSM command;
// the temporary password parameter is deleted either way.
import { runSmoke } from "./smoke-command";

const interrupt = new AbortController();
process.once("SIGINT", () => interrupt.abort());

void runSmoke(process.argv.slice(2), { signal: interrupt.signal }).then((code) => {
  process.exitCode = code;
});
