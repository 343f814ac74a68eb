// The plan workflow's provider pinning (.github/workflows/plan.yml), with
// Terraform: the committed .terraform.lock.hcl, cut per stack by the gate
// (`npm run check-stacks -- DIR --lock-file`), is what `terraform init
// -lockfile=readonly` accepts for the real stacks, and a changed hash is
// refused; the workflow's own provider-mirror step and init command install
// from the packed mirror only what the lock file's hashes allow.
//
// The committed aws h1 hash is checked against the project's provider mirror
// (unpacked, linux_amd64). hashicorp/null is not in that mirror, so the stacks
// here use restartResource terraform_data. The workflow downloads official
// archives; here a stand-in archive (a tiny file named like the provider:
// init verifies and installs, it never starts the provider) with its own
// zh: hash plays that part.
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { zipSync } from "fflate";
import { parseDocument } from "yaml";
import { runCheckStacks } from "../../cli/check-stacks-command";
import { terraform, TerraformError, terraformPrerequisites, writeCliConfig } from "../../emulator/terraform";
import { buildApp } from "../../stacks/app";
import { configWith, PROJECT_ROOT } from "../support/config";
import { missingPrerequisites } from "../support/prerequisites";

const missing = missingPrerequisites("provider lock file", terraformPrerequisites);
const describeTerraform = missing.length ? describe.skip : describe;

interface Step {
  name?: string;
  run?: string;
}
const planJob = (parseDocument(fs.readFileSync(path.join(PROJECT_ROOT, ".github/workflows/plan.yml"), "utf8")).toJS() as { jobs: { plan: { steps: Step[] } } }).jobs.plan;
const stepNamed = (pattern: RegExp) => planJob.steps.find((s) => pattern.test(s.name ?? ""))!;
const COMMITTED_LOCK = fs.readFileSync(path.join(PROJECT_ROOT, ".terraform.lock.hcl"), "utf8");

describeTerraform("the provider lock file and terraform init -lockfile=readonly", () => {
  let work: string;
  let synth: string;
  let tfEnv: Record<string, string>;

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "provider-lock-"));
    tfEnv = writeCliConfig(path.join(work, "terraform-cli"));
    // <work>/project/cdktf.out: the local backend's ../../../state stays inside <work>/project.
    synth = path.join(work, "project", "cdktf.out");
    fs.mkdirSync(path.dirname(synth), { recursive: true });
    buildApp(configWith({ provider: { restartResource: "terraform_data" } }), { projectRoot: PROJECT_ROOT, outdir: synth }).synth();
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  const gate = (dir: string, lockFile: string) => {
    const out = { stdout: "", stderr: "" };
    const status = runCheckStacks([dir, "--lock-file", lockFile], { cwd: work, stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: (t: string) => (out.stderr += t) } });
    return { status, ...out };
  };

  test("the committed lock file, cut per stack by the gate, installs the real stacks' providers read-only", async () => {
    expect(gate(synth, path.join(PROJECT_ROOT, ".terraform.lock.hcl"))).toMatchObject({ status: 0, stderr: "" });
    for (const stack of ["provider", "consumer"]) {
      const dir = path.join(synth, "stacks", stack);
      const before = fs.readFileSync(path.join(dir, ".terraform.lock.hcl"), "utf8");
      await terraform(dir, ["init", "-lockfile=readonly"], tfEnv, 240_000);
      expect(fs.readFileSync(path.join(dir, ".terraform.lock.hcl"), "utf8")).toBe(before);
    }
  }, 300_000);

  test("a lock file whose hash the package does not match is refused", async () => {
    const copy = path.join(work, "tampered");
    fs.cpSync(synth, copy, { recursive: true });
    // What the first test's init left (lock files, .terraform/) would be refused by the gate: start clean.
    for (const stack of ["provider", "consumer"]) {
      fs.rmSync(path.join(copy, "stacks", stack, ".terraform.lock.hcl"), { force: true });
      fs.rmSync(path.join(copy, "stacks", stack, ".terraform"), { recursive: true, force: true });
    }
    const lock = path.join(work, "tampered.lock.hcl");
    fs.writeFileSync(lock, COMMITTED_LOCK.replace("h1:edXOJWE4ORX8Fm+dpVpICzMZJat4AX0VRCAy/xkcOc0=", "h1:AAAAJWE4ORX8Fm+dpVpICzMZJat4AX0VRCAy/xkcOc0="));
    expect(gate(copy, lock).status).toBe(0);
    const error = await terraform(path.join(copy, "stacks", "consumer"), ["init", "-lockfile=readonly"], tfEnv, 240_000).then(
      () => undefined,
      (e: TerraformError) => e,
    );
    expect(error?.message).toMatch(/doesn't match any of the\s+checksums previously recorded in the dependency lock file/);
  }, 300_000);

  test("the workflow's mirror step and init command: the archive the lock file names installs, another is refused", () => {
    // A stand-in provider archive and a lock file naming its SHA-256 (zh:), in a folder laid out like the job's checkout.
    const checkout = path.join(work, "checkout");
    const runnerTemp = path.join(work, "runner");
    fs.mkdirSync(checkout, { recursive: true });
    fs.mkdirSync(runnerTemp, { recursive: true });
    const archive = path.join(work, "aws.zip");
    fs.writeFileSync(archive, zipSync({ "terraform-provider-aws_v5.100.0_x5": new TextEncoder().encode("#!/bin/sh\nexit 1\n") }));
    const zh = crypto.createHash("sha256").update(fs.readFileSync(archive)).digest("hex");
    const lockFor = (hash: string) =>
      `provider "registry.terraform.io/hashicorp/aws" {\n  version     = "5.100.0"\n  constraints = "5.100.0"\n  hashes = [\n    "zh:${hash}",\n  ]\n}\n`;
    fs.writeFileSync(path.join(checkout, ".terraform.lock.hcl"), lockFor(zh));
    const bin = path.join(work, "bin");
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, "curl"), `#!/bin/sh\nout=""\nwhile [ "$#" -gt 1 ]; do [ "$1" = "-o" ] && out="$2"; shift; done\ncp "${archive}" "$out"\n`, { mode: 0o755 });
    const githubEnv = path.join(work, "github-env");
    fs.writeFileSync(githubEnv, "");
    const mirror = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", stepNamed(/^Provider mirror/).run!], {
      cwd: checkout,
      env: { PATH: `${bin}:${process.env.PATH}`, RUNNER_TEMP: runnerTemp, GITHUB_ENV: githubEnv },
      encoding: "utf8",
    });
    expect(mirror.stderr).toBe("");
    expect(mirror.status).toBe(0);
    const cliConfig = /^TF_CLI_CONFIG_FILE=(.*)$/m.exec(fs.readFileSync(githubEnv, "utf8"))![1];

    // The plan step's init command, as written in the workflow, on a stack that requires aws only.
    const initLine = stepNamed(/^terraform plan provider consumer$/).run!.split("\n").find((line) => /\binit\b/.test(line))!.trim();
    expect(initLine).toBe('terraform -chdir="$STACKS/$stack" init -input=false -no-color -lockfile=readonly');
    const init = (lock: string, required: Record<string, { source: string; version: string }> = { aws: { source: "aws", version: "5.100.0" } }) => {
      const stacks = path.join(work, `stacks-${crypto.randomUUID()}`);
      fs.mkdirSync(path.join(stacks, "consumer"), { recursive: true });
      fs.writeFileSync(path.join(stacks, "consumer", "main.tf.json"), JSON.stringify({ terraform: { required_providers: required } }));
      fs.writeFileSync(path.join(stacks, "consumer", ".terraform.lock.hcl"), lock);
      return spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", initLine], {
        cwd: checkout,
        env: { PATH: process.env.PATH, HOME: work, STACKS: stacks, stack: "consumer", TF_CLI_CONFIG_FILE: cliConfig, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" },
        encoding: "utf8",
      });
    };
    expect(init(lockFor(zh))).toMatchObject({ status: 0 });
    const refused = init(lockFor("0".repeat(64)));
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/checksums previously recorded in the dependency lock file/);
    // A provider the mirror does not hold cannot be installed from anywhere, whatever the lock file says.
    const http = `provider "registry.terraform.io/hashicorp/http" {\n  version     = "3.4.0"\n  constraints = "3.4.0"\n  hashes = [\n    "zh:${"1".repeat(64)}",\n  ]\n}\n`;
    const other = init(`${lockFor(zh)}\n${http}`, { aws: { source: "aws", version: "5.100.0" }, http: { source: "hashicorp/http", version: "3.4.0" } });
    expect(other.status).not.toBe(0);
    expect(other.stderr).toMatch(/hashicorp\/http/);
  }, 120_000);
});
