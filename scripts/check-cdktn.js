#!/usr/bin/env node
// `npm run check:cdktn`: proves that this project works on CDK Terrain (cdktn), the community
// continuation of cdktf (archived by HashiCorp on 2025-12-10, 0.21.0 final). In a scratch copy of
// the project, with cdktn and cdktn-cli in place of cdktf and cdktf-cli, it runs the type-check,
// the unit suite and `cdktn synth`, and compares the synthesized output with cdktf's: every file
// of cdktf.out/ identical, the stacks' JSON and the HCL of `synth:hcl` too, but for the version
// stamp (cdktf 0.21.0 vs cdktn 0.24.0).
//
//   npm run check:cdktn [-- --keep]      (--keep: leave the scratch folder for a look)
//
// What gets installed: tools/cdktn/package.json and its lock file (pinned exactly, integrity-
// checked, nothing resolved anew): cdktf aliased to npm:cdktn, cdktn-cli, constructs 10.6
// (cdktn's peer range), the same @cdktf/provider-* the project uses, and `overrides` making every
// cdktf and constructs in the tree those: that is how npm resolves the providers' peer
// dependency on cdktf ^0.21 without --legacy-peer-deps, and `npm ls` must then be clean.
// Everything else (jest, typescript, esbuild, the AWS SDK, ...) is this checkout's node_modules,
// found by Node's upward module lookup from the scratch folder:
//   <tmp>/node_modules           -> a link to this checkout's node_modules
//   <tmp>/cdktn/node_modules     tools/cdktn's install (npm ci)
//   <tmp>/cdktn/project/         the copy (no node_modules: lookups go up to the two above)
// That is sound only while the cdktn install shadows none of the project's own dependencies
// with another version; the check verifies it after the install and stops if one does.
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const TOOLS = path.join(ROOT, "tools", "cdktn");
// The packages the move replaces; every other dependency of the project must resolve as in the checkout.
const REPLACED = new Set(["cdktf", "cdktf-cli", "constructs"]);
// Top-level entries of the checkout the copy leaves out (build output, state); and every node_modules.
const NOT_COPIED = new Set([".git", ".build", "cdktf.out", "cdktf.out.hcl", "state", ".terraform", "coverage"]);
const CLI_ENV = { CHECKPOINT_DISABLE: "1", CI: process.env.CI || "true", FORCE_COLOR: "0" };

const timings = [];
function step(name, fn) {
  const started = Date.now();
  process.stdout.write(`== ${name}\n`);
  const result = fn();
  timings.push([name, (Date.now() - started) / 1000]);
  return result;
}

class CheckFailed extends Error {}

function fail(message) {
  throw new CheckFailed(message);
}

/** Runs a command; `quiet` keeps its stdout unless it fails. */
function run(command, args, { cwd, env = {}, quiet = false }) {
  const result = spawnSync(command, args, {
    cwd,
    env: { ...process.env, ...CLI_ENV, ...env },
    stdio: quiet ? ["ignore", "pipe", "inherit"] : "inherit",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) fail(`${command} ${args.join(" ")}: ${result.error.message}`);
  if (result.status !== 0) {
    if (quiet) process.stdout.write(result.stdout);
    fail(`${path.basename(command)} ${args.join(" ")} (in ${cwd}) exited with ${result.status ?? result.signal}`);
  }
}

/** npm as the one running this script (npm run sets npm_execpath), else the npm on the PATH. */
function npm(args, cwd, options = {}) {
  const cli = process.env.npm_execpath;
  if (cli && /\.c?js$/.test(cli)) run(process.execPath, [cli, ...args], { cwd, ...options });
  else run("npm", args, { cwd, ...options });
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

function versionIn(modules, name) {
  const file = path.join(modules, name, "package.json");
  return fs.existsSync(file) ? readJson(file).version : undefined;
}

/**
 * The project's dependencies (but the ones the move replaces) that the cdktn install holds at top level in
 * another version than the checkout: [name, its version, the project's]. Node's upward lookup would find those first.
 */
function shadowedDependencies(project, modules, ownModules) {
  return Object.keys({ ...project.dependencies, ...project.devDependencies })
    .filter((name) => !REPLACED.has(name))
    .map((name) => [name, versionIn(modules, name), versionIn(ownModules, name)])
    .filter(([, theirs, ours]) => theirs !== undefined && theirs !== ours);
}

/** Numeric compare of dotted versions: is `version` at least `minimum` ("22.23.5" vs "22.19.0")? */
function atLeast(version, minimum) {
  const a = version.split(".").map(Number);
  const b = minimum.split(".").map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] || 0) !== (b[i] || 0)) return (a[i] || 0) > (b[i] || 0);
  return true;
}

/** The project's package.json as it reads after the move: tools/cdktn's versions, cdktn-cli for cdktf-cli, its overrides. */
function movedPackageJson(project, tools) {
  const moved = { ...project, dependencies: { ...project.dependencies }, devDependencies: { ...project.devDependencies } };
  for (const name of ["cdktf", "constructs"]) moved.dependencies[name] = tools.dependencies[name];
  delete moved.devDependencies["cdktf-cli"];
  moved.devDependencies["cdktn-cli"] = tools.dependencies["cdktn-cli"];
  moved.overrides = tools.overrides;
  return moved;
}

/** What the move changes in package.json, in words. */
function packageJsonChanges(before, after) {
  const changes = [];
  for (const group of ["dependencies", "devDependencies"]) {
    for (const name of new Set([...Object.keys(before[group] ?? {}), ...Object.keys(after[group] ?? {})])) {
      const [from, to] = [before[group]?.[name], after[group]?.[name]];
      if (from !== to) changes.push(`${group}.${name}: ${from ?? "-"} -> ${to ?? "-"}`);
    }
  }
  changes.push(`overrides: ${JSON.stringify(after.overrides)}`);
  return changes;
}

/** Every file under dir, relative, sorted. */
function files(dir, prefix = "") {
  return fs
    .readdirSync(path.join(dir, prefix), { withFileTypes: true })
    .flatMap((entry) => {
      const relative = path.join(prefix, entry.name);
      return entry.isDirectory() ? files(dir, relative) : [relative];
    })
    .sort();
}

/**
 * A synthesized JSON file as a value, without the version stamp cdktf/cdktn write into it: the
 * stacks' and metadata files' "//".metadata.version, the manifest's top-level "version". Compared
 * as values: cdktf 0.21 writes an empty object or array over two lines, cdktn as {} and [].
 */
function withoutVersion(text) {
  const json = JSON.parse(text);
  if (json?.["//"]?.metadata) delete json["//"].metadata.version;
  if (json?.stacks && typeof json.version === "string") delete json.version;
  return JSON.stringify(json);
}

/** Differences between two synthesized output folders, ignoring only the version stamp. */
function compareOutputs(expectedDir, actualDir) {
  const problems = [];
  const expected = files(expectedDir);
  const actual = files(actualDir);
  for (const file of new Set([...expected, ...actual])) {
    if (!expected.includes(file)) problems.push(`${file}: only in cdktn's output`);
    else if (!actual.includes(file)) problems.push(`${file}: missing from cdktn's output`);
    else {
      const a = fs.readFileSync(path.join(expectedDir, file));
      const b = fs.readFileSync(path.join(actualDir, file));
      if (a.equals(b)) continue;
      if (file.endsWith(".json") && withoutVersion(a.toString("utf8")) === withoutVersion(b.toString("utf8"))) continue;
      problems.push(`${file}: differs`);
    }
  }
  return { problems, count: expected.length };
}

function main() {
  const keep = process.argv.includes("--keep");
  const tools = readJson(path.join(TOOLS, "package.json"));
  const project = readJson(path.join(ROOT, "package.json"));
  const minimum = tools.engines.node.replace(/^>=/, "");
  const problem = !atLeast(process.versions.node, minimum)
    ? `cdktn-cli needs Node.js >= ${minimum}; this is ${process.versions.node}`
    : !fs.existsSync(path.join(ROOT, "node_modules", "jest"))
      ? "install the project first (npm ci)"
      : undefined;
  if (problem) {
    console.error(`check:cdktn: ${problem}`);
    process.exit(1);
  }

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "cdktn-check-"));
  const install = path.join(scratch, "cdktn");
  const copy = path.join(install, "project");
  const reference = path.join(scratch, "cdktf-reference");
  try {
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(scratch, "node_modules"), "dir");
    fs.mkdirSync(install);
    fs.mkdirSync(reference);

    step("install cdktn and cdktn-cli (tools/cdktn, npm ci)", () => {
      for (const file of ["package.json", "package-lock.json"]) fs.copyFileSync(path.join(TOOLS, file), path.join(install, file));
      // No package of this tree has an install script (the lock file says so); none runs.
      npm(["ci", "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], install);
      // npm ls fails on any invalid, missing or unmet peer dependency in the tree.
      npm(["ls", "--all", "--loglevel=error"], install, { quiet: true });
    });

    step("the install shadows none of the project's dependencies", () => {
      const modules = path.join(install, "node_modules");
      const shadowed = shadowedDependencies(project, modules, path.join(ROOT, "node_modules"));
      if (shadowed.length) {
        fail(
          "tools/cdktn's install would hide the project's own version of: " +
            shadowed.map(([name, theirs, ours]) => `${name} (${theirs}, the project has ${ours})`).join(", ") +
            ". Pin each in tools/cdktn/package.json as the project does, then npm install --package-lock-only there.",
        );
      }
      const cdktf = readJson(path.join(modules, "cdktf", "package.json"));
      if (cdktf.name !== "cdktn") fail(`cdktf resolves to ${cdktf.name}@${cdktf.version}, not cdktn`);
      console.log(`cdktf -> ${cdktf.name}@${cdktf.version}, constructs ${versionIn(modules, "constructs")}, cdktn-cli ${versionIn(modules, "cdktn-cli")}`);
    });

    step("copy the project (package.json as after the move)", () => {
      const copied = (source) => {
        const parts = path.relative(ROOT, source).split(path.sep);
        return !NOT_COPIED.has(parts[0]) && !parts.includes("node_modules");
      };
      fs.cpSync(ROOT, copy, { recursive: true, filter: copied });
      const moved = movedPackageJson(project, tools);
      fs.writeFileSync(path.join(copy, "package.json"), `${JSON.stringify(moved, null, 2)}\n`);
      // The copy keeps the project's package-lock.json for the tests that read it; nothing installs
      // from it: the modules come from tools/cdktn's lock, in the folder above.
      console.log(`package.json after the move: ${packageJsonChanges(project, moved).join("; ")}`);
    });

    const bin = (name) => path.join(ROOT, "node_modules", name);
    /** A package's command, from its package.json "bin". */
    const command = (modules, name, binName = name) => path.join(modules, name, readJson(path.join(modules, name, "package.json")).bin[binName]);
    // Both CLIs ask terraform for its version; an empty CLI configuration keeps the user's out.
    const cliConfig = path.join(scratch, "terraform.rc");
    fs.writeFileSync(cliConfig, "");
    const cliEnv = { TF_CLI_CONFIG_FILE: cliConfig };
    step("type-check (tsc --noEmit)", () => run(process.execPath, [bin("typescript/bin/tsc"), "--noEmit", "-p", copy], { cwd: copy }));
    step("unit suite (jest --selectProjects unit)", () =>
      run(process.execPath, [bin("jest/bin/jest.js"), "--ci", "--selectProjects", "unit", "--silent"], { cwd: copy }),
    );
    step("cdktn synth, and cdktf synth of this checkout", () => {
      run(process.execPath, [command(path.join(install, "node_modules"), "cdktn-cli", "cdktn"), "synth"], { cwd: copy, env: cliEnv });
      run(process.execPath, [command(path.join(ROOT, "node_modules"), "cdktf-cli", "cdktf"), "synth", "--output", path.join(reference, "json")], {
        cwd: ROOT,
        env: cliEnv,
      });
    });
    step("HCL (npm run synth:hcl), both", () => {
      run(process.execPath, ["scripts/synth.js", "--hcl"], { cwd: copy, env: { CDKTF_OUTDIR: path.join(copy, "cdktf.out.hcl") } });
      run(process.execPath, ["scripts/synth.js", "--hcl"], { cwd: ROOT, env: { CDKTF_OUTDIR: path.join(reference, "hcl") } });
    });
    step("the same stacks, but for the version stamp", () => {
      const json = compareOutputs(path.join(reference, "json"), path.join(copy, "cdktf.out"));
      const hcl = compareOutputs(path.join(reference, "hcl"), path.join(copy, "cdktf.out.hcl"));
      const problems = [...json.problems.map((p) => `cdktf.out/${p}`), ...hcl.problems.map((p) => `cdktf.out.hcl/${p}`)];
      if (problems.length) fail(`cdktn's synthesis differs from cdktf's:\n  ${problems.join("\n  ")}`);
      console.log(`identical: ${json.count} files of cdktf.out, ${hcl.count} of cdktf.out.hcl (version stamps aside)`);
    });
  } catch (error) {
    if (!(error instanceof CheckFailed)) throw error;
    console.error(`check:cdktn: ${error.message}`);
    process.exitCode = 1;
  } finally {
    if (keep) console.log(`scratch folder kept: ${scratch}`);
    else fs.rmSync(scratch, { recursive: true, force: true });
    console.log(timings.map(([name, seconds]) => `${seconds.toFixed(1).padStart(6)} s  ${name}`).join("\n"));
  }
  if (!process.exitCode) console.log("check:cdktn: passed");
}

module.exports = { compareOutputs, movedPackageJson, packageJsonChanges, shadowedDependencies, withoutVersion };

if (require.main === module) main();
