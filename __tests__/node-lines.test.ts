// The Node.js lines the project supports (22 and 24, package.json "engines"), the binaries CI
// and the emulator run (tools/node), and the install-script review (scripts/check-install.js).
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "./support/config";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { REVIEWED, withInstallScripts } = require("../scripts/check-install.js") as {
  REVIEWED: Record<string, () => string>;
  withInstallScripts: (lock: unknown) => string[];
};

const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8"));
const project = readJson("package.json");
const tools = readJson("tools/node/package.json");
const toolsLock = readJson("tools/node/package-lock.json");

/** Tracked-looking text files of the project (what a reader and the build see), without installs and output. */
function projectFiles(dir = ""): string[] {
  const skip = new Set(["node_modules", ".git", ".build", "cdktf.out", "cdktf.out.hcl", "__pycache__", "state", ".terraform"]);
  return fs.readdirSync(path.join(PROJECT_ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (skip.has(entry.name)) return [];
    if (entry.isDirectory()) return projectFiles(relative);
    return /\.(ts|js|py|json|yml|md|sh)$|^run$|^help$/.test(entry.name) ? [relative] : [];
  });
}

describe("Node.js 22 and 24", () => {
  test("engines: the two LTS lines, 22 (the Lambdas' nodejs22.x) and 24", () => {
    expect(project.engines).toEqual({ node: "22.x || 24.x" });
  });

  test("@types/node follows the oldest supported line", () => {
    expect(project.devDependencies["@types/node"]).toMatch(/^22\.\d+\.\d+$/);
  });

  test("tools/node: Node.js 22 and 24 for linux x64 and arm64, exact versions, optional and os/cpu-bound, integrity in the lock", () => {
    expect(tools.dependencies).toBeUndefined();
    const entries = Object.entries(tools.optionalDependencies as Record<string, string>);
    expect(entries.map(([alias]) => alias).sort()).toEqual(["node22-linux-arm64", "node22-linux-x64", "node24-linux-arm64", "node24-linux-x64"]);
    for (const [alias, spec] of entries) {
      const [, major, platform, cpu] = /^node(\d+)-(\w+)-(\w+)$/.exec(alias)!;
      // The alias names the package and the major it holds; the version is exact.
      expect(spec).toMatch(new RegExp(`^npm:node-${platform}-${cpu}@${major}\\.\\d+\\.\\d+$`));
      const locked = toolsLock.packages[`node_modules/${alias}`];
      expect(locked).toMatchObject({ name: `node-${platform}-${cpu}`, version: spec.split("@")[1], optional: true, os: platform, cpu });
      expect(locked.integrity).toMatch(/^sha512-/);
    }
    // Both majors of the same release of each platform package.
    const versions = (major: number) => new Set(entries.filter(([alias]) => alias.startsWith(`node${major}-`)).map(([, spec]) => spec.split("@")[1]));
    expect(versions(22).size).toBe(1);
    expect(versions(24).size).toBe(1);
  });

  test("the AWS SDK's notice that a Node.js line is ending reaches users: nothing hides it", () => {
    const hiding = projectFiles().filter((file) => fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8").includes("AWS_SDK_JS_NODE_VERSION" + "_SUPPORT_WARNING_DISABLED"));
    expect(hiding).toEqual([]);
  });
});

describe("install scripts (npm ci --ignore-scripts in .ci/run)", () => {
  test("every package of the lock file with an install script is reviewed in scripts/check-install.js, and nothing else", () => {
    expect(withInstallScripts(readJson("package-lock.json"))).toEqual(Object.keys(REVIEWED).sort());
  });

  test("a new package with an install script is listed, however deep it sits", () => {
    const lock = {
      packages: {
        "": { name: "x", hasInstallScript: true },
        "node_modules/esbuild": { version: "1.0.0", hasInstallScript: true },
        "node_modules/a/node_modules/@scope/native": { version: "2.0.0", hasInstallScript: true },
        "node_modules/alias": { name: "real-name", version: "3.0.0", hasInstallScript: true },
        "node_modules/plain": { version: "1.0.0" },
      },
    };
    expect(withInstallScripts(lock)).toEqual(["@scope/native", "esbuild", "real-name"]);
  });

  test(".ci/run installs with --ignore-scripts, then runs the review, and every npm ci it runs skips scripts", () => {
    const run = fs.readFileSync(path.join(PROJECT_ROOT, ".ci", "run"), "utf8");
    const installs = run.split("\n").filter((line) => /^\s*npm ci\b/.test(line));
    expect(installs.length).toBeGreaterThanOrEqual(2);
    for (const line of installs) expect(line).toContain("--ignore-scripts");
    expect(run.indexOf("node scripts/check-install.js")).toBeGreaterThan(run.indexOf("npm ci --ignore-scripts --no-audit"));
  });
});
