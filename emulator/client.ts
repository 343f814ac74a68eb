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
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { defaultLambdaNodes, lambdaNodePrerequisite } from "./lambda-nodes";
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
/**
 * The emulator's IAM propagation delay unless a test says otherwise: long enough that a request
 * made right after the IAM change it needs fails every time (as it may on AWS), short enough that
 * the retries AWS's clients make for it (Terraform's AWS provider retries CreateFunction while the
 * role propagates) cost little.
 */
export const DEFAULT_IAM_PROPAGATION_SECONDS = 5;
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
  /**
   * IamDecision (a request signed by a role session, an IAM user or a service principal, judged by
   * the emulator's IAM evaluation): who, the operation ("dynamodb:GetItem"), the IAM action and
   * resource evaluated, the decision ("Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied" |
   * "Unmapped"), `via` for a call a service made on the caller's behalf
   * ("dynamodb.us-east-1.amazonaws.com"), and AWS's reason for a refusal.
   */
  readonly principal?: string;
  readonly principalArn?: string;
  readonly operation?: string;
  readonly resource?: string;
  readonly decision?: string;
  readonly via?: string;
  readonly reason?: string;
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
   * Seconds before an IAM change (a role created, a policy put, attached, changed or deleted, a
   * trust policy updated) takes effect for the emulator's IAM evaluation
   * (emulator/moto_patches/iam_principals.py), as IAM is eventually consistent; default
   * DEFAULT_IAM_PROPAGATION_SECONDS (0 for a test that is not about IAM's timing).
   * Changeable while running with `setIamPropagationSeconds`.
   */
  readonly iamPropagationSeconds?: number;
  /**
   * A node_modules folder whose @aws-sdk packages invoked Node.js functions can require
   * (emulator/moto_patches/lambda_node_runtime.py), as Lambda's Node.js runtimes include the
   * AWS SDK v3; default: this checkout's node_modules.
   */
  readonly lambdaSdkModules?: string;
  /**
   * The Node.js binary per major version that nodejs<major>.x functions run on
   * (emulator/moto_patches/lambda_runtimes.py); a Node.js runtime with none is refused at
   * CreateFunction. Default: tools/node's binaries, else this process's node for its own
   * major (emulator/lambda-nodes.ts).
   */
  readonly lambdaNodes?: ReadonlyMap<number, string>;
  /**
   * Lambda concurrency quota per emulated account ID (emulator/moto_patches/lambda_concurrency_quota.py);
   * an account not listed has AWS's default, 1000. A new AWS account can have 10 or 50.
   */
  readonly lambdaConcurrencyQuotas?: Readonly<Record<string, number>>;
  /**
   * Judge nothing: neither AWS's API models and documented limits nor IAM (the launcher's
   * --lenient). For debugging by hand only: the tests and `npm run demo` never set it, and the
   * launcher ignores MOTO_LENIENT from this process's environment.
   */
  readonly lenient?: boolean;
}

export const emulatorPrerequisites: readonly Prerequisite[] = [
  { name: "python3 with moto 5 (pip install 'moto[server]==5.2.*')", check: pythonHasMoto },
  { name: "AWS CLI (aws)", check: () => commandExists("aws") },
  // The runtime the stacks' functions deploy with (stacks/provider/*-function.ts).
  lambdaNodePrerequisite(22),
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
  args.push("--iam-propagation-seconds", String(options.iamPropagationSeconds ?? DEFAULT_IAM_PROPAGATION_SECONDS));
  const sdkModules = options.lambdaSdkModules ?? defaultSdkModules();
  if (sdkModules) args.push("--lambda-sdk-modules", sdkModules);
  for (const [major, binary] of options.lambdaNodes ?? defaultLambdaNodes()) args.push("--lambda-node", `${major}=${binary}`);
  for (const [account, quota] of Object.entries(options.lambdaConcurrencyQuotas ?? {})) {
    args.push("--lambda-concurrency-quota", `${account}=${quota}`);
  }
  if (options.lenient) args.push("--lenient");
  const { MOTO_LENIENT: _lenient, MOTO_LAMBDA_CONCURRENCY_QUOTAS: _quotas, MOTO_IAM_PROPAGATION_SECONDS: _delay, ...inherited } = withoutAwsVariables(process.env);
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

function httpJson(method: string, url: string, body?: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = payload === undefined ? {} : { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) };
    const request = http.request(url, { method, timeout: 10_000, headers }, (response) => {
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
    request.end(payload);
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

/** What one AWS CLI command did. */
interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * emulator/aws_cli_server.py, started on the first `aws()` of this process: it imports the AWS
 * CLI once and runs each command in a child forked from that warm state (the CLI's own entry
 * point, the request's environment), so a command costs a tenth of the CPU of a new `aws`
 * process. It exits with this process (its standard input closes).
 */
let cliServer: Promise<string> | undefined;

function awsCliServer(): Promise<string> {
  cliServer ??= new Promise<string>((resolve, reject) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aws-cli-"));
    const socketPath = path.join(dir, "cli.sock");
    const script = path.join(path.dirname(LAUNCHER), "aws_cli_server.py");
    // The warm-up reads no real AWS configuration; each command brings its own environment.
    const env = { ...withoutAwsVariables(process.env), AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null" };
    const child = spawn("python3", [script, socketPath], { env, stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    let ready = false;
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on("data", (chunk: Buffer) => {
      if (!ready && chunk.toString().includes("aws_cli_server: ready")) {
        ready = true;
        resolve(socketPath);
      }
    });
    child.on("error", (error) => reject(new Error(`could not start the AWS CLI server (${script}): ${error.message}`)));
    child.on("exit", (code) => {
      fs.rmSync(dir, { recursive: true, force: true });
      if (!ready) reject(new Error(`the AWS CLI server (${script}) exited with ${code} before it was ready: ${stderr.trim()}`));
      cliServer = undefined;
    });
    process.once("exit", () => {
      child.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    // Neither the server nor its pipes keep this process alive.
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as { unref?: () => void }).unref?.();
  });
  return cliServer;
}

/** `aws <args>` with `env`, run by the AWS CLI server; rejects only when the command could not be run. */
async function runAwsCli(args: readonly string[], env: Record<string, string>, timeoutMs: number): Promise<CliResult> {
  const socketPath = await awsCliServer();
  return new Promise<CliResult>((resolve, reject) => {
    const conn = net.createConnection(socketPath);
    let buffer = "";
    let pid: number | undefined;
    const timer = setTimeout(() => {
      if (pid !== undefined) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      conn.destroy();
      reject(new Error(`aws ${args.join(" ")}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    conn.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline;
      while ((newline = buffer.indexOf("\n")) !== -1) {
        const line = JSON.parse(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
        if (pid === undefined && typeof line.pid === "number") {
          pid = line.pid;
          continue;
        }
        clearTimeout(timer);
        conn.end();
        resolve({ code: line.code, stdout: line.stdout, stderr: line.stderr });
      }
    });
    conn.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    conn.on("close", () => {
      clearTimeout(timer);
      reject(new Error(`aws ${args.join(" ")}: the AWS CLI server closed the connection without an answer`));
    });
    conn.write(JSON.stringify({ args, env }) + "\n");
  });
}

/**
 * Runs `aws <args> --output json` against the emulator and returns the parsed
 * output (undefined when the command prints nothing). Rejects with an
 * AwsCliError carrying stderr when the command fails.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function aws(emulator: Emulator, args: readonly string[], timeoutMs = 60_000): Promise<any> {
  let result: CliResult;
  try {
    result = await runAwsCli([...args, "--output", "json"], awsEnv(emulator), timeoutMs);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new AwsCliError(`aws ${args.join(" ")} failed: ${message}`, args, "");
  }
  if (result.code !== 0) {
    throw new AwsCliError(`aws ${args.join(" ")} failed: ${result.stderr.trim() || `exit status ${result.code}`}`, args, result.stderr);
  }
  const text = result.stdout.trim();
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return text;
  }
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

/**
 * Credentials that act as an AWS service principal (e.g. "transfer.amazonaws.com") for the
 * emulator's IAM evaluation: what they may do is decided by the resource's policy alone (a
 * function's resource policy, a role's trust policy), with aws:SourceArn and aws:SourceAccount as
 * given, the way a service calls other services for your resource
 * (emulator/moto_patches/iam_service_credentials.py).
 */
export async function serviceCredentials(
  emulator: Emulator,
  service: string,
  context: { readonly sourceArn?: string; readonly sourceAccount?: string; readonly account?: string } = {},
): Promise<AwsCredentials> {
  const answer = (await httpJson("POST", `${emulator.endpoint}/_launcher/iam/service-credentials`, { service, ...context })) as {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken: string;
  };
  return { accessKeyId: answer.accessKeyId, secretAccessKey: answer.secretAccessKey, sessionToken: answer.sessionToken };
}

/** Changes the emulator's IAM propagation delay (see EmulatorOptions.iamPropagationSeconds) while it runs. */
export async function setIamPropagationSeconds(emulator: Emulator, seconds: number): Promise<void> {
  await httpJson("PUT", `${emulator.endpoint}/_launcher/iam/propagation`, { seconds });
}
