// Entry point of `npm run users -- <command>` (see cli/users-command.ts, or
// `npm run users -- --help`). Kept to one call so that importing the CLI's
// logic (tests) never runs anything.
import { runUsersCli } from "./users-command";

void runUsersCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
