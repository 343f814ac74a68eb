import * as fs from "fs";
import * as path from "path";
import { createHash } from "crypto";
import { Construct } from "constructs";
import { AssetType, TerraformAsset } from "cdktf";
import { buildSync } from "esbuild";
import { zipSync } from "fflate";

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

const bundles = new Map<string, Uint8Array>();

/** esbuild bundle of `entry` as one CommonJS file, memoized per process. */
function bundle(projectRoot: string, entry: string): Uint8Array {
  const key = path.join(projectRoot, entry);
  const cached = bundles.get(key);
  if (cached) return cached;
  const result = buildSync({
    absWorkingDir: projectRoot,
    entryPoints: [entry],
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
  });
  const code = result.outputFiles[0].contents;
  bundles.set(key, code);
  return code;
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
    const archive = zipSync({ "index.js": [bundle(options.projectRoot, options.entry), { mtime: FIXED_ZIP_TIME }] }, { level: 9 });
    // functions/<name>/handler.ts -> <name>.zip
    const name = path.basename(path.dirname(options.entry));
    const zipPath = path.join(options.projectRoot, ".build", "assets", `${name}.zip`);
    fs.mkdirSync(path.dirname(zipPath), { recursive: true });
    // Write then rename: two synths in one checkout (parallel test workers)
    // must never copy each other's half-written archive.
    const temporary = `${zipPath}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, archive);
    fs.renameSync(temporary, zipPath);
    this.asset = new TerraformAsset(this, "archive", { path: zipPath, type: AssetType.FILE });
    this.sourceCodeHash = createHash("sha256").update(archive).digest("base64");
  }

  /** Relative path of the archive inside the synthesized stack folder. */
  get path(): string {
    return this.asset.path;
  }
}
