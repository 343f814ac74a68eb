// `npm run users -- <command>`: manage the FTP users of the identity-provider
// Lambda (one Secrets Manager secret per user, see
// functions/identity-provider/user-record.ts). The entry point is
// cli/users.ts; everything here is importable without side effects, so the
// tests drive runUsersCli with their own password source and a mocked SDK.
import { execFile } from "child_process";
import * as fs from "fs";
import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetResourcePolicyCommand,
  GetSecretValueCommand,
  paginateListSecrets,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  Tag,
} from "@aws-sdk/client-secrets-manager";
import { ConfigError, configPathFromEnvironment, DEFAULT_CONFIG_PATH, loadConfig, userHomeRoot, userSecretPrefix } from "../config/load";
import type { TransferConfig } from "../config/schema";
import { DEFAULT_SCRYPT_PARAMS, hashPassword, isBelowDefault, isPasswordHash, MAX_PASSWORD_LENGTH } from "../functions/identity-provider/password-hash";
import { userSecretPolicy, userSecretPolicyProblems } from "../functions/identity-provider/user-secret-policy";
import {
  canonicalUsername,
  defaultHomeDirectory,
  homeDirectoryProblems,
  homesOverlap,
  isHomeUnderRoot,
  isValidUsername,
  protocolListProblems,
  TransferProtocol,
  UserRecord,
  userRecordProblems,
  USERNAME_RULE,
  userSecretName,
} from "../functions/identity-provider/user-record";
import { PROVIDER_OUTPUTS } from "../lib/stack-outputs";
import { parseSshPublicKey } from "../functions/identity-provider/ssh-public-key";
import { MAX_PUBLIC_KEYS, allowedProtocolsOf } from "../functions/identity-provider/user-record";
import { awsErrorName, CommandError, hasControlCharacters, isTerminal, readSecretFromProcess, SecretStreams } from "./terminal-input";

export const MANAGED_BY_TAG: Tag = { Key: "ManagedBy", Value: "transfer-ftp-users" };
export const MIN_PASSWORD_LENGTH = 8;
export const DEFAULT_PROVIDER_STACK_DIR = "cdktf.out/stacks/provider";
// Secrets Manager's BatchGetSecretValue takes at most 20 secret IDs per call.
const BATCH_GET_LIMIT = 20;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export const USAGE = `usage: npm run users -- <command> [options]

commands:
  add <name> [--home <root><path>] [--protocols FTP,FTPS] [--kms-key <arn>]
                      create a user (default home <root><name>, protocols FTP,FTPS).
                      The home must lie below the config's home root
                      (provider.userHomeRoot, default /<bucket>/home/) and must
                      not equal, contain or lie inside another user's home.
                      The secret is encrypted with the user-secrets KMS key:
                      --kms-key, or the provider stack's output
                      ${PROVIDER_OUTPUTS.userSecretsKeyArn} (terraform output -json in
                      --stack-dir, default ${DEFAULT_PROVIDER_STACK_DIR})
                      The secret gets a resource policy that lets only
                      provider.userAdministratorArns change, restore or roll it
                      back; the identity provider refuses a user without it.
  passwd <name>       set a new password, keeping home and protocols
  remove <name> [--force]
                      delete the user's secret (--force: now, without a recovery window)
  list [--json]       print user names, one a line (never secret values); a user
                      whose password hash is below the current parameters, or
                      whose secret lacks the resource policy, gets a note after
                      the name saying what to run; --json: one JSON array of
                      {"name", "notes"}
  protect <name> | --all
                      (re)write the resource policy on a user's secret (all users
                      with --all), e.g. for users created before it existed or
                      after provider.userAdministratorArns changed
  add-key <name> --key-file <file.pub>
                      add an SFTP public key (OpenSSH format: ssh-ed25519,
                      ecdsa-sha2-nistp256/384/521, ssh-rsa of 2048+ bits; one
                      key line, its comment dropped). Used for SFTP logins
                      without a password, if the user may use SFTP.
  remove-key <name> <SHA256:fingerprint>
                      remove the key with that fingerprint (ssh-keygen -lf prints it)
  keys <name>         list the user's keys: fingerprint, type and size

User names are case-insensitive: they are stored and matched in lower case
(Alice and alice are the same user).

options for every command:
  --prefix <p/>       secret name prefix (default: from the config, e.g. tf-ftp/users/)
  --region <r>        AWS region (default: the config's region)

The password is asked twice on a terminal, without echo; when standard input
is not a terminal, its first line is the password. Config file: $TRANSFER_CONFIG
(default ${DEFAULT_CONFIG_PATH}). AWS_ENDPOINT_URL, AWS_PROFILE etc. work as usual.`;

/** Where passwords come from: a terminal (asked twice) or a script (one line). */
export interface PasswordSource {
  /** True for a terminal: the new password is asked twice and compared. */
  readonly interactive: boolean;
  /** Returns one password; `prompt` is shown only on a terminal. */
  ask(prompt: string): Promise<string>;
}

export interface UsersCliOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly passwords?: PasswordSource;
  readonly createClient?: (region: string) => SecretsManagerClient;
  readonly stdout?: (line: string) => void;
  readonly stderr?: (line: string) => void;
  /** `terraform output -json` of the provider stack (tests replace it). */
  readonly providerOutputs?: (stackDir: string) => Promise<Record<string, { value?: unknown } | undefined>>;
}

// ---- arguments ----------------------------------------------------------------

type Command = "add" | "passwd" | "remove" | "list" | "protect" | "add-key" | "remove-key" | "keys";

export interface ParsedArgs {
  readonly command: Command | "help";
  /** Case-folded (canonicalUsername). */
  readonly name?: string;
  /** As typed: `remove` uses it to reach a secret created, before names were folded, with capitals. */
  readonly typedName?: string;
  readonly home?: string;
  readonly protocols?: TransferProtocol[];
  readonly force: boolean;
  /** list: one JSON array instead of a name per line. */
  readonly json?: boolean;
  /** protect --all */
  readonly all?: boolean;
  readonly prefix?: string;
  readonly region?: string;
  readonly kmsKey?: string;
  readonly stackDir?: string;
  readonly keyFile?: string;
  /** remove-key: the fingerprint of the key to remove. */
  readonly fingerprint?: string;
}

const COMMAND_OPTIONS: Record<Command, readonly string[]> = {
  add: ["home", "protocols", "prefix", "region", "kms-key", "stack-dir"],
  passwd: ["prefix", "region"],
  remove: ["force", "prefix", "region"],
  list: ["json", "prefix", "region"],
  protect: ["all", "prefix", "region"],
  "add-key": ["key-file", "prefix", "region"],
  "remove-key": ["prefix", "region"],
  keys: ["prefix", "region"],
};
const VALUE_OPTIONS = new Set(["home", "protocols", "prefix", "region", "kms-key", "stack-dir", "key-file"]);
const FLAG_OPTIONS = new Set(["force", "json", "all"]);
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;
const SECRET_PREFIX = /^[A-Za-z0-9/_+=.@-]{1,400}\/$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

/** Quotes a user-supplied string for an error message: short, control characters escaped. */
function quote(value: string): string {
  const shown = value.length > 40 ? `${value.slice(0, 40)}...` : value;
  return JSON.stringify(shown).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function usageError(message: string): CommandError {
  return new CommandError(message, 2, USAGE);
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === "-h" || arg === "--help") return { command: "help", force: false };
    if (!arg.startsWith("--")) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const key = arg.slice(2, eq === -1 ? undefined : eq);
    if (!VALUE_OPTIONS.has(key) && !FLAG_OPTIONS.has(key)) throw usageError(`unknown option --${key}`);
    if (options.has(key)) throw usageError(`--${key} given twice`);
    if (FLAG_OPTIONS.has(key)) {
      if (eq !== -1) throw usageError(`--${key} takes no value`);
      options.set(key, true);
      continue;
    }
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || value === "" || (eq === -1 && value.startsWith("--"))) throw usageError(`--${key} needs a value`);
    options.set(key, value);
  }

  const [command, typedName, ...extra] = positionals;
  if (command === undefined) throw usageError("missing command");
  if (command === "help") return { command: "help", force: false };
  if (!(command in COMMAND_OPTIONS)) throw usageError(`unknown command ${quote(command)}`);
  const cmd = command as Command;
  for (const key of options.keys()) {
    if (!COMMAND_OPTIONS[cmd].includes(key)) throw usageError(`--${key} is not an option of ${cmd}`);
  }
  let name: string | undefined;
  if (cmd === "list") {
    if (typedName !== undefined) throw usageError("list takes no user name");
  } else if (cmd === "protect" && options.get("all") === true) {
    if (typedName !== undefined) throw usageError("protect takes a user name or --all, not both");
  } else {
    if (typedName === undefined && cmd === "protect") throw usageError("protect needs a user name or --all");
    if (typedName === undefined) throw usageError(`${cmd} needs a user name`);
    if (cmd === "remove-key") {
      if (extra.length === 0) throw usageError("remove-key needs the key's fingerprint (SHA256:..., see `keys <name>`)");
      if (!FINGERPRINT.test(extra[0])) throw new CommandError(`bad fingerprint ${quote(extra[0])}: expected "SHA256:" and 43 base64 characters, as \`keys <name>\` and ssh-keygen -lf print it`);
      extra.shift();
    }
    if (extra.length > 0) throw usageError(`unexpected argument ${quote(extra[0])}`);
    if (!isValidUsername(typedName)) throw new CommandError(`bad user name ${quote(typedName)}: expected ${USERNAME_RULE}`);
    // Case-folded as the identity provider does (user-record.ts canonicalUsername).
    name = canonicalUsername(typedName);
  }

  const prefix = options.get("prefix") as string | undefined;
  if (prefix !== undefined && !SECRET_PREFIX.test(prefix)) {
    throw new CommandError(`bad --prefix ${quote(prefix)}: expected a secret name prefix ending in "/", like "tf-ftp/users/"`);
  }
  const region = options.get("region") as string | undefined;
  if (region !== undefined && !REGION.test(region)) throw new CommandError(`bad --region ${quote(region)}: expected a region like "ap-northeast-1"`);

  const home = options.get("home") as string | undefined;
  if (home !== undefined) {
    const problems = homeDirectoryProblems(home);
    if (problems.length > 0) throw new CommandError(`bad --home ${quote(home)}: ${problems.join("; ").replace(/^homeDirectory: /, "")}`);
  }

  let protocols: TransferProtocol[] | undefined;
  const protocolList = options.get("protocols") as string | undefined;
  if (protocolList !== undefined) {
    const list = protocolList.split(",").map((p) => p.trim().toUpperCase());
    if (protocolListProblems(list).length > 0) {
      throw new CommandError(`bad --protocols ${quote(protocolList)}: expected a comma-separated list of FTP, FTPS, SFTP without repeats`);
    }
    protocols = list as TransferProtocol[];
  }

  const kmsKey = options.get("kms-key") as string | undefined;
  if (kmsKey !== undefined && !KMS_KEY_ARN.test(kmsKey)) {
    throw new CommandError(`bad --kms-key ${quote(kmsKey)}: expected a KMS key ARN like "arn:aws:kms:ap-northeast-1:123456789012:key/<key id>" (not an alias)`);
  }
  const stackDir = options.get("stack-dir") as string | undefined;
  const keyFile = options.get("key-file") as string | undefined;
  if (cmd === "add-key" && keyFile === undefined) throw usageError("add-key needs --key-file <file.pub>");
  const fingerprint = cmd === "remove-key" ? positionals[2] : undefined;

  return {
    command: cmd,
    name,
    typedName,
    home,
    protocols,
    force: options.get("force") === true,
    json: options.get("json") === true,
    all: options.get("all") === true,
    prefix,
    region,
    kmsKey,
    stackDir,
    keyFile,
    fingerprint,
  };
}

// ---- passwords ------------------------------------------------------------------

function checkPasswordRules(password: string): void {
  if (password.length === 0) throw new CommandError("empty password");
  if (Array.from(password).length < MIN_PASSWORD_LENGTH) throw new CommandError(`password too short (at least ${MIN_PASSWORD_LENGTH} characters)`);
  if (password.length > MAX_PASSWORD_LENGTH) throw new CommandError(`password too long (at most ${MAX_PASSWORD_LENGTH} characters)`);
  // FTP sends the password as one line (PASS ...\r\n): control characters cannot work.
  if (hasControlCharacters(password)) throw new CommandError("password contains control characters");
}

async function readNewPassword(source: PasswordSource, name: string): Promise<string> {
  const password = await source.ask(`New password for ${name}: `);
  if (source.interactive) {
    checkPasswordRules(password);
    const again = await source.ask("Repeat the password: ");
    if (again !== password) throw new CommandError("passwords don't match");
  }
  checkPasswordRules(password);
  return password;
}

/**
 * The password source for a real run: the terminal if stdin is one (asked
 * without echo, twice), else stdin's first line (one password only).
 */
export function processPasswordSource(streams?: SecretStreams): PasswordSource {
  const interactive = isTerminal(streams?.input);
  let used = false;
  return {
    interactive,
    async ask(prompt) {
      if (!interactive) {
        if (used) throw new CommandError("only one password can be read from standard input");
        used = true;
      }
      const password = await readSecretFromProcess(prompt, streams);
      if (password === undefined) throw new CommandError("no password on standard input (expected one line)");
      return password;
    },
  };
}

// ---- the commands -----------------------------------------------------------------

interface Context {
  readonly client: SecretsManagerClient;
  readonly prefix: string;
  readonly config?: TransferConfig;
  readonly passwords: PasswordSource;
  readonly out: (line: string) => void;
  readonly providerOutputs: NonNullable<UsersCliOptions["providerOutputs"]>;
}

/** The secret's description, or undefined when there is no such secret. */
async function describe(ctx: Context, secretName: string) {
  try {
    return await ctx.client.send(new DescribeSecretCommand({ SecretId: secretName }));
  } catch (error) {
    if (awsErrorName(error) === "ResourceNotFoundException") return undefined;
    throw error;
  }
}

function day(date: Date | undefined): string {
  return date ? date.toISOString().slice(0, 10) : "a later date";
}

/** The user names under the prefix, as stored (ListSecrets, paginated; planned deletions excluded). */
async function listUserNames(ctx: Context): Promise<string[]> {
  const names: string[] = [];
  const pages = paginateListSecrets({ client: ctx.client }, { Filters: [{ Key: "name", Values: [ctx.prefix] }] });
  for await (const page of pages) {
    for (const secret of page.SecretList ?? []) {
      const secretName = secret.Name ?? "";
      if (!secretName.startsWith(ctx.prefix)) continue; // the name filter is a prefix match, but be sure
      const user = secretName.slice(ctx.prefix.length);
      if (isValidUsername(user)) names.push(user);
    }
  }
  return names.sort();
}

/**
 * Every existing user's home: BatchGetSecretValue, 20 secrets a call. The
 * values stay in memory: only names and homes are ever printed.
 */
async function existingHomes(ctx: Context, names: readonly string[], homeRoot: string): Promise<Map<string, string>> {
  const homes = new Map<string, string>();
  for (let i = 0; i < names.length; i += BATCH_GET_LIMIT) {
    const chunk = names.slice(i, i + BATCH_GET_LIMIT);
    const output = await ctx.client.send(new BatchGetSecretValueCommand({ SecretIdList: chunk.map((n) => userSecretName(ctx.prefix, n)) }));
    const unreadable = output.Errors?.[0];
    if (unreadable) {
      const user = (unreadable.SecretId ?? "").slice(ctx.prefix.length);
      throw new CommandError(
        `cannot read the home of user ${quote(user)} (${unreadable.ErrorCode ?? "error"}), so cannot check that the new home does not overlap it`,
      );
    }
    for (const value of output.SecretValues ?? []) {
      const user = (value.Name ?? "").slice(ctx.prefix.length);
      let home: unknown;
      try {
        home = (JSON.parse(value.SecretString ?? "") as { homeDirectory?: unknown })?.homeDirectory;
      } catch {
        home = undefined;
      }
      // A record without a home gets the default, as the identity provider gives it.
      homes.set(user, typeof home === "string" ? home : defaultHomeDirectory(homeRoot, user.toLowerCase()));
    }
  }
  return homes;
}

/** The user-secrets key: --kms-key, else the provider stack's output. */
async function userSecretsKeyArn(ctx: Context, args: ParsedArgs): Promise<string> {
  if (args.kmsKey !== undefined) return args.kmsKey;
  const stackDir = args.stackDir ?? DEFAULT_PROVIDER_STACK_DIR;
  const outputs = await ctx.providerOutputs(stackDir);
  const value = outputs[PROVIDER_OUTPUTS.userSecretsKeyArn]?.value;
  if (typeof value !== "string" || !KMS_KEY_ARN.test(value)) {
    throw new CommandError(`output ${PROVIDER_OUTPUTS.userSecretsKeyArn} in ${stackDir} is missing or not a KMS key ARN; pass --kms-key`, 2);
  }
  return value;
}

async function addUser(ctx: Context, args: ParsedArgs, name: string): Promise<void> {
  const config = ctx.config;
  if (!config) throw new CommandError("add needs the config (the bucket and home root); it cannot run with only --prefix and --region");
  const homeRoot = userHomeRoot(config);
  const home = args.home ?? defaultHomeDirectory(homeRoot, name);
  if (!isHomeUnderRoot(home, homeRoot)) {
    throw new CommandError(
      `bad --home ${quote(home)}: must lie below the home root "${homeRoot}" (at least one folder below it; a home at or above the root would hold every user's files)`,
    );
  }
  const secretName = userSecretName(ctx.prefix, name);
  const existing = await describe(ctx, secretName);
  if (existing?.DeletedDate) {
    throw new CommandError(
      `user ${name} was removed; its secret is scheduled for deletion on ${day(existing.DeletedDate)}. ` +
        `Run "remove --force ${name}" to delete it now, then add the user again.`,
    );
  }
  if (existing) throw new CommandError(`user ${name} already exists`);

  const names = await listUserNames(ctx);
  const sameName = names.find((other) => other.toLowerCase() === name);
  if (sameName !== undefined) throw new CommandError(`user ${name} already exists (as ${sameName}: names are case-insensitive)`);
  for (const [other, otherHome] of await existingHomes(ctx, names, homeRoot)) {
    if (homesOverlap(home, otherHome)) {
      const how = home === otherHome ? "is the home of" : home.startsWith(`${otherHome}/`) ? "lies inside the home of" : "contains the home of";
      throw new CommandError(`bad home ${quote(home)}: it ${how} user ${other} (${otherHome}); users must not share files`);
    }
  }
  const kmsKeyId = await userSecretsKeyArn(ctx, args);

  const password = await readNewPassword(ctx.passwords, name);
  const record: UserRecord = {
    passwordHash: await hashPassword(password),
    ...(args.home !== undefined ? { homeDirectory: args.home } : {}),
    ...(args.protocols !== undefined ? { allowedProtocols: args.protocols } : {}),
  };
  const tags: Tag[] = [
    ...Object.entries(config.tags ?? {})
      .filter(([key]) => key !== MANAGED_BY_TAG.Key)
      .map(([Key, Value]) => ({ Key, Value })),
    MANAGED_BY_TAG,
  ];
  try {
    await ctx.client.send(
      new CreateSecretCommand({
        Name: secretName,
        Description: `FTP user ${name} (AWS Transfer Family custom identity provider)`,
        SecretString: JSON.stringify(record),
        // The identity provider accepts only records encrypted with this key,
        // which only the configured administrators may encrypt with.
        KmsKeyId: kmsKeyId,
        Tags: tags,
      }),
    );
  } catch (error) {
    if (awsErrorName(error) === "ResourceExistsException") throw new CommandError(`user ${name} already exists`);
    throw error;
  }
  // CreateSecret takes no resource policy: until this call, the new user is
  // refused by the identity provider (unprotected-record), never accepted.
  try {
    await protectSecret(ctx, config, name);
  } catch (error) {
    throw new CommandError(
      `created the secret ${secretName}, but could not put its resource policy (${awsErrorName(error) || "error"}); ` +
        `the identity provider refuses ${name} until \`npm run users -- protect ${name}\` succeeds`,
    );
  }
  ctx.out(`added user ${name} (secret ${secretName}, home ${home}, protocols ${(args.protocols ?? ["FTP", "FTPS"]).join(",")})`);
}

async function changePassword(ctx: Context, name: string): Promise<void> {
  const secretName = userSecretName(ctx.prefix, name);
  const current = await readRecord(ctx, name);
  const password = await readNewPassword(ctx.passwords, name);
  const updated = { ...current, passwordHash: await hashPassword(password) };
  const problems = userRecordProblems(updated);
  if (problems.length > 0) {
    throw new CommandError(`the secret ${secretName} has problems besides the password (${problems.join("; ")}); fix or remove it`);
  }
  await ctx.client.send(new PutSecretValueCommand({ SecretId: secretName, SecretString: JSON.stringify(updated) }));
  ctx.out(`changed the password of ${name}`);
}

async function removeUser(ctx: Context, folded: string, typed: string, force: boolean): Promise<void> {
  let name = folded;
  let existing = await describe(ctx, userSecretName(ctx.prefix, name));
  if (!existing && typed !== folded) {
    // A secret from before names were case-folded: no login reaches it, but it can still be removed.
    existing = await describe(ctx, userSecretName(ctx.prefix, typed));
    if (existing) name = typed;
  }
  const secretName = userSecretName(ctx.prefix, name);
  if (!existing) throw new CommandError(`user ${folded} not found`);
  if (existing.DeletedDate && !force) {
    throw new CommandError(`user ${name} is already scheduled for deletion on ${day(existing.DeletedDate)}; use --force to delete it now`);
  }
  const result = await ctx.client.send(
    new DeleteSecretCommand({ SecretId: secretName, ...(force ? { ForceDeleteWithoutRecovery: true } : {}) }),
  );
  ctx.out(
    force
      ? `removed user ${name} (secret deleted without recovery)`
      : `removed user ${name} (secret recoverable until ${day(result.DeletionDate)} with "aws secretsmanager restore-secret --secret-id ${secretName}")`,
  );
}

/** The user's record as stored (a JSON object), for commands that change part of it. */
async function readRecord(ctx: Context, name: string): Promise<Record<string, unknown>> {
  const secretName = userSecretName(ctx.prefix, name);
  let secretString: string | undefined;
  try {
    secretString = (await ctx.client.send(new GetSecretValueCommand({ SecretId: secretName }))).SecretString;
  } catch (error) {
    const errorName = awsErrorName(error);
    if (errorName === "ResourceNotFoundException") throw new CommandError(`user ${name} not found`);
    if (errorName === "InvalidRequestException") throw new CommandError(`user ${name} not found (scheduled for deletion)`);
    throw error;
  }
  let current: unknown;
  try {
    current = JSON.parse(secretString ?? "");
  } catch {
    current = undefined;
  }
  if (typeof current !== "object" || current === null || Array.isArray(current)) {
    throw new CommandError(`the secret ${secretName} does not hold a user record (not a JSON object); fix or remove it`);
  }
  return current as Record<string, unknown>;
}

async function writeRecord(ctx: Context, name: string, record: Record<string, unknown>): Promise<void> {
  const secretName = userSecretName(ctx.prefix, name);
  const problems = userRecordProblems(record);
  if (problems.length > 0) throw new CommandError(`the secret ${secretName} has problems (${problems.join("; ")}); fix or remove it`);
  await ctx.client.send(new PutSecretValueCommand({ SecretId: secretName, SecretString: JSON.stringify(record) }));
}

function storedKeys(record: Record<string, unknown>): string[] {
  return Array.isArray(record.publicKeys) ? record.publicKeys.filter((k): k is string => typeof k === "string") : [];
}

async function addKey(ctx: Context, name: string, keyFile: string): Promise<void> {
  let text: string;
  try {
    text = fs.readFileSync(keyFile, "utf8");
  } catch (error) {
    throw new CommandError(`cannot read --key-file ${quote(keyFile)} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  const lines = text.split("\n").filter((line) => line.trim() !== "" && !line.trim().startsWith("#"));
  if (lines.length !== 1) throw new CommandError(`--key-file ${quote(keyFile)}: expected exactly one public key line, found ${lines.length}`);
  const parsed = parseSshPublicKey(lines[0]);
  if (!parsed.ok) throw new CommandError(`--key-file ${quote(keyFile)}: ${parsed.problem}`);
  const record = await readRecord(ctx, name);
  const keys = storedKeys(record);
  const fingerprints = keys.map((k) => {
    const p = parseSshPublicKey(k);
    return p.ok ? p.key.fingerprint : "";
  });
  if (fingerprints.includes(parsed.key.fingerprint)) throw new CommandError(`user ${name} already has the key ${parsed.key.fingerprint}`);
  if (keys.length >= MAX_PUBLIC_KEYS) throw new CommandError(`user ${name} has ${keys.length} keys, the most allowed; remove one first`);
  await writeRecord(ctx, name, { ...record, publicKeys: [...keys, parsed.key.line] });
  ctx.out(`added key ${parsed.key.fingerprint} (${parsed.key.type}, ${parsed.key.bits} bits) to ${name}`);
  const protocols = Array.isArray(record.allowedProtocols) ? (record.allowedProtocols as TransferProtocol[]) : undefined;
  if (!allowedProtocolsOf({ allowedProtocols: protocols } as UserRecord).includes("SFTP")) {
    ctx.out(`note: ${name} may not use SFTP (protocols ${(protocols ?? ["FTP", "FTPS"]).join(",")}), so the key is not used until SFTP is allowed`);
  }
}

async function removeKey(ctx: Context, name: string, fingerprint: string): Promise<void> {
  const record = await readRecord(ctx, name);
  const keys = storedKeys(record);
  const kept = keys.filter((k) => {
    const p = parseSshPublicKey(k);
    return !(p.ok && p.key.fingerprint === fingerprint);
  });
  if (kept.length === keys.length) throw new CommandError(`user ${name} has no key ${fingerprint} (see \`keys ${name}\`)`);
  const { publicKeys: _old, ...rest } = record;
  await writeRecord(ctx, name, kept.length > 0 ? { ...rest, publicKeys: kept } : rest);
  ctx.out(`removed key ${fingerprint} from ${name}${kept.length === 0 ? " (no keys left: SFTP needs the password now)" : ""}`);
}

async function listKeys(ctx: Context, name: string): Promise<void> {
  for (const key of storedKeys(await readRecord(ctx, name))) {
    const parsed = parseSshPublicKey(key);
    ctx.out(parsed.ok ? `${parsed.key.fingerprint} ${parsed.key.type} ${parsed.key.bits}` : "(malformed key)");
  }
}

/**
 * Puts the resource policy that lets only the user administrators change the
 * secret (functions/identity-provider/user-secret-policy.ts). BlockPublicPolicy:
 * Secrets Manager refuses a policy that would grant broad access (Secrets
 * Manager user guide, "Attach a permissions policy to a secret"); this one
 * only denies.
 */
async function protectSecret(ctx: Context, config: TransferConfig, name: string): Promise<void> {
  await ctx.client.send(
    new PutResourcePolicyCommand({
      SecretId: userSecretName(ctx.prefix, name),
      ResourcePolicy: JSON.stringify(userSecretPolicy(config.provider.userAdministratorArns)),
      BlockPublicPolicy: true,
    }),
  );
}

async function protectUsers(ctx: Context, args: ParsedArgs): Promise<void> {
  const config = ctx.config;
  if (!config) throw new CommandError("protect needs the config (provider.userAdministratorArns); it cannot run with only --prefix and --region");
  const names = args.all ? await listUserNames(ctx) : [args.name as string];
  if (!args.all && !(await describe(ctx, userSecretName(ctx.prefix, names[0])))) throw new CommandError(`user ${names[0]} not found`);
  for (const name of names) {
    await protectSecret(ctx, config, name);
    ctx.out(`protected ${name} (only ${config.provider.userAdministratorArns.join(", ")} may change, restore or roll back its secret)`);
  }
}

/**
 * One line per user: the name, then what an administrator should do about it,
 * if anything. Reads each record (BatchGetSecretValue, 20 a call) for its hash
 * parameters only, and each secret's resource policy; prints neither.
 */
async function listUsers(ctx: Context, json: boolean): Promise<void> {
  const names = await listUserNames(ctx);
  const hashes = new Map<string, unknown>();
  for (let i = 0; i < names.length; i += BATCH_GET_LIMIT) {
    const chunk = names.slice(i, i + BATCH_GET_LIMIT);
    const output = await ctx.client.send(new BatchGetSecretValueCommand({ SecretIdList: chunk.map((n) => userSecretName(ctx.prefix, n)) }));
    for (const value of output.SecretValues ?? []) {
      try {
        hashes.set((value.Name ?? "").slice(ctx.prefix.length), (JSON.parse(value.SecretString ?? "") as { passwordHash?: unknown })?.passwordHash);
      } catch {
        hashes.set((value.Name ?? "").slice(ctx.prefix.length), undefined);
      }
    }
  }
  const d = DEFAULT_SCRYPT_PARAMS;
  const entries: { name: string; notes: string[] }[] = [];
  for (const name of names) {
    const notes: string[] = [];
    const hash = hashes.get(name);
    if (!hashes.has(name)) notes.push("record unreadable");
    else if (!isPasswordHash(hash)) notes.push("no usable password hash: set one with passwd");
    else if (isBelowDefault(hash)) notes.push(`password hash below the current parameters (scrypt N=${hash.N}, now N=${d.N}): set a new password with passwd`);
    const policy = (await ctx.client.send(new GetResourcePolicyCommand({ SecretId: userSecretName(ctx.prefix, name) }))).ResourcePolicy;
    if (ctx.config) {
      if (userSecretPolicyProblems(policy, ctx.config.provider.userAdministratorArns).length > 0) {
        notes.push(`${policy ? "resource policy is not the administrators' own" : "no resource policy"}: the identity provider refuses this user until \`protect ${name}\``);
      }
    } else if (!policy) {
      notes.push(`no resource policy: the identity provider refuses this user until \`protect ${name}\``);
    }
    entries.push({ name, notes });
  }
  if (json) ctx.out(JSON.stringify(entries));
  else for (const { name, notes } of entries) ctx.out(notes.length === 0 ? name : `${name}  (${notes.join("; ")})`);
}

/** `terraform output -json` in a synthesized stack directory. */
export function terraformOutputs(stackDir: string): Promise<Record<string, { value?: unknown } | undefined>> {
  if (!fs.existsSync(stackDir)) {
    return Promise.reject(new CommandError(`${stackDir} does not exist: run \`npm run synth\`, or pass --kms-key`, 2));
  }
  return new Promise((resolve, reject) => {
    execFile("terraform", ["output", "-json"], { cwd: stackDir, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        const why = (stderr || error.message).trim().split("\n").slice(0, 5).join("\n  ");
        reject(new CommandError(`terraform output -json failed in ${stackDir}:\n  ${why}\nRun \`terraform init\` there, or pass --kms-key.`, 2));
        return;
      }
      try {
        resolve(JSON.parse(stdout));
      } catch {
        reject(new CommandError(`terraform output -json in ${stackDir} printed something that is not JSON`, 2));
      }
    });
  });
}

// ---- the entry point ----------------------------------------------------------------

function describeError(error: unknown): string {
  if (error instanceof CommandError || error instanceof ConfigError) return error.message;
  if (error instanceof Error) {
    if (error.name === "CredentialsProviderError") return `no AWS credentials: ${error.message}`;
    return `${error.name}: ${error.message}`;
  }
  return String(error);
}

/** Runs one CLI invocation; returns the exit code (0 ok, 1 error, 2 usage, 130 cancelled). */
export async function runUsersCli(argv: readonly string[], options: UsersCliOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const out = options.stdout ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = options.stderr ?? ((line: string) => process.stderr.write(`${line}\n`));
  let client: SecretsManagerClient | undefined;
  try {
    const args = parseArgs(argv);
    if (args.command === "help") {
      out(USAGE);
      return 0;
    }
    // The config is needed unless both --prefix and --region are given (add always needs it: bucket, home root).
    const config =
      args.prefix !== undefined && args.region !== undefined && args.command !== "add" && args.command !== "protect"
        ? undefined
        : loadConfig(configPathFromEnvironment(env));
    const prefix = args.prefix ?? userSecretPrefix(config as TransferConfig);
    const region = args.region ?? (config as TransferConfig).region;
    client = (options.createClient ?? ((r: string) => new SecretsManagerClient({ region: r })))(region);
    const ctx: Context = {
      client,
      prefix,
      config,
      passwords: options.passwords ?? processPasswordSource(),
      out,
      providerOutputs: options.providerOutputs ?? terraformOutputs,
    };
    const name = args.name as string;
    switch (args.command) {
      case "add":
        await addUser(ctx, args, name);
        break;
      case "passwd":
        await changePassword(ctx, name);
        break;
      case "remove":
        await removeUser(ctx, name, args.typedName as string, args.force);
        break;
      case "list":
        await listUsers(ctx, args.json === true);
        break;
      case "protect":
        await protectUsers(ctx, args);
        break;
      case "add-key":
        await addKey(ctx, name, args.keyFile as string);
        break;
      case "remove-key":
        await removeKey(ctx, name, args.fingerprint as string);
        break;
      case "keys":
        await listKeys(ctx, name);
        break;
    }
    return 0;
  } catch (error) {
    // The usage first, the error last: on a small terminal the error stays in view.
    if (error instanceof CommandError && error.usage) err(`${error.usage}\n`);
    err(`error: ${describeError(error)}`);
    return error instanceof CommandError ? error.exitCode : 1;
  } finally {
    client?.destroy();
  }
}
