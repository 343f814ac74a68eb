// `npm run plan-summary [-- --dir cdktf.out] [--out FILE]`: Markdown summary of
// the synthesized stacks for a pull request (see plan-summary-command.ts).
import { runPlanSummary } from "./plan-summary-command";

process.exitCode = runPlanSummary(process.argv.slice(2), { cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr });
