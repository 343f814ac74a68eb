// `node scripts/run-ts.js scripts/prerequisites.ts`: the tools the test suite
// needs besides npm's packages, checked up front with a line each, so that a
// machine without them is told what to install before a 15-minute run fails
// on its first integration suite. .ci/run calls it after `npm ci` (the Debian
// packages it installs itself); the same checks skip or fail the suites
// (__tests__/support/prerequisites.ts) and stop `npm run demo`.
import { emulatorPrerequisites } from "../emulator/client";
import { Prerequisite } from "../emulator/prerequisites";
import { terraformPrerequisites } from "../emulator/terraform";
import { findBotocoreData } from "./aws-data";

/** How to get each tool; matched against the prerequisite's name. */
const HOW_TO_INSTALL: [RegExp, string][] = [
  [
    /provider mirror/i,
    "hashicorp/aws 5.100.0 unpacked for this platform: on a machine with registry access, `terraform init` any configuration that requires it, copy the resulting .terraform/providers folder here and set TF_PROVIDER_MIRROR=<that folder>",
  ],
  [/terraform/i, "Terraform >= 1.10: https://developer.hashicorp.com/terraform/install (a zip with one binary; put it on PATH)"],
  [/moto/i, "python3 with moto 5.2: pip install 'moto[server]==5.2.*'"],
  [/AWS CLI/i, "AWS CLI v1 (its botocore data is read too): pip install awscli"],
  [/botocore/i, "comes with the AWS CLI v1: pip install awscli"],
];

export const SUITE_PREREQUISITES: readonly Prerequisite[] = [
  ...terraformPrerequisites,
  ...emulatorPrerequisites,
  { name: "botocore's data (the AWS CLI v1's Python SDK)", check: () => findBotocoreData() !== undefined },
];

export function installHint(name: string): string {
  return HOW_TO_INSTALL.find(([pattern]) => pattern.test(name))?.[1] ?? "see README.md, Prerequisites";
}

/** One line per prerequisite; the exit status is 1 when any is missing. */
export function checkPrerequisites(prerequisites: readonly Prerequisite[], say: (line: string) => void): number {
  let missing = 0;
  for (const prerequisite of prerequisites) {
    let ok = false;
    try {
      ok = prerequisite.check();
    } catch {
      ok = false;
    }
    if (ok) {
      say(`ok       ${prerequisite.name}`);
    } else {
      missing++;
      say(`MISSING  ${prerequisite.name}\n         install: ${installHint(prerequisite.name)}`);
    }
  }
  if (missing > 0) say(`${missing} prerequisite${missing === 1 ? "" : "s"} missing: the integration suites need them (with CI set they fail, never skip).`);
  return missing > 0 ? 1 : 0;
}

if (process.argv[1]?.endsWith("prerequisites.ts") && process.argv[1].includes("scripts")) {
  const args = process.argv.slice(2);
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write("usage: node scripts/run-ts.js scripts/prerequisites.ts\n  checks the tools the tests need (terraform, the provider mirror, moto, the AWS CLI)\n");
  } else if (args.length > 0) {
    process.stderr.write(`usage: node scripts/run-ts.js scripts/prerequisites.ts\nprerequisites: unknown argument ${JSON.stringify(args[0])}\n`);
    process.exitCode = 2;
  } else {
    process.exitCode = checkPrerequisites(SUITE_PREREQUISITES, (line) => process.stdout.write(`${line}\n`));
  }
}
