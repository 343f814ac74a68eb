// `npm run diff`: review both stacks before a deploy. `cdktf diff` plans one
// stack per run and silently ignores a second name (hashicorp/terraform-cdk
// issues #2235 and #2157), so this runs it twice: the provider, then the
// consumer against the provider's current state (the consumer reads the
// provider's outputs through terraform_remote_state), each part under a
// heading naming its stack. Before the provider's first apply there is no
// state to read: with the local backend that is seen up front and said in so
// many words; with s3 or cloud, Terraform's "Unable to find remote state" is
// explained the same way.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ConfigError, configPathFromEnvironment, loadConfig } from "../config/load";
import type { TransferConfig } from "../config/schema";
import { PROVIDER_OUTPUTS } from "../lib/stack-outputs";

export const USAGE = `usage: npm run diff [-- --skip-provider-lock] [-- --refresh-only] [-- --no-color]
  Plans the provider stack, then the consumer stack against the provider's
  current state (cdktf diff plans one stack per run), each part under a
  heading naming its stack. Config: $TRANSFER_CONFIG (default
  config/example.json). --skip-provider-lock: where the Terraform registry
  cannot be reached (a provider mirror).`;

const FLAGS = new Set(["--skip-provider-lock", "--refresh-only", "--no-color"]);

export type DiffOutcome = "planned" | "failed" | "no-provider-state";

export interface DiffDeps {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Runs the cdktf CLI with these arguments; each output line goes to onLine; resolves with the exit code. */
  readonly cdktf: (args: readonly string[], onLine: (line: string) => void) => Promise<number>;
}

/** The local state file of the provider stack, when the backend is local (as lib/backend.ts lays it out). */
function localProviderState(config: TransferConfig, cwd: string): string | undefined {
  return config.backend.type === "local" ? path.join(cwd, config.backend.dir, "provider.tfstate") : undefined;
}

/** True when a local state file holds the provider's outputs the consumer reads. */
function hasProviderOutputs(file: string): boolean {
  try {
    const state = JSON.parse(fs.readFileSync(file, "utf8")) as { outputs?: Record<string, unknown> };
    return state.outputs?.[PROVIDER_OUTPUTS.endpointServiceName] !== undefined;
  } catch {
    return false;
  }
}

function noProviderStateYet(where: string): string[] {
  return [
    `consumer: not planned: the provider stack has no state yet (${where}).`,
    "  The consumer stack reads the provider's outputs (the endpoint service's name and ID) from the",
    "  provider's state, so it can be planned only after the provider has been applied once.",
    "  Deploy both (npm run deploy applies the provider first, then the consumer), or apply the",
    "  provider alone (npx cdktf deploy provider), then run npm run diff again.",
  ];
}

const REMOTE_STATE_MISSING = /Unable to find remote state|No stored state was found/;

export async function runDiff(argv: readonly string[], deps: DiffDeps): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    deps.out(USAGE);
    return 0;
  }
  const unknown = argv.filter((arg) => !FLAGS.has(arg));
  if (unknown.length > 0) {
    deps.err(USAGE);
    deps.err(`diff: unknown argument ${JSON.stringify(unknown[0])}`);
    return 2;
  }
  let config: TransferConfig;
  try {
    config = loadConfig(configPathFromEnvironment(deps.env));
  } catch (error) {
    if (error instanceof ConfigError) {
      deps.err(`${error.message}\nNothing was planned.`);
      return 1;
    }
    throw error;
  }

  const outcomes: [string, DiffOutcome][] = [];
  deps.out("==== provider stack: cdktf diff provider ====");
  const providerCode = await deps.cdktf(["diff", "provider", ...argv], deps.out);
  outcomes.push(["provider", providerCode === 0 ? "planned" : "failed"]);

  deps.out("");
  deps.out("==== consumer stack: cdktf diff consumer (against the provider's current state) ====");
  const stateFile = localProviderState(config, deps.cwd);
  if (stateFile !== undefined && !hasProviderOutputs(stateFile)) {
    for (const line of noProviderStateYet(`${path.relative(deps.cwd, stateFile)} holds no outputs`)) deps.out(line);
    outcomes.push(["consumer", "no-provider-state"]);
  } else {
    let remoteStateMissing = false;
    // The provider run synthesized both stacks already.
    const consumerCode = await deps.cdktf(["diff", "consumer", "--skip-synth", ...argv], (line) => {
      if (REMOTE_STATE_MISSING.test(line)) remoteStateMissing = true;
      deps.out(line);
    });
    if (consumerCode !== 0 && remoteStateMissing) {
      for (const line of noProviderStateYet(`the ${config.backend.type} backend has no provider state`)) deps.out(line);
      outcomes.push(["consumer", "no-provider-state"]);
    } else {
      outcomes.push(["consumer", consumerCode === 0 ? "planned" : "failed"]);
    }
  }

  deps.out("");
  const words: Record<DiffOutcome, string> = { planned: "planned", failed: "FAILED (see its part above)", "no-provider-state": "not planned: no provider state yet" };
  deps.out(`diff: ${outcomes.map(([stack, outcome]) => `${stack} ${words[outcome]}`).join("; ")}`);
  return outcomes.some(([, outcome]) => outcome === "failed") ? 1 : 0;
}

/** The project's own cdktf CLI (node_modules/.bin/cdktf), its output passed on line by line. */
export function cdktfRunner(cwd: string, env: NodeJS.ProcessEnv) {
  return (args: readonly string[], onLine: (line: string) => void): Promise<number> =>
    new Promise((resolve, reject) => {
      const child = spawn(path.join(cwd, "node_modules", ".bin", "cdktf"), [...args], { cwd, env, stdio: ["inherit", "pipe", "pipe"] });
      let pending = "";
      const take = (chunk: Buffer) => {
        pending += chunk.toString("utf8");
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) onLine(line);
      };
      child.stdout.on("data", take);
      child.stderr.on("data", take);
      child.on("error", reject);
      child.on("close", (code) => {
        if (pending) onLine(pending);
        resolve(code ?? 1);
      });
    });
}
