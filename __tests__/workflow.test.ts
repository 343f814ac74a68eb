// .github/workflows/pull-request.yml and plan.yml: they parse, run only
// commands that exist, pin every action to a commit, keep PR code away from
// every secret, the cloud role and write permissions, and never plan a pull
// request with credentials: the credentialed plan runs after merge, behind
// the gate. Structure is checked on the parsed YAML; the steps that guard a
// trust boundary with a script are run for real with bash/node on crafted
// input: the plan's gate (the five bypasses a security review found in the
// previous check), its provider mirror, the report's gate and its verdict,
// and the comment assembly, whose output is rendered by a CommonMark
// renderer to prove that a forged summary can no longer hide the diff.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import MarkdownIt from "markdown-it";
import { parseDocument } from "yaml";
import { buildApp } from "../stacks/app";
import { configWith, PROJECT_ROOT } from "./support/config";

const WORKFLOW = path.join(PROJECT_ROOT, ".github", "workflows", "pull-request.yml");
const PLAN_WORKFLOW = path.join(PROJECT_ROOT, ".github", "workflows", "plan.yml");
const FORK_GUARD = "github.event.pull_request.head.repo.full_name == github.repository";
const BASE_SHA = "${{ github.event.pull_request.base.sha }}";
/** The GitHub environment guarding the credentialed job; the README's OIDC trust subject names it. */
const PLAN_ENVIRONMENT = "aws-plan";

/**
 * The commits the tags pointed to, read with `git rev-parse <tag>^{commit}` in
 * each action's repository (mirrored 2026-12-01). A new pin must be checked
 * the same way and added here.
 */
const VERIFIED_PINS: Record<string, { sha: string; version: string }> = {
  "actions/checkout": { sha: "11bd71901bbe5b1630ceea73d27597364c9af683", version: "v4.2.2" },
  "actions/setup-node": { sha: "49933ea5288caeca8642d1e84afbd3f7d6820020", version: "v4.4.0" },
  "actions/upload-artifact": { sha: "ea165f8d65b6e75b540449e92b4886f43607fa02", version: "v4.6.2" },
  "actions/download-artifact": { sha: "d3f86a106a0bac45b974a628896c90dbdf5c8093", version: "v4.3.0" },
  "hashicorp/setup-terraform": { sha: "b9cd54a3c349d3f38e8881555d616ced269862dd", version: "v3.1.2" },
  "aws-actions/configure-aws-credentials": { sha: "b47578312673ae6fa5b5096b330d9fbac3d116df", version: "v4.2.1" },
  "actions/github-script": { sha: "60a0d83039c74a4aee543508d2ffcb1c3799cdea", version: "v7.0.1" },
};

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
  "working-directory"?: string;
  "continue-on-error"?: unknown;
}
interface Job {
  name?: string;
  "runs-on"?: unknown;
  if?: string;
  needs?: string | string[];
  environment?: string | { name: string };
  permissions?: Record<string, string> | string;
  env?: Record<string, string>;
  steps?: Step[];
  "continue-on-error"?: unknown;
}
interface Workflow {
  name?: string;
  on?: Record<string, unknown>;
  permissions?: Record<string, string> | string;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

function load(file: string) {
  const text = fs.readFileSync(file, "utf8");
  const document = parseDocument(text);
  const workflow = document.toJS() as Workflow;
  const jobs = Object.entries(workflow.jobs ?? {});
  return { file, text, document, workflow, jobs, steps: jobs.flatMap(([id, job]) => (job.steps ?? []).map((step) => ({ job: id, step }))) };
}
const pr = load(process.env.WORKFLOW_UNDER_TEST ?? WORKFLOW);
const plan = load(PLAN_WORKFLOW);
const BOTH = [pr, plan];
const scripts = Object.keys((JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts);
const README = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");

/** An `if:` expression without the optional ${{ }} wrapper and extra spaces. */
function condition(expression: string | undefined): string {
  return (expression ?? "").replace(/^\s*\$\{\{\s*/, "").replace(/\s*\}\}\s*$/, "").replace(/\s+/g, " ");
}

function writeScopes(job: Job): string[] {
  return Object.entries(typeof job.permissions === "object" ? job.permissions : {})
    .filter(([, level]) => level === "write")
    .map(([scope]) => scope)
    .sort();
}

const checkouts = (job: Job) => (job.steps ?? []).filter((s) => s.uses?.startsWith("actions/checkout@"));
/** A job runs the PR's code if it checks out anything but the base commit (the default checkout is the PR's merge commit). */
const checksOutPrCode = (job: Job) => checkouts(job).some((s) => s.with?.ref !== BASE_SHA);
const mentionsSecrets = (value: unknown) => /\bsecrets\./.test(JSON.stringify(value ?? {}));
const environmentName = (job: Job) => (typeof job.environment === "object" ? job.environment.name : job.environment);
const jobOf = (workflow: typeof pr, id: string) => {
  const found = workflow.jobs.find(([jobId]) => jobId === id);
  expect(found).toBeDefined();
  return found![1];
};

function stepNamed(job: Job, pattern: RegExp): Step {
  const found = (job.steps ?? []).filter((s) => pattern.test(s.name ?? ""));
  expect(found).toHaveLength(1);
  return found[0];
}

/** Runs a step's `run:` script as GitHub's default bash shell does (bash -e -o pipefail). */
function runStep(step: Step, env: Record<string, string>, cwd = PROJECT_ROOT) {
  return spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", step.run ?? ""], {
    cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: os.tmpdir(), npm_config_update_notifier: "false", ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
}

describe("both workflows", () => {
  test("are valid YAML; the PR workflow runs on pull_request only, the plan on a push to main only", () => {
    for (const { document } of BOTH) {
      expect(document.errors).toEqual([]);
      expect(document.warnings).toEqual([]);
    }
    expect(Object.keys(pr.workflow.on ?? {})).toEqual(["pull_request"]);
    // Never pull_request_target, workflow_dispatch or any trigger another branch could start.
    expect(plan.workflow.on).toEqual({ push: { branches: ["main"] } });
    expect(pr.jobs.length).toBeGreaterThanOrEqual(5);
  });

  test("every job has runs-on and steps; every step either uses an action or runs a command", () => {
    for (const { jobs } of BOTH) {
      for (const [id, job] of jobs) {
        expect({ id, runsOn: typeof job["runs-on"] }).toEqual({ id, runsOn: "string" });
        expect(Array.isArray(job.steps) && job.steps.length > 0).toBe(true);
        for (const step of job.steps!) {
          expect({ id, step: [typeof step.uses, typeof step.run].filter((t) => t === "string").length }).toEqual({ id, step: 1 });
        }
      }
    }
  });

  test("every action is pinned to a verified 40-hex commit SHA with its version in a comment", () => {
    for (const { text, steps } of BOTH) {
      const lines = text.split("\n").filter((line) => /^\s*(-\s+)?uses:/.test(line));
      expect(lines.length).toBeGreaterThan(5);
      const pins = lines.map((line) => {
        const match = /uses:\s*([\w.-]+\/[\w.-]+)@([0-9a-f]{40})\s+#\s*(v\d+\.\d+\.\d+)\s*$/.exec(line);
        return match ? { action: match[1], sha: match[2], version: match[3] } : { unpinned: line.trim() };
      });
      expect(pins.filter((p) => "unpinned" in p)).toEqual([]);
      for (const pin of pins as { action: string; sha: string; version: string }[]) {
        expect({ action: pin.action, sha: pin.sha, version: pin.version }).toEqual({ action: pin.action, ...VERIFIED_PINS[pin.action] });
      }
      // The parsed `uses:` values are the same ones (no pin hidden in a flow mapping).
      expect(steps.filter(({ step }) => step.uses).length).toBe(lines.length);
    }
  });

  test("every checkout leaves no token behind (persist-credentials: false)", () => {
    const all = BOTH.flatMap(({ jobs }) => jobs.flatMap(([, job]) => checkouts(job)));
    expect(all.length).toBeGreaterThanOrEqual(6);
    for (const step of all) expect(step.with?.["persist-credentials"]).toBe(false);
  });

  test("every npm ci runs no package lifecycle scripts (--ignore-scripts)", () => {
    const installs = BOTH.flatMap(({ steps }) => steps.filter(({ step }) => /\bnpm (ci|install|i)\b/.test(step.run ?? "")));
    expect(installs.length).toBeGreaterThanOrEqual(6);
    for (const { job, step } of installs) {
      expect({ job, run: step.run }).toEqual({ job, run: expect.stringMatching(/^npm ci --ignore-scripts\b/) });
    }
  });

  test("nothing hides a failure: no continue-on-error anywhere", () => {
    for (const { jobs, steps } of BOTH) {
      expect(jobs.filter(([, job]) => job["continue-on-error"] !== undefined).map(([id]) => id)).toEqual([]);
      expect(steps.filter(({ step }) => step["continue-on-error"] !== undefined).map(({ job, step }) => `${job}: ${step.name ?? step.run ?? step.uses}`)).toEqual([]);
    }
  });

  test("run only npm scripts that package.json defines, and test files that exist", () => {
    const all = BOTH.flatMap(({ steps }) => steps);
    const commands = all.flatMap(({ step }) => [...(step.run ?? "").matchAll(/\bnpm run (?:--silent )?([\w:.-]+)/g)].map((m) => m[1]));
    expect(commands.length).toBeGreaterThanOrEqual(8);
    expect(commands.filter((name) => !scripts.includes(name))).toEqual([]);
    const testFiles = all.flatMap(({ step }) => [...(step.run ?? "").matchAll(/(__tests__\/[\w./-]+\.test\.ts)/g)].map((m) => m[1]));
    expect(testFiles.length).toBeGreaterThan(0);
    for (const file of testFiles) expect({ file, exists: fs.existsSync(path.join(PROJECT_ROOT, file)) }).toEqual({ file, exists: true });
  });

  test("secrets are scoped to steps: never in a workflow's or a job's env; the only one is the HCP token, in one plan step", () => {
    const uses = new Map<string, string[]>();
    for (const { file, workflow, jobs, steps } of BOTH) {
      expect({ file, env: mentionsSecrets(workflow.env) }).toEqual({ file, env: false });
      for (const [id, job] of jobs) expect({ id, jobEnvHasSecret: mentionsSecrets(job.env) }).toEqual({ id, jobEnvHasSecret: false });
      // A secret may appear only in a step's env: (not in `with:`, `run:` or `if:`, where it would be interpolated into a script).
      expect(steps.filter(({ step }) => mentionsSecrets({ ...step, env: undefined })).map(({ job, step }) => `${job}: ${step.name ?? step.uses}`)).toEqual([]);
      for (const { job, step } of steps) {
        for (const [, secret] of JSON.stringify(step.env ?? {}).matchAll(/secrets\.(\w+)/g)) uses.set(secret, [...(uses.get(secret) ?? []), `${path.basename(file)} ${job}: ${step.name}`]);
      }
    }
    expect([...uses.entries()]).toEqual([["TF_API_TOKEN", ["plan.yml plan: terraform plan provider consumer (HCP Terraform)"]]]);
  });
});

describe("the pull-request workflow", () => {
  test("plans nothing with credentials: no id-token, no environment, no secret, no AWS action, no terraform init/plan", () => {
    expect(pr.workflow.permissions).toEqual({ contents: "read" });
    expect(pr.jobs.every(([, job]) => typeof job.permissions !== "string")).toBe(true); // no write-all / read-all
    expect(Object.fromEntries(pr.jobs.map(([id, job]) => [id, writeScopes(job)]))).toEqual({ test: [], "pr-synth": [], "base-synth": [], report: [], comment: ["pull-requests"] });
    expect(pr.jobs.filter(([, job]) => job.environment !== undefined).map(([id]) => id)).toEqual([]);
    expect(mentionsSecrets(pr.workflow)).toBe(false);
    expect(pr.steps.filter(({ step }) => step.uses?.startsWith("aws-actions/"))).toEqual([]);
    expect(pr.steps.filter(({ step }) => /\bterraform\b[^\n]*\b(init|plan|apply)\b/.test(step.run ?? "")).map(({ job }) => job)).toEqual([]);
  });

  test("no job that runs PR code has a secret, an environment or a write permission", () => {
    const prCodeJobs = pr.jobs.filter(([, job]) => checksOutPrCode(job));
    expect(prCodeJobs.map(([id]) => id).sort()).toEqual(["pr-synth", "test"]);
    for (const [id, job] of prCodeJobs) {
      expect({ id, write: writeScopes(job), secrets: mentionsSecrets(job), environment: job.environment }).toEqual({ id, write: [], secrets: false, environment: undefined });
    }
  });

  test("pr-synth: the example config and, when set, the real one, as data for the report", () => {
    const job = jobOf(pr, "pr-synth");
    const runs = job.steps!.map((s) => s.run ?? "");
    expect(runs).toEqual(expect.arrayContaining(["npm run synth", "npm run synth:hcl"]));
    const real = stepNamed(job, /^Synthesize with TRANSFER_CONFIG/);
    expect(real.env).toEqual({ TRANSFER_CONFIG: "${{ vars.TRANSFER_CONFIG }}", CDKTF_OUTDIR: "cdktf.plan.out" });
    expect(condition(real.if)).toBe("vars.TRANSFER_CONFIG != ''");
    const upload = job.steps!.find((s) => s.uses?.startsWith("actions/upload-artifact@"));
    expect(upload?.with).toMatchObject({ name: "pr-synth", path: "cdktf.out/\ncdktf.out.hcl/\ncdktf.plan.out/\nlib/stack-allow-list.json\n" });
  });

  test("base-synth: its own checkout of the base SHA, no PR artifact, no dependency on PR jobs", () => {
    const job = jobOf(pr, "base-synth");
    expect(checkouts(job).map((s) => s.with?.ref)).toEqual([BASE_SHA]);
    expect(checkouts(job)[0].with?.path).toBeUndefined(); // the workspace root of its own runner, not a folder beside PR code
    expect(job.needs).toBeUndefined();
    expect(job.steps!.some((s) => s.uses?.startsWith("actions/download-artifact@"))).toBe(false);
    expect(job.steps!.map((s) => s.run ?? "")).toContain("npm run synth:hcl");
    const upload = job.steps!.find((s) => s.uses?.startsWith("actions/upload-artifact@"));
    expect(upload?.with).toMatchObject({ name: "base-hcl", path: "cdktf.out.hcl/" });
  });

  test("report: only the base's code; its gate, summary and diff read the PR's output as data; it fails last when the gate refused", () => {
    const job = jobOf(pr, "report");
    expect(checkouts(job).map((s) => s.with?.ref)).toEqual([BASE_SHA]);
    expect([job.needs].flat().sort()).toEqual(["base-synth", "pr-synth"]);
    expect(condition(job.if)).toBe("!cancelled()"); // runs when base-synth failed, to say so
    const downloads = job.steps!.filter((s) => s.uses?.startsWith("actions/download-artifact@")).map((s) => [s.with?.name, s.with?.path]);
    expect(downloads).toEqual([
      ["pr-synth", "pr-synth"],
      ["base-hcl", "base-hcl"],
    ]);
    const gate = stepNamed(job, /^Check the PR's stacks/);
    expect(gate.run).toMatch(/npm run --silent check-stacks -- "\$dir" --json "\$RUNNER_TEMP\/gate\/\$config\.json"/);
    expect(gate.run).toMatch(/npm run --silent check-stacks -- "\$dir" --allow-list pr-synth\/lib\/stack-allow-list\.json --json "\$RUNNER_TEMP\/gate-pr\/\$config\.json"/);
    const summary = stepNamed(job, /^Plan summary/);
    expect(summary.run).toMatch(/du -sk pr-synth/);
    expect(summary.run).toMatch(/npm run plan-summary -- --dir pr-synth\/cdktf\.out --out "\$RUNNER_TEMP\/plan-summary\.md"/);
    expect(stepNamed(job, /^Diff the HCL/).run).toMatch(/diff -ru -x metadata\.json base-hcl\/stacks pr-synth\/cdktf\.out\.hcl\/stacks > "\$RUNNER_TEMP\/hcl\.diff"/);
    const steps = job.steps!;
    const order = [gate, summary, stepNamed(job, /^Assemble the comment body/), steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"))!, stepNamed(job, /^Fail when the gate refused/)].map((s) => steps.indexOf(s));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(order[4]).toBe(steps.length - 1);
    // Nothing from the artifacts is run: no step executes a path inside them.
    for (const step of steps) expect(step.run ?? "").not.toMatch(/(^|[\s;|&])(\.\/)?(pr-synth|base-hcl)\/[^\s]*\.(js|ts|sh)\b/);
  });

  test("comment: checks out nothing, posts the report's body with the marker (also when the gate failed the report), skipped for forks", () => {
    const job = jobOf(pr, "comment");
    expect(checkouts(job)).toEqual([]);
    expect(job.steps!.some((s) => s.run !== undefined)).toBe(false);
    expect(condition(job.if)).toContain(FORK_GUARD);
    expect(condition(job.if)).toContain("(needs.report.result == 'success' || needs.report.result == 'failure')");
    const post = job.steps!.find((s) => s.uses?.startsWith("actions/github-script@"));
    const script = String(post?.with?.script ?? "");
    expect(script).toMatch(/readFileSync\(process\.env\.COMMENT_FILE, "utf8"\)\.slice\(0, 65000\)/);
    expect(script).not.toMatch(/\b(eval|Function|require\(process|exec|spawn)\b/);
    expect(script).toMatch(/updateComment/);
    expect(script).toMatch(/createComment/);
    const commentSteps = pr.steps.filter(({ step }) => /^(actions\/github-script|marocchino\/sticky-pull-request-comment)@/.test(step.uses ?? "") || /gh pr comment/.test(step.run ?? ""));
    expect(commentSteps.map(({ job: id }) => id)).toEqual(["comment"]);
  });

  test("tests: type-check, unit tests and the synth integration suites, on Node 20", () => {
    const job = jobOf(pr, "test");
    const runs = job.steps!.map((s) => s.run ?? "").join("\n");
    expect(runs).toMatch(/npm run typecheck/);
    expect(runs).toMatch(/npm run test:unit/);
    expect(runs).toMatch(/npx jest __tests__\/integration\/determinism\.test\.ts __tests__\/integration\/hcl\.test\.ts --selectProjects integration$/m);
    const setupNode = job.steps!.find((s) => s.uses?.startsWith("actions/setup-node@"));
    expect(setupNode?.with).toMatchObject({ "node-version": 20, cache: "npm" });
  });
});

describe("the plan workflow (after merge)", () => {
  test("synth: the merged commit's code with the real config, no secret, no role, no write permission", () => {
    const job = jobOf(plan, "synth");
    expect(checkouts(job).map((s) => s.with?.ref)).toEqual(["${{ github.sha }}"]);
    expect(writeScopes(job)).toEqual([]);
    expect(mentionsSecrets(job)).toBe(false);
    expect(job.environment).toBeUndefined();
    expect(condition(job.if)).toBe("vars.AWS_ROLE_ARN != '' && vars.TRANSFER_CONFIG != ''");
    expect(stepNamed(job, /^Synthesize with TRANSFER_CONFIG/).env).toEqual({ TRANSFER_CONFIG: "${{ vars.TRANSFER_CONFIG }}", CDKTF_OUTDIR: "cdktf.plan.out" });
    expect(job.steps!.find((s) => s.uses?.startsWith("actions/upload-artifact@"))?.with).toMatchObject({ name: "plan-synth", path: "cdktf.plan.out/" });
  });

  test("plan: behind the environment, the gate of the same commit before any credential, lock file read-only, the token only for a cloud backend", () => {
    const job = jobOf(plan, "plan");
    expect(environmentName(job)).toBe(PLAN_ENVIRONMENT);
    expect(plan.workflow.permissions).toEqual({ contents: "read" });
    expect(writeScopes(job)).toEqual(["id-token"]);
    expect(writeScopes(jobOf(plan, "synth"))).toEqual([]);
    expect([job.needs].flat()).toEqual(["synth"]);
    const steps = job.steps!;
    expect(checkouts(job).map((s) => s.with?.ref)).toEqual(["${{ github.sha }}"]);
    const index = (predicate: (s: Step) => boolean) => steps.findIndex(predicate);
    const checkout = index((s) => s.uses?.startsWith("actions/checkout@") === true);
    const download = index((s) => s.uses?.startsWith("actions/download-artifact@") === true && s.with?.name === "plan-synth");
    const gate = steps.indexOf(stepNamed(job, /^Check the stacks \(npm run check-stacks\)/));
    const mirror = steps.indexOf(stepNamed(job, /^Provider mirror/));
    const credentials = index((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@") === true);
    const planLocal = steps.indexOf(stepNamed(job, /^terraform plan provider consumer$/));
    const planCloud = steps.indexOf(stepNamed(job, /^terraform plan provider consumer \(HCP Terraform\)$/));
    expect([checkout < gate, download < gate, gate < mirror, gate < credentials, credentials < planLocal, credentials < planCloud]).toEqual([true, true, true, true, true, true]);
    // Before the gate, nothing but checkout, node, npm ci and the download.
    expect(steps.slice(0, gate).map((s) => s.uses?.replace(/@.*/, "") ?? s.run)).toEqual([
      "actions/checkout",
      "actions/setup-node",
      "npm ci --ignore-scripts --no-audit --no-fund",
      "actions/download-artifact",
    ]);
    expect(steps[gate].id).toBe("gate");
    expect(steps[gate].run).toMatch(/npm run --silent check-stacks -- "\$RUNNER_TEMP\/synth" --lock-file \.terraform\.lock\.hcl --json "\$RUNNER_TEMP\/gate\.json"/);
    expect(steps[credentials].with?.["role-to-assume"]).toBe("${{ vars.AWS_ROLE_ARN }}");
    expect(steps[credentials].with).not.toHaveProperty("aws-access-key-id");
    for (const planStep of [steps[planLocal], steps[planCloud]]) {
      expect(planStep.run).toMatch(/terraform -chdir="\$STACKS\/\$stack" init -input=false -no-color -lockfile=readonly/);
      expect(planStep.run).toMatch(/terraform -chdir="\$STACKS\/\$stack" plan -input=false -lock=false -no-color/);
    }
    expect(condition(steps[planLocal].if)).toBe("steps.gate.outputs.cloud != 'true'");
    expect(steps[planLocal].env).toEqual({ STACKS: "${{ runner.temp }}/synth/stacks" });
    expect(condition(steps[planCloud].if)).toBe("steps.gate.outputs.cloud == 'true'");
    expect(steps[planCloud].env).toEqual({ TF_TOKEN_app_terraform_io: "${{ secrets.TF_API_TOKEN }}", STACKS: "${{ runner.temp }}/synth/stacks" });
    // No other job gets AWS credentials, in either workflow.
    expect(BOTH.flatMap(({ steps: all }) => all).filter(({ job: id, step }) => step.uses?.startsWith("aws-actions/") && id !== "plan").length).toBe(0);
  });

  test("the environment is the one whose subject the README's OIDC trust names, restricted to the default branch", () => {
    expect(plan.jobs.filter(([, job]) => job.environment !== undefined).map(([id]) => id)).toEqual(["plan"]);
    expect(README).toContain(`repo:OWNER/REPO:environment:${PLAN_ENVIRONMENT}`);
    expect(README).toMatch(/Deployment branches and tags[^\n]*\bmain\b/);
    // The old subject matched every same-repository PR without review.
    expect(README).not.toMatch(/repo:OWNER\/REPO:pull_request/);
  });
});

describe("the workflows' scripts, run", () => {
  let dir: string;
  let example: string;
  beforeAll(() => {
    example = fs.mkdtempSync(path.join(os.tmpdir(), "workflow-example-"));
    buildApp(configWith(), { projectRoot: PROJECT_ROOT, outdir: example }).synth();
  });
  afterAll(() => fs.rmSync(example, { recursive: true, force: true }));
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "workflow-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A copy of the example synthesis at `target`, with `edit` applied to the named stack's JSON text. */
  function synthAt(target: string, edits: Partial<Record<"provider" | "consumer", (text: string) => string>> = {}, files: (root: string) => void = () => undefined): string {
    fs.cpSync(example, target, { recursive: true });
    for (const [stack, edit] of Object.entries(edits)) {
      const file = path.join(target, "stacks", stack, "cdk.tf.json");
      fs.writeFileSync(file, edit!(fs.readFileSync(file, "utf8")));
    }
    files(target);
    return target;
  }
  const appendMembers = (members: string) => (text: string) => `${text.trimEnd().replace(/\}$/, "")},\n${members}\n}`;
  const json = (edit: (doc: Record<string, any>) => void) => (text: string) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const doc = JSON.parse(text);
    edit(doc);
    return JSON.stringify(doc);
  };

  describe("plan: the gate step, as the workflow runs it, before any credential", () => {
    const gateStep = () => stepNamed(jobOf(plan, "plan"), /^Check the stacks \(npm run check-stacks\)/);
    const runGate = () => {
      const output = path.join(dir, "github-output");
      fs.writeFileSync(output, "");
      const result = runStep(gateStep(), { RUNNER_TEMP: dir, GITHUB_OUTPUT: output });
      return { ...result, output: fs.readFileSync(output, "utf8") };
    };

    test("accepts what `npm run synth` writes: lock files written, the backends told to the later steps", () => {
      synthAt(path.join(dir, "synth"));
      const result = runGate();
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      expect(result.output).toBe("backends=local\ncloud=false\n");
      expect(fs.readFileSync(path.join(dir, "synth/stacks/provider/.terraform.lock.hcl"), "utf8")).toMatch(/registry\.terraform\.io\/hashicorp\/null/);
    });

    // The five ways past the previous check (file names, required_providers, jq '.data.external').
    test.each<[string, Partial<Record<"provider" | "consumer", (text: string) => string>>, ((root: string) => void) | undefined, RegExp]>([
      ["a duplicate \"data\" key", { consumer: appendMembers('"data": {"external": {"x": {"program": ["sh", "-c", "env"]}}}') }, undefined, /\$\.data: a duplicate key[\s\S]*data source type the project does not use \(external\)/],
      ["array-form blocks", { consumer: json((doc) => (doc.data = [{ external: { x: { program: ["sh", "-c", "env"] } } }])) }, undefined, /\$\.data: an array-form block/],
      [
        "a module under assets/",
        { provider: json((doc) => (doc.module = { m: { source: "./assets/m" } })) },
        (root) => {
          fs.mkdirSync(path.join(root, "stacks/provider/assets/m"), { recursive: true });
          fs.writeFileSync(path.join(root, "stacks/provider/assets/m/main.tf.json"), "{}");
        },
        /stacks\/provider\/assets\/m: a folder that is not an asset[\s\S]*\$\.module: a module/,
      ],
      ["a provider used but never declared", { provider: json((doc) => ((doc.data.http = { h: { url: "https://example.invalid" } }), (doc.resource.local_file = { f: { filename: "/tmp/x", content: "x" } }))) }, undefined, /data source type the project does not use \(http\)[\s\S]*resource type the project does not use \(local_file\)/],
      ["an output of base64encode(file(\"/proc/self/environ\")) with no provider at all", { consumer: () => JSON.stringify({ output: { x: { value: '${base64encode(file("/proc/self/environ"))}' } } }) }, undefined, /calls file\(\), which reads files or the environment/],
    ])("refuses %s, with its reason, writing no lock file and no output", (_label, edits, files, reason) => {
      synthAt(path.join(dir, "synth"), edits, files);
      const result = runGate();
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(/^check-stacks: refused /);
      expect(result.stderr).toMatch(reason);
      expect(result.output).toBe("");
      expect(fs.existsSync(path.join(dir, "synth/stacks/consumer/.terraform.lock.hcl"))).toBe(false);
    });
  });

  test("plan: the provider mirror holds the lock file's providers only, as the official archives, and the CLI config installs from nowhere else", () => {
    const step = stepNamed(jobOf(plan, "plan"), /^Provider mirror/);
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    // A stand-in curl: records each URL and writes a placeholder archive.
    fs.writeFileSync(path.join(bin, "curl"), `#!/bin/sh\nout=""\nwhile [ "$#" -gt 1 ]; do [ "$1" = "-o" ] && out="$2"; shift; done\necho "$1" >> "${dir}/urls"\necho zip > "$out"\n`, { mode: 0o755 });
    const env = path.join(dir, "github-env");
    fs.writeFileSync(env, "");
    const result = runStep(step, { RUNNER_TEMP: dir, GITHUB_ENV: env, PATH: `${bin}:${process.env.PATH}` });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(fs.readFileSync(path.join(dir, "urls"), "utf8").trim().split("\n")).toEqual([
      "https://releases.hashicorp.com/terraform-provider-aws/5.100.0/terraform-provider-aws_5.100.0_linux_amd64.zip",
      "https://releases.hashicorp.com/terraform-provider-null/3.2.4/terraform-provider-null_3.2.4_linux_amd64.zip",
    ]);
    expect(fs.existsSync(path.join(dir, "tf-mirror/registry.terraform.io/hashicorp/aws/terraform-provider-aws_5.100.0_linux_amd64.zip"))).toBe(true);
    const config = fs.readFileSync(path.join(dir, "terraform.rc"), "utf8");
    expect(config).toContain(`path    = "${dir}/tf-mirror"`);
    expect(config).not.toMatch(/\bdirect\b|network_mirror/);
    expect(fs.readFileSync(env, "utf8")).toBe(`TF_CLI_CONFIG_FILE=${dir}/terraform.rc\n`);
  });

  describe("report: the gate's verdict and the job's failure", () => {
    /** A folder laid out like the report job's workspace: the project (links to this checkout) and pr-synth/. */
    function workspace(): string {
      const root = path.join(dir, "workspace");
      fs.mkdirSync(root);
      for (const entry of fs.readdirSync(PROJECT_ROOT)) {
        if (![".git", "cdktf.out", "cdktf.out.hcl", "pr-synth"].includes(entry)) fs.symlinkSync(path.join(PROJECT_ROOT, entry), path.join(root, entry));
      }
      return root;
    }
    const report = () => jobOf(pr, "report");

    test("the gate step records each config's verdict by the base's list and by the PR's own; the last step fails when the PR's own list refuses", () => {
      const root = workspace();
      synthAt(path.join(root, "pr-synth/cdktf.out"), { provider: json((doc) => (doc.resource.aws_lb[Object.keys(doc.resource.aws_lb)[0]].ip_address_type = "ipv4")) });
      synthAt(path.join(root, "pr-synth/cdktf.plan.out"), { provider: json((doc) => (doc.data.http = { h: {} })) });
      // The PR's own allow-list admits the new argument (as `npm run stack-allow-list` would after the change), not data "http".
      const own = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "lib/stack-allow-list.json"), "utf8"));
      own.shapes.push("resource.aws_lb.*.ip_address_type");
      fs.mkdirSync(path.join(root, "pr-synth/lib"), { recursive: true });
      fs.writeFileSync(path.join(root, "pr-synth/lib/stack-allow-list.json"), JSON.stringify(own));
      const gate = runStep(stepNamed(report(), /^Check the PR's stacks/), { RUNNER_TEMP: dir }, root);
      expect(gate.status).toBe(0);
      const verdict = (folder: string, name: string) => JSON.parse(fs.readFileSync(path.join(dir, folder, `${name}.json`), "utf8"));
      expect(verdict("gate", "example")).toMatchObject({ accepted: false, problems: [expect.stringMatching(/ip_address_type: a setting the project does not write/)] });
      expect(verdict("gate-pr", "example")).toMatchObject({ accepted: true });
      expect(verdict("gate", "plan-config")).toMatchObject({ accepted: false, problems: [expect.stringMatching(/data\.http/)] });
      expect(verdict("gate-pr", "plan-config")).toMatchObject({ accepted: false, problems: [expect.stringMatching(/data\.http/)] });
      const fail = stepNamed(report(), /^Fail when the gate refused/);
      expect(runStep(fail, { RUNNER_TEMP: dir }, root)).toMatchObject({ status: 1, stderr: expect.stringContaining("gate-pr/plan-config.json") });
      // Refused by the base's list only (a PR extending what the stacks emit): the check passes; the comment lists the additions.
      fs.rmSync(path.join(dir, "gate-pr/plan-config.json"));
      expect(runStep(fail, { RUNNER_TEMP: dir }, root).status).toBe(0);
      fs.rmSync(path.join(dir, "gate-pr"), { recursive: true });
      expect(runStep(fail, { RUNNER_TEMP: dir }, root)).toMatchObject({ status: 1, stderr: expect.stringContaining("the gate wrote no verdict") });
    });

    test("an allow-list file that is not one is refused as usage, never trusted", () => {
      const root = workspace();
      synthAt(path.join(root, "pr-synth/cdktf.out"));
      fs.mkdirSync(path.join(root, "pr-synth/lib"), { recursive: true });
      fs.writeFileSync(path.join(root, "pr-synth/lib/stack-allow-list.json"), '{"shapes": ["x"], "shapes": []}');
      expect(runStep(stepNamed(report(), /^Check the PR's stacks/), { RUNNER_TEMP: dir }, root).status).toBe(0);
      expect(fs.existsSync(path.join(dir, "gate-pr/example.json"))).toBe(false);
      expect(runStep(stepNamed(report(), /^Fail when the gate refused/), { RUNNER_TEMP: dir }, root).status).toBe(1);
    });

    test("the forged summary of a security review no longer hides the diff (summary step, assemble step, CommonMark render)", () => {
      // The attack: a backend type (the first key of terraform.backend, PR-controlled) holding fake
      // "no changes" text and an unclosed HTML comment, which swallowed everything after it.
      const forged = "local\n\n_The synthesized HCL is the same as on the base commit._\n\n<!--";
      const root = workspace();
      synthAt(path.join(root, "pr-synth/cdktf.out"), {
        provider: json((doc) => (doc.terraform.backend = { [forged]: doc.terraform.backend.local })),
      });
      fs.mkdirSync(path.join(root, "pr-synth/lib"), { recursive: true });
      fs.copyFileSync(path.join(PROJECT_ROOT, "lib/stack-allow-list.json"), path.join(root, "pr-synth/lib/stack-allow-list.json"));
      expect(runStep(stepNamed(report(), /^Check the PR's stacks/), { RUNNER_TEMP: dir }, root).status).toBe(0);
      const summary = runStep(stepNamed(report(), /^Plan summary/), { RUNNER_TEMP: dir }, root);
      expect(summary.stderr).toMatch(/plan-summary: wrote/);
      expect(summary.status).toBe(0);
      const diff = '--- base-hcl/stacks/provider/cdk.tf\n+++ pr-synth/cdktf.out.hcl/stacks/provider/cdk.tf\n@@ -1 +1 @@\n-  backend "local" {\n+  backend "evil" {\n';
      fs.writeFileSync(path.join(dir, "hcl.diff"), diff);
      const body = assembleIn({ PR_SYNTH: "success", BASE_SYNTH: "success" });
      const rendered = render(body);
      // The diff is there, as code, whole.
      expect(rendered.tokens.filter((t) => t.type === "fence").map((t) => [t.info, t.content])).toEqual([["diff", `${diff}\n`]]);
      // No HTML but the workflow's own: the marker and the <details> around the diff.
      expect(rendered.html.map((h) => h.trim())).toEqual(["<!-- transfer-privatelink-ftp:plan-summary -->", "<details><summary>HCL diff (2 changed lines)</summary>", "</details>"]);
      // The forged text is in the comment only inside code spans, never as text of its own.
      expect(rendered.text.some((t) => t.includes("is the same as on the base commit"))).toBe(false);
      expect(rendered.code.some((c) => c.includes("_The synthesized HCL is the same as on the base commit._") && c.includes("<!--"))).toBe(true);
      // The gate refused it too, and the comment says so.
      expect(body).toMatch(/^- the example config's stacks: by the base's allow-list \*\*refused\*\* \(\d+ problems?\); by this pull request's own allow-list, the one the plan after merge uses, \*\*refused\*\*/m);
      expect(body).toContain("show what this pull request's code emitted");
    });
  });

  describe("report: the comment body", () => {
    const assemble = (env: Record<string, string>, files: Record<string, string>) => {
      for (const [name, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), content);
      }
      return assembleIn(env);
    };
    const MARKER = "<!-- transfer-privatelink-ftp:plan-summary -->";
    const ACCEPTED = JSON.stringify({ accepted: true, problems: [], stacks: [] });

    test("says plainly that the base could not be synthesized, instead of 'no changes'", () => {
      const body = assemble({ PR_SYNTH: "success", BASE_SYNTH: "failure" }, { "plan-summary.md": "# Synthesized stacks\n", "hcl.diff": "" });
      expect(body.startsWith(MARKER)).toBe(true);
      expect(body).toContain("**The base commit could not be synthesized** (job `base-synth`: failure): there is no diff.");
      expect(body).not.toContain("is the same as on the base commit");
    });

    test("says 'the same' only when both were synthesized and the diff is empty", () => {
      const body = assemble({ PR_SYNTH: "success", BASE_SYNTH: "success" }, { "plan-summary.md": "# Synthesized stacks\n", "hcl.diff": "" });
      expect(body).toContain("_The synthesized HCL is the same as on the base commit._");
    });

    test("says so when the PR could not be synthesized or the diff is missing", () => {
      expect(assemble({ PR_SYNTH: "failure", BASE_SYNTH: "success" }, {})).toContain("**The pull request could not be synthesized**");
      expect(assemble({ PR_SYNTH: "success", BASE_SYNTH: "success" }, { "plan-summary.md": "x\n" })).toContain("**The HCL diff could not be produced**");
    });

    test("says what the summary and diff are, and the gate's verdicts (or that it did not run)", () => {
      const body = assemble(
        { PR_SYNTH: "success", BASE_SYNTH: "success" },
        {
          "plan-summary.md": "s\n",
          "hcl.diff": "",
          "gate/example.json": ACCEPTED,
          "gate-pr/example.json": ACCEPTED,
          "gate/plan-config.json": JSON.stringify({ accepted: false, problems: ["a", "b"] }),
          "gate-pr/plan-config.json": JSON.stringify({ accepted: false, problems: ["a"] }),
        },
      );
      expect(body).toContain("The summary and the HCL diff below show what this pull request's code emitted when it was synthesized");
      expect(body).toContain("no plan of this pull request runs with credentials");
      expect(body).toContain("- the example config's stacks: by the base's allow-list accepted; by this pull request's own allow-list, the one the plan after merge uses, accepted.");
      expect(body).toContain("- the stacks of `vars.TRANSFER_CONFIG`: by the base's allow-list **refused** (2 problems); by this pull request's own allow-list, the one the plan after merge uses, **refused** (1 problem).");
      fs.rmSync(path.join(dir, "gate"), { recursive: true });
      fs.rmSync(path.join(dir, "gate-pr"), { recursive: true });
      expect(assemble({ PR_SYNTH: "success", BASE_SYNTH: "success" }, {})).toContain(
        "- the example config's stacks: by the base's allow-list **not checked** (see the run); by this pull request's own allow-list, the one the plan after merge uses, **not checked** (see the run).",
      );
    });

    test("a diff that tries to close its code fence stays inside it", () => {
      const hostile = '+  description = "x"\n+````\n+</details>\n+**No changes.** <img src=x>\n+``````\n';
      const body = assemble({ PR_SYNTH: "success", BASE_SYNTH: "success" }, { "plan-summary.md": "summary\n", "hcl.diff": hostile });
      const fence = "`".repeat(7);
      expect(body).toContain(`${fence}diff\n${hostile}\n${fence}\n</details>`);
      // Exactly one opening and one closing fence of that length: nothing in the diff can end it.
      expect(body.split("\n").filter((line) => /^`{7,}/.test(line))).toEqual([`${fence}diff`, fence]);
      expect(render(body).tokens.filter((t) => t.type === "fence").map((t) => t.content)).toEqual([`${hostile}\n`]);
    });

    test("is bounded: a huge summary is cut at a line (no code span cut open), the diff cut with a note, the body under GitHub's limit", () => {
      const line = "| `a` | `b` |\n";
      const body = assemble({ PR_SYNTH: "success", BASE_SYNTH: "success" }, { "plan-summary.md": line.repeat(10_000), "hcl.diff": "+x\n".repeat(100_000) });
      expect(body.length).toBeLessThanOrEqual(65_000);
      const summaryPart = body.slice(body.indexOf("| `a`"), body.indexOf("... (truncated"));
      expect(summaryPart.split("\n").filter((l) => l !== "").every((l) => l === line.trim())).toBe(true);
      expect(body).toContain("(truncated: the whole file is in the run's artifacts)");
      expect(body).toContain("Artifacts: [workflow run](https://github.example/run/1)");
    });
  });

  function assembleIn(env: Record<string, string>): string {
    const result = runStep(stepNamed(jobOf(pr, "report"), /^Assemble the comment body/), { RUNNER_TEMP: dir, RUN_URL: "https://github.example/run/1", ...env });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    return fs.readFileSync(path.join(dir, "comment", "comment.md"), "utf8");
  }
});

/**
 * The comment as GitHub would parse it: CommonMark with raw HTML allowed and
 * GFM tables (markdown-it's default preset with html on). GitHub then hides
 * HTML comments, so whatever an unclosed `<!--` opens (an HTML block, which
 * runs to the end of the document: CommonMark 0.31.2 / GFM spec, "HTML
 * blocks", kind 2) disappears from the page.
 */
function render(markdown: string) {
  const tokens = new MarkdownIt({ html: true }).parse(markdown, {});
  const flat = tokens.flatMap((t) => [t, ...(t.children ?? [])]);
  return {
    tokens,
    html: flat.filter((t) => t.type === "html_block" || t.type === "html_inline").map((t) => t.content),
    text: flat.filter((t) => t.type === "text").map((t) => t.content),
    code: flat.filter((t) => t.type === "code_inline").map((t) => t.content),
  };
}
