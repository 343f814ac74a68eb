import * as path from "path";
import { createHash } from "crypto";
import { Construct } from "constructs";
import { AssetType, TerraformAsset } from "cdktf";
import type { BuildOptions, Metafile } from "esbuild";
import { reusableOutput, writeStampedOutput } from "../../lib/build-stamp";

export interface NodejsFunctionAssetOptions {
  /** Project root (absolute); `entry` and the build cache are resolved against it. */
  readonly projectRoot: string;
  /** The handler's TypeScript file, relative to the project root. */
  readonly entry: string;
}

// DOS timestamps in zip headers are local time: building the date from local
// components gives the same bytes in every time zone (1980-01-01 is the
// earliest DOS date). Together with esbuild's deterministic output this makes
// the archive, and so the asset hash, identical on every machine.
const FIXED_ZIP_TIME = new Date(1980, 0, 1, 0, 0, 0);

const archives = new Map<string, Uint8Array>();

const BUNDLE_OPTIONS: BuildOptions = {
  bundle: true,
  write: false,
  outfile: "index.js",
  platform: "node",
  target: "node22",
  format: "cjs",
  // The Lambda Node.js runtimes ship AWS SDK v3; leaving it out keeps the
  // archive small and synth fast (the same choice as AWS CDK's NodejsFunction).
  external: ["@aws-sdk/*"],
  legalComments: "none",
  logLevel: "warning",
  metafile: true,
};
const ZIP_LEVEL = 9;

/** esbuild bundle of `entry` as one CommonJS file (esbuild loaded only when a bundle is built). */
function bundle(projectRoot: string, entry: string): { code: Uint8Array; metafile: Metafile } {
  const { buildSync } = require("esbuild") as typeof import("esbuild");
  const result = buildSync({ ...BUNDLE_OPTIONS, absWorkingDir: projectRoot, entryPoints: [entry] });
  return { code: result.outputFiles![0].contents, metafile: result.metafile! };
}

/**
 * The deterministic zip of `entry`'s bundle at `zipPath`, memoized per process
 * and reused across runs while every file the bundle was built from is
 * unchanged (lib/build-stamp.js): most synths then start neither esbuild nor fflate.
 */
function archive(projectRoot: string, entry: string, zipPath: string): Uint8Array {
  const cached = archives.get(zipPath);
  if (cached) return cached;
  // Everything besides the input files that the archive's bytes depend on.
  const key = JSON.stringify({
    entry,
    options: BUNDLE_OPTIONS,
    zipLevel: ZIP_LEVEL,
    esbuild: (require("esbuild/package.json") as { version: string }).version,
    fflate: (require("fflate/package.json") as { version: string }).version,
  });
  let zip: Uint8Array | undefined = reusableOutput(projectRoot, zipPath, key);
  if (!zip) {
    const { code, metafile } = bundle(projectRoot, entry);
    const { zipSync } = require("fflate") as typeof import("fflate");
    zip = zipSync({ "index.js": [code, { mtime: FIXED_ZIP_TIME }] }, { level: ZIP_LEVEL });
    writeStampedOutput(projectRoot, zipPath, key, zip, metafile);
  }
  archives.set(zipPath, zip);
  return zip;
}

/**
 * Bundles a Lambda handler with esbuild into a deterministic zip (`index.js`,
 * handler `index.handler`) and wraps it in a TerraformAsset. Every Lambda of
 * the project goes through here.
 */
export class NodejsFunctionAsset extends Construct {
  readonly asset: TerraformAsset;
  readonly handler = "index.handler";
  /** Base64 SHA-256 of the archive, as aws_lambda_function's source_code_hash expects. */
  readonly sourceCodeHash: string;

  constructor(scope: Construct, id: string, options: NodejsFunctionAssetOptions) {
    super(scope, id);
    // functions/<name>/handler.ts -> <name>.zip (written then renamed: two
    // synths in one checkout, parallel test workers, never copy each other's
    // half-written archive).
    const name = path.basename(path.dirname(options.entry));
    const zipPath = path.join(options.projectRoot, ".build", "assets", `${name}.zip`);
    const zip = archive(options.projectRoot, options.entry, zipPath);
    this.asset = new TerraformAsset(this, "archive", { path: zipPath, type: AssetType.FILE });
    this.sourceCodeHash = createHash("sha256").update(zip).digest("base64");
  }

  /** Relative path of the archive inside the synthesized stack folder. */
  get path(): string {
    return this.asset.path;
  }
}
