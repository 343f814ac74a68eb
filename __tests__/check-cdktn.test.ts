// scripts/check-cdktn.js (npm run check:cdktn): what it installs (tools/cdktn) and how it decides
// that cdktn's synthesis equals cdktf's. The check itself runs in CI (.ci/run).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "./support/config";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { compareOutputs, movedPackageJson, shadowedDependencies, withoutVersion } = require("../scripts/check-cdktn.js") as {
  compareOutputs: (expected: string, actual: string) => { problems: string[]; count: number };
  shadowedDependencies: (project: unknown, modules: string, ownModules: string) => string[][];
  movedPackageJson: (project: unknown, tools: unknown) => Record<string, Record<string, string>>;
  withoutVersion: (text: string) => string;
};

const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8"));
const project = readJson("package.json");
const tools = readJson("tools/cdktn/package.json");
const toolsLock = readJson("tools/cdktn/package-lock.json");

describe("tools/cdktn: what the check installs", () => {
  test("cdktn and cdktn-cli in place of cdktf and cdktf-cli, constructs in cdktn's peer range, every version exact", () => {
    expect(tools.dependencies).toMatchObject({ cdktf: "npm:cdktn@0.24.0", "cdktn-cli": "0.24.0", constructs: "10.6.0" });
    for (const [name, spec] of Object.entries(tools.dependencies as Record<string, string>)) {
      expect({ name, spec }).toEqual({ name, spec: expect.stringMatching(/^(npm:[\w@/.-]+@)?\d+\.\d+\.\d+$/) });
    }
  });

  test("the peer-dependency conflict is resolved with overrides (every cdktf and constructs of the tree), not --legacy-peer-deps", () => {
    expect(tools.overrides).toEqual({ cdktf: "$cdktf", constructs: "$constructs" });
    const script = fs.readFileSync(path.join(PROJECT_ROOT, "scripts", "check-cdktn.js"), "utf8");
    expect(script).not.toMatch(/"--legacy-peer-deps"|"--force"/);
    expect(script).toMatch(/"ls", "--all"/);
  });

  test("every package it shares with the project has the project's version", () => {
    // (In the check's own copy of the project, package.json is already the moved one.)
    const own = { ...project.dependencies, ...project.devDependencies } as Record<string, string>;
    const shared = Object.keys(tools.dependencies).filter((name) => name in own && !["cdktf", "constructs", "cdktn-cli"].includes(name));
    expect(shared.sort()).toEqual(["@cdktf/provider-aws", "@cdktf/provider-null", "@types/node", "zod"]);
    for (const name of shared) expect({ name, version: tools.dependencies[name] }).toEqual({ name, version: own[name] });
  });

  test("its lock file is the one for this package.json, with cdktf locked to cdktn, and no install scripts", () => {
    expect(toolsLock.packages[""].dependencies).toEqual(tools.dependencies);
    expect(toolsLock.packages["node_modules/cdktf"]).toMatchObject({ name: "cdktn", version: "0.24.0" });
    expect(toolsLock.packages["node_modules/constructs"]).toMatchObject({ version: "10.6.0" });
    expect(Object.keys(toolsLock.packages).filter((p) => toolsLock.packages[p].hasInstallScript)).toEqual([]);
  });

  test("the project's package.json after the move: cdktn for cdktf, cdktn-cli for cdktf-cli, constructs 10.6, the overrides", () => {
    const moved = movedPackageJson(project, tools);
    expect(moved.dependencies).toMatchObject({ cdktf: "npm:cdktn@0.24.0", constructs: "10.6.0" });
    expect(moved.devDependencies["cdktf-cli"]).toBeUndefined();
    expect(moved.devDependencies["cdktn-cli"]).toBe("0.24.0");
    expect(moved.overrides).toEqual(tools.overrides);
    expect(moved.scripts).toEqual(project.scripts);
  });
});

test("the install must not shadow the project's own dependencies (Node's upward lookup would find its copy first)", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "check-cdktn-"));
  try {
    const install = (dir: string, packages: Record<string, string>) => {
      for (const [name, version] of Object.entries(packages)) {
        fs.mkdirSync(path.join(root, dir, name), { recursive: true });
        fs.writeFileSync(path.join(root, dir, name, "package.json"), JSON.stringify({ name, version }));
      }
    };
    // As without the zod pin in tools/cdktn: cdktn-cli's zod 4 hoisted to the top.
    install("cdktn", { zod: "4.4.3", typescript: "5.9.3", cdktf: "0.24.0", constructs: "10.6.0", yargs: "17.7.3" });
    install("own", { zod: "3.24.4", typescript: "5.9.3", cdktf: "0.21.0", constructs: "10.4.2", jest: "29.7.0" });
    const project = { dependencies: { zod: "3.24.4", cdktf: "0.21.0", constructs: "10.4.2" }, devDependencies: { typescript: "5.9.3", jest: "29.7.0" } };
    expect(shadowedDependencies(project, path.join(root, "cdktn"), path.join(root, "own"))).toEqual([["zod", "4.4.3", "3.24.4"]]);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

describe("comparing cdktf's and cdktn's synthesis", () => {
  const stack = (version: string, extra: Record<string, unknown> = {}) => ({
    "//": { metadata: { backend: "local", stackName: "provider", version }, outputs: {} },
    resource: { aws_s3_bucket: { bucket: { bucket: "b" } } },
    ...extra,
  });

  test("the version stamps are all that is ignored, and whitespace (values are compared)", () => {
    expect(withoutVersion(JSON.stringify(stack("0.21.0"), null, 2))).toBe(withoutVersion(JSON.stringify(stack("0.24.0"))));
    expect(withoutVersion('{"stacks": {"a": {"annotations": [\n]}}, "version": "0.21.0"}')).toBe(withoutVersion('{"stacks":{"a":{"annotations":[]}},"version":"0.24.0"}'));
    expect(withoutVersion(JSON.stringify(stack("0.21.0")))).not.toBe(withoutVersion(JSON.stringify(stack("0.24.0", { output: { x: { value: 1 } } }))));
    // A "version" anywhere else is part of the stack.
    const pinned = (version: string) => JSON.stringify({ terraform: { required_providers: { aws: { source: "hashicorp/aws", version } } } });
    expect(withoutVersion(pinned("5.100.0"))).not.toBe(withoutVersion(pinned("6.0.0")));
  });

  test("folders: equal but for the stamps; a changed asset, a missing or an extra file is reported", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "check-cdktn-"));
    try {
      const write = (dir: string, files: Record<string, string>) => {
        for (const [file, text] of Object.entries(files)) {
          fs.mkdirSync(path.dirname(path.join(root, dir, file)), { recursive: true });
          fs.writeFileSync(path.join(root, dir, file), text);
        }
      };
      write("cdktf", { "manifest.json": '{"stacks": {}, "version": "0.21.0"}', "stacks/p/cdk.tf.json": JSON.stringify(stack("0.21.0"), null, 2), "stacks/p/assets/a.zip": "zip" });
      write("same", { "manifest.json": '{"stacks":{},"version":"0.24.0"}', "stacks/p/cdk.tf.json": JSON.stringify(stack("0.24.0")), "stacks/p/assets/a.zip": "zip" });
      write("other", { "manifest.json": '{"stacks":{},"version":"0.24.0"}', "stacks/p/cdk.tf.json": JSON.stringify(stack("0.24.0")), "stacks/p/assets/a.zip": "zap", "stacks/q/cdk.tf.json": "{}" });
      write("fewer", { "manifest.json": '{"stacks":{},"version":"0.24.0"}' });
      expect(compareOutputs(path.join(root, "cdktf"), path.join(root, "same"))).toEqual({ problems: [], count: 3 });
      expect(compareOutputs(path.join(root, "cdktf"), path.join(root, "other")).problems).toEqual([
        "stacks/p/assets/a.zip: differs",
        "stacks/q/cdk.tf.json: only in cdktn's output",
      ]);
      expect(compareOutputs(path.join(root, "cdktf"), path.join(root, "fewer")).problems).toEqual([
        "stacks/p/assets/a.zip: missing from cdktn's output",
        "stacks/p/cdk.tf.json: missing from cdktn's output",
      ]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
