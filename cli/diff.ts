// Entry point of `npm run diff` (see cli/diff-command.ts, or `npm run diff -- --help`).
import { cdktfRunner, runDiff } from "./diff-command";

const cwd = process.cwd();
void runDiff(process.argv.slice(2), {
  cwd,
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  cdktf: cdktfRunner(cwd, process.env),
}).then((code) => {
  process.exitCode = code;
});
