// The FTP path of the architecture, rebuilt with network namespaces so that
// real lftp and a real FTP server talk over the article's own addresses:
//
//   consumer ns            endpoint ns              nlb ns                 provider ns
//   (consumer VPC)         ("PrivateLink            ("internal NLB")       (provider VPC)
//                           endpoint")
//   lftp                   socat :21,8192-8200  ->  socat :21,8192-8200 -> vsftpd
//   10.0.3.10/24 ------- 10.0.3.50/24              10.0.3.119/24 ------- 10.0.3.225/24
//                          192.168.255.1/30 ------- 192.168.255.2/30
//
// Both VPCs use 10.0.3.0/24, as in the article. One namespace cannot hold two
// interfaces in the same subnet with separate meanings, so the hop in the
// middle is two namespaces joined by a private /30 (simpler and more portable
// than policy routing or VRFs, which need kernel modules CI may lack). Each
// forwarder is a socat per port (21 and the passive ports 8192-8200): the
// endpoint side accepts on 10.0.3.50 and forwards over the /30; the NLB side
// connects to the server from 10.0.3.119, so vsftpd sees the NLB address as
// the client, as Transfer does behind an NLB. vsftpd advertises 10.0.3.119 in
// its PASV replies, as Transfer does with PassiveIp = the NLB's IP.
//
// From the consumer namespace 10.0.3.119 leads nowhere: the consumer's
// neighbour entry for it points at the endpoint namespace, which does not
// forward, so packets vanish and connections time out - as in a VPC where
// that address is unused. (Plain loopback cannot show the failure: lftp
// rewrites a loopback PASV address, and a server bound to all addresses
// answers on any 127.x address.)
//
// Every address lives only inside namespaces created here (veth ends are
// created directly in their namespaces, never in the host's), under names
// unique to the test process; destroyTopology removes them, and
// createTopology first removes leftovers with the same names. All waits are
// bounded in count and time.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const ADDRESSES = {
  client: "10.0.3.10",
  endpoint: "10.0.3.50",
  nlb: "10.0.3.119",
  server: "10.0.3.225",
  transitEndpointSide: "192.168.255.1",
  transitNlbSide: "192.168.255.2",
} as const;
const VPC_PREFIX = 24;
const TRANSIT_PREFIX = 30;

export const CONTROL_PORT = 21;
export const SFTP_PORT = 22;
export const PASSIVE_PORTS: readonly number[] = [8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200];
const FORWARDED_PORTS = [CONTROL_PORT, ...PASSIVE_PORTS];
/** uid/gid the FTP user's files belong to (nobody/nogroup on Debian). */
const FTP_UID = 65534;

export type NamespaceRole = "consumer" | "endpoint" | "nlb" | "provider";

export interface TopologyNames {
  readonly tag: string;
  readonly namespaces: Readonly<Record<NamespaceRole, string>>;
  /** veth ends: consumer<->endpoint, endpoint<->nlb, nlb<->provider. */
  readonly links: {
    readonly consumer: string;
    readonly endpointToConsumer: string;
    readonly endpointToNlb: string;
    readonly nlbToEndpoint: string;
    readonly nlbToProvider: string;
    readonly provider: string;
  };
  /** Prefix of the work directory under os.tmpdir(). */
  readonly workDirPrefix: string;
}

/** Names derived from a short tag (e.g. the test's PID); interface names stay within 15 characters. */
export function topologyNames(tag: string): TopologyNames {
  if (!/^[a-z0-9]{1,10}$/.test(tag)) throw new Error(`topology tag must be 1-10 lowercase letters or digits, got "${tag}"`);
  return {
    tag,
    namespaces: {
      consumer: `ftp-consumer-${tag}`,
      endpoint: `ftp-endpoint-${tag}`,
      nlb: `ftp-nlb-${tag}`,
      provider: `ftp-provider-${tag}`,
    },
    links: {
      consumer: `fc${tag}`,
      endpointToConsumer: `fe${tag}`,
      endpointToNlb: `fx${tag}`,
      nlbToEndpoint: `fn${tag}`,
      nlbToProvider: `fy${tag}`,
      provider: `fp${tag}`,
    },
    workDirPrefix: `ftp-path-${tag}-`,
  };
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  readonly timedOut: boolean;
}

export interface RunOptions {
  readonly input?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Killed (with its process group) after this long; default 15 s. */
  readonly timeoutMs?: number;
}

const MAX_CAPTURE = 1 << 20;

/** Runs a command to completion, bounded in time; never throws for a non-zero exit. */
export function runCommand(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      env: options.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
      detached: true, // own process group, so a timeout ends its children too
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (chunk: Buffer) => {
      if (stdout.length < MAX_CAPTURE) stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      if (stderr.length < MAX_CAPTURE) stderr += chunk.toString("utf8");
    });
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, "SIGKILL");
    }, options.timeoutMs ?? 15_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started, timedOut });
    });
    child.stdin.on("error", () => undefined); // the command may exit without reading its input
    child.stdin.end(options.input ?? "");
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

async function mustRun(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await runCommand(argv, options);
  if (result.code !== 0) {
    throw new Error(`command failed (exit ${result.code ?? result.signal}): ${argv.join(" ")}\n${result.stderr}${result.stdout}`);
  }
  return result;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** argv that runs `argv` inside a namespace. */
export function inNamespace(namespace: string, argv: readonly string[]): string[] {
  return ["ip", "netns", "exec", namespace, ...argv];
}

async function existingNamespaces(): Promise<Set<string>> {
  const result = await mustRun(["ip", "netns", "list"]);
  return new Set(
    result.stdout
      .split("\n")
      .map((line) => line.trim().split(/\s+/)[0])
      .filter(Boolean),
  );
}

async function pidsIn(namespace: string): Promise<number[]> {
  const result = await runCommand(["ip", "netns", "pids", namespace], { timeoutMs: 5_000 });
  if (result.code !== 0) return [];
  return result.stdout
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 1 && pid !== process.pid);
}

function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // exited meanwhile
    }
  }
}

/**
 * Removes everything a topology with these names may have left: the processes
 * inside its namespaces (found by `ip netns pids`, so only processes living
 * in namespaces this module created), the namespaces (their veth ends go with
 * them) and its work directories. Safe to call when nothing exists.
 */
export async function destroyTopology(names: TopologyNames): Promise<string[]> {
  const problems: string[] = [];
  const present = await existingNamespaces();
  const namespaces = Object.values(names.namespaces).filter((ns) => present.has(ns));

  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    for (const ns of namespaces) signalAll(await pidsIn(ns), signal);
    // Up to 3 s for the processes to go.
    for (let i = 0; i < 30; i++) {
      const remaining = (await Promise.all(namespaces.map(pidsIn))).flat();
      if (remaining.length === 0) break;
      await sleep(100);
    }
  }
  for (const ns of namespaces) {
    const left = await pidsIn(ns);
    if (left.length > 0) problems.push(`${ns}: processes still running: ${left.join(" ")}`);
    const result = await runCommand(["ip", "netns", "delete", ns], { timeoutMs: 5_000 });
    if (result.code !== 0) problems.push(`ip netns delete ${ns}: ${result.stderr.trim()}`);
  }

  const tmp = os.tmpdir();
  for (const entry of fs.readdirSync(tmp)) {
    if (entry.startsWith(names.workDirPrefix)) fs.rmSync(path.join(tmp, entry), { recursive: true, force: true });
  }
  return problems;
}

// Tags are a PID, optionally followed by one letter (a second topology of the same test process).
const TOPOLOGY_NAMESPACE = /^ftp-(?:consumer|endpoint|nlb|provider)-((\d+)[a-z]?)$/;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes topologies left by earlier test processes that were killed before
 * their afterAll ran: namespaces named like ours whose tag is the PID of a
 * process that no longer exists. A live PID is left alone.
 */
export async function destroyStaleTopologies(): Promise<string[]> {
  const tags = new Set<string>();
  for (const ns of await existingNamespaces()) {
    const match = TOPOLOGY_NAMESPACE.exec(ns);
    if (match && match[1].length <= 10 && !processAlive(Number(match[2]))) tags.add(match[1]);
  }
  const problems: string[] = [];
  for (const tag of tags) problems.push(...(await destroyTopology(topologyNames(tag))));
  return problems;
}

export interface FtpUser {
  readonly name: string;
  readonly password: string;
}

export interface FtpTopology {
  readonly names: TopologyNames;
  readonly user: FtpUser;
  /** Scratch space of the test (0755, root). */
  readonly workDir: string;
  /** The FTP user's home (and chroot) on the server: uploads land here. */
  readonly serverHome: string;
  /** vsftpd's protocol log (passwords are logged as <password>). */
  readonly serverLog: string;
  /** Runs a command in one of the namespaces. */
  run(role: NamespaceRole, argv: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** What vsftpd printed on stdout/stderr (startup errors). */
  serverOutput(): string;
  /** What sshd printed (its log: -e), when the topology has SFTP. */
  sshdOutput(): string;
  destroy(): Promise<string[]>;
}

/** FTPS (explicit TLS, AUTH TLS on 21) for vsftpd, standing in for Transfer's FTPS. */
export interface FtpsServerOptions {
  readonly certFile: string;
  readonly keyFile: string;
  /**
   * vsftpd's require_ssl_reuse: a data connection must resume the control
   * connection's TLS session, as Transfer's TlsSessionResumptionMode ENFORCED
   * (its default); false imitates ENABLED/DISABLED.
   */
  readonly requireSessionReuse: boolean;
}

/** OpenSSH's sshd beside vsftpd in the provider namespace, standing in for Transfer's SFTP on 22. */
export interface SftpServerOptions {
  /** Private host key file (its .pub beside it). */
  readonly hostKeyFile: string;
  /** authorized_keys content for the test user. */
  readonly authorizedKeys: string;
}

function ftpsConfigLines(ftps: FtpsServerOptions | undefined): string[] {
  if (!ftps) return [];
  return [
    "# FTPS: TLS forced on the control and every data connection (Transfer's FTPS accepts no plain FTP).",
    "ssl_enable=YES",
    `rsa_cert_file=${ftps.certFile}`,
    `rsa_private_key_file=${ftps.keyFile}`,
    "force_local_logins_ssl=YES",
    "force_local_data_ssl=YES",
    "allow_anon_ssl=NO",
    "ssl_sslv2=NO",
    "ssl_sslv3=NO",
    "ssl_tlsv1=YES",
    "ssl_ciphers=HIGH",
    `require_ssl_reuse=${ftps.requireSessionReuse ? "YES" : "NO"}`,
  ];
}

function sshdConfig(work: string, home: string, sftp: SftpServerOptions): string {
  return [
    "# sshd standing in for AWS Transfer Family's SFTP (test only): SFTP only, password or key.",
    `ListenAddress ${ADDRESSES.server}:${SFTP_PORT}`,
    `HostKey ${sftp.hostKeyFile}`,
    `PidFile ${path.join(work, "sshd.pid")}`,
    `AuthorizedKeysFile ${path.join(work, "authorized_keys")}`,
    // The work directory lies under the world-writable /tmp.
    "StrictModes no",
    "UsePAM no",
    "PasswordAuthentication yes",
    "KbdInteractiveAuthentication no",
    "PubkeyAuthentication yes",
    "PermitRootLogin no",
    "AllowTcpForwarding no",
    "X11Forwarding no",
    "Subsystem sftp internal-sftp",
    `ForceCommand internal-sftp -d ${home}`,
    "LogLevel VERBOSE",
    "",
  ].join("\n");
}

function vsftpdConfig(work: string, pamService: string, passiveAddress: string, ftps?: FtpsServerOptions): string {
  return [
    "# vsftpd standing in for the AWS Transfer Family server (test only).",
    "listen=YES",
    "listen_ipv6=NO",
    `listen_address=${ADDRESSES.server}`,
    `listen_port=${CONTROL_PORT}`,
    "background=NO",
    "ftpd_banner=Stand-in for AWS Transfer Family (ftp-path test)",
    "anonymous_enable=NO",
    "local_enable=YES",
    "write_enable=YES",
    "local_umask=022",
    // The user is locked into its home, like a Transfer user into its home directory.
    "chroot_local_user=YES",
    "allow_writeable_chroot=YES",
    `pam_service_name=${pamService}`,
    `secure_chroot_dir=${path.join(work, "empty")}`,
    // Passive only, ports 8192-8200, and the NLB's address in PASV replies,
    // like Transfer with PassiveIp = the NLB's private IP. No active mode.
    "pasv_enable=YES",
    `pasv_address=${passiveAddress}`,
    "pasv_addr_resolve=NO",
    `pasv_min_port=${PASSIVE_PORTS[0]}`,
    `pasv_max_port=${PASSIVE_PORTS[PASSIVE_PORTS.length - 1]}`,
    "port_enable=NO",
    // Protocol log in the work directory (nothing under /var/log).
    "xferlog_enable=YES",
    "xferlog_std_format=NO",
    "dual_log_enable=NO",
    `xferlog_file=${path.join(work, "xferlog")}`,
    `vsftpd_log_file=${path.join(work, "vsftpd.log")}`,
    "log_ftp_protocol=YES",
    "syslog_enable=NO",
    // Container-friendly: vsftpd's own sandboxing (seccomp, extra namespaces)
    // is beside the point for a throwaway server inside a test namespace.
    "seccomp_sandbox=NO",
    "isolate=NO",
    "isolate_network=NO",
    "delay_failed_login=1",
    ...ftpsConfigLines(ftps),
    "",
  ].join("\n");
}

async function hashPassword(password: string): Promise<string> {
  // SHA-512 crypt, the format /etc/shadow uses; the password goes over stdin.
  const result = await mustRun(["openssl", "passwd", "-6", "-stdin"], { input: `${password}\n`, timeoutMs: 5_000 });
  const hash = result.stdout.trim();
  if (!hash.startsWith("$6$")) throw new Error(`openssl passwd -6 gave an unexpected hash format`);
  return hash;
}

/**
 * Writes the server's files. The FTP user exists only for vsftpd: vsftpd runs
 * in a private mount namespace in which copies of /etc/passwd, /etc/shadow and
 * /etc/pam.d from the work directory are bind-mounted over the real ones
 * (pam_unix checks the password against the copied shadow file). The host's
 * /etc is never modified. (pam_exec would avoid the shadow file, but its
 * child process confuses vsftpd's SIGCHLD handling and the login hangs.)
 */
async function writeServerFiles(work: string, user: FtpUser, pamService: string, passiveAddress: string, ftps?: FtpsServerOptions) {
  const home = path.join(work, "home");
  const etc = path.join(work, "etc");
  const pamDir = path.join(etc, "pam.d");
  fs.mkdirSync(home);
  fs.chownSync(home, FTP_UID, FTP_UID);
  fs.mkdirSync(path.join(work, "empty"), { mode: 0o755 });
  fs.mkdirSync(pamDir, { recursive: true, mode: 0o755 });

  const passwd = fs
    .readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .filter((line) => line && !line.startsWith(`${user.name}:`));
  passwd.push(`${user.name}:x:${FTP_UID}:${FTP_UID}:FTP path test user:${home}:/bin/sh`);
  fs.writeFileSync(path.join(etc, "passwd"), `${passwd.join("\n")}\n`, { mode: 0o644 });
  fs.writeFileSync(path.join(etc, "shadow"), `${user.name}:${await hashPassword(user.password)}:19000:0:99999:7:::\n`, {
    mode: 0o600,
  });
  fs.writeFileSync(
    path.join(pamDir, pamService),
    ["auth required pam_unix.so nodelay", "account required pam_unix.so", "session required pam_permit.so", ""].join("\n"),
    { mode: 0o644 },
  );
  const config = path.join(work, "vsftpd.conf");
  fs.writeFileSync(config, vsftpdConfig(work, pamService, passiveAddress, ftps), { mode: 0o600 });
  return { home, etc, pamDir, config };
}

/** Listening TCP sockets ("addr:port") in a namespace. */
async function listeners(namespace: string): Promise<Set<string>> {
  const result = await runCommand(inNamespace(namespace, ["ss", "-Hltn"]), { timeoutMs: 5_000 });
  const found = new Set<string>();
  for (const line of result.stdout.split("\n")) {
    const local = line.trim().split(/\s+/)[3];
    if (local) found.add(local);
  }
  return found;
}

async function waitForListeners(namespace: string, expected: readonly string[], what: () => string): Promise<void> {
  // Up to 5 s.
  let found = new Set<string>();
  for (let i = 0; i < 100; i++) {
    found = await listeners(namespace);
    if (expected.every((e) => found.has(e))) return;
    await sleep(50);
  }
  const missing = expected.filter((e) => !found.has(e));
  throw new Error(`${namespace}: not listening on ${missing.join(", ")} after 5 s. ${what()}`);
}

export interface CreateOptions {
  readonly tag: string;
  readonly user: FtpUser;
  /**
   * The address the server puts in PASV replies, like Transfer's PassiveIp:
   * the NLB's IP (default, passiveIpMode "nlb") or "0.0.0.0"
   * (passiveIpMode "control-connection": reuse the control connection's address).
   */
  readonly passiveAddress?: string;
  /**
   * Imitates the interface endpoint's idle timeout (PrivateLink: 350 s, fixed)
   * on the consumer -> endpoint leg, scaled down to this many seconds. See
   * imitateIdleTimeout.
   */
  readonly idleTimeoutSeconds?: number;
  /** Issue 13: vsftpd serves FTPS (TLS forced) instead of plain FTP. */
  readonly ftps?: FtpsServerOptions;
  /** Issue 13: sshd serves SFTP on 22 too, forwarded by the endpoint and the NLB like 21. */
  readonly sftp?: SftpServerOptions;
}

/**
 * An idle timeout that behaves like AWS's on flows through an interface
 * endpoint or an NLB: a flow with no packet for `seconds` is forgotten, and a
 * later packet of it (anything but a new SYN) is not delivered. Any packet
 * refreshes the timer, TCP keepalive probes and their ACKs included - as on
 * AWS, where "packets sent after the idle timeout expired aren't delivered"
 * and keepalives keep a flow alive (AWS Networking & Content Delivery blog,
 * "Implementing long-running TCP Connections within VPC networking").
 *
 * Built from Linux connection tracking in the endpoint namespace: established
 * TCP entries expire after `seconds` without a packet
 * (nf_conntrack_tcp_timeout_established), mid-stream packets of a flow
 * conntrack no longer knows are not picked up again (nf_conntrack_tcp_loose =
 * 0) and are therefore "invalid", and nftables drops invalid packets on the
 * consumer-facing interface in both directions. (socat's own -T timeout would
 * not do: it counts only data, never keepalive probes.) Both sysctls are per
 * network namespace; the host's are not touched.
 */
/** Packets the imitated idle timeout dropped so far (both directions), read from the nftables counters. */
export async function idleTimeoutDrops(topology: FtpTopology): Promise<number> {
  const result = await topology.run("endpoint", ["nft", "list", "table", "inet", "imitated_idle_timeout"], { timeoutMs: 5_000 });
  if (result.code !== 0) throw new Error(`nft list table failed: ${result.stderr}`);
  return [...result.stdout.matchAll(/counter packets (\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
}

async function imitateIdleTimeout(namespace: string, consumerLink: string, seconds: number): Promise<void> {
  if (!Number.isInteger(seconds) || seconds < 1) throw new Error(`idle timeout must be a whole number of seconds >= 1, got ${seconds}`);
  const rules = [
    "table inet imitated_idle_timeout {",
    "  chain input {",
    "    type filter hook input priority filter; policy accept;",
    `    iifname "${consumerLink}" ct state invalid counter drop`,
    "  }",
    "  chain output {",
    "    type filter hook output priority filter; policy accept;",
    `    oifname "${consumerLink}" ct state invalid counter drop`,
    "  }",
    "}",
    "",
  ].join("\n");
  await mustRun(inNamespace(namespace, ["nft", "-f", "-"]), { input: rules, timeoutMs: 5_000 });
  // The conntrack sysctls of this namespace exist once a ct rule loaded conntrack there.
  await mustRun(
    inNamespace(namespace, [
      "sysctl",
      "-q",
      "-w",
      `net.netfilter.nf_conntrack_tcp_timeout_established=${seconds}`,
      "net.netfilter.nf_conntrack_tcp_loose=0",
    ]),
    { timeoutMs: 5_000 },
  );
}

/** Keeps a server's stdout and stderr (up to `limit` characters) and how it exited, for failure messages. */
function captureOutput(child: ChildProcess, name: string, limit: number, log: { text: string }): void {
  const collect = (chunk: Buffer) => {
    if (log.text.length < limit) log.text += chunk.toString("utf8");
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  child.on("exit", (code, signal) => {
    log.text += `\n[${name} exited: ${code ?? signal}]`;
  });
}

/** Builds the four namespaces, starts vsftpd and the forwarders, and waits until all listen. */
export async function createTopology(options: CreateOptions): Promise<FtpTopology> {
  const names = topologyNames(options.tag);
  const leftovers = [...(await destroyStaleTopologies()), ...(await destroyTopology(names))];
  if (leftovers.length > 0) throw new Error(`cannot clear leftovers of an earlier run:\n${leftovers.join("\n")}`);

  const { consumer, endpoint, nlb, provider } = names.namespaces;
  const l = names.links;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), names.workDirPrefix));
  fs.chmodSync(work, 0o755); // the FTP user (uid 65534) must reach its home below
  const children: ChildProcess[] = [];
  const serverLog = { text: "" };
  const sshdLog = { text: "" };
  const forwardedPorts = [...FORWARDED_PORTS, ...(options.sftp ? [SFTP_PORT] : [])];

  const topology: FtpTopology = {
    names,
    user: options.user,
    workDir: work,
    serverHome: path.join(work, "home"),
    serverLog: path.join(work, "vsftpd.log"),
    run: (role, argv, runOptions) => runCommand(inNamespace(names.namespaces[role], argv), runOptions),
    serverOutput: () => serverLog.text,
    sshdOutput: () => sshdLog.text,
    destroy: async () => {
      const problems = await destroyTopology(names);
      // The children were inside the namespaces; wait (bounded) for their exit events.
      for (let i = 0; i < 20 && children.some((c) => c.exitCode === null && c.signalCode === null); i++) await sleep(50);
      for (const child of children) if (child.exitCode === null && child.signalCode === null) killGroup(child, "SIGKILL");
      return problems;
    },
  };

  try {
    for (const ns of Object.values(names.namespaces)) {
      await mustRun(["ip", "netns", "add", ns]);
      await mustRun(["ip", "-n", ns, "link", "set", "lo", "up"]);
    }
    // veth pairs, each end created directly inside its namespace.
    await mustRun(["ip", "link", "add", l.consumer, "netns", consumer, "type", "veth", "peer", "name", l.endpointToConsumer, "netns", endpoint]);
    await mustRun(["ip", "link", "add", l.endpointToNlb, "netns", endpoint, "type", "veth", "peer", "name", l.nlbToEndpoint, "netns", nlb]);
    await mustRun(["ip", "link", "add", l.nlbToProvider, "netns", nlb, "type", "veth", "peer", "name", l.provider, "netns", provider]);
    const addresses: [string, string, string][] = [
      [consumer, l.consumer, `${ADDRESSES.client}/${VPC_PREFIX}`],
      [endpoint, l.endpointToConsumer, `${ADDRESSES.endpoint}/${VPC_PREFIX}`],
      [endpoint, l.endpointToNlb, `${ADDRESSES.transitEndpointSide}/${TRANSIT_PREFIX}`],
      [nlb, l.nlbToEndpoint, `${ADDRESSES.transitNlbSide}/${TRANSIT_PREFIX}`],
      [nlb, l.nlbToProvider, `${ADDRESSES.nlb}/${VPC_PREFIX}`],
      [provider, l.provider, `${ADDRESSES.server}/${VPC_PREFIX}`],
    ];
    for (const [ns, dev, cidr] of addresses) {
      await mustRun(["ip", "-n", ns, "addr", "add", cidr, "dev", dev]);
      await mustRun(["ip", "-n", ns, "link", "set", dev, "up"]);
    }
    // 10.0.3.119 as seen from the consumer VPC: frames go to the endpoint
    // namespace, which does not route, so they are dropped without an answer.
    await mustRun(inNamespace(endpoint, ["sh", "-c", "echo 0 > /proc/sys/net/ipv4/ip_forward"]));
    const link = JSON.parse((await mustRun(["ip", "-n", endpoint, "-j", "link", "show", "dev", l.endpointToConsumer])).stdout) as {
      address: string;
    }[];
    await mustRun(["ip", "-n", consumer, "neigh", "replace", ADDRESSES.nlb, "lladdr", link[0].address, "dev", l.consumer, "nud", "permanent"]);
    if (options.idleTimeoutSeconds !== undefined) await imitateIdleTimeout(endpoint, l.endpointToConsumer, options.idleTimeoutSeconds);

    const pamService = `ftp-path-${names.tag}`;
    const files = await writeServerFiles(work, options.user, pamService, options.passiveAddress ?? ADDRESSES.nlb, options.ftps);
    const server = spawn(
      "ip",
      inNamespace(provider, [
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        'mount --bind "$1" /etc/pam.d && mount --bind "$2" /etc/passwd && mount --bind "$3" /etc/shadow && exec vsftpd "$4"',
        "vsftpd-launcher",
        files.pamDir,
        path.join(files.etc, "passwd"),
        path.join(files.etc, "shadow"),
        files.config,
      ]).slice(1),
      { stdio: ["ignore", "pipe", "pipe"], detached: true },
    );
    children.push(server);
    captureOutput(server, "vsftpd", 64 * 1024, serverLog);

    if (options.sftp) {
      fs.writeFileSync(path.join(work, "authorized_keys"), options.sftp.authorizedKeys, { mode: 0o644 });
      const sshdConfigFile = path.join(work, "sshd_config");
      fs.writeFileSync(sshdConfigFile, sshdConfig(work, path.join(work, "home"), options.sftp), { mode: 0o600 });
      // The same private mount namespace trick as vsftpd's: the test user exists only for sshd.
      // sshd needs its privilege separation directory (/run/sshd, made by the Debian service script otherwise).
      const sshd = spawn(
        "ip",
        inNamespace(provider, [
          "unshare",
          "--mount",
          "--propagation",
          "private",
          "sh",
          "-c",
          'mkdir -p /run/sshd && mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/shadow && exec /usr/sbin/sshd -D -e -f "$3"',
          "sshd-launcher",
          path.join(files.etc, "passwd"),
          path.join(files.etc, "shadow"),
          sshdConfigFile,
        ]).slice(1),
        { stdio: ["ignore", "pipe", "pipe"], detached: true },
      );
      children.push(sshd);
      captureOutput(sshd, "sshd", 256 * 1024, sshdLog);
    }

    for (const port of forwardedPorts) {
      // "PrivateLink endpoint": accepts in the consumer VPC, forwards over the /30.
      children.push(
        spawn(
          "ip",
          inNamespace(endpoint, [
            "socat",
            `TCP4-LISTEN:${port},bind=${ADDRESSES.endpoint},reuseaddr,fork`,
            `TCP4:${ADDRESSES.transitNlbSide}:${port},connect-timeout=5`,
          ]).slice(1),
          { stdio: "ignore", detached: true },
        ),
      );
      // "NLB": forwards to the target from its own address in the provider VPC.
      children.push(
        spawn(
          "ip",
          inNamespace(nlb, [
            "socat",
            `TCP4-LISTEN:${port},bind=${ADDRESSES.transitNlbSide},reuseaddr,fork`,
            `TCP4:${ADDRESSES.server}:${port},bind=${ADDRESSES.nlb},connect-timeout=5`,
          ]).slice(1),
          { stdio: "ignore", detached: true },
        ),
      );
    }

    await waitForListeners(provider, [`${ADDRESSES.server}:${CONTROL_PORT}`], () => `vsftpd output: ${serverLog.text || "(none)"}`);
    if (options.sftp) await waitForListeners(provider, [`${ADDRESSES.server}:${SFTP_PORT}`], () => `sshd output: ${sshdLog.text || "(none)"}`);
    await waitForListeners(
      endpoint,
      forwardedPorts.map((p) => `${ADDRESSES.endpoint}:${p}`),
      () => "socat (endpoint side) did not start",
    );
    await waitForListeners(
      nlb,
      forwardedPorts.map((p) => `${ADDRESSES.transitNlbSide}:${p}`),
      () => "socat (NLB side) did not start",
    );
    return topology;
  } catch (error) {
    await topology.destroy();
    throw error;
  }
}
