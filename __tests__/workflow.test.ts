// .github/workflows/pull-request.yml: parses, runs only commands that exist,
// pins every action to a commit, and keeps PR code away from every secret,
// the cloud role and write permissions (issue 18, findings 1, 2 and 8).
// Structure is checked on the parsed YAML; the two steps that guard a trust
// boundary with a script (the stack check before `terraform plan`, and the
// comment body assembly) are run for real with bash/node on crafted input.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseDocument } from "yaml";
import { PROJECT_ROOT } from "./support/config";

const WORKFLOW = path.join(PROJECT_ROOT, ".github", "workflows", "pull-request.yml");
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

const text = fs.readFileSync(process.env.WORKFLOW_UNDER_TEST ?? WORKFLOW, "utf8");
const document = parseDocument(text);
const workflow = document.toJS() as Workflow;
const jobs = Object.entries(workflow.jobs ?? {});
const allSteps = jobs.flatMap(([id, job]) => (job.steps ?? []).map((step) => ({ job: id, step })));
const scripts = Object.keys((JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts);
const README = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");

/** The job whose steps run a command matching `pattern`. */
function jobRunning(pattern: RegExp): [string, Job] {
  const found = jobs.filter(([, job]) => (job.steps ?? []).some((step) => pattern.test(step.run ?? "")));
  expect(found.map(([id]) => id)).toHaveLength(1);
  return found[0];
}

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

function stepNamed(job: Job, pattern: RegExp): Step {
  const found = (job.steps ?? []).filter((s) => pattern.test(s.name ?? ""));
  expect(found).toHaveLength(1);
  return found[0];
}

/** Runs a step's `run:` script as GitHub's default bash shell does (bash -e -o pipefail). */
function runStep(step: Step, env: Record<string, string>) {
  return spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", step.run ?? ""], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    encoding: "utf8",
    timeout: 20_000,
  });
}

describe("the pull-request workflow", () => {
  test("is valid YAML, triggered by pull_request only (never pull_request_target)", () => {
    expect(document.errors).toEqual([]);
    expect(document.warnings).toEqual([]);
    expect(Object.keys(workflow.on ?? {})).toEqual(["pull_request"]);
    expect(jobs.length).toBeGreaterThanOrEqual(5);
  });

  test("every job has runs-on and steps; every step either uses an action or runs a command", () => {
    for (const [id, job] of jobs) {
      expect({ id, runsOn: typeof job["runs-on"] }).toEqual({ id, runsOn: "string" });
      expect(Array.isArray(job.steps) && job.steps.length > 0).toBe(true);
      for (const step of job.steps!) {
        expect({ id, step: [typeof step.uses, typeof step.run].filter((t) => t === "string").length }).toEqual({ id, step: 1 });
      }
    }
  });

  test("every action is pinned to a verified 40-hex commit SHA with its version in a comment", () => {
    const lines = text.split("\n").filter((line) => /^\s*(-\s+)?uses:/.test(line));
    expect(lines.length).toBeGreaterThan(10);
    const pins = lines.map((line) => {
      const match = /uses:\s*([\w.-]+\/[\w.-]+)@([0-9a-f]{40})\s+#\s*(v\d+\.\d+\.\d+)\s*$/.exec(line);
      return match ? { action: match[1], sha: match[2], version: match[3] } : { unpinned: line.trim() };
    });
    expect(pins.filter((p) => "unpinned" in p)).toEqual([]);
    for (const pin of pins as { action: string; sha: string; version: string }[]) {
      expect({ action: pin.action, sha: pin.sha, version: pin.version }).toEqual({ action: pin.action, ...VERIFIED_PINS[pin.action] });
    }
    // The parsed `uses:` values are the same ones (no pin hidden in a flow mapping).
    expect(allSteps.filter(({ step }) => step.uses).length).toBe(lines.length);
  });

  test("every checkout leaves no token behind (persist-credentials: false)", () => {
    const all = jobs.flatMap(([, job]) => checkouts(job));
    expect(all.length).toBeGreaterThanOrEqual(4);
    for (const step of all) expect(step.with?.["persist-credentials"]).toBe(false);
  });

  test("every npm ci runs no package lifecycle scripts (--ignore-scripts)", () => {
    const installs = allSteps.filter(({ step }) => /\bnpm (ci|install|i)\b/.test(step.run ?? ""));
    expect(installs.length).toBeGreaterThanOrEqual(4);
    for (const { job, step } of installs) {
      expect({ job, run: step.run }).toEqual({ job, run: expect.stringMatching(/^npm ci --ignore-scripts\b/) });
    }
  });

  test("nothing hides a failure: no continue-on-error anywhere", () => {
    expect(jobs.filter(([, job]) => job["continue-on-error"] !== undefined).map(([id]) => id)).toEqual([]);
    expect(allSteps.filter(({ step }) => step["continue-on-error"] !== undefined).map(({ job, step }) => `${job}: ${step.name ?? step.run ?? step.uses}`)).toEqual([]);
  });

  test("top-level permissions are read-only contents; only the comment job may write to PRs, only the plan job gets an ID token", () => {
    expect(workflow.permissions).toEqual({ contents: "read" });
    expect(jobs.every(([, job]) => typeof job.permissions !== "string")).toBe(true); // no write-all / read-all
    const granted = Object.fromEntries(jobs.map(([id, job]) => [id, writeScopes(job)]));
    const withIdToken = jobs.filter(([, job]) => writeScopes(job).includes("id-token")).map(([id]) => id);
    expect(withIdToken).toEqual(["plan"]);
    expect(granted.plan).toEqual(["id-token"]);
    expect(granted.comment).toEqual(["pull-requests"]);
    for (const [id, scopes] of Object.entries(granted)) {
      if (id !== "comment" && id !== "plan") expect({ id, scopes }).toEqual({ id, scopes: [] });
    }
  });

  test("secrets are scoped to steps: never in the workflow's or a job's env, each secret in one step only", () => {
    expect(mentionsSecrets(workflow.env)).toBe(false);
    for (const [id, job] of jobs) expect({ id, jobEnvHasSecret: mentionsSecrets(job.env) }).toEqual({ id, jobEnvHasSecret: false });
    // A secret may appear only in a step's env: (not in `with:`, `run:` or `if:`, where it would be interpolated into a script).
    const elsewhere = allSteps.filter(({ step }) => mentionsSecrets({ ...step, env: undefined }));
    expect(elsewhere.map(({ job, step }) => `${job}: ${step.name ?? step.uses}`)).toEqual([]);
    const uses = new Map<string, string[]>();
    for (const { job, step } of allSteps) {
      for (const [, secret] of JSON.stringify(step.env ?? {}).matchAll(/secrets\.(\w+)/g)) uses.set(secret, [...(uses.get(secret) ?? []), `${job}: ${step.name}`]);
    }
    expect([...uses.keys()]).toEqual(["TF_API_TOKEN"]);
    for (const [secret, where] of uses) expect({ secret, where: where.length }).toEqual({ secret, where: 1 });
    expect(uses.get("TF_API_TOKEN")![0]).toMatch(/^plan: /);
  });

  test("no job that runs PR code has a secret, an environment or a write permission", () => {
    const prCodeJobs = jobs.filter(([, job]) => checksOutPrCode(job));
    expect(prCodeJobs.map(([id]) => id).sort()).toEqual(["pr-synth", "test"]);
    for (const [id, job] of prCodeJobs) {
      expect({ id, write: writeScopes(job), secrets: mentionsSecrets(job), environment: job.environment }).toEqual({ id, write: [], secrets: false, environment: undefined });
    }
  });

  test("the credentialed job runs behind the environment whose subject the README's OIDC trust names", () => {
    const [, plan] = jobs.find(([id]) => id === "plan")!;
    expect(environmentName(plan)).toBe(PLAN_ENVIRONMENT);
    expect(jobs.filter(([, job]) => job.environment !== undefined).map(([id]) => id)).toEqual(["plan"]);
    expect(README).toContain(`repo:OWNER/REPO:environment:${PLAN_ENVIRONMENT}`);
    // The old subject matched every same-repository PR without review.
    expect(README).not.toMatch(/repo:OWNER\/REPO:pull_request/);
  });

  test("plan: checks out nothing, runs no npm, plans the PR's synthesized stacks read-only with the OIDC role", () => {
    const [, job] = jobs.find(([id]) => id === "plan")!;
    const steps = job.steps!;
    const guard = condition(job.if);
    expect(guard).toContain("vars.AWS_ROLE_ARN != ''");
    expect(guard).toContain(FORK_GUARD);
    expect(checkouts(job)).toEqual([]);
    expect(steps.some((s) => /\b(npm|npx|node)\b/.test(s.run ?? ""))).toBe(false);
    const download = steps.findIndex((s) => s.uses?.startsWith("actions/download-artifact@") && s.with?.name === "pr-synth-plan");
    const check = steps.indexOf(stepNamed(job, /^Check the stacks/));
    const credentials = steps.findIndex((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
    const planStep = steps.findIndex((s) => /terraform .*plan -input=false -lock=false/.test(s.run ?? ""));
    expect(download).toBeGreaterThanOrEqual(0);
    expect([download < check, check < credentials, credentials < planStep, planStep === steps.length - 1]).toEqual([true, true, true, true]);
    expect(steps[credentials].with?.["role-to-assume"]).toBe("${{ vars.AWS_ROLE_ARN }}");
    expect(steps[credentials].with).not.toHaveProperty("aws-access-key-id");
    expect(steps[planStep].env?.TF_TOKEN_app_terraform_io).toBe("${{ secrets.TF_API_TOKEN }}");
    // The artifact it plans comes from the job that synthesized it with the real config.
    const [, prSynth] = jobs.find(([id]) => id === "pr-synth")!;
    const upload = prSynth.steps!.find((s) => s.uses?.startsWith("actions/upload-artifact@") && s.with?.name === "pr-synth-plan");
    expect(upload?.with?.path).toBe("cdktf.plan.out/stacks/");
    expect(prSynth.steps!.find((s) => s.env?.CDKTF_OUTDIR === "cdktf.plan.out")?.env?.TRANSFER_CONFIG).toBe("${{ vars.TRANSFER_CONFIG }}");
    expect([job.needs].flat()).toContain("pr-synth");
    // No other job gets AWS credentials.
    expect(allSteps.filter(({ job: other, step }) => other !== "plan" && step.uses?.startsWith("aws-actions/"))).toEqual([]);
  });

  test("base-synth: its own checkout of the base SHA, no PR artifact, no dependency on PR jobs", () => {
    const [, job] = jobs.find(([id]) => id === "base-synth")!;
    expect(checkouts(job).map((s) => s.with?.ref)).toEqual([BASE_SHA]);
    expect(checkouts(job)[0].with?.path).toBeUndefined(); // the workspace root of its own runner, not a folder beside PR code
    expect(job.needs).toBeUndefined();
    expect(job.steps!.some((s) => s.uses?.startsWith("actions/download-artifact@"))).toBe(false);
    expect(job.steps!.map((s) => s.run ?? "")).toContain("npm run synth:hcl");
    const upload = job.steps!.find((s) => s.uses?.startsWith("actions/upload-artifact@"));
    expect(upload?.with).toMatchObject({ name: "base-hcl", path: "cdktf.out.hcl/" });
  });

  test("report: only the base's code, the PR's output downloaded as data, summary by the base's plan-summary", () => {
    const [, job] = jobs.find(([id]) => id === "report")!;
    expect(checkouts(job).map((s) => s.with?.ref)).toEqual([BASE_SHA]);
    expect([job.needs].flat().sort()).toEqual(["base-synth", "pr-synth"]);
    expect(condition(job.if)).toBe("!cancelled()"); // runs when base-synth failed, to say so
    const downloads = job.steps!.filter((s) => s.uses?.startsWith("actions/download-artifact@")).map((s) => [s.with?.name, s.with?.path]);
    expect(downloads).toEqual([
      ["pr-synth", "pr-synth"],
      ["base-hcl", "base-hcl"],
    ]);
    const summary = stepNamed(job, /^Plan summary/);
    expect(summary.run).toMatch(/du -sk pr-synth/);
    expect(summary.run).toMatch(/npm run plan-summary -- --dir pr-synth\/cdktf\.out --out "\$RUNNER_TEMP\/plan-summary\.md"/);
    expect(stepNamed(job, /^Diff the HCL/).run).toMatch(/diff -ru -x metadata\.json base-hcl\/stacks pr-synth\/cdktf\.out\.hcl\/stacks > "\$RUNNER_TEMP\/hcl\.diff"/);
    // Nothing from the artifacts is run: no step executes a path inside them.
    for (const step of job.steps!) expect(step.run ?? "").not.toMatch(/(^|[\s;|&])(\.\/)?(pr-synth|base-hcl)\/[^\s]*\.(js|ts|sh)\b/);
  });

  test("comment: checks out nothing, posts the report's body with the marker, skipped for forks", () => {
    const [, job] = jobs.find(([id]) => id === "comment")!;
    expect(checkouts(job)).toEqual([]);
    expect(job.steps!.some((s) => s.run !== undefined)).toBe(false);
    expect(condition(job.if)).toContain(FORK_GUARD);
    expect(condition(job.if)).toContain("needs.report.result == 'success'");
    const post = job.steps!.find((s) => s.uses?.startsWith("actions/github-script@"));
    const script = String(post?.with?.script ?? "");
    expect(script).toMatch(/readFileSync\(process\.env\.COMMENT_FILE, "utf8"\)\.slice\(0, 65000\)/);
    expect(script).not.toMatch(/\b(eval|Function|require\(process|exec|spawn)\b/);
    expect(script).toMatch(/updateComment/);
    expect(script).toMatch(/createComment/);
    const commentSteps = allSteps.filter(({ step }) => /^(actions\/github-script|marocchino\/sticky-pull-request-comment)@/.test(step.uses ?? "") || /gh pr comment/.test(step.run ?? ""));
    expect(commentSteps.map(({ job: id }) => id)).toEqual(["comment"]);
  });

  test("runs only npm scripts that package.json defines, and test files that exist", () => {
    const commands = allSteps.flatMap(({ step }) => [...(step.run ?? "").matchAll(/\bnpm run ([\w:.-]+)/g)].map((m) => m[1]));
    expect(commands.length).toBeGreaterThanOrEqual(6);
    expect(commands.filter((name) => !scripts.includes(name))).toEqual([]);
    const testFiles = allSteps.flatMap(({ step }) => [...(step.run ?? "").matchAll(/(__tests__\/[\w./-]+\.test\.ts)/g)].map((m) => m[1]));
    expect(testFiles.length).toBeGreaterThan(0);
    for (const file of testFiles) expect({ file, exists: fs.existsSync(path.join(PROJECT_ROOT, file)) }).toEqual({ file, exists: true });
  });

  test("tests: type-check, unit tests and the synth integration suites, on Node 20", () => {
    const [, job] = jobRunning(/npm run test:unit/);
    const runs = job.steps!.map((s) => s.run ?? "").join("\n");
    expect(runs).toMatch(/npm run typecheck/);
    expect(runs).toMatch(/npx jest __tests__\/integration\/determinism\.test\.ts __tests__\/integration\/hcl\.test\.ts --selectProjects integration$/m);
    const setupNode = job.steps!.find((s) => s.uses?.startsWith("actions/setup-node@"));
    expect(setupNode?.with).toMatchObject({ "node-version": 20, cache: "npm" });
  });
});

describe("the pull-request workflow's scripts, run", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "workflow-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe("plan: the check before terraform touches the PR's stacks", () => {
    const plan = () => jobs.find(([id]) => id === "plan")![1];
    function stacks(extra: (root: string) => void = () => undefined): string {
      const root = path.join(dir, "stacks");
      const write = (file: string, content: string) => {
        fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
        fs.writeFileSync(path.join(root, file), content);
      };
      write("provider/cdk.tf.json", JSON.stringify({ terraform: { required_providers: { aws: { source: "aws", version: "5.100.0" }, null: { source: "null", version: "3.2.4" } } }, data: { aws_partition: { p: {} } } }));
      write("provider/assets/identity-provider_code_archive_0AC57F80/archive.zip", "zip");
      write("consumer/cdk.tf.json", JSON.stringify({ terraform: { required_providers: { aws: { source: "aws", version: "5.100.0" } } } }));
      extra(root);
      return root;
    }
    const check = (root: string) => runStep(stepNamed(plan(), /^Check the stacks/), { STACKS: root });

    test("accepts what `npm run synth` writes", () => {
      const result = check(stacks());
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
    });

    test.each([
      ["a provider plugin in terraform.d (an implied local mirror)", (root: string) => {
        const plugin = path.join(root, "provider/terraform.d/plugins/registry.terraform.io/hashicorp/aws/5.100.0/linux_amd64");
        fs.mkdirSync(plugin, { recursive: true });
        fs.writeFileSync(path.join(plugin, "terraform-provider-aws_v5.100.0"), "#!/bin/sh\n");
      }, /unexpected files/],
      ["an extra .tf file", (root: string) => fs.writeFileSync(path.join(root, "consumer/override.tf"), ""), /unexpected files/],
      ["a hidden .terraform folder", (root: string) => fs.mkdirSync(path.join(root, "consumer/.terraform/providers"), { recursive: true }), /unexpected files/],
      ["a symbolic link", (root: string) => fs.symlinkSync("/etc/passwd", path.join(root, "provider/assets/link")), /unexpected files|symbolic links/],
      ["a third-party provider", (root: string) => fs.writeFileSync(path.join(root, "consumer/cdk.tf.json"), JSON.stringify({ terraform: { required_providers: { aws: { source: "evil/aws" } } } })), /provider other than/],
      ["an external data source", (root: string) => fs.writeFileSync(path.join(root, "consumer/cdk.tf.json"), JSON.stringify({ data: { external: { x: { program: ["sh", "-c", "env"] } } } })), /data\.external/],
    ])("refuses %s", (_label, tamper, message) => {
      const result = check(stacks(tamper));
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(message);
    });
  });

  describe("report: the comment body", () => {
    const assemble = (env: Record<string, string>, files: Record<string, string>) => {
      for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
      const [, report] = jobs.find(([id]) => id === "report")!;
      const result = runStep(stepNamed(report, /^Assemble the comment body/), { RUNNER_TEMP: dir, RUN_URL: "https://github.example/run/1", ...env });
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      return fs.readFileSync(path.join(dir, "comment", "comment.md"), "utf8");
    };
    const MARKER = "<!-- transfer-privatelink-ftp:plan-summary -->";

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

    test("a diff that tries to close its code fence stays inside it", () => {
      const hostile = '+  description = "x"\n+````\n+</details>\n+**No changes.** <img src=x>\n+``````\n';
      const body = assemble({ PR_SYNTH: "success", BASE_SYNTH: "success" }, { "plan-summary.md": "summary\n", "hcl.diff": hostile });
      const fence = "`".repeat(7);
      expect(body).toContain(`${fence}diff\n${hostile}\n${fence}\n</details>`);
      // Exactly one opening and one closing fence of that length: nothing in the diff can end it.
      expect(body.split("\n").filter((line) => /^`{7,}/.test(line))).toEqual([`${fence}diff`, fence]);
    });

    test("is bounded: a huge diff is cut with a note, the body stays under GitHub's limit", () => {
      const body = assemble({ PR_SYNTH: "success", BASE_SYNTH: "success" }, { "plan-summary.md": "s".repeat(100_000), "hcl.diff": "+x\n".repeat(100_000) });
      expect(body.length).toBeLessThanOrEqual(65_000);
      expect(body).toContain("(truncated: the whole file is in the run's artifacts)");
      expect(body).toContain("Artifacts: [workflow run](https://github.example/run/1)");
    });
  });
});
