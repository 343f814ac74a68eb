// Offline Terraform for runs against the local emulator (`npm run demo` and the
// integration tests). No registry is reachable here, so `terraform init`
// must install hashicorp/aws 5.100.0 from a local filesystem mirror, through a
// Terraform CLI config that this module writes (the machine's own
// TF_CLI_CONFIG_FILE may point at a file that does not exist).
//
//   const mirror = findProviderMirror();              // undefined when absent
//   const tfEnv = writeCliConfig(workDir);            // env for terraform ONLY
//   await terraformInit(workDir, tfEnv);
//   await terraform(workDir, ["apply", "-auto-approve"], { ...tfEnv, ...emu.env });
//
// The mirror is found through TF_PROVIDER_MIRROR, else by a bounded search of
// the usual roots; no machine path is written into the repository.
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { withoutAwsVariables } from "./client";
import { commandExists, Prerequisite } from "./prerequisites";

export const AWS_PROVIDER_VERSION = "5.100.0";
export const AWS_PROVIDER_SOURCE = "registry.terraform.io/hashicorp/aws";

/** Terraform's platform name for this machine, e.g. linux_amd64. */
export function osArch(): string {
  const osName = process.platform === "win32" ? "windows" : process.platform;
  const arch = { x64: "amd64", arm64: "arm64", ia32: "386", arm: "arm" }[process.arch as string] ?? process.arch;
  return `${osName}_${arch}`;
}

/** Where the provider binary sits below a mirror root (unpacked layout). */
export function providerPathInMirror(version = AWS_PROVIDER_VERSION): string {
  return path.join(
    ...AWS_PROVIDER_SOURCE.split("/"),
    version,
    osArch(),
    `terraform-provider-aws_v${version}_x5`,
  );
}

export function searchRoots(): string[] {
  return ["/opt", "/usr/share", "/usr/local/share", path.join(os.homedir(), ".terraform.d"), "/var/lib"];
}

const MAX_DEPTH = 3;
const MAX_DIRECTORIES = 20_000;
const SKIP = new Set(["doc", "man", "locale", "i18n", "icons", "zoneinfo", "node_modules", "proc", ".git"]);
let cachedMirror: string | null | undefined;

function isMirror(dir: string): boolean {
  try {
    return fs.statSync(path.join(dir, providerPathInMirror())).isFile();
  } catch {
    return false;
  }
}

/**
 * The filesystem mirror holding hashicorp/aws 5.100.0 for this platform:
 * TF_PROVIDER_MIRROR when set (and valid), else the first match of a
 * breadth-first search (depth <= 3) below searchRoots(). Undefined if none.
 */
export function findProviderMirror(): string | undefined {
  const fromEnv = process.env.TF_PROVIDER_MIRROR;
  if (fromEnv) return isMirror(fromEnv) ? path.resolve(fromEnv) : undefined;
  if (cachedMirror !== undefined) return cachedMirror ?? undefined;
  cachedMirror = search() ?? null;
  return cachedMirror ?? undefined;
}

function search(): string | undefined {
  let visited = 0;
  for (const root of searchRoots()) {
    let level = [root];
    for (let depth = 0; depth <= MAX_DEPTH && level.length > 0; depth++) {
      const next: string[] = [];
      for (const dir of level) {
        if (isMirror(dir)) return dir;
        if (depth === MAX_DEPTH || ++visited > MAX_DIRECTORIES) continue;
        let entries: fs.Dirent[];
        try {
          entries = fs.readdirSync(dir, { withFileTypes: true });
        } catch {
          continue;
        }
        for (const entry of entries) {
          if (entry.isDirectory() && !SKIP.has(entry.name)) next.push(path.join(dir, entry.name));
        }
      }
      level = next;
    }
  }
  return undefined;
}

export interface CliConfigOptions {
  /** Defaults to findProviderMirror(). */
  readonly mirror?: string;
  /** Optional plugin_cache_dir (created if missing). Not needed: init links into the mirror. */
  readonly pluginCacheDir?: string;
}

/**
 * Writes `<dir>/terraform.rc` (installation from the mirror only, never the
 * network) and returns the environment to give terraform subprocesses, and only
 * them: TF_CLI_CONFIG_FILE, TF_IN_AUTOMATION=1, CHECKPOINT_DISABLE=1.
 */
export function writeCliConfig(dir: string, options: CliConfigOptions = {}): Record<string, string> {
  const mirror = options.mirror ?? findProviderMirror();
  if (!mirror) throw new Error(`no Terraform provider mirror with ${providerPathInMirror()} (set TF_PROVIDER_MIRROR)`);
  const lines = [
    "provider_installation {",
    "  filesystem_mirror {",
    `    path    = ${JSON.stringify(mirror)}`,
    `    include = ["registry.terraform.io/hashicorp/*"]`,
    "  }",
    "  direct {",
    `    exclude = ["registry.terraform.io/*/*"]`,
    "  }",
    "}",
  ];
  if (options.pluginCacheDir) {
    fs.mkdirSync(options.pluginCacheDir, { recursive: true });
    lines.push(`plugin_cache_dir = ${JSON.stringify(path.resolve(options.pluginCacheDir))}`);
  }
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(path.resolve(dir), "terraform.rc");
  fs.writeFileSync(file, lines.join("\n") + "\n");
  return { TF_CLI_CONFIG_FILE: file, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" };
}

export const terraformPrerequisites: readonly Prerequisite[] = [
  { name: "Terraform CLI (terraform >= 1.4)", check: () => commandExists("terraform") },
  {
    name: `a Terraform provider mirror holding ${providerPathInMirror()} (set TF_PROVIDER_MIRROR to its root)`,
    check: () => findProviderMirror() !== undefined,
  },
];

export interface TerraformResult {
  readonly stdout: string;
  readonly stderr: string;
}

export class TerraformError extends Error {
  constructor(
    message: string,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

const KEEP_TF_VARIABLES = new Set(["TF_LOG", "TF_LOG_PATH", "TF_LOG_CORE", "TF_LOG_PROVIDER"]);

/** The parent environment minus AWS_* and TF_* (except logging) variables. */
function baseEnvironment(): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(withoutAwsVariables(process.env))) {
    if (!key.startsWith("TF_") || KEEP_TF_VARIABLES.has(key)) result[key] = value;
  }
  return result;
}

/**
 * Runs `terraform <args> -no-color` in dir. env is laid over the parent
 * environment stripped of AWS_* and TF_* variables (so a developer's profile,
 * credentials, TF_DATA_DIR or TF_CLI_ARGS cannot leak in): pass writeCliConfig's
 * env, plus an emulator's env when the command talks to AWS. -input=false is
 * added for the commands that take it.
 */
export function terraform(
  dir: string,
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs = 180_000,
): Promise<TerraformResult> {
  const takesInput = ["init", "plan", "apply", "destroy", "import", "refresh"].includes(args[0]);
  const fullArgs = [...args, "-no-color", ...(takesInput ? ["-input=false"] : [])];
  return new Promise((resolve, reject) => {
    execFile(
      "terraform",
      fullArgs,
      { cwd: dir, env: { ...baseEnvironment(), ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const detail = `${stderr}\n${stdout}`.trim().slice(-6000);
          reject(new TerraformError(`terraform ${fullArgs.join(" ")} failed in ${dir}:\n${detail}`, stdout, stderr));
        } else {
          resolve({ stdout, stderr });
        }
      },
    );
  });
}

export function terraformInit(dir: string, env: Record<string, string>): Promise<TerraformResult> {
  return terraform(dir, ["init"], env, 120_000);
}

export function terraformValidate(dir: string, env: Record<string, string>): Promise<TerraformResult> {
  return terraform(dir, ["validate"], env, 120_000);
}
