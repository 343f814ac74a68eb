#!/usr/bin/env node
// Runs a TypeScript entry point fast: esbuild transpiles and bundles the
// project's own files (dependencies stay external and load from node_modules)
// in a few milliseconds, then the result runs in this same process.
// Type-checking is `npm run typecheck`'s job, not the runner's.
//
//   node scripts/run-ts.js cli/users.ts add alice
"use strict";
const path = require("path");
const fs = require("fs");
const { reusableOutput, writeStampedOutput } = require("../lib/build-stamp");

// The oldest Node.js line the project supports (package.json "engines").
const TARGET = "node22";

function compile(entry) {
  const root = path.resolve(__dirname, "..");
  const absoluteEntry = path.resolve(entry);
  const name = path.relative(root, absoluteEntry).replace(/[\\/]/g, "_").replace(/\.ts$/, "");
  const outfile = path.join(root, ".build", "run", `${name}.js`);
  // Reused while main.ts and every file it imports are unchanged (lib/build-stamp.js).
  const key = JSON.stringify({ esbuild: require("esbuild/package.json").version, entry: path.relative(root, absoluteEntry), target: TARGET });
  if (reusableOutput(root, outfile, key)) return outfile;
  const esbuild = require("esbuild");
  const result = esbuild.buildSync({
    entryPoints: [absoluteEntry],
    outfile,
    write: false,
    bundle: true,
    packages: "external",
    platform: "node",
    target: TARGET,
    format: "cjs",
    sourcemap: "inline",
    logLevel: "warning",
    metafile: true,
    absWorkingDir: root,
  });
  // Write then rename (in writeStampedOutput): two runs of the same entry at
  // once (e.g. parallel `npm run users`) must never load each other's half-written file.
  writeStampedOutput(root, outfile, key, result.outputFiles[0].contents, result.metafile);
  return outfile;
}

function runTs(entry, args) {
  const outfile = compile(entry);
  process.argv = [process.argv[0], path.resolve(entry), ...args];
  require(outfile);
}

module.exports = { runTs, compile };

if (require.main === module) {
  const [entry, ...args] = process.argv.slice(2);
  if (!entry || !fs.existsSync(entry)) {
    console.error("usage: node scripts/run-ts.js <file.ts> [args...]");
    process.exit(2);
  }
  runTs(entry, args);
}
