#!/usr/bin/env node
// Runs a TypeScript entry point fast: esbuild transpiles and bundles the
// project's own files (dependencies stay external and load from node_modules)
// in a few milliseconds, then the result runs in this same process.
// Type-checking is `npm run typecheck`'s job, not the runner's.
//
//   node scripts/run-ts.js scripts/users.ts add alice
"use strict";
const path = require("path");
const fs = require("fs");

function compile(entry) {
  const esbuild = require("esbuild");
  const root = path.resolve(__dirname, "..");
  const absoluteEntry = path.resolve(entry);
  const name = path.relative(root, absoluteEntry).replace(/[\\/]/g, "_").replace(/\.ts$/, "");
  const outfile = path.join(root, ".build", "run", `${name}.js`);
  esbuild.buildSync({
    entryPoints: [absoluteEntry],
    outfile,
    bundle: true,
    packages: "external",
    platform: "node",
    target: "node20",
    format: "cjs",
    sourcemap: "inline",
    logLevel: "warning",
  });
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
