// The gate in front of every credentialed `terraform plan` (`npm run
// check-stacks`, README "Pull-request workflow"): it accepts a synthesized
// cdktf.out folder only if it holds nothing but what this project emits.
//
// Why a gate at all: to Terraform, cdk.tf.json is code. Whoever writes it
// chooses which provider binaries run, which data sources read the account,
// and which functions run at plan time with the plan's environment
// (`file("/proc/self/environ")` reads the runner's secrets; Terraform docs,
// "Filesystem Functions"). A check that looks for a few bad things is bypassed
// by everything it did not think of, so this one is an allow-list, derived
// from synths of every config variant (lib/stack-allow-list.json, written by
// `npm run stack-allow-list`; a unit test fails when it drifts):
//   - files: each stack folder holds cdk.tf.json and assets/ only; assets are
//     the Lambda zips at the paths cdktf writes, each holding the expected
//     entries (Terraform loads every *.tf, *.tf.json and terraform.d/ it finds;
//     a zip it never opens);
//   - JSON: strict, UTF-8, no duplicate key anywhere (Terraform's JSON syntax
//     keeps every duplicate, JSON.parse and jq the last: lib/strict-json.ts);
//   - structure: every key path ("shape") is one the project emits, with
//     resource and data names as `*` and the keys of map arguments (tags) as
//     `*`. This alone refuses modules, `check`/`import` blocks, array-form
//     blocks (`"data": [...]`), resource and data-source types of another
//     provider (an undeclared provider is still installed: `data "http"`,
//     `resource "local_file"`), provisioners, `connection` and `dynamic` blocks
//     and backend settings the project does not write;
//   - values that name code or files are pinned to what the project writes:
//     required_providers (source and version), the `provider` of each resource,
//     backend types, local-exec commands (by SHA-256), variable types,
//     shared_config_files; references in depends_on/ignore_changes/
//     replace_triggered_by must be plain references; state paths and Lambda
//     archives must be relative paths of the expected form;
//   - expressions: every string and every key is scanned as a Terraform
//     template (lib/terraform-template.ts); each function it calls must be one
//     the project calls, and the functions that read files or the environment
//     are named as such; directives and heredocs only if the project uses them;
//     anything the scanner cannot read is refused.
// Every reason is reported, each with its file and JSON path.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { unzipSync } from "fflate";
import { isObject, Json, JsonObject, jsonPath, parseStrictJson } from "./strict-json";
import { scanTemplate } from "./terraform-template";

export interface AssetAllowList {
  /** The file name inside `assets/<dir>/<hash>/`. */
  readonly file: string;
  /** The zip's entries, sorted. */
  readonly entries: string[];
}

export interface StackAllowList {
  readonly comment?: string;
  /** Stack folder names. */
  readonly stacks: string[];
  /** Every shape (key path) the stacks use: `resource.aws_lb.*.subnet_mapping[].subnet_id`. */
  readonly shapes: string[];
  /** Shapes whose object value is a map of data (tags): its keys are `*`, its contents not shapes. */
  readonly mapShapes: string[];
  /** Shape -> the values it may hold (a value over 120 characters as `sha256:<hex>`). */
  readonly pinned: Record<string, string[]>;
  /** Every function the stacks' expressions call. */
  readonly functions: string[];
  /** Whether any expression uses a `%{ }` directive / a heredoc. */
  readonly directives: boolean;
  readonly heredocs: boolean;
  /** Asset folder prefix (`identity-provider_code_archive`) -> what it holds. */
  readonly assets: Record<string, AssetAllowList>;
}

/**
 * Terraform functions that read files or the process environment (or render
 * a template that could): Terraform docs, "Filesystem Functions" (abspath,
 * file, fileexists, fileset, filebase64, templatefile, pathexpand) and "Hash
 * and Crypto Functions" (the file* hashes); templatestring (Terraform 1.9)
 * renders a template taken from a value. `core::` spells the same functions
 * (Terraform 1.8). The allow-list refuses them anyway; naming them makes the
 * message say why.
 */
export const FILE_AND_ENVIRONMENT_FUNCTIONS = [
  "abspath",
  "file",
  "filebase64",
  "filebase64sha256",
  "filebase64sha512",
  "fileexists",
  "filemd5",
  "fileset",
  "filesha1",
  "filesha256",
  "filesha512",
  "pathexpand",
  "templatefile",
  "templatestring",
];

/** Shapes whose values are pinned to what the project writes (see StackAllowList.pinned). */
export const PINNED_SHAPES: readonly RegExp[] = [
  /^terraform\.required_providers\.[^.]+\.(source|version)$/,
  /^terraform\.backend$/, // not a leaf: its single key is the backend type, pinned through the shapes
  /^(resource|data)\.[^.]+\.\*\.provider$/,
  /^(resource|data)\.[^.]+\.\*\.provisioner\[\]\.[^.]+\.(command|interpreter|working_dir|when|on_failure|quiet)$/,
  /^variable\.[^.]+\.type$/,
  /^provider\.[^.]+\[\]\.(shared_config_files|shared_credentials_files)\[\]$/,
  /^data\.terraform_remote_state\.\*\.backend$/,
];

/** Shapes whose strings Terraform reads as references, not templates: plain references only. */
const REFERENCE_SHAPES: readonly RegExp[] = [
  /\.depends_on\[\]$/,
  /\.lifecycle\.ignore_changes\[\]$/,
  /\.lifecycle\.replace_triggered_by\[\]$/,
  /^(resource|data)\.[^.]+\.\*\.provider$/,
];
const REFERENCE = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*|\[[0-9]+\])*$/;

/**
 * Shapes holding a path Terraform or the AWS provider reads from disk: only
 * relative paths of the form the project writes (lib/backend.ts: state three
 * levels up from the stack folder; the Lambda archive under assets/).
 */
const PATH_SHAPES: readonly { shape: RegExp; pattern: RegExp; what: string }[] = [
  {
    shape: /^terraform\.backend\.local\.path$|^data\.terraform_remote_state\.\*\.config\.path$/,
    pattern: /^\.\.\/\.\.\/\.\.\/(?!.*(^|\/)\.\.?(\/|$))[A-Za-z0-9_.\/-]+\.tfstate$/,
    what: "a state file path ../../../<dir>/<stack>.tfstate inside the project",
  },
  {
    shape: /^resource\.aws_lambda_function\.\*\.filename$/,
    pattern: /^assets\/[A-Za-z0-9_-]+_[0-9A-F]{8}\/[0-9A-F]{32}\/[A-Za-z0-9_.-]+\.zip$/,
    what: "an archive under assets/ as cdktf writes it",
  },
];

const MAX_JSON_BYTES = 10 * 1024 * 1024;
const MAX_ASSET_BYTES = 20 * 1024 * 1024;
const LONG_VALUE = 120;

export function pinnedValue(value: Json): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > LONG_VALUE ? `sha256:${crypto.createHash("sha256").update(text).digest("hex")}` : text;
}

export function isPinnedShape(shape: string): boolean {
  return PINNED_SHAPES.some((pattern) => pattern.test(shape));
}

// ---------------------------------------------------------------------------
// Walking a document by shape.

export interface ShapeVisit {
  readonly shape: string;
  readonly path: string;
  readonly value: Json;
}

export interface StringVisit {
  /** The string, or the key. */
  readonly text: string;
  readonly path: string;
  readonly shape: string;
  readonly isKey: boolean;
}

/** Object keys that Terraform reads as names, not data: their shape keeps a `*` in their place. */
function shapeKey(parentShape: string, key: string): string {
  // resource.<type>.<name>, data.<type>.<name>: the names are the stack's own.
  if (/^(resource|data)\.[^.]+$/.test(parentShape)) return "*";
  return key;
}

/** Whether `//` at this shape is a comment Terraform ignores (a block body), not a key of data. */
function isCommentPosition(shape: string): boolean {
  return shape === "" || /^(resource|data)\.[^.]+\.\*$/.test(shape);
}

/**
 * Visits every node of a document with its shape, and every string and key
 * (but not inside `//` comments, which Terraform ignores). Below a map shape
 * keys become `*` and nothing deeper is a shape.
 */
export function walkDocument(
  document: Json,
  mapShapes: ReadonlySet<string>,
  onShape: (visit: ShapeVisit) => void,
  onString: (visit: StringVisit) => void,
): void {
  const visit = (value: Json, shape: string, jsonPathText: string, inMap: boolean) => {
    if (!inMap) onShape({ shape, path: jsonPathText, value });
    if (typeof value === "string") {
      onString({ text: value, path: jsonPathText, shape, isKey: false });
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((element, index) => visit(element, inMap ? shape : `${shape}[]`, jsonPath(jsonPathText, index), inMap));
      return;
    }
    if (!isObject(value)) return;
    const isMap = inMap || mapShapes.has(shape);
    for (const [key, child] of Object.entries(value)) {
      const childPath = jsonPath(jsonPathText, key);
      if (!isMap && key === "//" && isCommentPosition(shape)) {
        onShape({ shape: shape === "" ? "//" : `${shape}.//`, path: childPath, value: child });
        continue;
      }
      onString({ text: key, path: childPath, shape, isKey: true });
      const childShape = isMap ? `${shape}.*` : shape === "" ? shapeKey(shape, key) : `${shape}.${shapeKey(shape, key)}`;
      if (isMap && !inMap) onShape({ shape: childShape, path: childPath, value: child });
      visit(child, childShape, childPath, isMap);
    }
  };
  visit(document, "", "$", false);
}

// ---------------------------------------------------------------------------
// Deriving the allow-list (scripts/stack-allow-list.ts) from real syntheses.

export interface DerivedFacts {
  readonly shapes: Set<string>;
  readonly pinned: Map<string, Set<string>>;
  readonly functions: Set<string>;
  directives: boolean;
  heredocs: boolean;
}

export function emptyFacts(): DerivedFacts {
  return { shapes: new Set(), pinned: new Map(), functions: new Set(), directives: false, heredocs: false };
}

/** Adds what one synthesized document uses to `facts`. */
export function collectFacts(document: Json, mapShapes: ReadonlySet<string>, facts: DerivedFacts): void {
  walkDocument(
    document,
    mapShapes,
    ({ shape, value }) => {
      facts.shapes.add(shape);
      if (isPinnedShape(shape)) {
        const values = facts.pinned.get(shape) ?? new Set<string>();
        values.add(shape === "terraform.backend" ? Object.keys(value as JsonObject).join(",") : pinnedValue(value));
        facts.pinned.set(shape, values);
      }
    },
    ({ text }) => {
      const scan = scanTemplate(text);
      if (scan.problems.length > 0) throw new Error(`the project's own template cannot be analyzed: ${scan.problems.join("; ")}: ${text.slice(0, 200)}`);
      for (const call of scan.calls) facts.functions.add(call);
      facts.directives ||= scan.directives;
      facts.heredocs ||= scan.heredocs;
    },
  );
}

// ---------------------------------------------------------------------------
// Checking.

export interface StackVerdict {
  readonly name: string;
  /** The backend type (`local`, `s3`, `cloud`), when the document says. */
  readonly backend?: string;
  /** Local provider names from required_providers. */
  readonly providers: string[];
}

export interface GateResult {
  readonly problems: string[];
  readonly stacks: StackVerdict[];
}

/** Checks one parsed cdk.tf.json; every problem is prefixed with `file`. */
export function checkStackDocument(file: string, document: Json, allowList: StackAllowList): string[] {
  const problems: string[] = [];
  const shapes = new Set(allowList.shapes);
  const mapShapes = new Set(allowList.mapShapes);
  const functions = new Set(allowList.functions);
  const forbidden = new Set(FILE_AND_ENVIRONMENT_FUNCTIONS);
  const refused = new Set<string>(); // JSON paths already refused: report a subtree once
  const isBelowRefused = (p: string) => [...refused].some((r) => p.startsWith(r) && (p.length === r.length || p[r.length] === "." || p[r.length] === "["));

  if (!isObject(document)) {
    return [`${file}: $: expected a JSON object`];
  }
  walkDocument(
    document,
    mapShapes,
    ({ shape, path: at, value }) => {
      if (isBelowRefused(at)) return;
      if (!shapes.has(shape)) {
        refused.add(at);
        problems.push(`${file}: ${at}: ${describeUnknownShape(shape, value)}`);
        return;
      }
      // A list where the project writes an object (Terraform reads a block list as blocks too).
      if (Array.isArray(value) && value.length > 0 && !shapes.has(`${shape}[]`)) {
        refused.add(at);
        problems.push(`${file}: ${at}: ${describeUnknownShape(`${shape}[]`, value)}`);
        return;
      }
      if (isPinnedShape(shape)) {
        const actual = shape === "terraform.backend" ? Object.keys(value as JsonObject).join(",") : pinnedValue(value);
        const allowed = allowList.pinned[shape] ?? [];
        if (!allowed.includes(actual)) {
          problems.push(`${file}: ${at}: ${actual.startsWith("sha256:") ? `a value the project does not write (${actual})` : `${JSON.stringify(actual)} is not one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`}`);
        }
      }
      if (REFERENCE_SHAPES.some((pattern) => pattern.test(shape)) && (typeof value !== "string" || !REFERENCE.test(value))) {
        problems.push(`${file}: ${at}: expected a plain reference such as aws_lb.name, got ${JSON.stringify(value)}`);
      }
      for (const { shape: pattern, pattern: expected, what } of PATH_SHAPES) {
        if (pattern.test(shape) && (typeof value !== "string" || !expected.test(value))) {
          problems.push(`${file}: ${at}: expected ${what}, got ${JSON.stringify(value)}`);
        }
      }
    },
    ({ text, path: at, isKey }) => {
      const scan = scanTemplate(text);
      const where = `${file}: ${at}${isKey ? " (the key)" : ""}`;
      for (const problem of scan.problems) problems.push(`${where}: an expression that cannot be analyzed (${problem})`);
      for (const call of scan.calls) {
        const bare = call.replace(/^core::/, "");
        if (forbidden.has(bare)) problems.push(`${where}: calls ${call}(), which reads files or the environment of the machine running Terraform`);
        else if (!functions.has(call)) problems.push(`${where}: calls ${call}(), a function the project does not use`);
      }
      if (scan.directives && !allowList.directives) problems.push(`${where}: a %{ } template directive (the project writes none)`);
      if (scan.heredocs && !allowList.heredocs) problems.push(`${where}: a heredoc inside an expression (the project writes none)`);
    },
  );
  return problems;
}

function describeUnknownShape(shape: string, value: Json): string {
  const top = shape.split(/[.[]/)[0];
  if (shape === "module" || shape.startsWith("module.")) return "a module (the project uses none; a module's source is more code to run)";
  if (/^(resource|data|provider|output|variable|locals|terraform)\[\]/.test(shape) || /^(resource|data)\.[^.]+\[\]/.test(shape)) {
    return `an array-form block (${shape}); the project writes blocks as objects`;
  }
  if (/^(resource|data)\.[^.]+$/.test(shape)) {
    const kind = top === "resource" ? "resource" : "data source";
    return `a ${kind} type the project does not use (${shape.slice(top.length + 1)}); its provider would be installed and run`;
  }
  if (/\.dynamic(\.|$)/.test(shape)) return `a dynamic block (${shape}), which the project does not write`;
  if (/\.provisioner\[\]\.[^.]+$/.test(shape)) return `a provisioner the project does not write (${shape.split(".").pop()})`;
  if (/\.connection(\.|$)/.test(shape)) return `a connection block (${shape}), which the project does not write`;
  if (/^terraform\.backend\.[^.]+$/.test(shape)) return `a backend type the project does not write (${shape.split(".").pop()})`;
  if (/^terraform\.required_providers\.[^.]+$/.test(shape)) return `a provider the project does not use (${shape.split(".").pop()})`;
  if (!shape.includes(".") && !shape.includes("[")) return `a top-level key the project does not write (${shape})`;
  return `${Array.isArray(value) ? "a list" : isObject(value) ? "a block or object" : "a setting"} the project does not write (${shape})`;
}

/** The files the gate accepts in a synth folder: `manifest.json`, `stacks/<name>/cdk.tf.json`, the asset zips. */
function checkFiles(dir: string, allowList: StackAllowList, problems: string[]): { jsonFiles: [string, string][]; zips: string[] } {
  const jsonFiles: [string, string][] = [];
  const zips: string[] = [];
  const rel = (p: string) => path.relative(dir, p).split(path.sep).join("/");
  const entries = (p: string) => fs.readdirSync(p, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const refuse = (p: string, why: string) => problems.push(`${rel(p)}: ${why}`);
  const kindOf = (entry: fs.Dirent) => (entry.isSymbolicLink() ? "a symbolic link" : entry.isDirectory() ? "a folder" : entry.isFile() ? "a file" : "a special file");

  for (const entry of entries(dir)) {
    const p = path.join(dir, entry.name);
    if (entry.name === "manifest.json" && entry.isFile()) continue;
    if (entry.name === "stacks" && entry.isDirectory()) continue;
    refuse(p, `${kindOf(entry)} the synth output does not hold`);
  }
  const stacksDir = path.join(dir, "stacks");
  if (!fs.existsSync(stacksDir) || !fs.lstatSync(stacksDir).isDirectory()) {
    problems.push("stacks/: missing (expected the folder `npm run synth` writes, holding stacks/<name>/cdk.tf.json)");
    return { jsonFiles, zips };
  }
  const names = new Set<string>();
  for (const entry of entries(stacksDir)) {
    const stackDir = path.join(stacksDir, entry.name);
    if (!entry.isDirectory() || !allowList.stacks.includes(entry.name)) {
      refuse(stackDir, `${kindOf(entry)} that is not a stack of this project (${allowList.stacks.join(", ")})`);
      continue;
    }
    names.add(entry.name);
    for (const inner of entries(stackDir)) {
      const p = path.join(stackDir, inner.name);
      if (inner.name === "cdk.tf.json" && inner.isFile()) jsonFiles.push([entry.name, p]);
      else if (inner.name === "assets" && inner.isDirectory()) checkAssets(p, allowList, refuse, kindOf, entries, zips);
      else refuse(p, `${kindOf(inner)} Terraform would load or use (only cdk.tf.json and assets/ are accepted: any *.tf, *.tf.json, *.tfvars, .terraform/ or terraform.d/ would change what Terraform runs)`);
    }
    if (!jsonFiles.some(([name]) => name === entry.name)) problems.push(`${rel(stackDir)}/cdk.tf.json: missing`);
  }
  for (const expected of allowList.stacks) if (!names.has(expected)) problems.push(`stacks/${expected}/: missing`);
  return { jsonFiles, zips };
}

function checkAssets(
  assetsDir: string,
  allowList: StackAllowList,
  refuse: (p: string, why: string) => void,
  kindOf: (entry: fs.Dirent) => string,
  entries: (p: string) => fs.Dirent[],
  zips: string[],
): void {
  for (const asset of entries(assetsDir)) {
    const assetDir = path.join(assetsDir, asset.name);
    const match = /^(.+)_[0-9A-F]{8}$/.exec(asset.name);
    const expected = match && asset.isDirectory() ? allowList.assets[match[1]] : undefined;
    if (!expected) {
      refuse(assetDir, `${kindOf(asset)} that is not an asset of this project (assets/<construct>_<hash>/<hash>/<archive>.zip)`);
      continue;
    }
    for (const hash of entries(assetDir)) {
      const hashDir = path.join(assetDir, hash.name);
      if (!hash.isDirectory() || !/^[0-9A-F]{32}$/.test(hash.name)) {
        refuse(hashDir, `${kindOf(hash)} where cdktf writes one folder named by the asset's hash`);
        continue;
      }
      for (const file of entries(hashDir)) {
        const p = path.join(hashDir, file.name);
        if (file.name !== expected.file || !file.isFile()) refuse(p, `${kindOf(file)} other than ${expected.file}`);
        else zips.push(p);
      }
    }
  }
  for (const zip of zips.filter((z) => z.startsWith(assetsDir + path.sep))) {
    const asset = /^(.+)_[0-9A-F]{8}$/.exec(path.basename(path.dirname(path.dirname(zip))))![1];
    const expected = allowList.assets[asset];
    const size = fs.statSync(zip).size;
    if (size > MAX_ASSET_BYTES) {
      refuse(zip, `${size} bytes, more than the ${MAX_ASSET_BYTES} accepted`);
      continue;
    }
    const names: string[] = [];
    try {
      // The filter lists every entry and decompresses none.
      unzipSync(fs.readFileSync(zip), { filter: (entry) => (names.push(entry.name), false) });
    } catch (error) {
      refuse(zip, `not a zip archive (${(error as Error).message})`);
      continue;
    }
    const sorted = [...names].sort();
    if (JSON.stringify(sorted) !== JSON.stringify(expected.entries)) {
      refuse(zip, `holds ${JSON.stringify(sorted)}, expected exactly ${JSON.stringify(expected.entries)}`);
    }
  }
}

/** Checks a synth folder (`cdktf.out`): files, then each stack's JSON. Every problem is reported. */
export function checkSynthOutput(dir: string, allowList: StackAllowList): GateResult {
  const problems: string[] = [];
  const stacks: StackVerdict[] = [];
  if (!fs.existsSync(dir) || !fs.lstatSync(dir).isDirectory()) return { problems: [`${dir}: not a folder`], stacks };
  const { jsonFiles } = checkFiles(dir, allowList, problems);
  for (const [name, file] of jsonFiles) {
    const label = `stacks/${name}/cdk.tf.json`;
    const size = fs.statSync(file).size;
    if (size > MAX_JSON_BYTES) {
      problems.push(`${label}: ${size} bytes, more than the ${MAX_JSON_BYTES} accepted`);
      continue;
    }
    const parsed = parseStrictJson(fs.readFileSync(file));
    for (const error of parsed.errors) problems.push(`${label}: ${error}`);
    for (const { path: at, key } of parsed.duplicates) {
      problems.push(`${label}: ${jsonPath(at, key)}: a duplicate key (Terraform reads every copy, JSON.parse and jq only the last)`);
    }
    if (parsed.value === undefined) continue;
    problems.push(...checkStackDocument(label, parsed.value, allowList));
    const terraform = isObject(parsed.value) && isObject(parsed.value.terraform) ? parsed.value.terraform : {};
    const backend = isObject(terraform.backend) ? Object.keys(terraform.backend)[0] : isObject(terraform.cloud) ? "cloud" : undefined;
    stacks.push({ name, backend, providers: Object.keys(isObject(terraform.required_providers) ? terraform.required_providers : {}).sort() });
  }
  return { problems, stacks };
}

// ---------------------------------------------------------------------------
// The dependency lock file: each stack gets the entries of the providers it requires.

/** `provider "registry.terraform.io/hashicorp/aws" { … }` blocks of a .terraform.lock.hcl, by address. */
export function parseLockFile(text: string): Map<string, string> {
  const blocks = new Map<string, string>();
  const pattern = /^provider "([a-z0-9./_-]+)" \{\n[\s\S]*?\n\}\n?/gm;
  let rest = text;
  for (const match of text.matchAll(pattern)) {
    blocks.set(match[1], match[0].endsWith("\n") ? match[0] : `${match[0]}\n`);
    rest = rest.replace(match[0], "");
  }
  const leftover = rest.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("#"));
  if (leftover.length > 0) throw new Error(`unexpected lines in the lock file: ${leftover.slice(0, 3).join(" | ")}`);
  return blocks;
}

/** The registry address Terraform gives a required_providers source: `aws` -> registry.terraform.io/hashicorp/aws. */
export function providerAddress(source: string): string {
  const parts = source.split("/");
  if (parts.length === 1) return `registry.terraform.io/hashicorp/${parts[0]}`;
  if (parts.length === 2) return `registry.terraform.io/${parts[0]}/${parts[1]}`;
  return source;
}

/** The lock file for one stack: the committed entries of exactly the providers it requires. */
export function lockFileFor(document: Json, lockFile: Map<string, string>): { text?: string; problems: string[] } {
  const terraform = isObject(document) && isObject(document.terraform) ? document.terraform : {};
  const required = isObject(terraform.required_providers) ? terraform.required_providers : {};
  const problems: string[] = [];
  const parts = ["# The committed .terraform.lock.hcl, reduced to this stack's providers by `npm run check-stacks`.\n"];
  for (const [name, requirement] of Object.entries(required).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const source = isObject(requirement) && typeof requirement.source === "string" ? requirement.source : name;
    const address = providerAddress(source);
    const block = lockFile.get(address);
    const version = isObject(requirement) ? requirement.version : undefined;
    if (!block) problems.push(`the lock file has no entry for ${address}`);
    else if (typeof version === "string" && !block.includes(`version     = "${version}"`)) problems.push(`the lock file's ${address} is not version ${version}`);
    else parts.push(`\n${block}`);
  }
  return problems.length > 0 ? { problems } : { text: parts.join(""), problems };
}
