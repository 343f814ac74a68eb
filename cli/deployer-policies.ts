// `npm run deployer-policies [-- --provider-account ID] [--consumer-account ID]`:
// the IAM policies that deploy the stacks of TRANSFER_CONFIG, as JSON (see
// deployer-policies-command.ts).
import { runDeployerPolicies } from "./deployer-policies-command";

process.exitCode = runDeployerPolicies(process.argv.slice(2), { env: process.env, stdout: process.stdout, stderr: process.stderr });
