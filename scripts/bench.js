#!/usr/bin/env node
// npm run bench: wall time and peak memory of synth (median of several runs)
// next to the floor measured in the same run, a bare `node -e "require('cdktf')"`,
// plus the unit suite. Targets (2-core machine): synth of both stacks < 2 s and
// < 300 MB, unit suite < 30 s; the goal for synth is within 3x of the floor.
//
// Then the emulator deploy (scripts/bench-deploy.ts): the first `cdktf deploy`
// and a PassiveIp change, each with the restarts it caused (must be 0 and 1).
// BENCH_DEPLOY=0 leaves it out (it needs terraform, the provider mirror and moto).
//
// Then the identity provider's logins (scripts/bench-login.ts): latency p50/p99
// of the real handler on the emulator, cold and warm, known user, unknown name,
// throttled, at 256, 1024 and 1769 MB (the CPU share of each emulated with a
// CFS quota when run as root), and the Lambda cost per million logins.
// BENCH_LOGIN=0 leaves it out; alone: node scripts/run-ts.js scripts/bench-login.ts
//
//   BENCH_RUNS=7 npm run bench
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const USAGE = "usage: npm run bench   (BENCH_RUNS=<n> runs per measure, default 5; BENCH_DEPLOY=0 leaves out the emulator deploy)";
const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (args.length > 0) {
  process.stderr.write(`${USAGE}\nbench: unknown argument ${JSON.stringify(args[0])}\n`);
  process.exit(2);
}

const root = path.resolve(__dirname, "..");
const runs = Number(process.env.BENCH_RUNS || 5);
const GNU_TIME = ["/usr/bin/time", "/bin/time"].find((p) => fs.existsSync(p));
if (!GNU_TIME) {
  console.error("bench: GNU time is needed for peak memory (apt-get install time)");
  process.exit(2);
}

/** Runs a command under GNU time; returns wall seconds and peak RSS in MB. */
function measure(command, args, env = {}) {
  const result = spawnSync(GNU_TIME, ["-f", "BENCH %e %M", command, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
  const line = result.stderr.trim().split("\n").reverse().find((l) => l.startsWith("BENCH "));
  if (result.status !== 0 || !line) {
    throw new Error(`${command} ${args.join(" ")} failed (exit ${result.status}):\n${result.stderr}${result.stdout}`);
  }
  const [, seconds, kilobytes] = line.split(" ");
  return { seconds: Number(seconds), megabytes: Number(kilobytes) / 1024 };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

function bench(label, command, args, count, env) {
  measure(command, args, env); // warm the file cache; not counted
  const samples = Array.from({ length: count }, () => measure(command, args, env));
  return {
    label,
    seconds: median(samples.map((s) => s.seconds)),
    megabytes: median(samples.map((s) => s.megabytes)),
    runs: count,
  };
}

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-synth-"));
const env = { CDKTF_OUTDIR: outdir };
const node = process.execPath;
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

console.log(`bench: ${os.cpus().length} CPU(s), node ${process.version}, ${runs} runs each (median)\n`);
const floor = bench(`floor: node -e "require('cdktf')"`, node, ["-e", "require('cdktf')"], runs);
const synth = bench("synth: node scripts/synth.js (both stacks)", node, ["scripts/synth.js"], runs, env);
const npmSynth = bench("npm run synth (adds npm's own start-up)", npm, ["run", "--silent", "synth"], runs, env);
const unitRuns = Number(process.env.BENCH_UNIT_RUNS || 1);
const unit = bench("unit suite: jest --selectProjects unit", node, [path.join("node_modules", ".bin", "jest"), "--selectProjects", "unit", "--silent"], unitRuns);
fs.rmSync(outdir, { recursive: true, force: true });

const rows = [floor, synth, npmSynth, unit];
const width = Math.max(...rows.map((r) => r.label.length));
for (const row of rows) {
  const ratio = row === floor || row === unit ? "" : `  ${(row.seconds / floor.seconds).toFixed(1)}x floor`;
  console.log(`${row.label.padEnd(width)}  ${row.seconds.toFixed(2).padStart(6)} s  ${row.megabytes.toFixed(0).padStart(4)} MB${ratio}`);
}

const checks = [
  [`synth under 2 s`, synth.seconds < 2, true],
  [`synth under 300 MB`, synth.megabytes < 300, true],
  [`synth within 3x of the floor (goal)`, synth.seconds <= 3 * floor.seconds, false],
  [`unit suite under 30 s`, unit.seconds < 30, true],
];

if (process.env.BENCH_DEPLOY !== "0") {
  // One run: a deploy is minutes, not milliseconds, and its count of restarts is exact.
  const result = spawnSync(node, ["scripts/run-ts.js", "scripts/bench-deploy.ts"], { cwd: root, encoding: "utf8", env: process.env });
  if (result.status !== 0) {
    console.error(`bench: emulator deploy failed (exit ${result.status}):\n${result.stderr}`);
    process.exit(1);
  }
  const deploy = JSON.parse(result.stdout.trim().split("\n").pop());
  console.log("");
  console.log(`emulator: first cdktf deploy (both stacks)      ${deploy.firstDeploy.seconds.toFixed(1).padStart(6)} s  restarts: ${deploy.firstDeploy.restarts}`);
  console.log(`emulator: PassiveIp change (cdktf deploy)       ${deploy.passiveIpChange.seconds.toFixed(1).padStart(6)} s  restarts: ${deploy.passiveIpChange.restarts}`);
  checks.push([`no restart on the first deploy`, deploy.firstDeploy.restarts === 0, true]);
  checks.push([`exactly one restart for a PassiveIp change`, deploy.passiveIpChange.restarts === 1, true]);
}

if (process.env.BENCH_LOGIN !== "0") {
  // Login latency and cost of the identity provider per Lambda memory size (scripts/bench-login.ts).
  console.log("");
  const result = spawnSync(node, ["scripts/run-ts.js", "scripts/bench-login.ts"], { cwd: root, encoding: "utf8", env: process.env });
  process.stdout.write(result.stdout);
  if (result.status !== 0) {
    console.error(`bench: login bench failed (exit ${result.status}):\n${result.stderr}`);
    process.exit(1);
  }
}

console.log("");
for (const [name, ok] of checks) console.log(`${ok ? "ok  " : "MISS"} ${name}`);
process.exitCode = checks.every(([, ok, required]) => ok || !required) ? 0 : 1;
