// The whole life of a deployment against the local AWS emulator, in one place:
// `npm run demo` (cli/demo.ts) and the end-to-end test
// (__tests__/integration/deploy.test.ts) both run it through these functions.
//
//   const session = await openSession({ label: "demo" });   // emulator + temporary working copy
//   const pre = await createPreexistingResources(session, { twoProviderSubnets: false });
//   writeConfig(session, configDocument(pre, { nlbPrivateIp: "10.0.3.119" }));
//   await addFtpUser(session, "alice", "a password");
//   await deploy(session);                                    // cdktf deploy provider consumer
//   const deployment = await describeDeployment(session);    // what the emulator now holds
//   await destroy(session);                                   // cdktf destroy consumer provider
//   await closeSession(session);                              // stop the emulator, remove the copy
//
// Nothing here touches real AWS or the user's AWS configuration: every child
// process gets the parent's environment WITHOUT its AWS_* and TF_* variables,
// plus the emulator's (AWS_ENDPOINT_URL, dummy keys, AWS_CONFIG_FILE and
// AWS_SHARED_CREDENTIALS_FILE = /dev/null, no metadata service) and a Terraform
// CLI config that installs providers from the local mirror only.
//
// cdktf runs in a temporary working copy of the project (node_modules linked,
// not copied): the local backend's state (<copy>/state/<stack>.tfstate) and
// cdktf.out stay out of the checkout, so a user's own cdktf.out and state, and
// anything else running in the checkout at the same time, are never touched.
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseConfig, userSecretPrefix } from "../config/load";
import { TransferConfig, TransferConfigInput } from "../config/schema";
import { aws, Call, Emulator, EmulatorOptions, emulatorPrerequisites, startEmulator, withoutAwsVariables } from "../emulator/client";
import { assumeRole, aws as awsDefault, awsAs, AwsCredentials } from "../emulator/client";
import { Prerequisite } from "../emulator/prerequisites";
import { terraformPrerequisites, writeCliConfig } from "../emulator/terraform";
import { DeployerIds, deployerPolicies, PolicyDocument, PolicyStatement, trustAccountPolicy } from "../lib/deployer-policies";
import { projectRoot } from "../lib/project-root";

export const REGION = "ap-northeast-1";
export const NAME_PREFIX = "tf-ftp";
/** The emulator's account (moto's default); the endpoint service admits its root. */
export const ACCOUNT_ROOT = "arn:aws:iam::123456789012:root";
export const STATE_DIR = "state";
export const STACKS = ["provider", "consumer"] as const;
export type StackName = (typeof STACKS)[number];

/** Everything the flow needs, checked up front (terraform + mirror, python3 + moto, the AWS CLI). */
export const demoPrerequisites: readonly Prerequisite[] = [...terraformPrerequisites, ...emulatorPrerequisites];

// ------------------------------------------------------------------ commands

export interface RunOptions {
  readonly cwd: string;
  readonly env: Record<string, string>;
  readonly timeoutMs: number;
  /** Written to the child's stdin, which is then closed. */
  readonly input?: string;
  /** Called with every complete line of stdout and stderr. */
  readonly onLine?: (line: string) => void;
  /** Also tracks the command's process group here while it runs (a session's commands). */
  readonly group?: Set<number>;
}

export interface RunResult {
  readonly command: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** stdout and stderr, interleaved as they arrived. */
  readonly output: string;
  readonly durationMs: number;
  readonly timedOut: boolean;
}

export class CommandError extends Error {
  constructor(
    message: string,
    readonly result: RunResult,
  ) {
    super(message);
    this.name = "CommandError";
  }
}

/** The last `count` lines of a command's output (for failure messages). */
export function lastLines(text: string, count = 60): string {
  const lines = text.trimEnd().split("\n");
  const tail = lines.slice(-count);
  // Terraform prints its errors before the plan and progress that follow them (cdktf deploy
  // shows the other stack's plan after the failure): keep each error's block in view too.
  const errors: string[] = [];
  lines.slice(0, -count).forEach((line, index) => {
    if (/\bError: /.test(line)) errors.push(...lines.slice(index, index + 6), "");
  });
  return (errors.length ? ["(errors above the last lines:)", ...errors, "(the last lines:)"] : []).concat(tail).join("\n");
}

/**
 * The lines cdktf printed for one stack. cdktf labels a line with its stack's name only
 * when the previous line came from another stack; the lines that follow are indented
 * instead, so they belong to the last label.
 */
export function stackOutput(output: string, stack: StackName): string {
  const label = new RegExp(`^(${STACKS.join("|")})\\s{2,}`);
  let current: string | undefined;
  const mine: string[] = [];
  for (const line of output.split("\n")) {
    if (line.trim() === "") continue;
    const labelled = label.exec(line);
    if (labelled) current = labelled[1];
    else if (!/^\s{2,}\S/.test(line)) current = undefined;
    if (current === stack) mine.push(labelled ? line.slice(labelled[0].length) : line.trim());
  }
  return mine.join("\n");
}

// cdktf's progress display redraws lines with terminal escapes even with --no-color.
// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-9;?]*[A-Za-z]|\r/g;

function withoutEscapes(text: string): string {
  return text.replace(ESCAPES, "");
}

// Every command still running, in every session (for Ctrl-C and process exit).
const children = new Set<number>();

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Sends `signal` to the commands still running: those of one group (a
 * session's), or all. Each command runs in its own process group (cdktf and
 * the terraform processes it starts). SIGINT lets terraform finish the
 * operation in flight and write its state.
 */
export function interruptCommands(signal: NodeJS.Signals = "SIGINT", group: ReadonlySet<number> = children): void {
  for (const pid of group) killGroup(pid, signal);
}

process.once("exit", () => interruptCommands("SIGKILL"));

/**
 * Runs a command in its own process group with a bounded time: on timeout the
 * whole group gets SIGTERM, then SIGKILL 10 s later. Rejects with a
 * CommandError (whose message ends with the last 60 lines of output) unless
 * the command exits 0.
 */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const display = [command, ...args].join(" ");
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      detached: true,
    });
    const pid = child.pid;
    const track = (add: boolean) => {
      if (pid === undefined) return;
      for (const set of [children, options.group]) if (add) set?.add(pid);
      else set?.delete(pid);
    };
    track(true);
    let output = "";
    let timedOut = false;
    const partial: Record<"out" | "err", string> = { out: "", err: "" };
    const take = (stream: "out" | "err") => (chunk: Buffer) => {
      const text = withoutEscapes(chunk.toString());
      output += text;
      if (!options.onLine) return;
      const lines = (partial[stream] + text).split("\n");
      partial[stream] = lines.pop() ?? "";
      for (const line of lines) options.onLine(line);
    };
    child.stdout!.on("data", take("out"));
    child.stderr!.on("data", take("err"));
    if (options.input !== undefined) child.stdin!.end(options.input);
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      if (pid !== undefined) {
        killGroup(pid, "SIGTERM");
        killTimer = setTimeout(() => killGroup(pid, "SIGKILL"), 10_000);
      }
    }, options.timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      track(false);
      reject(new CommandError(`${display}: ${error.message}`, { command: display, code: null, signal: null, output, durationMs: Date.now() - started, timedOut }));
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      track(false);
      for (const rest of [partial.out, partial.err]) if (rest && options.onLine) options.onLine(rest);
      const result: RunResult = { command: display, code, signal, output, durationMs: Date.now() - started, timedOut };
      if (code === 0) {
        resolve(result);
        return;
      }
      const why = timedOut ? `timed out after ${Math.round(options.timeoutMs / 1000)} s` : signal ? `killed by ${signal}` : `exited with status ${code}`;
      reject(new CommandError(`${display} ${why} (in ${options.cwd}). Last lines of its output:\n${lastLines(output)}`, result));
    });
  });
}

// ------------------------------------------------------------------ session

export interface Session {
  /** The checkout (the emulator launcher and node_modules live here). */
  readonly projectRoot: string;
  /** Temporary folder holding everything below. */
  readonly tmpDir: string;
  /** Working copy of the project where cdktf runs (state in <workDir>/state, output in <workDir>/cdktf.out). */
  readonly workDir: string;
  readonly configFile: string;
  readonly emulator: Emulator;
  /** Terraform CLI config variables (offline mirror). */
  readonly tfEnv: Record<string, string>;
  /** The whole environment of cdktf/npm/terraform children. */
  readonly env: Record<string, string>;
  /** Receives every output line of the commands run for this session. */
  readonly onLine?: (line: string) => void;
  /** Wall time of each step, in the order they ran. */
  readonly timings: { step: string; ms: number }[];
  /** Process groups of this session's commands still running. */
  readonly processes: Set<number>;
  /** Things worth knowing that did not fail the run (e.g. a destroy that needed a second attempt). */
  readonly notes: string[];
  /**
   * The deployer roles Terraform acts as (see "Deployer roles" below): on by default, so that
   * every deploy, plan and destroy is judged by the emulator's IAM against the documented
   * least-privilege policies (lib/deployer-policies.ts). What was last put on each role.
   */
  readonly deployerRoles: { enabled: boolean; applied: Map<string, PolicyDocument> };
}

export interface OpenSessionOptions {
  /** Name part of the temporary folder, e.g. "demo" or "e2e-one-subnet". */
  readonly label: string;
  readonly projectRoot?: string;
  readonly emulator?: EmulatorOptions;
  readonly onLine?: (line: string) => void;
  /** Deploy as the deployer roles (default true); false: as the emulator's unjudged default credentials. */
  readonly deployerRoles?: boolean;
}

// Top-level entries of the checkout that a working copy does not need (or must not share).
const NOT_COPIED = new Set([".git", "node_modules", ".build", "cdktf.out", "cdktf.out.hcl", "state", "coverage", "__tests__", ".gen", ".terraform"]);

/**
 * A copy of the project for cdktf to run in: every top-level file and folder
 * except those above (and state files), with node_modules as a symlink.
 */
export function createWorkingCopy(projectRoot: string, destination: string): void {
  fs.mkdirSync(destination, { recursive: true });
  for (const entry of fs.readdirSync(projectRoot)) {
    if (NOT_COPIED.has(entry) || entry.includes(".tfstate")) continue;
    try {
      fs.cpSync(path.join(projectRoot, entry), path.join(destination, entry), {
        recursive: true,
        filter: (source) => !/\.tfstate|[\\/]\.terraform([\\/]|$)/.test(source),
      });
    } catch (error) {
      // Something another process removed while we copied: not ours to need.
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  fs.symlinkSync(path.join(projectRoot, "node_modules"), path.join(destination, "node_modules"), "dir");
}

/** The parent environment without AWS_* and TF_* variables (TF_LOG* kept). */
function cleanEnvironment(): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(withoutAwsVariables(process.env))) {
    if (!key.startsWith("TF_") || key.startsWith("TF_LOG")) result[key] = value;
  }
  return result;
}

/** Starts the emulator (in the config's region) and makes the temporary working copy. */
export async function openSession(options: OpenSessionOptions): Promise<Session> {
  const root = options.projectRoot ?? projectRoot();
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), `transfer-ftp-${options.label}-`));
  try {
    const workDir = path.join(tmpDir, "project");
    createWorkingCopy(root, workDir);
    const tfEnv = writeCliConfig(path.join(tmpDir, "terraform-cli"));
    const emulator = await startEmulator({ region: REGION, ...options.emulator });
    const configFile = path.join(tmpDir, "config.json");
    const env = {
      ...cleanEnvironment(),
      ...tfEnv,
      ...emulator.env,
      TRANSFER_CONFIG: configFile,
      // cdktf would otherwise point TF_PLUGIN_CACHE_DIR at ~/.terraform.d: the mirror is enough.
      CDKTF_DISABLE_PLUGIN_CACHE_ENV: "true",
      FORCE_COLOR: "0",
      NO_COLOR: "1",
    };
    return {
      projectRoot: root,
      tmpDir,
      workDir,
      configFile,
      emulator,
      tfEnv,
      env,
      onLine: options.onLine,
      timings: [],
      processes: new Set(),
      notes: [],
      deployerRoles: { enabled: options.deployerRoles ?? true, applied: new Map() },
    };
  } catch (error) {
    fs.rmSync(tmpDir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Whether the emulator still answers. A Ctrl-C in a terminal reaches it too
 * (it runs in the caller's process group), and it exits at once, taking
 * everything it held with it.
 */
export async function emulatorAnswers(emulator: Emulator): Promise<boolean> {
  try {
    await emulator.calls();
    return true;
  } catch {
    return false;
  }
}

/** Stops the emulator and removes the temporary folder (unless `keep`). Safe to call twice. */
export async function closeSession(session: Session | undefined, options: { keep?: boolean } = {}): Promise<void> {
  if (!session) return;
  interruptCommands("SIGKILL", session.processes);
  await session.emulator.stop();
  if (!options.keep) fs.rmSync(session.tmpDir, { recursive: true, force: true });
}

async function timed<T>(session: Session, step: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await work();
  } finally {
    session.timings.push({ step, ms: Date.now() - started });
  }
}

// ------------------------------------------------------- pre-existing resources

export interface Subnet {
  readonly id: string;
  readonly cidr: string;
  readonly availabilityZone: string;
}

/** What the article assumes exists before anything is deployed. */
export interface PreexistingResources {
  readonly providerVpcId: string;
  readonly providerSubnets: readonly Subnet[];
  readonly consumerVpcId: string;
  readonly consumerSubnets: readonly Subnet[];
  readonly bucketName: string;
  /** Both VPCs' CIDR (the same on purpose: no peering possible). */
  readonly vpcCidr: string;
}

export interface PreexistingOptions {
  /** A second provider subnet, 10.0.4.0/24 in <region>c. */
  readonly twoProviderSubnets?: boolean;
  readonly bucketName?: string;
}

const VPC_CIDR = "10.0.0.0/16";

async function createVpc(session: Session, name: string, subnets: { cidr: string; zone: string }[]): Promise<{ vpcId: string; subnets: Subnet[] }> {
  const emu = session.emulator;
  const vpcId: string = (
    await aws(emu, ["ec2", "create-vpc", "--cidr-block", VPC_CIDR, "--tag-specifications", `ResourceType=vpc,Tags=[{Key=Name,Value=${name}}]`])
  ).Vpc.VpcId;
  const created = await Promise.all(
    subnets.map(async ({ cidr, zone }) => {
      const availabilityZone = `${emu.region}${zone}`;
      const subnet = await aws(emu, ["ec2", "create-subnet", "--vpc-id", vpcId, "--cidr-block", cidr, "--availability-zone", availabilityZone]);
      return { id: subnet.Subnet.SubnetId as string, cidr, availabilityZone };
    }),
  );
  return { vpcId, subnets: created };
}

/** One more subnet in an existing VPC (e.g. a consumer subnet in an AZ the provider's NLB does not serve). */
export async function createSubnet(session: Session, vpcId: string, cidr: string, zone: string): Promise<Subnet> {
  return timed(session, `create subnet ${cidr} in ${zone} (AWS CLI)`, async () => {
    const availabilityZone = `${session.emulator.region}${zone}`;
    const subnet = await aws(session.emulator, ["ec2", "create-subnet", "--vpc-id", vpcId, "--cidr-block", cidr, "--availability-zone", availabilityZone]);
    return { id: subnet.Subnet.SubnetId as string, cidr, availabilityZone };
  });
}

/**
 * Creates, with the AWS CLI against the emulator, what the article starts
 * from: two VPCs with the same CIDR 10.0.0.0/16, a subnet 10.0.3.0/24 in
 * each (the provider's in <region>a; optionally 10.0.4.0/24 in <region>c as
 * well), and the S3 bucket for the FTP users' files.
 */
export async function createPreexistingResources(session: Session, options: PreexistingOptions = {}): Promise<PreexistingResources> {
  return timed(session, "create pre-existing resources (AWS CLI)", async () => {
    const bucketName = options.bucketName ?? `${NAME_PREFIX}-demo-bucket`;
    const providerSubnets = [{ cidr: "10.0.3.0/24", zone: "a" }, ...(options.twoProviderSubnets ? [{ cidr: "10.0.4.0/24", zone: "c" }] : [])];
    const [provider, consumer] = await Promise.all([
      createVpc(session, "transfer-provider", providerSubnets),
      createVpc(session, "ftp-consumer", [{ cidr: "10.0.3.0/24", zone: "a" }]),
      aws(session.emulator, ["s3api", "create-bucket", "--bucket", bucketName, "--create-bucket-configuration", `LocationConstraint=${session.emulator.region}`]),
    ]);
    return {
      providerVpcId: provider.vpcId,
      providerSubnets: provider.subnets,
      consumerVpcId: consumer.vpcId,
      consumerSubnets: consumer.subnets,
      bucketName,
      vpcCidr: VPC_CIDR,
    };
  });
}

// ------------------------------------------------------------------- config

export interface ConfigOptions {
  /** Pins the NLB's IP (single subnet only); with it, subnetCidrs is written too. */
  readonly nlbPrivateIp?: string;
  readonly passiveIpMode?: "nlb" | "control-connection" | "consumer-endpoint";
  readonly restartTimeoutSeconds?: number;
  readonly clientEnabled?: boolean;
  /** Instead of all the pre-existing provider / consumer subnets. */
  readonly providerSubnetIds?: readonly string[];
  readonly consumerSubnetIds?: readonly string[];
  /** passiveIpMode "consumer-endpoint": the consumer endpoint's pinned IP (consumer.subnetCidrs is written too). */
  readonly consumerEndpointIp?: string;
  /** consumer.dnsName: a Route 53 private zone + alias record for the endpoint. */
  readonly dnsName?: string;
  /** provider.protocols; default the config's default, FTP only. */
  readonly protocols?: readonly ("FTP" | "FTPS" | "SFTP")[];
  /** provider.certificateArn, for FTPS (the emulator never reads the certificate). */
  readonly certificateArn?: string;
}

/** A config document for the pre-existing resources (terraform_data restart: no hashicorp/null offline). */
export function configDocument(pre: PreexistingResources, options: ConfigOptions = {}): TransferConfigInput {
  return {
    region: REGION,
    namePrefix: NAME_PREFIX,
    tags: { Project: "transfer-privatelink-ftp", Environment: "local-emulator" },
    backend: { type: "local", dir: STATE_DIR },
    provider: {
      vpcId: pre.providerVpcId,
      subnetIds: [...(options.providerSubnetIds ?? pre.providerSubnets.map((s) => s.id))],
      ...(options.nlbPrivateIp ? { subnetCidrs: Object.fromEntries(pre.providerSubnets.map((s) => [s.id, s.cidr])) } : {}),
      bucketName: pre.bucketName,
      allowedCidrs: [pre.vpcCidr],
      ...(options.nlbPrivateIp ? { nlbPrivateIp: options.nlbPrivateIp } : {}),
      // SFTP only: no PassiveIp setting at all (the config refuses one).
      ...(options.protocols && !options.protocols.some((p) => p !== "SFTP") ? {} : { passiveIpMode: options.passiveIpMode ?? "nlb" }),
      ...(options.protocols ? { protocols: [...options.protocols] } : {}),
      ...(options.certificateArn ? { certificateArn: options.certificateArn } : {}),
      allowedPrincipals: [ACCOUNT_ROOT],
      // The emulator does not check who encrypts; any user ARN of its account will do.
      userAdministratorArns: [ACCOUNT_ROOT.replace(/:root$/, ":user/demo-admin")],
      restartResource: "terraform_data",
      restartTimeoutSeconds: options.restartTimeoutSeconds ?? 120,
    },
    consumer: {
      vpcId: pre.consumerVpcId,
      subnetIds: [...(options.consumerSubnetIds ?? pre.consumerSubnets.map((s) => s.id))],
      allowedCidrs: [pre.vpcCidr],
      ...(options.consumerEndpointIp
        ? { endpointIp: options.consumerEndpointIp, subnetCidrs: Object.fromEntries(pre.consumerSubnets.map((s) => [s.id, s.cidr])) }
        : {}),
      ...(options.dnsName ? { dnsName: options.dnsName } : {}),
      client: { enabled: options.clientEnabled ?? true, instanceType: "t3.micro" },
    },
  };
}

/** Validates the document (ConfigError lists every problem) and writes it to the session's TRANSFER_CONFIG. */
export function writeConfig(session: Session, document: TransferConfigInput): TransferConfig {
  const written = session.deployerRoles.enabled ? withDeployerRoles(document) : document;
  const config = parseConfig(written, session.configFile);
  fs.writeFileSync(session.configFile, JSON.stringify(written, null, 2) + "\n");
  return config;
}

// ------------------------------------------------------------ deployer roles
//
// Terraform deploys, changes and destroys as roles that hold exactly the policies
// lib/deployer-policies.ts builds for the config (what docs/cross-account.md and
// `npm run deployer-policies` document): provider.assumeRoleArn and consumer.assumeRoleArn
// name them, so every request the AWS provider and the restart step make is signed with
// their session credentials and judged by the emulator's IAM. A missing action fails the
// deploy here, not a user's first deploy.

/** The provider stack's deployer role (provider.assumeRoleArn), in the provider account. */
export const PROVIDER_DEPLOY_ROLE = "ftp-provider-deploy";

function deployerRoleArn(accountId: string, name: string): string {
  return `arn:aws:iam::${accountId}:role/${name}`;
}

/** The config with assumeRoleArn set to the deployer roles where it names none. */
function withDeployerRoles(document: TransferConfigInput): TransferConfigInput {
  return {
    ...document,
    provider: { assumeRoleArn: deployerRoleArn(PROVIDER_ACCOUNT_ID, PROVIDER_DEPLOY_ROLE), ...document.provider },
    consumer: { assumeRoleArn: deployerRoleArn(PROVIDER_ACCOUNT_ID, CONSUMER_DEPLOY_ROLE), ...document.consumer },
  };
}

/**
 * Two policy documents as one: a statement of the second whose effect, resources and
 * conditions equal one of the first adds its actions there; one whose effect, actions and
 * conditions equal one of the first adds its resources there (a config change that moves a
 * subnet or a name); any other is appended. Folding keeps the union within IAM's 10,240
 * characters of inline policy per role, as a careful administrator would write it. A role
 * keeps the permissions of the config it deployed until the new config is applied (removing
 * what only the old config made needs the old permissions), as an administrator would
 * widen the policy before a change and narrow it after.
 */
export function mergePolicies(first: PolicyDocument, second: PolicyDocument): PolicyDocument {
  type Statement = { -readonly [K in keyof PolicyStatement]: PolicyStatement[K] };
  const union = (a: string | readonly string[] | undefined, b: string | readonly string[] | undefined) => [...new Set([...[a ?? []].flat(), ...[b ?? []].flat()])].sort();
  const byResources = (s: PolicyStatement) => JSON.stringify([s.Effect, s.Principal ?? null, s.Resource ?? null, s.Condition ?? null]);
  const byActions = (s: PolicyStatement) => JSON.stringify([s.Effect, s.Principal ?? null, union(s.Action, []), s.Condition ?? null, s.Resource === undefined]);
  const statements: Statement[] = first.Statement.map((s) => ({ ...s }));
  for (const statement of second.Statement) {
    const sameResources = statements.find((s) => byResources(s) === byResources(statement));
    if (sameResources) {
      sameResources.Action = union(sameResources.Action, statement.Action);
      continue;
    }
    const sameActions = statements.find((s) => s.Resource !== undefined && byActions(s) === byActions(statement));
    if (sameActions) {
      const resources = union(sameActions.Resource, statement.Resource);
      sameActions.Resource = resources.length === 1 ? resources[0] : resources;
      continue;
    }
    statements.push({ ...statement });
  }
  const sids = new Set<string>();
  statements.forEach((statement, i) => {
    if (statement.Sid && sids.has(statement.Sid)) statement.Sid = `${statement.Sid}${i}`;
    if (statement.Sid) sids.add(statement.Sid);
  });
  return { Version: "2012-10-17", Statement: statements };
}

async function iamPropagationSeconds(emulator: Emulator): Promise<number> {
  const response = await fetch(`${emulator.endpoint}/_launcher/iam/propagation`);
  return Number(((await response.json()) as { seconds?: number }).seconds ?? 0);
}

/**
 * Creates the session's deployer roles (in the provider account; trusted by it) and puts on
 * each the policy for the current config, merged with what it held; then waits out IAM's
 * propagation delay, as an administrator must before the deploy. Roles the config names
 * that are not the session's (the two-account scenario's consumer role) are left alone.
 */
export async function ensureDeployerRoles(session: Session): Promise<void> {
  if (!session.deployerRoles.enabled) return;
  const config = readConfig(session);
  const accountOf = (arn: string | undefined) => arn?.split(":")[4];
  const ids: DeployerIds = {
    providerAccountId: PROVIDER_ACCOUNT_ID,
    consumerAccountId: accountOf(config.consumer.assumeRoleArn) ?? PROVIDER_ACCOUNT_ID,
  };
  const policies = deployerPolicies(config, ids);
  const wanted: [string, string | undefined, PolicyDocument][] = [
    [PROVIDER_DEPLOY_ROLE, config.provider.assumeRoleArn, policies["provider-deploy"]],
    [CONSUMER_DEPLOY_ROLE, config.consumer.assumeRoleArn, policies["consumer-deploy"]],
  ];
  let changed = false;
  for (const [name, arn, policy] of wanted) {
    if (arn !== deployerRoleArn(PROVIDER_ACCOUNT_ID, name)) continue;
    const before = session.deployerRoles.applied.get(name);
    if (!before) {
      await createRole((args) => awsDefault(session.emulator, args), name, trustAccountPolicy(PROVIDER_ACCOUNT_ID));
    }
    const merged = before ? mergePolicies(before, policy) : policy;
    if (before && JSON.stringify(before) === JSON.stringify(merged)) continue;
    await putRolePolicy((args) => awsDefault(session.emulator, args), name, merged);
    session.deployerRoles.applied.set(name, merged);
    changed = true;
  }
  if (changed) {
    const seconds = await iamPropagationSeconds(session.emulator);
    if (seconds > 0) await new Promise((resolve) => setTimeout(resolve, (seconds + 0.5) * 1000));
  }
}

export function readConfig(session: Session): TransferConfig {
  return parseConfig(JSON.parse(fs.readFileSync(session.configFile, "utf8")), session.configFile);
}

// ------------------------------------------------------------------- users

/** `npm run users -- add <name>` with the password on stdin; returns the secret's name. */
export async function addFtpUser(session: Session, name: string, password: string): Promise<string> {
  return timed(session, `npm run users -- add ${name}`, async () => {
    await run("npm", ["run", "--silent", "users", "--", "add", name], {
      cwd: session.workDir,
      env: session.env,
      input: `${password}\n`,
      timeoutMs: 60_000,
      onLine: session.onLine,
      group: session.processes,
    });
    return `${userSecretPrefix(readConfig(session))}${name}`;
  });
}

// ------------------------------------------------------------- deploy/destroy

const DEPLOY_TIMEOUT_MS = 6 * 60_000;

async function cdktf(session: Session, args: readonly string[], timeoutMs: number): Promise<RunResult> {
  await ensureDeployerRoles(session);
  // What `npx cdktf` runs; called directly so npx never looks anything up.
  const bin = path.join(session.workDir, "node_modules", ".bin", "cdktf");
  const since = Date.now();
  try {
    return await run(bin, [...args, "--skip-provider-lock", "--no-color"], {
      cwd: session.workDir,
      env: session.env,
      timeoutMs,
      onLine: session.onLine,
      group: session.processes,
    });
  } catch (error) {
    // cdktf does not always print the error of a stack whose plan failed while another stack
    // runs: the emulator's own record of what IAM refused during the command says why.
    if (error instanceof CommandError) error.message += await iamRefusalsSince(session, since);
    throw error;
  }
}

async function iamRefusalsSince(session: Session, since: number): Promise<string> {
  try {
    const refused = (await session.emulator.calls()).filter(
      (c) => c.action === "IamDecision" && c.decision !== "Allowed" && Number(c.epochMs ?? 0) >= since,
    );
    if (refused.length === 0) return "";
    return `\nIAM refused in the emulator during the command:\n${refused
      .map((c) => `  ${c.principal} ${c.iamAction ?? c.operation}${c.resource ? ` on ${c.resource}` : ""}: ${c.decision} ${c.reason ?? ""}`.trimEnd())
      .join("\n")}`;
  } catch {
    return "";
  }
}

/** `cdktf deploy provider consumer --auto-approve --skip-provider-lock` in the working copy (synth included). */
export function deploy(session: Session, step = "cdktf deploy provider consumer"): Promise<RunResult> {
  return timed(session, step, () => cdktf(session, ["deploy", ...STACKS, "--auto-approve"], DEPLOY_TIMEOUT_MS));
}

/** `cdktf diff <stacks> --skip-provider-lock` (synth, then terraform plan of each stack); rejects when a plan fails. */
export function plan(session: Session, stacks: readonly StackName[], step = `cdktf diff ${stacks.join(" ")}`): Promise<RunResult> {
  return timed(session, step, () => cdktf(session, ["diff", ...stacks], DEPLOY_TIMEOUT_MS));
}

/**
 * `cdktf destroy consumer provider --auto-approve --skip-provider-lock`, run a
 * second time if the first fails (what anyone does after a partial destroy:
 * Terraform refreshes and deletes what is left). Against the emulator a
 * destroy very occasionally fails once with ELBv2 TargetGroupNotFound on a
 * group that was just deleted; the retry and the first error go to
 * `session.notes`. A destroy that fails twice rejects.
 */
export function destroy(session: Session, step = "cdktf destroy consumer provider"): Promise<RunResult> {
  const once = () => cdktf(session, ["destroy", ...[...STACKS].reverse(), "--auto-approve"], DEPLOY_TIMEOUT_MS);
  return timed(session, step, async () => {
    try {
      return await once();
    } catch (error) {
      const first = error instanceof CommandError ? error.result : undefined;
      if (!first || first.timedOut || first.signal) throw error;
      const cause = first.output.split("\n").filter((line) => /Error:/.test(line)).slice(0, 3).join(" / ");
      session.notes.push(`${step}: first attempt failed (${cause.trim() || `status ${first.code}`}); ran it again`);
      return once();
    }
  });
}

export function stackDir(session: Session, stack: StackName): string {
  return path.join(session.workDir, "cdktf.out", "stacks", stack);
}

export function stateFile(session: Session, stack: StackName): string {
  return path.join(session.workDir, STATE_DIR, `${stack}.tfstate`);
}

export interface StateResource {
  readonly mode: string;
  readonly type: string;
  readonly name: string;
  readonly instances: { readonly attributes: Record<string, unknown> }[];
}

/** The managed resources in a stack's state file (empty when there is none). */
export function stateResources(session: Session, stack: StackName): StateResource[] {
  try {
    const state = JSON.parse(fs.readFileSync(stateFile(session, stack), "utf8"));
    return ((state.resources ?? []) as StateResource[]).filter((r) => r.mode === "managed" && r.instances.length > 0);
  } catch {
    return [];
  }
}

/**
 * Cleanup after a failure or an interrupt: `terraform destroy` of each stack
 * that has resources in its state, consumer first (cdktf destroy would first
 * need a synth and a provider state with every output, which a half-finished
 * deploy may lack). Never throws; returns what went wrong.
 */
export async function destroyWhatExists(session: Session, timeoutMs = 3 * 60_000): Promise<string[]> {
  const problems: string[] = [];
  try {
    await ensureDeployerRoles(session);
  } catch (error) {
    problems.push(`deployer roles: ${(error as Error).message}`);
  }
  for (const stack of [...STACKS].reverse()) {
    if (stateResources(session, stack).length === 0) continue;
    if (!fs.existsSync(path.join(stackDir(session, stack), ".terraform"))) {
      problems.push(`${stack}: has state but was never initialized; left to the emulator's shutdown`);
      continue;
    }
    try {
      await run("terraform", ["destroy", "-auto-approve", "-input=false", "-no-color"], {
        cwd: stackDir(session, stack),
        env: session.env,
        timeoutMs,
        onLine: session.onLine,
        group: session.processes,
      });
    } catch (error) {
      problems.push(`${stack}: ${(error as Error).message}`);
    }
  }
  return problems;
}

/** A stack's outputs, read with `terraform output -json` from its state. */
export async function stackOutputs(session: Session, stack: StackName): Promise<Record<string, string>> {
  const result = await run("terraform", ["output", "-json", "-no-color"], {
    cwd: stackDir(session, stack),
    env: session.env,
    timeoutMs: 60_000,
    group: session.processes,
  });
  const outputs = JSON.parse(result.output.slice(result.output.indexOf("{"))) as Record<string, { value: unknown }>;
  return Object.fromEntries(Object.entries(outputs).map(([key, { value }]) => [key, String(value)]));
}

// ------------------------------------------------------------- what exists

export interface Listener {
  readonly port: number;
  readonly protocol: string;
  readonly targetGroupArn: string;
}

export interface TargetGroup {
  readonly name: string;
  readonly port: number;
  readonly arn: string;
  readonly healthCheckPort: string;
  /** Registered target IPs (sorted) with their ports. */
  readonly targets: readonly { readonly ip: string; readonly port: number }[];
}

export interface Deployment {
  readonly providerOutputs: Record<string, string>;
  readonly consumerOutputs: Record<string, string>;
  readonly server: {
    readonly id: string;
    readonly state: string;
    readonly passiveIp: string;
    readonly vpcEndpointId: string;
    /** The server endpoint's private IP in each subnet (sorted). */
    readonly endpointIps: readonly string[];
  };
  readonly loadBalancer: {
    readonly arn: string;
    readonly name: string;
    readonly scheme: string;
    readonly privateIps: readonly string[];
    readonly crossZone: string | undefined;
    readonly listeners: readonly Listener[];
  };
  readonly targetGroups: readonly TargetGroup[];
  readonly endpointService: {
    readonly id: string;
    readonly name: string;
    readonly acceptanceRequired: boolean;
    /** The load balancers the service lists (describeDeployment insists on exactly one). */
    readonly networkLoadBalancerArns: readonly string[];
  };
  readonly consumerEndpoint: { readonly id: string; readonly state: string; readonly serviceName: string; readonly dnsName: string; readonly vpcId: string };
  readonly clientInstance?: { readonly id: string; readonly state: string; readonly type: string };
  /** StopServer/StartServer calls the emulator recorded for this server, oldest first. */
  readonly restartCalls: readonly Call[];
}

/** Reads back, through the AWS CLI and the stacks' outputs, what the deploy created. */
export async function describeDeployment(session: Session): Promise<Deployment> {
  return timed(session, "describe the deployment (AWS CLI)", async () => {
    const emu = session.emulator;
    const [providerOutputs, consumerOutputs] = await Promise.all([stackOutputs(session, "provider"), stackOutputs(session, "consumer")]);
    const serverId = providerOutputs.transfer_server_id;
    // The NLB is the one the endpoint service uses (its name carries a pinned IP:
    // tf-ftp-nlb-3-119; without one it is tf-ftp-nlb).
    const [{ Server }, { ServiceConfigurations }, { VpcEndpoints }, calls] = await Promise.all([
      aws(emu, ["transfer", "describe-server", "--server-id", serverId]),
      aws(emu, ["ec2", "describe-vpc-endpoint-service-configurations", "--service-ids", providerOutputs.endpoint_service_id]),
      aws(emu, ["ec2", "describe-vpc-endpoints", "--vpc-endpoint-ids", consumerOutputs.vpc_endpoint_id]),
      emu.calls(),
    ]);
    const service = ServiceConfigurations[0];
    const networkLoadBalancerArns: string[] = service.NetworkLoadBalancerArns ?? [];
    if (networkLoadBalancerArns.length !== 1) {
      throw new Error(`endpoint service ${service.ServiceId} lists ${networkLoadBalancerArns.length} network load balancers, expected 1`);
    }
    const { LoadBalancers } = await aws(emu, ["elbv2", "describe-load-balancers", "--load-balancer-arns", networkLoadBalancerArns[0]]);
    const lb = LoadBalancers[0];
    const vpcEndpointId: string = Server.EndpointDetails.VpcEndpointId;
    const [{ NetworkInterfaces }, { Listeners }, { Attributes }, { TargetGroups }, instances] = await Promise.all([
      aws(emu, ["ec2", "describe-network-interfaces", "--filters", `Name=description,Values=VPC Endpoint Interface ${vpcEndpointId}`]),
      aws(emu, ["elbv2", "describe-listeners", "--load-balancer-arn", lb.LoadBalancerArn]),
      aws(emu, ["elbv2", "describe-load-balancer-attributes", "--load-balancer-arn", lb.LoadBalancerArn]),
      aws(emu, ["elbv2", "describe-target-groups", "--load-balancer-arn", lb.LoadBalancerArn]),
      consumerOutputs.client_instance_id
        ? aws(emu, ["ec2", "describe-instances", "--instance-ids", consumerOutputs.client_instance_id])
        : Promise.resolve(undefined),
    ]);
    const targetGroups: TargetGroup[] = await Promise.all(
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      (TargetGroups as any[]).map(async (group) => {
        const { TargetHealthDescriptions } = await aws(emu, ["elbv2", "describe-target-health", "--target-group-arn", group.TargetGroupArn]);
        return {
          name: group.TargetGroupName,
          port: group.Port,
          arn: group.TargetGroupArn,
          healthCheckPort: String(group.HealthCheckPort),
          // eslint-disable-next-line @typescript-eslint/no-explicit-any
          targets: (TargetHealthDescriptions as any[])
            .map((d) => ({ ip: d.Target.Id as string, port: d.Target.Port as number }))
            .sort((a, b) => a.ip.localeCompare(b.ip)),
        };
      }),
    );
    const instance = instances?.Reservations?.[0]?.Instances?.[0];
    const endpoint = VpcEndpoints[0];
    return {
      providerOutputs,
      consumerOutputs,
      server: {
        id: Server.ServerId,
        state: Server.State,
        passiveIp: Server.ProtocolDetails?.PassiveIp,
        vpcEndpointId,
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        endpointIps: (NetworkInterfaces as any[]).map((eni) => eni.PrivateIpAddress as string).sort(),
      },
      loadBalancer: {
        arn: lb.LoadBalancerArn,
        name: lb.LoadBalancerName,
        scheme: lb.Scheme,
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        privateIps: (lb.AvailabilityZones as any[]).flatMap((az) => (az.LoadBalancerAddresses ?? []).map((a: any) => a.PrivateIPv4Address as string)),
        crossZone: (Attributes as { Key: string; Value: string }[]).find((a) => a.Key === "load_balancing.cross_zone.enabled")?.Value,
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        listeners: (Listeners as any[])
          .map((l) => ({ port: l.Port as number, protocol: l.Protocol as string, targetGroupArn: l.DefaultActions?.[0]?.TargetGroupArn as string }))
          .sort((a, b) => a.port - b.port),
      },
      targetGroups: targetGroups.sort((a, b) => a.port - b.port),
      endpointService: {
        id: service.ServiceId,
        name: service.ServiceName,
        acceptanceRequired: service.AcceptanceRequired,
        networkLoadBalancerArns,
      },
      consumerEndpoint: {
        id: endpoint.VpcEndpointId,
        state: endpoint.State,
        serviceName: endpoint.ServiceName,
        vpcId: endpoint.VpcId,
        dnsName: endpoint.DnsEntries?.[0]?.DnsName,
      },
      clientInstance: instance ? { id: instance.InstanceId, state: instance.State?.Name, type: instance.InstanceType } : undefined,
      restartCalls: calls.filter((c) => c.serverId === serverId && (c.action === "StopServer" || c.action === "StartServer")),
    };
  });
}

/** The deployment as a few readable lines (what `npm run demo` prints). */
export function formatDeployment(d: Deployment): string {
  const ports = d.loadBalancer.listeners.map((l) => l.port);
  const portText = ports.length > 2 ? `${ports[0]}, ${ports[1]}..${ports[ports.length - 1]}` : ports.join(", ");
  const targets = [...new Set(d.targetGroups.flatMap((g) => g.targets.map((t) => t.ip)))].sort();
  const lines = [
    `Transfer server       ${d.server.id} (${d.server.state}), PassiveIp ${d.server.passiveIp}`,
    `  its VPC endpoint    ${d.server.vpcEndpointId}, private IP(s) ${d.server.endpointIps.join(", ")}`,
    `Internal NLB          ${d.loadBalancer.name}, private IP(s) ${d.loadBalancer.privateIps.join(", ") || "-"}, cross-zone ${d.loadBalancer.crossZone ?? "?"}`,
    `  listeners           ${d.loadBalancer.listeners.length} x TCP: ${portText}`,
    `  target groups       ${d.targetGroups.length}, each with target(s) ${targets.join(", ")} (health checks on port ${d.targetGroups[0]?.healthCheckPort})`,
    `Endpoint service      ${d.endpointService.name} (acceptance required: ${d.endpointService.acceptanceRequired})`,
    `Consumer endpoint     ${d.consumerEndpoint.id} (${d.consumerEndpoint.state}) in ${d.consumerEndpoint.vpcId}`,
    `  DNS name            ${d.consumerEndpoint.dnsName}`,
    `Client instance       ${d.clientInstance ? `${d.clientInstance.id} (${d.clientInstance.type}, ${d.clientInstance.state})` : "none"}`,
    `Restart calls         ${d.restartCalls.map((c) => `${c.action} at ${c.time} (server was ${c.fromState})`).join("; ") || "none"}`,
  ];
  return lines.join("\n");
}

/**
 * Everything the stacks could have left behind, described; empty when the
 * emulator holds none of it. Moto keeps deleted VPC endpoints (state
 * "deleted") and terminated instances: those count as gone.
 */
export async function leftovers(session: Session, account?: AwsCredentials): Promise<string[]> {
  return timed(session, `check for leftovers (AWS CLI${account ? ", another account" : ""})`, async () => {
    // In the default account, or through `account`'s credentials in that one (cross-account).
    const emu = session.emulator;
    const aws = (_: Emulator, args: readonly string[]) => (account ? awsAs(emu, account, args) : awsDefault(emu, args));
    const [servers, lbs, groups, services, endpoints, functions, reservations, roles, securityGroups, alarms, parameters, tables, aliases] = await Promise.all([
      aws(emu, ["transfer", "list-servers"]),
      aws(emu, ["elbv2", "describe-load-balancers"]),
      aws(emu, ["elbv2", "describe-target-groups"]),
      aws(emu, ["ec2", "describe-vpc-endpoint-service-configurations"]),
      aws(emu, ["ec2", "describe-vpc-endpoints"]),
      aws(emu, ["lambda", "list-functions"]),
      aws(emu, ["ec2", "describe-instances"]),
      aws(emu, ["iam", "list-roles"]),
      aws(emu, ["ec2", "describe-security-groups", "--filters", `Name=group-name,Values=${NAME_PREFIX}-*`]),
      aws(emu, ["cloudwatch", "describe-alarms", "--alarm-name-prefix", NAME_PREFIX]),
      aws(emu, ["ssm", "describe-parameters", "--parameter-filters", `Key=Name,Option=BeginsWith,Values=/${NAME_PREFIX}/`]),
      aws(emu, ["dynamodb", "list-tables"]),
      aws(emu, ["kms", "list-aliases"]),
    ]);
    /* eslint-disable @typescript-eslint/no-explicit-any */
    const found: string[] = [
      ...(servers.Servers as any[]).map((s) => `Transfer server ${s.ServerId} (${s.State})`),
      ...(lbs.LoadBalancers as any[]).map((lb) => `load balancer ${lb.LoadBalancerName}`),
      ...(groups.TargetGroups as any[]).map((g) => `target group ${g.TargetGroupName}`),
      ...(services.ServiceConfigurations as any[]).map((s) => `endpoint service ${s.ServiceId} (${s.ServiceState})`),
      ...(endpoints.VpcEndpoints as any[]).filter((e) => e.State !== "deleted").map((e) => `VPC endpoint ${e.VpcEndpointId} (${e.State})`),
      ...(functions.Functions as any[]).map((f) => `Lambda function ${f.FunctionName}`),
      ...(reservations.Reservations as any[])
        .flatMap((r) => r.Instances as any[])
        .filter((i) => i.State?.Name !== "terminated")
        .map((i) => `EC2 instance ${i.InstanceId} (${i.State?.Name})`),
      ...(roles.Roles as any[]).filter((r) => String(r.RoleName).startsWith(NAME_PREFIX)).map((r) => `IAM role ${r.RoleName}`),
      ...(securityGroups.SecurityGroups as any[]).map((g) => `security group ${g.GroupName} (${g.GroupId})`),
      ...(alarms.MetricAlarms as any[]).map((a) => `CloudWatch alarm ${a.AlarmName}`),
      ...(parameters.Parameters as any[]).map((p) => `SSM parameter ${p.Name}`),
      ...(tables.TableNames as string[]).filter((t) => t.startsWith(`${NAME_PREFIX}-`)).map((t) => `DynamoDB table ${t}`),
      // The key itself stays, scheduled for deletion (KMS's waiting period); its alias must go.
      ...(aliases.Aliases as any[]).filter((a) => String(a.AliasName).startsWith(`alias/${NAME_PREFIX}-`)).map((a) => `KMS alias ${a.AliasName}`),
    ];
    /* eslint-enable @typescript-eslint/no-explicit-any */
    return found;
  });
}

// ------------------------------------------------------- two accounts
//
//   const x = await createCrossAccountResources(session);   // roles, VPCs, bucket in two accounts
//   writeConfig(session, crossAccountConfigDocument(x));       // consumer.assumeRoleArn, serviceOwnerRoleArn, allowedPrincipals
//   await deploy(session);
//   await leftovers(session, x.consumerCredentials);          // what is left in the consumer account

/** The provider account: the emulator's default (moto's), whose credentials every child process has. */
export const PROVIDER_ACCOUNT_ID = "123456789012";
/** The consumer account of the two-account scenario. */
export const CONSUMER_ACCOUNT_ID = "210987654321";
/** The role the consumer stack's AWS provider assumes (consumer.assumeRoleArn), in the consumer account. */
export const CONSUMER_DEPLOY_ROLE = "ftp-consumer-deploy";
/** The role that accepts the connection (consumer.serviceOwnerRoleArn), in the provider account. */
export const SERVICE_OWNER_ROLE = "ftp-privatelink-acceptor";
// How the setup reaches the consumer account: the role AWS Organizations creates in a
// member account. The emulator issues credentials of that account for it without the
// role having to exist (moto does not check trust); on AWS it is the usual way in.
const SETUP_ROLE = "OrganizationAccountAccessRole";

export const accountRoot = (accountId: string) => `arn:aws:iam::${accountId}:root`;

export interface ZonedSubnet extends Subnet {
  /** The AZ ID: the same physical zone in every account (the name is per account). */
  readonly availabilityZoneId: string;
}

export interface CrossAccountResources {
  readonly ids: DeployerIds & { readonly region: string };
  /** Provider VPC, subnet and bucket in the provider account; consumer VPC and its subnet in the consumer account. */
  readonly pre: PreexistingResources;
  readonly providerSubnet: ZonedSubnet;
  /** In the consumer account, in the zone with the provider subnet's AZ ID (its name there differs). */
  readonly consumerSubnet: ZonedSubnet;
  /** In the consumer account, in the zone with the provider subnet's NAME: another AZ ID, one the NLB does not serve. */
  readonly sameNameSubnet: ZonedSubnet;
  /** Administrator credentials of the consumer account (setup and read-back only; the stacks use the roles). */
  readonly consumerCredentials: AwsCredentials;
  readonly consumerDeployRoleArn: string;
  readonly serviceOwnerRoleArn: string;
}

async function createRole(run: (args: readonly string[]) => Promise<unknown>, name: string, trust: object): Promise<void> {
  await run(["iam", "create-role", "--role-name", name, "--assume-role-policy-document", JSON.stringify(trust)]);
}

async function putRolePolicy(run: (args: readonly string[]) => Promise<unknown>, name: string, permissions: object): Promise<void> {
  await run(["iam", "put-role-policy", "--role-name", name, "--policy-name", name, "--policy-document", JSON.stringify(permissions)]);
}

/**
 * The two-account starting point, made with the AWS CLI: in the provider
 * account the Transfer VPC (10.0.3.0/24 in <region>a), the bucket and the
 * service-owner role; in the consumer account a VPC with the same CIDR, two
 * subnets (one in the zone whose AZ ID is the provider subnet's, one in the zone
 * with the provider subnet's name) and the deploy role. Both roles trust the
 * provider account, whose credentials run Terraform; their policies are the
 * ones lib/deployer-policies.ts builds for the two-account config
 * (crossAccountConfigDocument): the README's.
 */
export async function createCrossAccountResources(session: Session, options: { bucketName?: string } = {}): Promise<CrossAccountResources> {
  return timed(session, "create pre-existing resources in two accounts (AWS CLI)", async () => {
    const emu = session.emulator;
    const ids = { providerAccountId: PROVIDER_ACCOUNT_ID, consumerAccountId: CONSUMER_ACCOUNT_ID, region: emu.region };
    const consumerCredentials = await assumeRole(emu, `arn:aws:iam::${CONSUMER_ACCOUNT_ID}:role/${SETUP_ROLE}`, "transfer-ftp-setup");
    const inProvider = (args: readonly string[]) => awsDefault(emu, args);
    const inConsumer = (args: readonly string[]) => awsAs(emu, consumerCredentials, args);
    const bucketName = options.bucketName ?? `${NAME_PREFIX}-demo-bucket`;

    const zoned = async (run: typeof inProvider, vpcId: string, cidr: string, zone: { name?: string; id?: string }): Promise<ZonedSubnet> => {
      const where = zone.id ? ["--availability-zone-id", zone.id] : ["--availability-zone", zone.name!];
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const { Subnet } = (await run(["ec2", "create-subnet", "--vpc-id", vpcId, "--cidr-block", cidr, ...where])) as any;
      return { id: Subnet.SubnetId, cidr, availabilityZone: Subnet.AvailabilityZone, availabilityZoneId: Subnet.AvailabilityZoneId };
    };
    const vpc = async (run: typeof inProvider, name: string): Promise<string> =>
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      ((await run(["ec2", "create-vpc", "--cidr-block", VPC_CIDR, "--tag-specifications", `ResourceType=vpc,Tags=[{Key=Name,Value=${name}}]`])) as any).Vpc.VpcId;

    const [providerVpcId, consumerVpcId] = await Promise.all([
      vpc(inProvider, "transfer-provider"),
      vpc(inConsumer, "ftp-consumer"),
      inProvider(["s3api", "create-bucket", "--bucket", bucketName, "--create-bucket-configuration", `LocationConstraint=${emu.region}`]),
      createRole(inProvider, SERVICE_OWNER_ROLE, trustAccountPolicy(PROVIDER_ACCOUNT_ID)),
      createRole(inConsumer, CONSUMER_DEPLOY_ROLE, trustAccountPolicy(PROVIDER_ACCOUNT_ID)),
    ]);
    const providerSubnet = await zoned(inProvider, providerVpcId, "10.0.3.0/24", { name: `${emu.region}a` });
    const [consumerSubnet, sameNameSubnet] = await Promise.all([
      zoned(inConsumer, consumerVpcId, "10.0.3.0/24", { id: providerSubnet.availabilityZoneId }),
      zoned(inConsumer, consumerVpcId, "10.0.4.0/24", { name: providerSubnet.availabilityZone }),
    ]);
    const resources: CrossAccountResources = {
      ids,
      pre: { providerVpcId, providerSubnets: [providerSubnet], consumerVpcId, consumerSubnets: [consumerSubnet], bucketName, vpcCidr: VPC_CIDR },
      providerSubnet,
      consumerSubnet,
      sameNameSubnet,
      consumerCredentials,
      consumerDeployRoleArn: `arn:aws:iam::${CONSUMER_ACCOUNT_ID}:role/${CONSUMER_DEPLOY_ROLE}`,
      serviceOwnerRoleArn: `arn:aws:iam::${PROVIDER_ACCOUNT_ID}:role/${SERVICE_OWNER_ROLE}`,
    };
    // The roles' policies: what lib/deployer-policies.ts builds for this config (the emulator
    // does not enforce them; the end-to-end test checks every call the roles made against them).
    const policies = deployerPolicies(parseConfig(crossAccountConfigDocument(resources), "(two-account config)"), ids);
    await Promise.all([
      putRolePolicy(inProvider, SERVICE_OWNER_ROLE, policies["service-owner"]!),
      putRolePolicy(inConsumer, CONSUMER_DEPLOY_ROLE, policies["consumer-deploy"]),
    ]);
    return resources;
  });
}

export interface CrossAccountConfigOptions {
  /** provider.allowedPrincipals; default: the consumer account's root. */
  readonly allowedPrincipals?: readonly string[];
  /** consumer.subnetIds; default: the subnet in the provider subnet's AZ ID. */
  readonly consumerSubnetIds?: readonly string[];
}

/** The README's cross-account config: single AZ, NLB IP 10.0.3.119, no client instance, the consumer stack in the other account. */
export function crossAccountConfigDocument(x: CrossAccountResources, options: CrossAccountConfigOptions = {}): TransferConfigInput {
  const base = configDocument(x.pre, { nlbPrivateIp: "10.0.3.119", clientEnabled: false });
  return {
    ...base,
    provider: { ...base.provider, allowedPrincipals: [...(options.allowedPrincipals ?? [accountRoot(x.ids.consumerAccountId)])] },
    consumer: {
      ...base.consumer,
      subnetIds: [...(options.consumerSubnetIds ?? [x.consumerSubnet.id])],
      assumeRoleArn: x.consumerDeployRoleArn,
      serviceOwnerRoleArn: x.serviceOwnerRoleArn,
    },
  };
}

/** `node scripts/synth.js` in the working copy (what `npm run synth` runs): cdktf.out from the session's config. */
export function synth(session: Session): Promise<RunResult> {
  return timed(session, "synth", () =>
    run("node", ["scripts/synth.js"], { cwd: session.workDir, env: session.env, timeoutMs: 120_000, onLine: session.onLine, group: session.processes }),
  );
}

export interface PlanResult {
  /** 0 = no changes, 1 = error, 2 = changes (terraform plan -detailed-exitcode). */
  readonly exitCode: number;
  readonly output: string;
}

/** `terraform plan -detailed-exitcode` of a stack already initialized by a deploy (no lock: nothing else runs). */
export function planStack(session: Session, stack: StackName): Promise<PlanResult> {
  return timed(session, `terraform plan ${stack}`, async () => {
    await ensureDeployerRoles(session);
    try {
      const result = await run("terraform", ["plan", "-detailed-exitcode", "-input=false", "-no-color", "-lock=false"], {
        cwd: stackDir(session, stack),
        env: session.env,
        timeoutMs: 180_000,
        onLine: session.onLine,
        group: session.processes,
      });
      return { exitCode: 0, output: result.output };
    } catch (error) {
      if (!(error instanceof CommandError) || error.result.timedOut || error.result.code === null) throw error;
      return { exitCode: error.result.code, output: error.result.output };
    }
  });
}

/** One resource (or data source read) a plan would act on. */
export interface PlannedChange {
  readonly address: string;
  readonly type: string;
  /** Terraform's actions: ["update"], ["delete", "create"], ["create", "delete"], ["read"], ... */
  readonly actions: readonly string[];
  /** Top-level attributes whose planned value differs from the prior one, or is unknown. */
  readonly attributes: readonly string[];
}

/**
 * What `terraform plan` of a stack would do, from `terraform show -json` of
 * the saved plan: every resource change that is not a no-op, with the
 * attributes it touches. Empty = nothing to do. With `apply`, a plan with
 * changes is then applied as saved (`terraform apply <plan>`: no second
 * refresh), and its output returned.
 */
export function planChanges(session: Session, stack: StackName, step?: string): Promise<PlannedChange[]>;
export function planChanges(session: Session, stack: StackName, step: string, apply: true): Promise<{ changes: PlannedChange[]; applyOutput: string }>;
export function planChanges(
  session: Session,
  stack: StackName,
  step = `terraform plan ${stack} (show -json)`,
  apply = false,
): Promise<PlannedChange[] | { changes: PlannedChange[]; applyOutput: string }> {
  return timed(session, step, async () => {
    const dir = stackDir(session, stack);
    const planFile = `day2-${process.pid}-${Date.now()}.tfplan`;
    const options = { cwd: dir, env: session.env, timeoutMs: 180_000, onLine: session.onLine, group: session.processes };
    await ensureDeployerRoles(session);
    try {
      await run("terraform", ["plan", "-input=false", "-no-color", "-lock=false", `-out=${planFile}`], options);
      const shown = await run("terraform", ["show", "-json", planFile], { ...options, onLine: undefined });
      const planned = JSON.parse(shown.output) as {
        resource_changes?: {
          address: string;
          type: string;
          change: { actions: string[]; before: Record<string, unknown> | null; after: Record<string, unknown> | null; after_unknown?: Record<string, unknown> };
        }[];
      };
      const changes = (planned.resource_changes ?? [])
        .filter((r) => !(r.change.actions.length === 1 && r.change.actions[0] === "no-op"))
        .map((r) => {
          const before = r.change.before ?? {};
          const after = r.change.after ?? {};
          const unknown = r.change.after_unknown ?? {};
          const keys = new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(unknown)]);
          const attributes = [...keys].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]) || unknown[k] === true).sort();
          return { address: r.address, type: r.type, actions: r.change.actions, attributes };
        });
      if (!apply) return changes;
      const applied = changes.length
        ? await run("terraform", ["apply", "-input=false", "-no-color", planFile], { ...options, timeoutMs: DEPLOY_TIMEOUT_MS })
        : undefined;
      return { changes, applyOutput: applied?.output ?? "" };
    } finally {
      fs.rmSync(path.join(dir, planFile), { force: true });
    }
  });
}

/** "3.4 s" / "1 min 12 s". */
export function formatDuration(ms: number): string {
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

export function formatTimings(session: Session): string {
  return session.timings.map((t) => `  ${formatDuration(t.ms).padStart(10)}  ${t.step}`).join("\n");
}
