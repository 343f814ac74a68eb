// `npm run smoke -- --user <name>`: runs client/ftp-smoke.sh (installed on the
// consumer's client instance as /usr/local/bin/ftp-smoke) through SSM Run
// Command and reports its result. The entry point is cli/smoke.ts;
// everything here is importable without side effects, so the tests drive
// runSmoke with a mocked SSM client, a fake clock and their own password.
//
// The password never appears in shell history, command parameters or logs: it
// is asked without echo (or read from stdin's first line), stored for the
// duration of the run in a SecureString parameter /<namePrefix>/smoke/<uuid>,
// read on the instance with `aws ssm get-parameter --with-decryption` into a
// shell variable and piped to ftp-smoke's stdin; the parameter is deleted in a
// `finally`, whatever happens (Ctrl-C, SIGTERM and SIGHUP included: see
// cli/smoke.ts). Should this process die before that (SIGKILL, power
// loss), the parameter expires by itself: it is an advanced-tier parameter
// with an Expiration policy a little after the run's time limit. It is
// encrypted with the consumer stack's smoke-password key, which only the
// client instance's role may decrypt (stacks/consumer/smoke-password-key.ts).
// The instance role needs ssm:GetParameter on parameter/<namePrefix>/smoke/*
// and kms:Decrypt on that key (the consumer stack grants both).
import { execFile } from "child_process";
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as os from "os";
import {
  CancelCommandCommand,
  DeleteParameterCommand,
  GetCommandInvocationCommand,
  GetCommandInvocationCommandOutput,
  PutParameterCommand,
  SendCommandCommand,
  SSMClient,
} from "@aws-sdk/client-ssm";
import { DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { ConfigError, configPathFromEnvironment, DEFAULT_CONFIG_PATH, loadConfig } from "../config/load";
import { CONSUMER_OUTPUTS } from "../lib/stack-outputs";
import { awsErrorName, CommandError, EXIT_CANCELLED, hasControlCharacters, readSecretFromProcess } from "./terminal-input";

export const SMOKE_SCRIPT_PATH = "/usr/local/bin/ftp-smoke";
/** client/sftp-smoke.sh on the instance (installed when SFTP is on, lib/client-user-data.ts). */
export const SFTP_SMOKE_SCRIPT_PATH = "/usr/local/bin/sftp-smoke";
/** client/lftprc-ftps on the instance: ftp-smoke's LFTP_RC for FTPS. */
export const LFTPRC_FTPS_PATH = "/etc/ftp-smoke/lftprc-ftps";
export const SMOKE_PROTOCOLS = ["ftp", "ftps", "sftp"] as const;
export type SmokeProtocol = (typeof SMOKE_PROTOCOLS)[number];
export const DEFAULT_STACK_DIR = "cdktf.out/stacks/consumer";
export const DEFAULT_TIMEOUT_SECONDS = 300;
export const POLL_INTERVAL_MS = 2_000;
/** Exit code when the run did not finish within --timeout (as timeout(1)). */
export const EXIT_TIMED_OUT = 124;
/** Exit code when Ctrl-C interrupts the run or cancels the password prompt. */
export const EXIT_INTERRUPTED = EXIT_CANCELLED;
/** The signals that cancel the run (cli/smoke.ts): the exit code is 128 + the signal's number, as a shell reports it. */
export const CANCELLING_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
/**
 * How long after the run's time limit the password parameter expires, should
 * the run be killed before it can delete it. Parameter Store deletes a
 * parameter when its Expiration policy's timestamp passes; policies need the
 * advanced tier (Systems Manager User Guide, "Assigning parameter policies").
 */
export const PARAMETER_EXPIRY_MARGIN_SECONDS = 300;

export const USAGE = `usage: npm run smoke -- --user <name> [options]

Runs ftp-smoke (upload, list, download, checksum, delete) on the consumer's
client instance through SSM Run Command and prints its output. The exit status
is ftp-smoke's: 0 OK, 3 control connection failed, 4 login refused, 5 data
connection failed, 6 checksum mismatch, 7 listing mismatch, 8 other FTP error,
9 ftp-smoke's own time limit; 2 usage or setup problem, 1 AWS error,
${EXIT_TIMED_OUT} no result within --timeout.

options:
  --user <name>        FTP user to log in as (required)
  --protocol <p>       ftp (default), ftps (ftp-smoke with TLS forced and the
                       certificate verified: /etc/ftp-smoke/lftprc-ftps) or sftp
                       (sftp-smoke: OpenSSH sftp, password, the server's host key
                       pinned by its fingerprint; exit 10: host key mismatch);
                       the protocol must be in provider.protocols
  --key-id <key>       KMS key for the password parameter (default: output
                       ${CONSUMER_OUTPUTS.smokePasswordKeyArn}; only the client role may decrypt it).
                       AWS managed keys (alias/aws/*, or any key whose KeyManager
                       is AWS) are refused: every principal of the account that may
                       read the parameter could decrypt with them
  --timeout <seconds>  how long to wait for the result (default ${DEFAULT_TIMEOUT_SECONDS}, 30-3600)
  --stack-dir <dir>    synthesized consumer stack to read outputs from with
                       \`terraform output -json\` (default ${DEFAULT_STACK_DIR};
                       it must use the backend the stack was deployed with)
  --instance-id <id>   client instance (default: output ${CONSUMER_OUTPUTS.clientInstanceId})
  --host <name>        FTP host (default: output ${CONSUMER_OUTPUTS.ftpHost}, which is
                       consumer.dnsName when set, else ${CONSUMER_OUTPUTS.vpcEndpointDnsName};
                       without either, ftp-smoke reads /etc/ftp-smoke/host on the instance)

The password is asked without echo on a terminal; otherwise it is the first
line of standard input. It is stored for the run in an advanced-tier
SecureString parameter that expires ${PARAMETER_EXPIRY_MARGIN_SECONDS / 60} minutes after --timeout, and is
deleted when the run ends (also on Ctrl-C, SIGTERM and SIGHUP: exit 128 + the
signal's number). Config file: $TRANSFER_CONFIG (default
${DEFAULT_CONFIG_PATH}), for the region and the parameter name prefix.`;

// ---- arguments ----------------------------------------------------------------

export interface SmokeArgs {
  readonly help: boolean;
  readonly user: string;
  readonly timeoutSeconds: number;
  readonly stackDir: string;
  readonly instanceId?: string;
  readonly host?: string;
  readonly keyId?: string;
  readonly protocol: SmokeProtocol;
}

// Transfer user names; also what ftp-smoke accepts.
const USER = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/;
const INSTANCE_ID = /^(i|mi)-[0-9a-f]{8,17}$/;
const HOST = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;
// A key ARN, key ID, alias name or alias ARN (PutParameter KeyId).
const KEY_ID =
  /^(?:arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(?:key\/[0-9a-f-]{36}|alias\/[A-Za-z0-9/_-]{1,250})|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|alias\/[A-Za-z0-9/_-]{1,250})$/;

/**
 * An AWS managed key named by its alias (alias/aws/ssm, or its alias ARN). Such
 * a key's policy lets every principal of the account use it through its
 * service (AWS KMS developer guide, "AWS managed keys": "you cannot change the
 * key policy"; Parameter Store's aws/ssm key allows kms:Decrypt to any
 * principal of the account via SSM), so anyone who may read the parameter
 * could read the password.
 */
const AWS_MANAGED_ALIAS = /^(?:arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:)?alias\/aws\//;

/** Why `keyId` may not protect the password, or undefined when its name alone does not tell. */
export function managedKeyProblem(keyId: string, from: string): string | undefined {
  return AWS_MANAGED_ALIAS.test(keyId)
    ? `${from} ${keyId} is an AWS managed key (alias/aws/*): every principal of the account that may read the password parameter could decrypt it. Use the consumer stack's smoke-password key (output ${CONSUMER_OUTPUTS.smokePasswordKeyArn}).`
    : undefined;
}

function usageError(message: string): CommandError {
  return new CommandError(message, 2, USAGE);
}

export function parseSmokeArgs(argv: readonly string[]): SmokeArgs {
  const values = new Map<string, string>();
  const known = new Set(["user", "timeout", "stack-dir", "instance-id", "host", "key-id", "protocol"]);
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "-h" || arg === "--help") {
      help = true;
      continue;
    }
    const match = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    if (!match) throw usageError(`unexpected argument #${i + 1} (not shown; the password is never taken from the command line)`);
    const [, name, inline] = match;
    if (name === "password") throw usageError("the password is never taken from the command line: it is asked, or read from standard input");
    if (!known.has(name)) throw usageError(`unknown option --${name}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw usageError(`--${name} needs a value`);
    if (values.has(name)) throw usageError(`--${name} given twice`);
    values.set(name, value);
  }
  if (help) return { help, user: "", timeoutSeconds: DEFAULT_TIMEOUT_SECONDS, stackDir: DEFAULT_STACK_DIR, protocol: "ftp" };

  const user = values.get("user");
  if (!user) throw usageError("--user <name> is required");
  if (!USER.test(user)) throw usageError("--user: expected 1-100 letters, digits, '.', '_', '@', '-', starting with a letter or digit");
  const timeoutText = values.get("timeout") ?? String(DEFAULT_TIMEOUT_SECONDS);
  const timeoutSeconds = Number(timeoutText);
  if (!/^\d+$/.test(timeoutText) || timeoutSeconds < 30 || timeoutSeconds > 3600) {
    throw usageError("--timeout: expected whole seconds between 30 and 3600");
  }
  const instanceId = values.get("instance-id");
  if (instanceId !== undefined && !INSTANCE_ID.test(instanceId)) throw usageError('--instance-id: expected an instance ID like "i-0123456789abcdef0"');
  const host = values.get("host");
  if (host !== undefined && !HOST.test(host)) throw usageError("--host: expected a host name or IPv4 address");
  const keyId = values.get("key-id");
  if (keyId !== undefined && !KEY_ID.test(keyId)) throw usageError('--key-id: expected a KMS key ARN, key ID or alias ("alias/<name>")');
  const managed = keyId === undefined ? undefined : managedKeyProblem(keyId, "--key-id");
  if (managed) throw new CommandError(managed, 2);
  const protocol = values.get("protocol") ?? "ftp";
  if (!(SMOKE_PROTOCOLS as readonly string[]).includes(protocol)) throw usageError(`--protocol: expected one of ${SMOKE_PROTOCOLS.join(", ")}`);
  return { help, user, timeoutSeconds, stackDir: values.get("stack-dir") ?? DEFAULT_STACK_DIR, instanceId, host, keyId, protocol: protocol as SmokeProtocol };
}

// ---- the command that runs on the instance -----------------------------------------

/** Single-quotes a word for sh. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export interface RemoteCommandOptions {
  readonly parameterName: string;
  readonly region: string;
  readonly user: string;
  readonly host?: string;
  /** ftp-smoke's own time limit (FTP_SMOKE_TIMEOUT). */
  readonly smokeTimeoutSeconds: number;
  /** Where ftp-smoke is installed (tests point this elsewhere). */
  readonly smokeScript?: string;
  /** Default ftp. ftps: ftp-smoke with LFTP_RC=/etc/ftp-smoke/lftprc-ftps; sftp: sftp-smoke. */
  readonly protocol?: SmokeProtocol;
}

/**
 * The AWS-RunShellScript lines. They name the parameter, never hold the
 * password: the instance reads it into a shell variable (not exported) and
 * `printf`, a shell builtin, pipes it to ftp-smoke's stdin.
 */
export function remoteCommandLines(options: RemoteCommandOptions): string[] {
  const protocol = options.protocol ?? "ftp";
  const env = [
    `FTP_SMOKE_TIMEOUT=${options.smokeTimeoutSeconds}`,
    ...(options.host ? [`FTP_HOST=${shellQuote(options.host)}`] : []),
    ...(protocol === "ftps" ? [`LFTP_RC=${LFTPRC_FTPS_PATH}`] : []),
  ];
  const script = options.smokeScript ?? (protocol === "sftp" ? SFTP_SMOKE_SCRIPT_PATH : SMOKE_SCRIPT_PATH);
  return [
    "set -u",
    `password_parameter=${shellQuote(options.parameterName)}`,
    `if ! ftp_password="$(aws ssm get-parameter --region ${shellQuote(options.region)} --with-decryption --name "$password_parameter" --query Parameter.Value --output text)"; then`,
    `  echo "FAIL: cannot read the password parameter $password_parameter (the instance role needs ssm:GetParameter on it)" >&2`,
    "  exit 2",
    "fi",
    `printf '%s\\n' "$ftp_password" | ${env.join(" ")} ${script} --user ${shellQuote(options.user)}`,
    "status=$?",
    "unset ftp_password",
    "exit $status",
  ];
}

// ---- terraform outputs ----------------------------------------------------------------

export type TerraformOutputs = Record<string, { value?: unknown } | undefined>;

/** `terraform output -json` in the synthesized stack directory. */
export function terraformOutputs(stackDir: string): Promise<TerraformOutputs> {
  if (!fs.existsSync(stackDir)) {
    return Promise.reject(
      new CommandError(`${stackDir} does not exist: run \`npm run synth\` (with the backend the stack was deployed with), or pass --instance-id and --host`, 2),
    );
  }
  return new Promise((resolve, reject) => {
    execFile("terraform", ["output", "-json"], { cwd: stackDir, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        const why = (stderr || error.message).trim().split("\n").slice(0, 5).join("\n  ");
        reject(new CommandError(`terraform output -json failed in ${stackDir}:\n  ${why}\nRun \`terraform init\` there, or pass --instance-id and --host.`, 2));
        return;
      }
      try {
        resolve(JSON.parse(stdout) as TerraformOutputs);
      } catch {
        reject(new CommandError(`terraform output -json in ${stackDir} printed something that is not JSON`, 2));
      }
    });
  });
}

function stringOutput(outputs: TerraformOutputs, name: string): string | undefined {
  const value = outputs[name]?.value;
  return typeof value === "string" && value !== "" ? value : undefined;
}

// ---- the run -----------------------------------------------------------------------

export interface SmokeDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly createClient: (region: string) => SSMClient;
  /** For DescribeKey: an AWS managed key is refused by its KeyManager, whatever name it is given by. */
  readonly createKmsClient: (region: string) => KMSClient;
  /** Asks once; undefined or "" is "no password given" (see readSecretFromProcess). */
  readonly readPassword: (prompt: string) => Promise<string | undefined>;
  readonly terraformOutputs: (stackDir: string) => Promise<TerraformOutputs>;
  readonly uuid: () => string;
  readonly now: () => number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /**
   * Aborted on Ctrl-C, SIGTERM or SIGHUP, with the signal's name as the reason:
   * the run cancels the command, still deletes the parameter, and ends with
   * 128 + the signal's number.
   */
  readonly signal?: AbortSignal;
  readonly pollIntervalMs: number;
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

export function defaultDeps(): SmokeDeps {
  return {
    env: process.env,
    createClient: (region) => new SSMClient({ region }),
    createKmsClient: (region) => new KMSClient({ region }),
    readPassword: readSecretFromProcess,
    terraformOutputs,
    uuid: randomUUID,
    now: Date.now,
    sleep: abortableSleep,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    pollIntervalMs: POLL_INTERVAL_MS,
  };
}

const TERMINAL_STATUSES = new Set(["Success", "Failed", "Cancelled", "TimedOut"]);

function withNewline(text: string): string {
  return text === "" || text.endsWith("\n") ? text : `${text}\n`;
}

/** 128 + the number of the signal that aborted the run (130 for Ctrl-C, or when the reason is not a signal name). */
export function interruptedExitCode(signal: AbortSignal | undefined): number {
  const reason = signal?.reason as unknown;
  const number = typeof reason === "string" ? (os.constants.signals as Record<string, number | undefined>)[reason] : undefined;
  return number === undefined ? EXIT_INTERRUPTED : 128 + number;
}

/** Rejects with "interrupted" (exit 128 + signal) as soon as the signal aborts, else settles as `promise` does. */
function unlessInterrupted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new CommandError(`interrupted (${String(signal.reason ?? "SIGINT")})`, interruptedExitCode(signal)));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

// Escape sequences a terminal would act on: CSI (ESC [ or the C1 CSI), and
// the string controls OSC, DCS, SOS, PM, APC (ESC ] P X ^ _ or their C1 forms)
// up to their terminator (BEL, ESC + backslash, or ST); then any other ESC + one character.
const CSI = /(?:\u001b\[|\u009b)[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]/g;
const STRING_CONTROL = /(?:\u001b[\]PX^_]|[\u0090\u0098\u009d\u009e\u009f])[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)/g;
const OTHER_ESCAPE = /\u001b[\u0020-\u007e]/g;
// What is left: C0 controls but tab and newline, DEL, C1 controls; and the
// Unicode bidirectional controls, which reorder what a line appears to say.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text from the instance (ftp-smoke's output, which quotes FTP server replies)
 * made safe to print: no escape sequences, no carriage return (a CR lets a
 * later "OK" overwrite an earlier "FAIL" on screen: CRLF and a lone CR both
 * become LF), no BEL, no C0/C1 control but tab and newline. An unterminated string control loses
 * only its introducer, so the text after it stays visible.
 */
export function terminalSafe(text: string): string {
  return text.replace(/\r\n?/g, "\n").replace(CSI, "").replace(STRING_CONTROL, "").replace(OTHER_ESCAPE, "").replace(CONTROL, "");
}

/** Runs `npm run smoke`; returns the exit code. Never throws. */
export async function runSmoke(argv: readonly string[], overrides: Partial<SmokeDeps> = {}): Promise<number> {
  const deps: SmokeDeps = { ...defaultDeps(), ...overrides };
  const say = (line: string) => deps.stderr(`${line}\n`);
  try {
    return await run(argv, deps, say);
  } catch (error) {
    if (error instanceof CommandError) {
      // The usage first, the error last: on a small terminal the error stays in view.
      if (error.usage) say(`${error.usage}\n`);
      say(error.message);
      return error.exitCode;
    }
    if (error instanceof ConfigError) {
      say(error.message);
      return 2;
    }
    say(`smoke: ${awsErrorName(error) || "error"}: ${(error as Error)?.message ?? String(error)}`);
    return 1;
  }
}

async function run(argv: readonly string[], deps: SmokeDeps, say: (line: string) => void): Promise<number> {
  const args = parseSmokeArgs(argv);
  if (args.help) {
    deps.stdout(`${USAGE}\n`);
    return 0;
  }
  const config = loadConfig(configPathFromEnvironment(deps.env));
  if (!config.provider.protocols.includes(args.protocol.toUpperCase() as "FTP" | "FTPS" | "SFTP")) {
    throw new CommandError(`--protocol ${args.protocol}: the server does not offer it (provider.protocols is ${config.provider.protocols.join(", ")})`, 2);
  }

  let instanceId = args.instanceId;
  let host = args.host;
  let keyId = args.keyId;
  let hostOutput: string = CONSUMER_OUTPUTS.ftpHost;
  if (!instanceId || !host || !keyId) {
    const outputs = await deps.terraformOutputs(args.stackDir);
    instanceId ??= stringOutput(outputs, CONSUMER_OUTPUTS.clientInstanceId);
    // ftp_host (consumer.dnsName or the endpoint's name); a consumer stack
    // deployed before that output existed has only vpc_endpoint_dns_name.
    hostOutput = stringOutput(outputs, CONSUMER_OUTPUTS.ftpHost) !== undefined ? CONSUMER_OUTPUTS.ftpHost : CONSUMER_OUTPUTS.vpcEndpointDnsName;
    host ??= stringOutput(outputs, hostOutput);
    keyId ??= stringOutput(outputs, CONSUMER_OUTPUTS.smokePasswordKeyArn);
  }
  if (!instanceId) {
    throw new CommandError(
      `no client instance: output ${CONSUMER_OUTPUTS.clientInstanceId} is empty or missing in ${args.stackDir} ` +
        "(is consumer.client.enabled true, and the consumer stack deployed?); pass --instance-id",
      2,
    );
  }
  if (!INSTANCE_ID.test(instanceId)) throw new CommandError(`output ${CONSUMER_OUTPUTS.clientInstanceId} is not an instance ID`, 2);
  if (host !== undefined && !HOST.test(host)) throw new CommandError(`output ${hostOutput} is not a host name`, 2);
  // Never the default aws/ssm key: its key policy lets every principal in the
  // account that may read the parameter decrypt it.
  if (!keyId) {
    throw new CommandError(
      `no KMS key for the password: output ${CONSUMER_OUTPUTS.smokePasswordKeyArn} is empty or missing in ${args.stackDir} ` +
        "(deploy the consumer stack with this version first); pass --key-id",
      2,
    );
  }
  if (!KEY_ID.test(keyId)) throw new CommandError(`output ${CONSUMER_OUTPUTS.smokePasswordKeyArn} is not a KMS key ARN`, 2);
  const from = args.keyId !== undefined ? "--key-id" : `output ${CONSUMER_OUTPUTS.smokePasswordKeyArn}`;
  const managedByName = managedKeyProblem(keyId, from);
  if (managedByName) throw new CommandError(managedByName, 2);
  await refuseAwsManagedKey(deps, config.region, keyId, from);
  if (!host) say(`note: no ${CONSUMER_OUTPUTS.ftpHost} output; ftp-smoke will use /etc/ftp-smoke/host on the instance`);
  if (config.consumer.assumeRoleArn) {
    say(`note: the consumer stack deploys through ${config.consumer.assumeRoleArn}; run this with credentials of that account (e.g. AWS_PROFILE with role_arn)`);
  }

  const password = await unlessInterrupted(deps.readPassword(`FTP password for ${args.user}: `), deps.signal);
  if (!password) throw new CommandError("no password given", 2);
  if (hasControlCharacters(password)) throw new CommandError("the password contains control characters", 2);

  const client = deps.createClient(config.region);
  const parameterName = `/${config.namePrefix}/smoke/${deps.uuid()}`;
  let created = false;
  try {
    const expires = new Date(deps.now() + (args.timeoutSeconds + PARAMETER_EXPIRY_MARGIN_SECONDS) * 1000);
    await client.send(
      new PutParameterCommand({
        Name: parameterName,
        Value: password,
        Type: "SecureString",
        KeyId: keyId,
        Overwrite: false,
        // Parameter policies need the advanced tier; a standard parameter never expires.
        Tier: "Advanced",
        Policies: JSON.stringify([{ Type: "Expiration", Version: "1.0", Attributes: { Timestamp: expires.toISOString() } }]),
        Description: "FTP password for one `npm run smoke` run; deleted when the run ends, expires soon after",
      }),
    );
    created = true;
    if (deps.signal?.aborted) {
      say(`interrupted (${String(deps.signal.reason ?? "SIGINT")}): nothing was sent to the instance`);
      return interruptedExitCode(deps.signal);
    }
    return await runOnInstance({ client, deps, say, args, instanceId, host, parameterName, region: config.region });
  } finally {
    if (created) await deleteParameter(client, parameterName, say);
  }
}

/**
 * Refuses an AWS managed key given by key ID or key ARN (its alias is caught
 * by name): DescribeKey's KeyMetadata.KeyManager is "AWS" for AWS managed keys
 * and "CUSTOMER" for customer managed ones (AWS KMS API reference,
 * KeyMetadata). Checked before the password is asked for; a key that cannot
 * be described is refused too, since nothing then shows it is not managed.
 */
async function refuseAwsManagedKey(deps: SmokeDeps, region: string, keyId: string, from: string): Promise<void> {
  const kms = deps.createKmsClient(region);
  let manager: string | undefined;
  try {
    manager = (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyManager;
  } catch (error) {
    throw new CommandError(
      `${from} ${keyId}: cannot tell whether it is an AWS managed key (kms:DescribeKey failed: ${awsErrorName(error) || "error"}); ` +
        "the password is stored only under a customer managed key, so allow kms:DescribeKey on it",
      2,
    );
  } finally {
    kms.destroy();
  }
  if (manager !== "CUSTOMER") {
    throw new CommandError(
      `${from} ${keyId} is ${manager === "AWS" ? "an AWS managed key (KeyManager AWS)" : `not a customer managed key (KeyManager ${terminalSafe(String(manager))})`}: ` +
        `every principal of the account that may read the password parameter could decrypt it. Use the consumer stack's smoke-password key (output ${CONSUMER_OUTPUTS.smokePasswordKeyArn}).`,
      2,
    );
  }
}

async function deleteParameter(client: SSMClient, name: string, say: (line: string) => void): Promise<void> {
  try {
    await client.send(new DeleteParameterCommand({ Name: name }));
  } catch (error) {
    if (awsErrorName(error) === "ParameterNotFound") return;
    say(`WARNING: could not delete the password parameter ${name} (${awsErrorName(error)}: ${(error as Error).message}); delete it by hand:`);
    say(`  aws ssm delete-parameter --name ${shellQuote(name)}`);
  }
}

interface InstanceRun {
  readonly client: SSMClient;
  readonly deps: SmokeDeps;
  readonly say: (line: string) => void;
  readonly args: SmokeArgs;
  readonly instanceId: string;
  readonly host?: string;
  readonly parameterName: string;
  readonly region: string;
}

async function runOnInstance(r: InstanceRun): Promise<number> {
  const { client, deps, say, args, instanceId } = r;
  const deadline = deps.now() + args.timeoutSeconds * 1000;
  const sent = await client.send(
    new SendCommandCommand({
      DocumentName: "AWS-RunShellScript",
      InstanceIds: [instanceId],
      Comment: `ftp-smoke as ${args.user}`.slice(0, 100),
      TimeoutSeconds: Math.max(30, Math.min(args.timeoutSeconds, 2_592_000)),
      Parameters: {
        commands: remoteCommandLines({
          parameterName: r.parameterName,
          region: r.region,
          user: args.user,
          host: r.host,
          protocol: args.protocol,
          smokeTimeoutSeconds: Math.max(10, args.timeoutSeconds - 45),
        }),
        executionTimeout: [String(args.timeoutSeconds)],
      },
    }),
  );
  const commandId = sent.Command?.CommandId;
  if (!commandId) throw new CommandError("SSM SendCommand returned no command ID");
  say(`ftp-smoke is running on ${instanceId} as ${args.user}${r.host ? ` against ${r.host}` : ""} (SSM command ${commandId}); waiting up to ${args.timeoutSeconds}s`);

  let invocation: GetCommandInvocationCommandOutput | undefined;
  let finished: GetCommandInvocationCommandOutput | undefined;
  // Bounded twice: by the deadline and by a count (should the clock stall).
  const maxPolls = Math.ceil((args.timeoutSeconds * 1000) / Math.max(1, deps.pollIntervalMs)) + 5;
  for (let poll = 0; !finished; poll++) {
    if (deps.signal?.aborted) {
      await cancel(client, commandId, instanceId, say);
      say(`interrupted (${String(deps.signal.reason ?? "SIGINT")}): command cancelled`);
      return interruptedExitCode(deps.signal);
    }
    try {
      invocation = await client.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
    } catch (error) {
      // Right after SendCommand the invocation may not exist yet.
      if (awsErrorName(error) !== "InvocationDoesNotExist") throw error;
    }
    if (invocation?.Status && TERMINAL_STATUSES.has(invocation.Status)) {
      finished = invocation;
      break;
    }
    if (deps.now() >= deadline || poll >= maxPolls) {
      await cancel(client, commandId, instanceId, say);
      printOutput(invocation, deps);
      say(`no result within ${args.timeoutSeconds}s (last status: ${terminalSafe(invocation?.Status ?? "not started")}); command cancelled`);
      return EXIT_TIMED_OUT;
    }
    await deps.sleep(Math.min(deps.pollIntervalMs, Math.max(0, deadline - deps.now())), deps.signal);
  }

  if (!finished) throw new CommandError("internal error: polling ended without a result");
  printOutput(finished, deps);
  const status = finished.Status;
  const code = finished.ResponseCode ?? -1;
  const details = finished.StatusDetails && finished.StatusDetails !== status ? `, ${terminalSafe(finished.StatusDetails)}` : "";
  say(`ftp-smoke on ${instanceId}: ${terminalSafe(status ?? "")}${code >= 0 ? ` (exit ${code})` : ""}${details}`);
  if (status === "TimedOut") return EXIT_TIMED_OUT;
  if (status === "Success") return 0;
  return code > 0 && code < 256 ? code : 1;
}

function printOutput(invocation: GetCommandInvocationCommandOutput | undefined, deps: SmokeDeps): void {
  if (!invocation) return;
  // FTP server replies arrive here: printed without the control characters a terminal would obey.
  deps.stdout(withNewline(terminalSafe(invocation.StandardOutputContent ?? "")));
  deps.stderr(withNewline(terminalSafe(invocation.StandardErrorContent ?? "")));
}

async function cancel(client: SSMClient, commandId: string, instanceId: string, say: (line: string) => void): Promise<void> {
  try {
    await client.send(new CancelCommandCommand({ CommandId: commandId, InstanceIds: [instanceId] }));
  } catch (error) {
    say(`note: could not cancel command ${commandId} (${awsErrorName(error)})`);
  }
}
