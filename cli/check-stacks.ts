// `npm run check-stacks -- <synth folder> [--lock-file FILE] [--json FILE]`:
// the gate in front of a credentialed `terraform plan` (see
// check-stacks-command.ts and lib/stack-gate.ts).
import { runCheckStacks } from "./check-stacks-command";

process.exitCode = runCheckStacks(process.argv.slice(2), { cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr });
