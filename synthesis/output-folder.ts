// What `npm run synth` leaves in its output folder besides cdktf's own files,
// and what it says about it:
//   - one format per stack folder: a JSON synth removes a cdk.tf left there by
//     an HCL synth (`npx cdktf synth --hcl` writes into cdktf.out too), and an
//     HCL synth removes a cdk.tf.json. Terraform loads every *.tf and
//     *.tf.json of a folder, so the two side by side declare everything twice
//     and validate, plan and deploy fail until one is deleted by hand;
//   - which config (relative path, SHA-256 of its bytes) the folder was
//     synthesized from, so that `npm run plan-summary` can say when the config
//     changed after the last synth (a failed synth writes nothing, and the
//     previous output stays). Kept beside the build cache,
//     .build/synth-sources/, not in the folder: the folder holds only what
//     cdktf writes (what the pull-request gate, lib/stack-gate.ts, accepts);
//   - one line per stack: the config, the stack's file and its resource count.
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

const SYNTH_SOURCES_DIR = path.join(".build", "synth-sources");
const JSON_FILE = "cdk.tf.json";
const HCL_FILE = "cdk.tf";

export interface SynthSource {
  /** The config file, relative to the project root ("/"-separated), or its base name when it lies outside. */
  readonly config: string;
  readonly configSha256: string;
  readonly format: "json" | "hcl";
}

/** A path as the user would type it from the project root; absolute only outside it. */
export function displayPath(root: string, file: string): string {
  const relative = path.relative(root, path.resolve(root, file));
  return relative === "" ? "." : relative.startsWith("..") || path.isAbsolute(relative) ? path.resolve(root, file) : relative.split(path.sep).join("/");
}

export function sha256OfFile(file: string): string | undefined {
  try {
    return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
  } catch {
    return undefined;
  }
}

/**
 * Removes the other format's file from every stack folder under
 * `<outdir>/stacks`; returns the files removed.
 */
export function removeOtherFormat(outdir: string, format: "json" | "hcl"): string[] {
  const stacksDir = path.join(outdir, "stacks");
  if (!fs.existsSync(stacksDir)) return [];
  const stale = format === "json" ? HCL_FILE : JSON_FILE;
  const removed: string[] = [];
  for (const entry of fs.readdirSync(stacksDir, { withFileTypes: true })) {
    const file = path.join(stacksDir, entry.name, stale);
    if (entry.isDirectory() && fs.existsSync(file)) {
      fs.rmSync(file);
      removed.push(file);
    }
  }
  return removed;
}

/** Where the record of a synth folder lives: one file per folder, named by the folder's absolute path. */
function synthSourceFile(outdir: string, root: string): string {
  const key = createHash("sha256").update(path.resolve(root, outdir)).digest("hex").slice(0, 32);
  return path.join(root, SYNTH_SOURCES_DIR, `${key}.json`);
}

export function writeSynthSource(outdir: string, root: string, configFile: string, format: "json" | "hcl"): void {
  const relative = path.relative(root, path.resolve(root, configFile));
  const inside = !relative.startsWith("..") && !path.isAbsolute(relative);
  const source: SynthSource = {
    config: inside ? relative.split(path.sep).join("/") : path.basename(configFile),
    configSha256: sha256OfFile(path.resolve(root, configFile)) ?? "",
    format,
  };
  const file = synthSourceFile(outdir, root);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(source, null, 2)}\n`);
}

/** The record of the last synth into `outdir` (run from `root`), if there is one. */
export function readSynthSource(outdir: string, root: string): SynthSource | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(synthSourceFile(outdir, root), "utf8")) as Partial<SynthSource>;
    return typeof parsed.config === "string" && typeof parsed.configSha256 === "string" ? (parsed as SynthSource) : undefined;
  } catch {
    return undefined;
  }
}

/** Resources and data sources in a stack's JSON document. */
export function countBlocks(document: { resource?: Record<string, object>; data?: Record<string, object> }): { resources: number; dataSources: number } {
  const count = (blocks: Record<string, object> | undefined) => Object.values(blocks ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
  return { resources: count(document.resource), dataSources: count(document.data) };
}

export interface StackReport {
  readonly name: string;
  /** The stack's file (cdk.tf.json or cdk.tf), as displayPath gives it. */
  readonly file: string;
  readonly resources: number;
  readonly dataSources: number;
}

/** `provider: 63 resources, 9 data sources -> cdktf.out/stacks/provider/cdk.tf.json (config config/example.json)`. */
export function formatStackReport(report: StackReport, config: string): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  return `${report.name}: ${plural(report.resources, "resource")}, ${plural(report.dataSources, "data source")} -> ${report.file} (config ${config})`;
}
