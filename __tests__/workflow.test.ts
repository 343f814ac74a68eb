// .github/workflows/pull-request.yml: parses, runs only commands that exist,
// pins every action, and keeps write access and AWS credentials away from
// forks and from the jobs that do not need them.
import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";
import { PROJECT_ROOT } from "./support/config";

const WORKFLOW = path.join(PROJECT_ROOT, ".github", "workflows", "pull-request.yml");
const FORK_GUARD = "github.event.pull_request.head.repo.full_name == github.repository";

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  "working-directory"?: string;
}
interface Job {
  name?: string;
  "runs-on"?: unknown;
  if?: string;
  needs?: string | string[];
  permissions?: Record<string, string> | string;
  env?: Record<string, string>;
  steps?: Step[];
}
interface Workflow {
  name?: string;
  on?: Record<string, unknown>;
  permissions?: Record<string, string> | string;
  jobs: Record<string, Job>;
}

const text = fs.readFileSync(WORKFLOW, "utf8");
const document = parseDocument(text);
const workflow = document.toJS() as Workflow;
const jobs = Object.entries(workflow.jobs ?? {});
const allSteps = jobs.flatMap(([id, job]) => (job.steps ?? []).map((step) => ({ job: id, step })));
const scripts = Object.keys((JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts);

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

describe("the pull-request workflow", () => {
  test("is valid YAML, triggered by pull_request", () => {
    expect(document.errors).toEqual([]);
    expect(document.warnings).toEqual([]);
    expect(workflow.on).toBeDefined();
    expect(Object.keys(workflow.on!)).toContain("pull_request");
    expect(jobs.length).toBeGreaterThanOrEqual(3);
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

  test("every action is pinned to a full version tag or a commit SHA", () => {
    const uses = allSteps.map(({ step }) => step.uses).filter((u): u is string => u !== undefined);
    expect(uses.length).toBeGreaterThan(5);
    const unpinned = uses.filter((u) => !/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@(v\d+\.\d+\.\d+|[0-9a-f]{40})$/.test(u));
    expect(unpinned).toEqual([]);
  });

  test("top-level permissions are read-only contents; jobs widen them only as they need", () => {
    expect(workflow.permissions).toEqual({ contents: "read" });
    const granted = Object.fromEntries(
      jobs.map(([id, job]) => [
        id,
        Object.entries(typeof job.permissions === "object" ? job.permissions : {})
          .filter(([, level]) => level === "write")
          .map(([scope]) => scope)
          .sort(),
      ]),
    );
    expect(jobs.every(([, job]) => typeof job.permissions !== "string")).toBe(true); // no write-all / read-all
    const [commentJob] = jobRunning(/npm run plan-summary/);
    const [diffJob] = jobRunning(/npm run diff\b/);
    expect(granted[commentJob]).toEqual(["pull-requests"]);
    expect(granted[diffJob]).toEqual(["id-token"]);
    for (const [id, scopes] of Object.entries(granted)) {
      if (id !== commentJob && id !== diffJob) expect({ id, scopes }).toEqual({ id, scopes: [] });
    }
  });

  test("runs only npm scripts that package.json defines", () => {
    const commands = allSteps.flatMap(({ step }) => [...(step.run ?? "").matchAll(/\bnpm run ([\w:.-]+)/g)].map((m) => m[1]));
    expect(commands.length).toBeGreaterThanOrEqual(6);
    const unknown = commands.filter((name) => !scripts.includes(name));
    expect(unknown).toEqual([]);
    // And the test files it names exist.
    const testFiles = allSteps.flatMap(({ step }) => [...(step.run ?? "").matchAll(/(__tests__\/[\w./-]+\.test\.ts)/g)].map((m) => m[1]));
    expect(testFiles.length).toBeGreaterThan(0);
    for (const file of testFiles) expect({ file, exists: fs.existsSync(path.join(PROJECT_ROOT, file)) }).toEqual({ file, exists: true });
  });

  test("tests: type-check, unit tests and the synth integration suites, on Node 20", () => {
    const [, job] = jobRunning(/npm run test:unit/);
    const runs = job.steps!.map((s) => s.run ?? "").join("\n");
    expect(runs).toMatch(/npm run typecheck/);
    // Test paths before --selectProjects, which would take them for project names.
    expect(runs).toMatch(/npx jest __tests__\/integration\/determinism\.test\.ts __tests__\/integration\/hcl\.test\.ts --selectProjects integration$/m);
    const setupNode = job.steps!.find((s) => s.uses?.startsWith("actions/setup-node@"));
    expect(setupNode?.with).toMatchObject({ "node-version": 20, cache: "npm" });
    expect(job.steps!.some((s) => s.uses?.startsWith("hashicorp/setup-terraform@"))).toBe(true);
  });

  test("review: synth JSON and HCL, plan summary to a file, HCL diff against the base branch, both uploaded", () => {
    const [, job] = jobRunning(/npm run plan-summary/);
    const steps = job.steps!;
    const runs = steps.map((s) => s.run ?? "");
    expect(runs).toContain("npm run synth");
    expect(runs).toContain("npm run synth:hcl");
    expect(runs).toContain("npm run plan-summary -- --out plan-summary.md");
    const base = steps.find((s) => s.uses?.startsWith("actions/checkout@") && s.with?.path === "base");
    expect(base?.with?.ref).toBe("${{ github.event.pull_request.base.sha }}");
    expect(steps.find((s) => s["working-directory"] === "base")?.run).toMatch(/npm run synth:hcl/);
    expect(runs.join("\n")).toMatch(/diff -ru .*base\/cdktf\.out\.hcl\/stacks cdktf\.out\.hcl\/stacks > hcl\.diff/);
    const upload = steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"));
    expect(String(upload?.with?.path)).toMatch(/plan-summary\.md/);
    expect(String(upload?.with?.path)).toMatch(/hcl\.diff/);
    expect(steps.findIndex((s) => s === upload)).toBeGreaterThan(runs.findIndex((r) => /hcl\.diff/.test(r)));
  });

  test("the PR comment step is skipped for forks", () => {
    const commentSteps = allSteps.filter(
      ({ step }) =>
        /^(actions\/github-script|marocchino\/sticky-pull-request-comment)@/.test(step.uses ?? "") || /gh pr comment/.test(step.run ?? ""),
    );
    expect(commentSteps).toHaveLength(1);
    for (const { step } of commentSteps) expect(condition(step.if)).toContain(FORK_GUARD);
    const script = String(commentSteps[0].step.with?.script ?? "");
    // One sticky comment: found by its marker and updated, else created.
    expect(script).toMatch(/updateComment/);
    expect(script).toMatch(/createComment/);
    expect(script).toMatch(/plan-summary\.md/);
    expect(script).toMatch(/hcl\.diff/);
  });

  test("the cdktf diff job needs AWS credentials (OIDC role) and never runs for forks", () => {
    const [id, job] = jobRunning(/npm run diff\b/);
    const guard = condition(job.if);
    expect(guard).toContain("vars.AWS_ROLE_ARN != ''");
    expect(guard).toContain(FORK_GUARD);
    expect(job.permissions).toMatchObject({ "id-token": "write" });
    const credentials = job.steps!.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
    expect(credentials?.with?.["role-to-assume"]).toBe("${{ vars.AWS_ROLE_ARN }}");
    expect(credentials?.with).not.toHaveProperty("aws-access-key-id");
    // Credentials come before the diff, and no other job gets them.
    const steps = job.steps!;
    expect(steps.indexOf(credentials!)).toBeLessThan(steps.findIndex((s) => /npm run diff/.test(s.run ?? "")));
    const others = allSteps.filter(({ job: other, step }) => other !== id && step.uses?.startsWith("aws-actions/"));
    expect(others).toEqual([]);
  });
});
