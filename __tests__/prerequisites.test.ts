// .ci/run checks the tools it does not install (Terraform, the provider
// mirror, moto, the AWS CLI) before the long run, and says how to get each.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { checkPrerequisites } from "../scripts/prerequisites";
import { PROJECT_ROOT } from "./support/config";

test(".ci/run checks the prerequisites after npm ci and before npm test, and stops when one is missing", () => {
  const script = fs.readFileSync(path.join(PROJECT_ROOT, ".ci", "run"), "utf8");
  const check = script.indexOf("node scripts/run-ts.js scripts/prerequisites.ts\n");
  expect(check).toBeGreaterThan(script.search(/^npm ci --ignore-scripts/m));
  expect(script.search(/^npm ci --ignore-scripts/m)).toBeGreaterThan(0);
  expect(check).toBeLessThan(script.indexOf("npm test --"));
  expect(script).toMatch(/^set -euo pipefail$/m); // a failed check ends the run
});

test("each prerequisite gets a line; a missing one is named with how to install it, and the status is 1", () => {
  const lines: string[] = [];
  const code = checkPrerequisites(
    [
      { name: "Terraform CLI (terraform >= 1.4)", check: () => true },
      { name: "python3 with moto 5", check: () => false },
      { name: "a Terraform provider mirror holding hashicorp/aws", check: () => { throw new Error("unreadable"); } },
    ],
    (line) => lines.push(line),
  );
  expect(code).toBe(1);
  expect(lines[0]).toBe("ok       Terraform CLI (terraform >= 1.4)");
  expect(lines[1]).toBe("MISSING  python3 with moto 5\n         install: python3 with moto 5.2: pip install 'moto[server]==5.2.*'");
  expect(lines[2]).toContain(".terraform/providers folder here and set TF_PROVIDER_MIRROR");
  expect(lines[3]).toBe("2 prerequisites missing: the integration suites need them (with CI set they fail, never skip).");
});

test("the real script on a PATH without the tools: exit 1, every tool named", () => {
  const result = spawnSync(process.execPath, ["scripts/run-ts.js", "scripts/prerequisites.ts"], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    env: { PATH: path.dirname(process.execPath), TF_PROVIDER_MIRROR: "/nonexistent", HOME: "/nonexistent" },
    timeout: 30_000,
  });
  expect(result.status).toBe(1);
  expect(result.stdout).toMatch(/MISSING {2}a Terraform provider mirror/);
  expect(result.stdout).toMatch(/MISSING {2}Terraform CLI/);
  expect(result.stdout).toMatch(/MISSING {2}python3 with moto/);
  expect(result.stdout).toMatch(/MISSING {2}AWS CLI/);
});
