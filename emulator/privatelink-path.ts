// The FTP path of the architecture, rebuilt with network namespaces so that
// real clients and the Transfer stand-in (emulator/transfer-stand-in/) talk
// over the article's own addresses:
//
//   consumer ns            endpoint ns              nlb ns                 provider ns
//   (consumer VPC)         ("PrivateLink            ("internal NLB")       (provider VPC)
//                           endpoint")
//   lftp, curl, sftp       socat :21,22,8192-8200 -> socat :21,22,...   -> Transfer stand-in
//   10.0.3.10/24 ------- 10.0.3.50/24              10.0.3.119/24 ------- 10.0.3.225/24
//                          192.168.255.1/30 ------- 192.168.255.2/30
//
// Both VPCs use 10.0.3.0/24, as in the article. One namespace cannot hold two
// interfaces in the same subnet with separate meanings, so the hop in the
// middle is two namespaces joined by a private /30 (simpler and more portable
// than policy routing or VRFs, which need kernel modules CI may lack). Each
// forwarder is a socat per port (21, 22 and the passive ports 8192-8200): the
// endpoint side accepts on 10.0.3.50 and forwards over the /30; the NLB side
// connects to the server from 10.0.3.119, so the stand-in sees the NLB address
// as the client, as Transfer does behind an NLB.
//
// From the consumer namespace 10.0.3.119 leads nowhere: the consumer's
// neighbour entry for it points at the endpoint namespace, which does not
// forward, so packets vanish and connections time out - as in a VPC where
// that address is unused. (Plain loopback cannot show the failure: lftp
// rewrites a loopback PASV address, and a server bound to all addresses
// answers on any 127.x address.)
//
// The stand-in plays a Transfer server of the local AWS emulator, which listens
// on the host's 127.0.0.1 only - an address no namespace reaches. A tunnel
// that touches no network interface of the host carries its AWS calls: socat
// on the provider namespace's own loopback (127.0.0.1:<the emulator's port>)
// -> a UNIX socket in the work directory -> socat on the host -> the
// emulator's 127.0.0.1:<port>. UNIX sockets belong to the file system, not to
// a network namespace.
//
// Every address lives only inside namespaces created here (veth ends are
// created directly in their namespaces, never in the host's), under names
// unique to the calling process; destroyTopology removes them (and the host
// end of the tunnel), and createTopology first removes leftovers with the same
// names. All waits are bounded in count and time.
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
/** What the endpoint and the NLB forward: Transfer's ports (FTP, SFTP, passive data). */
const FORWARDED_PORTS = [CONTROL_PORT, SFTP_PORT, ...PASSIVE_PORTS];

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
 * them), the host end of its tunnel (the socat listening on a UNIX socket in
 * its work directory, found by that path in its command line) and its work
 * directories. Safe to call when nothing exists.
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
  const tunnel = `UNIX-LISTEN:${path.join(tmp, names.workDirPrefix)}`;
  const hostEnds = fs
    .readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").some((arg) => arg.startsWith(tunnel));
      } catch {
        return false; // exited meanwhile
      }
    })
    .map(Number);
  signalAll(hostEnds, "SIGKILL");
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
export interface StandInEvent {
  readonly time: string;
  readonly event: string;
  readonly [field: string]: unknown;
}

export interface PrivateLinkPath {
  readonly names: TopologyNames;
  /** Scratch space of the caller (0755, root). */
  readonly workDir: string;
  /** Runs a command in one of the namespaces. */
  run(role: NamespaceRole, argv: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** The stand-in's JSON log lines so far (every start since the path was built). */
  standInLog(): StandInEvent[];
  /** Everything the stand-in printed that was not a JSON log line (start-up errors). */
  standInOutput(): string;
  /**
   * Stops the stand-in and starts it again, so it reads the server's
   * configuration anew - the stand-in's StartServer (Transfer applies a new
   * PassiveIp only after a stop and start).
   */
  restartStandIn(): Promise<void>;
  destroy(): Promise<string[]>;
}

/** Where the stand-in finds the server it plays. */
export interface StandInTarget {
  /** The emulator's endpoint on the host, http://127.0.0.1:<port>. */
  readonly emulatorEndpoint: string;
  /** AWS_* variables for the stand-in (credentials, region); AWS_ENDPOINT_URL is set to the tunnel. */
  readonly awsEnv: Readonly<Record<string, string>>;
  readonly serverId: string;
  readonly region: string;
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

async function waitForListeners(namespace: string, expected: readonly string[], what: () => string, seconds = 5): Promise<void> {
  let found = new Set<string>();
  for (let i = 0; i < seconds * 20; i++) {
    found = await listeners(namespace);
    if (expected.every((e) => found.has(e))) return;
    await sleep(50);
  }
  const missing = expected.filter((e) => !found.has(e));
  throw new Error(`${namespace}: not listening on ${missing.join(", ")} after ${seconds} s. ${what()}`);
}

export interface CreateOptions {
  readonly tag: string;
  readonly target: StandInTarget;
  /** The checkout or working copy the stand-in runs from (scripts/run-ts.js, emulator/transfer-stand-in/). */
  readonly projectRoot: string;
  /**
   * Imitates the interface endpoint's idle timeout (PrivateLink: 350 s, fixed)
   * on the consumer -> endpoint leg, scaled down to this many seconds. See
   * imitateIdleTimeout.
   */
  readonly idleTimeoutSeconds?: number;
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
export async function idleTimeoutDrops(topology: PrivateLinkPath): Promise<number> {
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

/** Builds the four namespaces, the forwarders and the tunnel, starts the stand-in, and waits until all listen. */
export async function createTopology(options: CreateOptions): Promise<PrivateLinkPath> {
  const names = topologyNames(options.tag);
  const leftovers = [...(await destroyStaleTopologies()), ...(await destroyTopology(names))];
  if (leftovers.length > 0) throw new Error(`cannot clear leftovers of an earlier run:\n${leftovers.join("\n")}`);

  const { consumer, endpoint, nlb, provider } = names.namespaces;
  const l = names.links;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), names.workDirPrefix));
  fs.chmodSync(work, 0o755);
  const children: ChildProcess[] = [];
  const emulator = new URL(options.target.emulatorEndpoint);
  if (emulator.hostname !== "127.0.0.1" || !emulator.port) throw new Error(`the emulator must listen on 127.0.0.1:<port>, not ${options.target.emulatorEndpoint}`);
  const socketPath = path.join(work, "emulator.sock");
  const events: StandInEvent[] = [];
  const output = { text: "" };
  let standIn: ChildProcess | undefined;

  const startStandIn = async () => {
    const startedAt = events.length;
    const child = spawn(
      "ip",
      inNamespace(provider, [
        process.execPath,
        path.join(options.projectRoot, "scripts", "run-ts.js"),
        path.join(options.projectRoot, "emulator", "transfer-stand-in", "main.ts"),
        "--server-id",
        options.target.serverId,
        "--listen-address",
        ADDRESSES.server,
        "--region",
        options.target.region,
      ]).slice(1),
      {
        cwd: options.projectRoot,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...options.target.awsEnv, AWS_ENDPOINT_URL: options.target.emulatorEndpoint },
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      },
    );
    standIn = child;
    children.push(child);
    let partial = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      partial += chunk;
      let index: number;
      while ((index = partial.indexOf("\n")) >= 0) {
        const line = partial.slice(0, index);
        partial = partial.slice(index + 1);
        try {
          events.push(JSON.parse(line) as StandInEvent);
        } catch {
          if (output.text.length < 64 * 1024) output.text += `${line}\n`;
        }
      }
    });
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      if (output.text.length < 64 * 1024) output.text += chunk;
    });
    child.on("exit", (code, signal) => (output.text += `[stand-in exited: ${code ?? signal}]\n`));
    // Up to 60 s: it compiles (once), reads the server and its keys through the tunnel.
    for (let i = 0; i < 600 && !events.slice(startedAt).some((e) => e.event === "ready"); i++) {
      if (child.exitCode !== null || child.signalCode !== null) break;
      await sleep(100);
    }
    if (!events.slice(startedAt).some((e) => e.event === "ready")) {
      throw new Error(`the Transfer stand-in did not start: ${output.text.trim() || "(no output)"}`);
    }
  };

  const stopStandIn = async () => {
    const child = standIn;
    standIn = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    killGroup(child, "SIGTERM");
    const timer = setTimeout(() => killGroup(child, "SIGKILL"), 3_000);
    await exited;
    clearTimeout(timer);
  };

  const topology: PrivateLinkPath = {
    names,
    workDir: work,
    run: (role, argv, runOptions) => runCommand(inNamespace(names.namespaces[role], argv), runOptions),
    standInLog: () => [...events],
    standInOutput: () => output.text,
    restartStandIn: async () => {
      await stopStandIn();
      await startStandIn();
    },
    destroy: async () => {
      const problems = await destroyTopology(names);
      // The children were inside the namespaces (the tunnel's host end too, by its socket); wait (bounded) for their exits.
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

    // The tunnel to the emulator: host end (UNIX socket -> 127.0.0.1:<port>), then the provider namespace's end.
    children.push(
      spawn("socat", [`UNIX-LISTEN:${socketPath},fork,mode=600`, `TCP4:127.0.0.1:${emulator.port}`], { stdio: "ignore", detached: true }),
    );
    for (let i = 0; i < 50 && !fs.existsSync(socketPath); i++) await sleep(50);
    if (!fs.existsSync(socketPath)) throw new Error(`socat did not create ${socketPath}`);
    children.push(
      spawn(
        "ip",
        inNamespace(provider, ["socat", `TCP4-LISTEN:${emulator.port},bind=127.0.0.1,reuseaddr,fork`, `UNIX-CONNECT:${socketPath}`]).slice(1),
        { stdio: "ignore", detached: true },
      ),
    );

    for (const port of FORWARDED_PORTS) {
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
    await waitForListeners(provider, [`127.0.0.1:${emulator.port}`], () => "socat (tunnel, provider side) did not start");
    await waitForListeners(
      endpoint,
      FORWARDED_PORTS.map((p) => `${ADDRESSES.endpoint}:${p}`),
      () => "socat (endpoint side) did not start",
    );
    await waitForListeners(
      nlb,
      FORWARDED_PORTS.map((p) => `${ADDRESSES.transitNlbSide}:${p}`),
      () => "socat (NLB side) did not start",
    );
    await startStandIn();
    return topology;
  } catch (error) {
    await topology.destroy();
    throw error;
  }
}
