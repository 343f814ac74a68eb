// `npm run aws-data [-- --check]`: writes config/aws-data.json, the AWS
// regions and EC2 instance types the config validator accepts, from the data
// AWS publishes with its SDKs: botocore (the AWS CLI v1's Python SDK) ships
// `data/endpoints.json` (every partition and its regions) and the EC2 API model
// `data/ec2/<version>/service-2.json.gz`, whose `InstanceType` shape is the
// enum of every type the API accepts. Nothing is read from the network, at
// generation or at validation time.
//
// botocore is found through `python3 -c "import botocore"` (or
// BOTOCORE_DATA_DIR, its data/ folder). --check exits 1 when the committed
// file differs from what the installed botocore gives (a newer AWS CLI: run
// `npm run aws-data` and commit the result).
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { projectRoot } from "../lib/project-root";

export const AWS_DATA_FILE = path.join(projectRoot(), "config", "aws-data.json");

export interface AwsData {
  /** Where the lists come from (botocore's version and files), for a reader of the file. */
  readonly source: string;
  /** Every region of every partition, sorted. */
  readonly regions: string[];
  /** Every EC2 instance type, sorted. */
  readonly instanceTypes: string[];
}

/** botocore's data folder: BOTOCORE_DATA_DIR, else the one python3 imports; undefined when there is none. */
export function findBotocoreData(env: NodeJS.ProcessEnv = process.env): { dir: string; version: string } | undefined {
  if (env.BOTOCORE_DATA_DIR) {
    const dir = env.BOTOCORE_DATA_DIR;
    return fs.existsSync(path.join(dir, "endpoints.json")) ? { dir, version: "(BOTOCORE_DATA_DIR)" } : undefined;
  }
  try {
    const out = execFileSync("python3", ["-c", "import botocore, os; print(os.path.dirname(botocore.__file__)); print(botocore.__version__)"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 30_000,
    });
    const [root, version] = out.trim().split("\n");
    const dir = path.join(root, "data");
    return fs.existsSync(path.join(dir, "endpoints.json")) ? { dir, version } : undefined;
  } catch {
    return undefined;
  }
}

function readJson(file: string): unknown {
  const bytes = fs.readFileSync(file);
  return JSON.parse((file.endsWith(".gz") ? zlib.gunzipSync(bytes) : bytes).toString("utf8"));
}

/** The newest EC2 API model folder (names are API versions, YYYY-MM-DD). */
function ec2ModelFile(dataDir: string): string {
  const versions = fs.readdirSync(path.join(dataDir, "ec2")).filter((name) => /^\d{4}-\d{2}-\d{2}$/.test(name)).sort();
  const newest = versions[versions.length - 1];
  if (!newest) throw new Error(`no EC2 API model under ${path.join(dataDir, "ec2")}`);
  const dir = path.join(dataDir, "ec2", newest);
  const file = ["service-2.json.gz", "service-2.json"].map((name) => path.join(dir, name)).find((f) => fs.existsSync(f));
  if (!file) throw new Error(`no service-2.json(.gz) in ${dir}`);
  return file;
}

export function buildAwsData(dataDir: string, version: string): AwsData {
  const endpoints = readJson(path.join(dataDir, "endpoints.json")) as { partitions: { regions: Record<string, unknown> }[] };
  const regions = [...new Set(endpoints.partitions.flatMap((p) => Object.keys(p.regions)))].sort();
  const modelFile = ec2ModelFile(dataDir);
  const model = readJson(modelFile) as { shapes: { InstanceType?: { enum?: string[] } } };
  const instanceTypes = [...new Set(model.shapes.InstanceType?.enum ?? [])].sort();
  if (regions.length === 0 || instanceTypes.length === 0) throw new Error("botocore's data holds no regions or no instance types");
  const modelPath = path.relative(dataDir, modelFile).split(path.sep).join("/");
  return { source: `botocore ${version}: data/endpoints.json (regions of every partition), data/${modelPath} (shape InstanceType)`, regions, instanceTypes };
}

export function renderAwsData(data: AwsData): string {
  return `${JSON.stringify(data, null, 1)}\n`;
}

function main(argv: readonly string[]): number {
  const check = argv.includes("--check");
  const unknown = argv.filter((arg) => arg !== "--check");
  if (argv.includes("--help") || argv.includes("-h") || unknown.length > 0) {
    const usage = "usage: npm run aws-data [-- --check]\n  writes config/aws-data.json from botocore's data (python3 -c 'import botocore', or BOTOCORE_DATA_DIR)\n  --check  exit 1 if the committed file differs, write nothing";
    const help = argv.includes("--help") || argv.includes("-h");
    (help ? process.stdout : process.stderr).write(`${usage}\n${help ? "" : `aws-data: unknown argument ${JSON.stringify(unknown[0])}\n`}`);
    return help ? 0 : 2;
  }
  const botocore = findBotocoreData();
  if (!botocore) {
    process.stderr.write("aws-data: botocore not found (install the AWS CLI v1, or set BOTOCORE_DATA_DIR to botocore's data folder)\n");
    return 2;
  }
  const text = renderAwsData(buildAwsData(botocore.dir, botocore.version));
  const current = fs.existsSync(AWS_DATA_FILE) ? fs.readFileSync(AWS_DATA_FILE, "utf8") : "";
  if (check) {
    if (current === text) return 0;
    process.stderr.write(`aws-data: config/aws-data.json differs from botocore ${botocore.version}'s data: run \`npm run aws-data\` and commit it\n`);
    return 1;
  }
  fs.writeFileSync(AWS_DATA_FILE, text);
  process.stdout.write(`aws-data: wrote config/aws-data.json from botocore ${botocore.version}\n`);
  return 0;
}

if (require.main === module || process.argv[1]?.endsWith(path.join("scripts", "aws-data.ts"))) process.exitCode = main(process.argv.slice(2));
