// The front door and the guide: README.md is short and starts with what a new
// user needs (the two commands, then deploying), every page of docs/ is
// reachable from it, every link and anchor resolves, `help` fits a terminal
// and names only commands that exist, and the conventions a user looks for
// (LICENSE, CHANGELOG, provider-mirror advice, the telemetry switch) are there.
// Every config key being documented is checked by config-schema.test.ts.
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "./support/config";

const read = (file: string) => fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8");
const README = read("README.md");
const DOCS = fs
  .readdirSync(path.join(PROJECT_ROOT, "docs"))
  .filter((name) => name.endsWith(".md"))
  .sort()
  .map((name) => `docs/${name}`);
const PAGES = ["README.md", ...DOCS, "examples/README.md", "CHANGELOG.md"];
const packageJson = JSON.parse(read("package.json")) as { version: string; license: string; scripts: Record<string, string> };

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2, ... */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    const heading = !fenced && /^#{1,6} (.+)$/.exec(line);
    if (!heading) continue;
    const base = heading[1]
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

/** [text](target) links outside code fences and code spans. */
function links(markdown: string): string[] {
  const targets: string[] = [];
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    if (fenced) continue;
    for (const match of line.replace(/`[^`]*`/g, "").matchAll(/\]\(([^)\s]+)\)/g)) targets.push(match[1]);
  }
  return targets;
}

describe("README.md, the front door", () => {
  const lines = README.split("\n");

  test("is at most 25 KB", () => {
    expect(Buffer.byteLength(README)).toBeLessThanOrEqual(25 * 1024);
  });

  test("the first screen has the two commands: set up and synthesize (no AWS account), run every test", () => {
    const firstScreen = lines.slice(0, 24).join("\n");
    expect(firstScreen).toMatch(/^npm ci && npm run synth +# .*no AWS account/m);
    expect(firstScreen).toMatch(/^npm test +# .*every test/m);
    expect(firstScreen).toContain("All commands: `npm run help`");
  });

  test("the deploy steps are in the first 60 lines: prerequisites, copy an example, edit, deploy, smoke test", () => {
    const first60 = lines.slice(0, 60).join("\n");
    expect(first60).toContain("## Deploy to your AWS account");
    expect(first60).toMatch(/\*\*Prerequisites\*\*.*Node\.js 22 .*Terraform ≥ 1\.10/s);
    expect(first60).toContain("cp examples/single-az.json config/prod.json");
    expect(first60).toContain("npm run deploy");
    expect(first60).toContain("npm run smoke -- --user alice");
  });

  test("every page of docs/ is linked from it", () => {
    const linked = new Set(links(README).map((target) => target.split("#")[0]));
    expect(DOCS.filter((page) => !linked.has(page))).toEqual([]);
    expect(linked).toContain("examples/README.md");
  });
});

describe.each(PAGES)("%s", (page) => {
  test("every relative link and anchor resolves", () => {
    const broken: string[] = [];
    for (const target of links(read(page))) {
      if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
      const [file, anchor] = target.split("#");
      const resolved = file === "" ? page : path.posix.normalize(path.posix.join(path.posix.dirname(page), file));
      if (!fs.existsSync(path.join(PROJECT_ROOT, resolved))) {
        broken.push(`${target}: no file ${resolved}`);
        continue;
      }
      if (anchor !== undefined && resolved.endsWith(".md") && !anchors(read(resolved)).has(anchor)) broken.push(`${target}: no heading #${anchor} in ${resolved}`);
    }
    expect(broken).toEqual([]);
  });

  test("every `npm run <script>` it names exists in package.json", () => {
    const named = [...read(page).matchAll(/npm run ([a-z][\w-]*(?::[\w-]+)?)/g)].map((m) => m[1]);
    expect(named.filter((script) => !(script in packageJson.scripts))).toEqual([]);
  });
});

describe("help (npm run help)", () => {
  const help = read("help");

  test("fits 80 columns", () => {
    expect(help.split("\n").filter((line) => [...line].length > 80)).toEqual([]);
  });

  test("npm run help prints it; an argument is refused after it", () => {
    const printed = spawnSync(process.execPath, ["scripts/help.js"], { cwd: PROJECT_ROOT, encoding: "utf8" });
    expect(printed.status).toBe(0);
    expect(printed.stdout).toBe(help);
    const wrong = spawnSync(process.execPath, ["scripts/help.js", "deploy"], { cwd: PROJECT_ROOT, encoding: "utf8" });
    expect(wrong.status).toBe(2);
    expect(wrong.stderr.trimEnd().split("\n").pop()).toBe('help: takes no arguments, got "deploy"');
  });

  test("names every npm script a user runs, only scripts that exist, and only files that exist", () => {
    const named = new Set([...help.matchAll(/npm run ([a-z][\w-]*(?::[\w-]+)?)/g)].map((m) => m[1]));
    const internal = new Set(["test", "test:unit", "test:integration"]);
    expect(Object.keys(packageJson.scripts).filter((script) => !internal.has(script) && !named.has(script))).toEqual([]);
    expect([...named].filter((script) => !(script in packageJson.scripts))).toEqual([]);
    const files = [...help.matchAll(/\b((?:docs|examples|config)\/[\w.-]+\.(?:md|json))/g)].map((m) => m[1]).filter((file) => file !== "config/prod.json"); // yours
    expect(files.length).toBeGreaterThan(5);
    expect(files.filter((file) => !fs.existsSync(path.join(PROJECT_ROOT, file)))).toEqual([]);
  });
});

describe("conventions a new user looks for", () => {
  test("LICENSE is the standard MPL-2.0 text that package.json declares", () => {
    expect(packageJson.license).toBe("MPL-2.0");
    const license = read("LICENSE");
    expect(license.split("\n")[0]).toBe("Mozilla Public License Version 2.0");
    // The Mozilla Foundation's plain-text MPL-2.0 (as Debian ships it in /usr/share/common-licenses/MPL-2.0).
    expect(createHash("sha256").update(license).digest("hex")).toBe("fab3dd6bdab226f1c08630b1dd917e11fcb4ec5e1e020e2c16f83a0a13863e85");
  });

  test("CHANGELOG.md has a section for package.json's version, and one for unreleased changes", () => {
    const changelog = read("CHANGELOG.md");
    expect(changelog).toContain("## [Unreleased]");
    expect(changelog).toMatch(new RegExp(`^## \\[${packageJson.version.replace(/\./g, "\\.")}\\] - \\d{4}-\\d{2}-\\d{2}$`, "m"));
  });

  test("the provider-mirror advice names hashicorp/null and the terraform_data form; the telemetry switch is documented", () => {
    const deploying = read("docs/deploying.md");
    expect(deploying).toContain("**hashicorp/null**");
    expect(deploying).toContain('"restartResource": "terraform_data"');
    expect(deploying).toContain("CHECKPOINT_DISABLE=1");
    expect(README).toContain("CHECKPOINT_DISABLE=1");
    expect(README).toMatch(/hashicorp\/null or the `terraform_data` form/);
  });
});
