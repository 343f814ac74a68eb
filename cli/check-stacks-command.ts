// `npm run check-stacks`: accepts a synthesized cdktf.out folder (exit 0) only
// if it holds nothing but what this project emits, else refuses it (exit 1)
// with every reason, one per line (lib/stack-gate.ts says what is checked and
// why). The pull-request workflow's report and the plan summary run it on a
// pull request's output; the plan workflow runs it, from the merged commit's
// own checkout, on the stacks it is about to plan, before any credential
// exists in the job.
//
// --lock-file FILE  after accepting, writes stacks/<name>/.terraform.lock.hcl
//                   for each stack: the committed lock file's entries for
//                   exactly the providers that stack requires (a lock file
//                   listing a provider the configuration does not use fails
//                   `terraform init -lockfile=readonly`). All or nothing.
// --json FILE       writes {"accepted", "problems", "stacks": [{name, backend,
//                   providers}]} for the workflow (which backend needs which
//                   token).
// --allow-list FILE checks against another allow-list than the built-in one:
//                   the pull-request report checks a PR's stacks against the
//                   base's list (what the PR adds, for review) and against the
//                   PR's own (what the plan after merge will accept). Read as
//                   data (strict JSON, each field's type checked).
import * as fs from "fs";
import * as path from "path";
import allowListJson from "../lib/stack-allow-list.json";
import { checkSynthOutput, GateResult, lockFileFor, parseLockFile, StackAllowList } from "../lib/stack-gate";
import { isObject, parseStrictJson } from "../lib/strict-json";

export const ALLOW_LIST = allowListJson as StackAllowList;

export const USAGE = `usage: npm run check-stacks -- <synth folder> [--lock-file FILE] [--json FILE] [--allow-list FILE]
  <synth folder>    what \`npm run synth\` writes (cdktf.out: manifest.json and stacks/)
  --lock-file FILE  after accepting, write each stack's .terraform.lock.hcl from FILE
  --json FILE       also write the verdict as JSON
  --allow-list FILE check against FILE instead of lib/stack-allow-list.json
Exit status: 0 accepted, 1 refused (every reason on stderr), 2 usage.`;

export interface CliIo {
  readonly cwd: string;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/**
 * A line for a terminal or a CI log: control characters (ANSI escapes, CR,
 * bidi overrides) in PR-controlled keys and values shown as \\u escapes.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

export function runCheckStacks(args: readonly string[], io: CliIo, builtIn: StackAllowList = ALLOW_LIST): number {
  let allowList = builtIn;
  let dir: string | undefined;
  let lockFile: string | undefined;
  let jsonOut: string | undefined;
  let allowListFile: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--help" || arg === "-h") {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (arg === "--lock-file" || arg === "--json" || arg === "--allow-list") {
      const value = args[++i];
      if (value === undefined || value.startsWith("--")) return usage(io, `${arg} needs a value`);
      if (arg === "--lock-file") lockFile = value;
      else if (arg === "--json") jsonOut = value;
      else allowListFile = value;
    } else if (arg.startsWith("--")) return usage(io, `unknown option ${JSON.stringify(arg)}`);
    else if (dir === undefined) dir = arg;
    else return usage(io, `one synth folder only (got ${JSON.stringify(dir)} and ${JSON.stringify(arg)})`);
  }
  if (dir === undefined) return usage(io, "which synth folder?");
  if (allowListFile !== undefined) {
    const read = readAllowList(path.resolve(io.cwd, allowListFile));
    if (typeof read === "string") return usage(io, `${allowListFile}: ${read}`);
    allowList = read;
  }
  const root = path.resolve(io.cwd, dir);
  const result: GateResult = checkSynthOutput(root, allowList);
  const problems = [...result.problems];

  // The lock files are written only for accepted stacks, and only if every stack gets one.
  const lockFiles: [string, string][] = [];
  if (lockFile !== undefined && problems.length === 0) {
    let entries: Map<string, string> | undefined;
    try {
      entries = parseLockFile(fs.readFileSync(path.resolve(io.cwd, lockFile), "utf8"));
    } catch (error) {
      problems.push(`${lockFile}: ${(error as Error).message}`);
    }
    for (const stack of entries ? result.stacks : []) {
      const file = path.join(root, "stacks", stack.name, "cdk.tf.json");
      const lock = lockFileFor(parseStrictJson(fs.readFileSync(file)).value ?? null, entries!);
      for (const problem of lock.problems) problems.push(`stacks/${stack.name}: ${problem}`);
      if (lock.text !== undefined) lockFiles.push([path.join(root, "stacks", stack.name, ".terraform.lock.hcl"), lock.text]);
    }
  }
  const accepted = problems.length === 0;
  if (jsonOut !== undefined) {
    const file = path.resolve(io.cwd, jsonOut);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify({ accepted, problems, stacks: result.stacks }, null, 2)}\n`);
  }
  if (!accepted) {
    io.stderr.write(`check-stacks: refused ${printable(dir)}: ${problems.length} problem${problems.length === 1 ? "" : "s"}\n`);
    for (const problem of problems) io.stderr.write(`  ${printable(problem)}\n`);
    return 1;
  }
  for (const [file, text] of lockFiles) fs.writeFileSync(file, text);
  const stacks = result.stacks.map((s) => `${s.name} (backend ${s.backend ?? "none"}; providers ${s.providers.join(", ") || "none"})`);
  io.stdout.write(`check-stacks: accepted ${printable(dir)}: ${stacks.join(", ")}${lockFiles.length > 0 ? `; wrote ${lockFiles.length} lock files` : ""}\n`);
  return 0;
}

/** An allow-list file, read as data: strict JSON with the fields of StackAllowList and their types, or why not. */
export function readAllowList(file: string): StackAllowList | string {
  if (!fs.existsSync(file)) return "no such file";
  const parsed = parseStrictJson(fs.readFileSync(file));
  if (parsed.value === undefined || parsed.errors.length > 0 || parsed.duplicates.length > 0) return "not a strict JSON allow-list";
  const value = parsed.value as Record<string, unknown>;
  const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === "string");
  const ok =
    isObject(parsed.value) &&
    strings(value.stacks) &&
    strings(value.shapes) &&
    strings(value.mapShapes) &&
    strings(value.functions) &&
    typeof value.directives === "boolean" &&
    typeof value.heredocs === "boolean" &&
    isObject(value.pinned as never) &&
    Object.values(value.pinned as Record<string, unknown>).every(strings) &&
    isObject(value.assets as never) &&
    Object.values(value.assets as Record<string, unknown>).every((a) => isObject(a as never) && typeof (a as { file?: unknown }).file === "string" && strings((a as { entries?: unknown }).entries));
  return ok ? (value as unknown as StackAllowList) : "not an allow-list (expected the fields npm run stack-allow-list writes)";
}

function usage(io: CliIo, message: string): number {
  io.stderr.write(`check-stacks: ${message}\n${USAGE}\n`);
  return 2;
}
