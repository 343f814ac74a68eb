// The article's last step on the emulator: from the consumer side, through the
// PrivateLink path (network namespaces, emulator/privatelink-path.ts), a user
// made by `npm run users` logs in to the Transfer stand-in, which asks the
// DEPLOYED identity-provider function, and the uploaded file lands in the
// bucket at home/<user>/. `npm run demo` prints these steps as they happen;
// the end-to-end test (__tests__/integration/protocols-deploy.test.ts) runs
// the same functions and checks what they return.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { aws, AwsCredentials, awsAs, serviceCredentials } from "../emulator/client";
import { ADDRESSES, createTopology, PrivateLinkPath, RunResult } from "../emulator/privatelink-path";
import { commandExists, isRoot, Prerequisite } from "../emulator/prerequisites";
import { run, Session } from "./demo-session";

/** What the path needs beside the emulator: root for namespaces, and the clients. */
export const transferPathPrerequisites: readonly Prerequisite[] = [
  { name: "root (network namespaces need it)", check: isRoot },
  { name: "ip and ss (apt-get install iproute2)", check: () => commandExists("ip") && commandExists("ss") },
  { name: "socat (apt-get install socat)", check: () => commandExists("socat") },
  { name: "lftp (apt-get install lftp)", check: () => commandExists("lftp") },
  { name: "curl (apt-get install curl)", check: () => commandExists("curl") },
  {
    name: "sftp and ssh-keygen (apt-get install openssh-client)",
    check: () => commandExists("sftp") && commandExists("ssh-keygen"),
  },
];

/** `npm run users -- <args>` in the session's working copy (a password, if any, on stdin). */
export async function users(session: Session, args: readonly string[], input = ""): Promise<string> {
  const result = await run("npm", ["run", "--silent", "users", "--", ...args], {
    cwd: session.workDir,
    env: session.env,
    input,
    timeoutMs: 60_000,
    onLine: session.onLine,
    group: session.processes,
  });
  return result.output;
}

/** `npm run users -- add <name> --protocols ...` with the password on stdin. */
export function addUser(session: Session, name: string, password: string, protocols: readonly string[] = ["FTP", "FTPS", "SFTP"]): Promise<string> {
  return users(session, ["add", name, "--protocols", protocols.join(",")], `${password}\n`);
}

/** A new ed25519 key pair in `dir`; `npm run users -- add-key` registers its public half. */
export async function addUserKey(session: Session, name: string, dir: string): Promise<string> {
  const key = path.join(dir, `${name}-key`);
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `${name}@demo`, "-f", key], { cwd: dir, env: session.env, timeoutMs: 30_000 });
  await users(session, ["add-key", name, "--key-file", `${key}.pub`]);
  return key;
}

/** The deployed server's ID and identity-provider function, read from the emulator. */
export async function deployedServer(session: Session): Promise<{ serverId: string; functionName: string; hostKeyFingerprint?: string }> {
  const { Servers } = await aws(session.emulator, ["transfer", "list-servers"]);
  if (!Servers || Servers.length !== 1) throw new Error(`expected one Transfer server on the emulator, found ${Servers?.length ?? 0}`);
  const { Server } = await aws(session.emulator, ["transfer", "describe-server", "--server-id", Servers[0].ServerId]);
  return {
    serverId: Server.ServerId,
    functionName: String(Server.IdentityProviderDetails?.Function ?? "").split(":").pop()!,
    hostKeyFingerprint: Server.HostKeyFingerprint,
  };
}

/** The namespaces, the forwarders and the stand-in playing the deployed server. */
export function openTransferPath(session: Session, serverId: string, tag: string, idleTimeoutSeconds?: number): Promise<PrivateLinkPath> {
  return createTopology({
    tag,
    projectRoot: session.workDir,
    idleTimeoutSeconds,
    target: {
      emulatorEndpoint: session.emulator.endpoint,
      serverId,
      region: session.emulator.region,
      awsEnv: Object.fromEntries(Object.entries(session.emulator.env).filter(([key]) => key.startsWith("AWS_") && key !== "AWS_ENDPOINT_URL")),
    },
  });
}

/** An S3 client of the emulator, as the account (or as `as`): in-process, no AWS CLI start-up per call. */
export function emulatorS3(session: Session, as?: AwsCredentials): S3Client {
  const env = session.emulator.env;
  return new S3Client({
    region: session.emulator.region,
    endpoint: session.emulator.endpoint,
    forcePathStyle: true,
    credentials: as ?? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
  });
}

/** An object's bytes from the emulator's S3, or undefined when there is none. */
export async function bucketObject(session: Session, bucket: string, key: string, as?: AwsCredentials): Promise<Buffer | undefined> {
  try {
    const object = await emulatorS3(session, as).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await object.Body!.transformToByteArray());
  } catch (error) {
    if ((error as { name?: string }).name === "NoSuchKey") return undefined;
    throw error;
  }
}

/** Keys under a prefix of the emulator's bucket. */
export async function bucketKeys(session: Session, bucket: string, prefix: string): Promise<string[]> {
  const answer = await emulatorS3(session).send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (answer.Contents ?? []).map((o) => o.Key!);
}

export async function putBucketObject(session: Session, bucket: string, key: string, body: Buffer): Promise<void> {
  await emulatorS3(session).send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

/** One decision the identity provider logged (its JSON log line in CloudWatch Logs). */
export interface Decision {
  readonly user: string | null;
  readonly protocol: string;
  readonly sourceIp: string;
  readonly outcome: "allowed" | "denied";
  readonly reason: string;
  readonly failures?: number;
  readonly retryAfterSeconds?: number;
}

/** The identity provider's decisions since `sinceMs` (epoch ms), oldest first. */
export async function identityProviderDecisions(session: Session, functionName: string, sinceMs: number): Promise<Decision[]> {
  const { events } = await aws(session.emulator, [
    "logs",
    "filter-log-events",
    "--log-group-name",
    `/aws/lambda/${functionName}`,
    "--start-time",
    String(sinceMs),
  ]);
  const decisions: Decision[] = [];
  for (const event of events ?? []) {
    for (const line of String(event.message).split("\n")) {
      if (!line.startsWith("{")) continue;
      try {
        const parsed = JSON.parse(line) as Decision;
        if (parsed.outcome) decisions.push(parsed);
      } catch {
        // a line of the runtime, not a decision
      }
    }
  }
  return decisions;
}

/**
 * The credentials Transfer holds for a logged-in user: the identity provider's
 * answer to Transfer's event, and its Role assumed with its Policy as the
 * session policy - what the stand-in does at each login
 * (emulator/transfer-stand-in/identity-provider.ts), so a test can try what
 * that user could do in S3 beyond what the client lets them name.
 */
export async function userCredentials(session: Session, serverId: string, functionName: string, user: string, password: string): Promise<AwsCredentials> {
  const out = path.join(session.tmpDir, `idp-${crypto.randomBytes(4).toString("hex")}.json`);
  try {
    const { Server } = await aws(session.emulator, ["transfer", "describe-server", "--server-id", serverId]);
    const account = String(Server.Arn).split(":")[4];
    const region = session.emulator.region;
    // As Transfer: the service principal, for the server (invocation) and for the Transfer user (the role).
    const asServer = await serviceCredentials(session.emulator, "transfer.amazonaws.com", { sourceArn: Server.Arn, sourceAccount: account, account });
    const asUser = await serviceCredentials(session.emulator, "transfer.amazonaws.com", {
      sourceArn: `arn:aws:transfer:${region}:${account}:user/${serverId}/${user}`,
      sourceAccount: account,
      account,
    });
    const event = { username: user, password, protocol: "FTP", serverId, sourceIp: ADDRESSES.nlb };
    await awsAs(session.emulator, asServer, ["lambda", "invoke", "--function-name", functionName, "--payload", JSON.stringify(event), out]);
    const answer = JSON.parse(fs.readFileSync(out, "utf8"));
    if (!answer.Role) throw new Error(`the identity provider refused ${user}`);
    const { Credentials } = await awsAs(session.emulator, asUser, [
      "sts",
      "assume-role",
      "--role-arn",
      answer.Role,
      "--role-session-name",
      `transfer.${user}`,
      "--policy",
      answer.Policy,
    ]);
    return { accessKeyId: Credentials.AccessKeyId, secretAccessKey: Credentials.SecretAccessKey, sessionToken: Credentials.SessionToken };
  } finally {
    fs.rmSync(out, { force: true });
  }
}

/** lftp in the consumer namespace against the endpoint address, with client/lftprc; the password via LFTP_PASSWORD. */
export function lftp(transferPath: PrivateLinkPath, root: string, user: string, password: string, commands: string, extra: string[] = []): Promise<RunResult> {
  const rc = path.join(root, "client", "lftprc");
  return transferPath.run(
    "consumer",
    ["lftp", "-c", [`source "${rc}"`, ...extra, `open --env-password -u ${user} ${ADDRESSES.endpoint}`, commands].join("; ")],
    { env: { PATH: process.env.PATH, HOME: transferPath.workDir, LFTP_PASSWORD: password }, timeoutMs: 60_000 },
  );
}

/** A login attempt with curl (exit 67: the server refused the login). */
export function curlLogin(transferPath: PrivateLinkPath, user: string, password: string): Promise<RunResult> {
  const netrc = path.join(transferPath.workDir, `netrc-${crypto.randomBytes(3).toString("hex")}`);
  fs.writeFileSync(netrc, `machine ${ADDRESSES.endpoint} login ${user} password ${password}\n`, { mode: 0o600 });
  return transferPath
    .run("consumer", ["curl", "-sS", "--netrc-file", netrc, "--max-time", "20", "-l", `ftp://${ADDRESSES.endpoint}/`], { timeoutMs: 30_000 })
    .finally(() => fs.rmSync(netrc, { force: true }));
}

/** sftp with a key, host key pinned by the server's published fingerprint (ssh-keyscan, then StrictHostKeyChecking). */
export async function sftpWithKey(transferPath: PrivateLinkPath, user: string, key: string, fingerprint: string, batch: string): Promise<RunResult> {
  const dir = transferPath.workDir;
  const offered = await transferPath.run("consumer", ["ssh-keyscan", "-T", "10", ADDRESSES.endpoint], { timeoutMs: 20_000 });
  const knownHosts = path.join(dir, `known_hosts-${user}`);
  const pinned: string[] = [];
  for (const line of offered.stdout.split("\n").filter((l) => l && !l.startsWith("#"))) {
    const single = path.join(dir, "offered.pub");
    fs.writeFileSync(single, `${line.split(" ").slice(1).join(" ")}\n`);
    const print = await transferPath.run("consumer", ["ssh-keygen", "-lf", single], { timeoutMs: 10_000 });
    if (print.stdout.split(" ")[1] === fingerprint) pinned.push(line);
  }
  if (pinned.length === 0) throw new Error(`no host key offered by ${ADDRESSES.endpoint} has the fingerprint ${fingerprint}`);
  fs.writeFileSync(knownHosts, `${pinned.join("\n")}\n`);
  const batchFile = path.join(dir, `batch-${user}`);
  fs.writeFileSync(batchFile, batch);
  return transferPath.run(
    "consumer",
    ["sftp", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-i", key, "-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${knownHosts}`,
      "-o", "GlobalKnownHostsFile=/dev/null", "-b", batchFile, `${user}@${ADDRESSES.endpoint}`],
    { env: { PATH: process.env.PATH, HOME: dir }, timeoutMs: 60_000 },
  );
}

export interface ArticleStep {
  readonly user: string;
  readonly other: string;
  /** lftp's put of test.txt through the path. */
  readonly upload: RunResult;
  readonly key: string;
  readonly sent: Buffer;
  /** The object at home/<user>/test.txt, as S3 holds it. */
  readonly stored?: Buffer;
  /** The other user asking for /test.txt over FTP (their own home: no such file). */
  readonly otherOverFtp: RunResult;
  /** The other user's session credentials reading the object directly in S3. */
  readonly otherInS3: { readonly allowed: boolean; readonly error?: string };
  /** Wrong passwords in a row, with curl. */
  readonly wrongPasswords: RunResult[];
  /** The identity provider's decisions for the wrong passwords. */
  readonly decisions: Decision[];
  /** An SFTP upload with the user's key (when the server has SFTP). */
  readonly sftp?: { readonly run: RunResult; readonly stored?: Buffer; readonly sent: Buffer };
}

export interface ArticleStepOptions {
  readonly bucket: string;
  readonly tag: string;
  readonly say: (line: string) => void;
  /**
   * At most this many wrong passwords (default 10): sent until the identity provider refuses
   * one as throttled. Its backoff opens after 5 failures with a 1 s window that doubles with
   * each further failure, so on a slow machine, where a login takes longer than the window,
   * one more failure or two come before the refusal.
   */
  readonly wrongPasswords?: number;
}

/** The article's last step, end to end, announcing each step through `say`. */
export async function articleLastStep(session: Session, options: ArticleStepOptions): Promise<ArticleStep> {
  const { say, bucket } = options;
  const server = await deployedServer(session);
  const user = "alice";
  const other = "bob";
  const password = `correct-${crypto.randomBytes(6).toString("hex")}`;
  const otherPassword = `other-${crypto.randomBytes(6).toString("hex")}`;
  const withSftp = (await aws(session.emulator, ["transfer", "describe-server", "--server-id", server.serverId])).Server.Protocols.includes("SFTP");
  say(`npm run users -- add ${user} / add ${other} (passwords on stdin)${withSftp ? `; add-key ${user}` : ""}`);
  await addUser(session, user, password);
  await addUser(session, other, otherPassword);
  const key = withSftp ? await addUserKey(session, user, session.tmpDir) : undefined;

  say(`building the path: consumer ${ADDRESSES.client} -> endpoint ${ADDRESSES.endpoint} -> NLB ${ADDRESSES.nlb} -> Transfer stand-in ${ADDRESSES.server} (server ${server.serverId})`);
  const transferPath = await openTransferPath(session, server.serverId, options.tag);
  try {
    const sent = Buffer.from(`test.txt from the consumer VPC, ${new Date().toISOString()}\n`);
    const local = path.join(transferPath.workDir, "test.txt");
    fs.writeFileSync(local, sent);
    say(`lftp -u ${user} ${ADDRESSES.endpoint}: put test.txt`);
    const upload = await lftp(transferPath, session.workDir, user, password, `put "${local}" -o test.txt`);
    say(upload.code === 0 ? "  uploaded" : `  lftp failed (exit ${upload.code}): ${upload.stderr.trim()}`);
    const objectKey = `home/${user}/test.txt`;
    const stored = await bucketObject(session, bucket, objectKey);
    say(stored ? `s3://${bucket}/${objectKey}: ${stored.length} bytes, ${stored.equals(sent) ? "the same bytes" : "DIFFERENT bytes"}` : `s3://${bucket}/${objectKey}: not there`);

    say(`${other} asks for test.txt over FTP (their home is home/${other}/)`);
    const otherOverFtp = await lftp(transferPath, session.workDir, other, otherPassword, `get test.txt -o "${path.join(transferPath.workDir, "stolen.txt")}"`);
    say(`  ${otherOverFtp.code === 0 ? "read it!" : (otherOverFtp.stderr.trim().split("\n").pop() ?? "refused")}`);
    say(`${other}'s session credentials (role + session policy) read s3://${bucket}/${objectKey} directly`);
    const otherCredentials = await userCredentials(session, server.serverId, server.functionName, other, otherPassword);
    let otherInS3: ArticleStep["otherInS3"];
    try {
      await bucketObject(session, bucket, objectKey, otherCredentials);
      otherInS3 = { allowed: true };
    } catch (error) {
      otherInS3 = { allowed: false, error: `${(error as Error).name}: ${(error as Error).message}`.split("\n")[0] };
    }
    say(`  ${otherInS3.allowed ? "ALLOWED (the emulator did not apply the session policy)" : `denied: ${otherInS3.error}`}`);

    const attempts = options.wrongPasswords ?? 10;
    say(`logins as ${other} with a wrong password (curl) until the identity provider's backoff refuses one (at most ${attempts})`);
    const since = Date.now() - 1000;
    const wrongPasswords: RunResult[] = [];
    const denied = async () => (await identityProviderDecisions(session, server.functionName, since)).filter((d) => d.user === other && d.outcome === "denied");
    let decisions: Decision[] = [];
    for (let i = 0; i < attempts; i++) {
      wrongPasswords.push(await curlLogin(transferPath, other, `wrong-${i}`));
      if (i < 5) continue;
      decisions = await denied();
      if (decisions.some((d) => d.reason === "throttled")) break;
    }
    if (wrongPasswords.length <= 5) decisions = await denied();
    for (const [i, attempt] of wrongPasswords.entries()) {
      const d = decisions[i];
      say(`  attempt ${i + 1}: curl exit ${attempt.code} (${attempt.stderr.trim() || "no message"}); identity provider: ${d ? `${d.reason}${d.retryAfterSeconds ? `, retry after ${d.retryAfterSeconds} s` : ""}` : "?"}`);
    }

    let sftp: ArticleStep["sftp"];
    if (key && server.hostKeyFingerprint) {
      const sftpSent = crypto.randomBytes(64 * 1024);
      const sftpLocal = path.join(transferPath.workDir, "key-upload.bin");
      fs.writeFileSync(sftpLocal, sftpSent);
      say(`sftp -i ${path.basename(key)} ${user}@${ADDRESSES.endpoint} (host key pinned: ${server.hostKeyFingerprint}): put key-upload.bin`);
      const sftpRun = await sftpWithKey(transferPath, user, key, server.hostKeyFingerprint, `put ${sftpLocal} key-upload.bin\n`);
      const sftpStored = await bucketObject(session, bucket, `home/${user}/key-upload.bin`);
      say(sftpRun.code === 0 && sftpStored?.equals(sftpSent) ? `  s3://${bucket}/home/${user}/key-upload.bin: ${sftpStored.length} bytes, the same` : `  failed (exit ${sftpRun.code}): ${sftpRun.stderr.trim()}`);
      sftp = { run: sftpRun, stored: sftpStored, sent: sftpSent };
    }
    return { user, other, upload, key: objectKey, sent, stored, otherOverFtp, otherInS3, wrongPasswords, decisions, sftp };
  } finally {
    const problems = await transferPath.destroy();
    if (problems.length > 0) say(`cleanup: ${problems.join("; ")}`);
  }
}
