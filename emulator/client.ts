// The client of the local AWS emulator, used by `npm run demo` (cli/demo-session.ts)
// and the integration tests: starts emulator/moto_launcher.py (moto's server plus
// the patches this architecture needs, emulator/moto_patches/) on 127.0.0.1 on a
// port the OS picks, and hands out the environment that points the AWS CLI,
// Terraform's AWS provider and local-exec commands at it.
//
//   const missing = missingPrerequisites("my suite", emulatorPrerequisites);
//   const emu = await startEmulator();               // in beforeAll
//   await aws(emu, ["ec2", "create-vpc", "--cidr-block", "10.0.0.0/16"]);
//   const calls = await emu.calls();                 // Stop/Start/UpdateServer, ...
//   await emu.stop();                                // in afterAll
//
// The emulator judges every request as AWS does (AWS's API models, documented limits:
// emulator/request_checks); `emu.log()` holds what it printed, its refusals included.
// `startEmulator({ lambdaConcurrencyQuotas: { "111111111111": 10 } })` gives an emulated
// account a new account's Lambda concurrency quota (default 1000, AWS's default).
//
// `emu.env` holds the variables that point the AWS CLI, Terraform's AWS provider
// and local-exec commands at the emulator. `awsEnv(emu)` is a whole environment
// for such a child process: the parent's environment without its AWS_* variables
// (no real profile or credentials can leak in), plus `emu.env`.
import { ChildProcess, execFile, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { commandExists, Prerequisite } from "./prerequisites";

/**
 * emulator/moto_launcher.py of this checkout: found upwards from this module, which runs
 * from emulator/ (tests) or from a bundle in .build/run/ (`npm run demo`).
 */
export const LAUNCHER = findLauncher(__dirname);

function findLauncher(start: string): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    for (const candidate of [path.join(dir, "moto_launcher.py"), path.join(dir, "emulator", "moto_launcher.py")]) {
      if (fs.existsSync(candidate)) return candidate;
    }
    if (path.dirname(dir) === dir) throw new Error(`emulator/moto_launcher.py not found above ${start}`);
  }
}
/** The checkout's node_modules (beside emulator/), when it has the AWS SDK v3. */
function defaultSdkModules(): string | undefined {
  const modules = path.join(path.dirname(path.dirname(LAUNCHER)), "node_modules");
  return fs.existsSync(path.join(modules, "@aws-sdk")) ? modules : undefined;
}

export const DEFAULT_REGION = "us-east-1";
/** moto's default account. */
export const ACCOUNT_ID = "123456789012";

/** One call recorded by the launcher (GET /_launcher/calls). */
export interface Call {
  /**
   * "StopServer" | "StartServer" | "UpdateServer" | "AcceptVpcEndpointConnections" |
   * "RejectVpcEndpointConnections" | "ModifyVpcEndpointServiceConfiguration"
   */
  readonly action: string;
  /** Transfer calls: the server id. */
  readonly serverId?: string;
  /** Stop/StartServer: the server state when the call arrived. */
  readonly fromState?: string;
  /** UpdateServer: the request parameters (HostKey left out). */
  readonly params?: Record<string, unknown>;
  /** Accept/RejectVpcEndpointConnections and ModifyVpcEndpointServiceConfiguration. */
  readonly serviceId?: string;
  readonly vpcEndpointIds?: string[];
  /** ModifyVpcEndpointServiceConfiguration: the NLB ARNs added and removed. */
  readonly addNetworkLoadBalancerArns?: string[];
  readonly removeNetworkLoadBalancerArns?: string[];
  /** RoleRequest (a request signed with assumed-role credentials): the role, its account, the IAM action. */
  readonly roleArn?: string;
  readonly account?: string;
  readonly iamAction?: string;
  /** Invoke (Lambda, a Node.js function run by the emulator): the function, how it was invoked, the outcome. */
  readonly functionName?: string;
  readonly functionArn?: string;
  readonly invocationType?: string;
  readonly requestId?: string;
  /** "Unhandled" when the function failed (absent on success), with the error's type. */
  readonly functionError?: string;
  readonly errorType?: string;
  readonly durationMs?: number;
  /** ISO 8601 UTC with milliseconds, and the same instant in epoch milliseconds. */
  readonly time: string;
  readonly epochMs: number;
}

export interface Emulator {
  /** e.g. "http://127.0.0.1:41234" */
  readonly endpoint: string;
  /** AWS_ENDPOINT_URL, dummy credentials, region, no metadata service, no user AWS config files. */
  readonly env: Readonly<Record<string, string>>;
  readonly region: string;
  /** Recorded calls, oldest first. */
  calls(): Promise<Call[]>;
  /** Forget the recorded calls. */
  clearCalls(): Promise<void>;
  /** GET /_launcher/health: moto's version, the patches applied, which request checks are on. */
  health(): Promise<EmulatorHealth>;
  /** What the launcher printed on stderr so far (the last 256 KB): its refusals, moto's request log. */
  log(): string;
  /** Stops the launcher (SIGTERM, then SIGKILL after 5 s). Idempotent. */
  stop(): Promise<void>;
}

/** What GET /_launcher/health answers. */
export interface EmulatorHealth {
  readonly moto: string;
  readonly patches: string[];
  readonly stateDelaySeconds: number;
  /** The request checks (emulator/request_checks): on unless the launcher runs with --lenient. */
  readonly checks: {
    readonly apiModels: boolean;
    readonly documentedLimits: boolean;
    /** Each emulated account's Lambda concurrency quota ("default" for the others). */
    readonly lambdaConcurrencyQuota: Record<string, number>;
  };
}

export interface EmulatorOptions {
  /** Seconds a Transfer server stays STOPPING/STARTING; default 0 (immediate). */
  readonly stateDelaySeconds?: number;
  readonly region?: string;
  /** How long to wait for the launcher to answer; default 30 s. */
  readonly startTimeoutMs?: number;
  /** Also append recorded calls to this JSON-lines file. */
  readonly callsFile?: string;
  /**
   * Seconds a Transfer server's VPC endpoint stays `pending` after CreateServer
   * (emulator/moto_patches/transfer_endpoint_pending.py);
   * default 0 (available at once).
   */
  readonly transferEndpointPendingSeconds?: number;
  /**
   * A node_modules folder whose @aws-sdk packages invoked Node.js functions can require
   * (emulator/moto_patches/lambda_node_runtime.py), as Lambda's Node.js runtimes include the
   * AWS SDK v3; default: this checkout's node_modules.
   */
  readonly lambdaSdkModules?: string;
  /**
   * Lambda concurrency quota per emulated account ID (emulator/moto_patches/lambda_concurrency_quota.py);
   * an account not listed has AWS's default, 1000. A new AWS account can have 10 or 50.
   */
  readonly lambdaConcurrencyQuotas?: Readonly<Record<string, number>>;
  /**
   * Do not judge requests against AWS's API models and documented limits (the launcher's --lenient).
   * For debugging by hand only: the tests and `npm run demo` never set it, and the launcher
   * ignores MOTO_LENIENT from this process's environment.
   */
  readonly lenient?: boolean;
}

export const emulatorPrerequisites: readonly Prerequisite[] = [
  { name: "python3 with moto 5 (pip install 'moto[server]==5.2.*')", check: pythonHasMoto },
  { name: "AWS CLI (aws)", check: () => commandExists("aws") },
];

function pythonHasMoto(): boolean {
  execFileSync("python3", ["-c", "import moto, sys; sys.exit(0 if moto.__version__.startswith('5.') else 1)"], {
    stdio: "ignore",
    timeout: 30_000,
  });
  return true;
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const region = options.region ?? DEFAULT_REGION;
  const args = [LAUNCHER, "--host", "127.0.0.1", "--port", "0"];
  if (options.stateDelaySeconds !== undefined) args.push("--state-delay", String(options.stateDelaySeconds));
  if (options.callsFile) args.push("--calls-file", options.callsFile);
  const sdkModules = options.lambdaSdkModules ?? defaultSdkModules();
  if (sdkModules) args.push("--lambda-sdk-modules", sdkModules);
  for (const [account, quota] of Object.entries(options.lambdaConcurrencyQuotas ?? {})) {
    args.push("--lambda-concurrency-quota", `${account}=${quota}`);
  }
  if (options.lenient) args.push("--lenient");
  const { MOTO_LENIENT: _lenient, MOTO_LAMBDA_CONCURRENCY_QUOTAS: _quotas, ...inherited } = withoutAwsVariables(process.env);
  const child = spawn("python3", args, {
    env: {
      ...inherited,
      PYTHONUNBUFFERED: "1",
      MOTO_TRANSFER_ENDPOINT_PENDING_SECONDS: String(options.transferEndpointPendingSeconds ?? 0),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let log = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-256 * 1024);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  exited.then(() => running.delete(child));

  let endpoint: string;
  try {
    endpoint = await waitForListeningLine(child, options.startTimeoutMs ?? 30_000);
    await httpJson("GET", `${endpoint}/_launcher/health`);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }

  const env: Record<string, string> = {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_PAGER: "",
  };

  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    env,
    region,
    calls: async () => (await httpJson("GET", `${endpoint}/_launcher/calls`)) as Call[],
    clearCalls: async () => {
      await httpJson("DELETE", `${endpoint}/_launcher/calls`);
    },
    health: async () => (await httpJson("GET", `${endpoint}/_launcher/health`)) as EmulatorHealth,
    log: () => log,
    stop: () => {
      if (!stopping) {
        stopping = (async () => {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill("SIGTERM");
            const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
            await exited;
            clearTimeout(timer);
          }
        })();
      }
      return stopping;
    },
  };
}

function waitForListeningLine(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(
      () => fail(`moto_launcher did not start within ${timeoutMs} ms. stderr:\n${stderr.slice(-4000)}`),
      timeoutMs,
    );
    const onStdout = (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (match) done(match[1]);
    };
    const onStderr = (chunk: Buffer) => {
      stderr += chunk.toString();
    };
    const onExit = (code: number | null) =>
      fail(`moto_launcher exited (status ${code}) before listening. stderr:\n${stderr.slice(-4000)}`);
    function cleanup() {
      clearTimeout(timer);
      child.stdout?.off("data", onStdout);
      child.off("exit", onExit);
      // Keep draining both pipes so the launcher never blocks on a full pipe.
      child.stdout?.resume();
      child.stderr?.resume();
    }
    function done(endpoint: string) {
      cleanup();
      resolve(endpoint);
    }
    function fail(message: string) {
      cleanup();
      reject(new Error(message));
    }
    child.stdout?.on("data", onStdout);
    child.stderr?.on("data", onStderr);
    child.once("exit", onExit);
  });
}

function httpJson(method: string, url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, timeout: 10_000 }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => {
        if ((response.statusCode ?? 500) >= 300) {
          reject(new Error(`${method} ${url}: HTTP ${response.statusCode}: ${body}`));
          return;
        }
        try {
          resolve(body ? JSON.parse(body) : undefined);
        } catch (error) {
          reject(error);
        }
      });
    });
    request.on("timeout", () => request.destroy(new Error(`${method} ${url}: timed out`)));
    request.on("error", reject);
    request.end();
  });
}

/** The parent environment without AWS_* variables. */
export function withoutAwsVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && !key.startsWith("AWS_")) result[key] = value;
  }
  return result;
}

/** A whole environment for a child process that should talk to the emulator. */
export function awsEnv(emulator: Emulator, extra: Record<string, string> = {}): Record<string, string> {
  return { ...withoutAwsVariables(process.env), ...emulator.env, ...extra };
}

export class AwsCliError extends Error {
  constructor(
    message: string,
    readonly args: readonly string[],
    readonly stderr: string,
  ) {
    super(message);
  }
}

/**
 * Runs `aws <args> --output json` against the emulator and returns the parsed
 * output (undefined when the command prints nothing). Rejects with an
 * AwsCliError carrying stderr when the command fails.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function aws(emulator: Emulator, args: readonly string[], timeoutMs = 60_000): Promise<any> {
  return new Promise((resolve, reject) => {
    execFile(
      "aws",
      [...args, "--output", "json"],
      { env: awsEnv(emulator), timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new AwsCliError(`aws ${args.join(" ")} failed: ${stderr.trim() || error.message}`, args, stderr));
          return;
        }
        const text = stdout.trim();
        try {
          resolve(text ? JSON.parse(text) : undefined);
        } catch {
          resolve(text);
        }
      },
    );
  });
}

/** Temporary credentials (e.g. from STS AssumeRole against the emulator). */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

/**
 * `aws <args>` as another principal: the emulator attributes a request to the
 * account its access key belongs to (moto: keys from STS AssumeRole belong to
 * the role's account), so these credentials act in that account.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function awsAs(emulator: Emulator, credentials: AwsCredentials, args: readonly string[], timeoutMs = 60_000): Promise<any> {
  const asPrincipal: Emulator = {
    ...emulator,
    env: {
      ...emulator.env,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SESSION_TOKEN: credentials.sessionToken,
    },
  };
  return aws(asPrincipal, args, timeoutMs);
}

/** STS AssumeRole through the emulator (from the default credentials, or `as`); returns the role's credentials. */
export async function assumeRole(emulator: Emulator, roleArn: string, sessionName: string, as?: AwsCredentials): Promise<AwsCredentials> {
  const args = ["sts", "assume-role", "--role-arn", roleArn, "--role-session-name", sessionName];
  const { Credentials } = as ? await awsAs(emulator, as, args) : await aws(emulator, args);
  return { accessKeyId: Credentials.AccessKeyId, secretAccessKey: Credentials.SecretAccessKey, sessionToken: Credentials.SessionToken };
}
