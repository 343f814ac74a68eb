// Proves the FTP data path of the architecture with real lftp and a real FTP
// server (vsftpd), in network namespaces that rebuild consumer VPC ->
// PrivateLink endpoint -> NLB -> Transfer endpoint with the article's own,
// overlapping addresses (see __tests__/support/netns.ts for the topology).
//
// The client uses the exact settings the deployed EC2 client gets
// (client/lftprc, read here), and the success path runs the real smoke script
// (client/ftp-smoke.sh, installed on the instance as /usr/local/bin/ftp-smoke).
//
// Needs root, ip (iproute2), lftp, vsftpd, socat, openssl, unshare. In CI a
// missing one fails the suite; elsewhere the suite is skipped with a message.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { commandExists, isRoot, missingPrerequisites } from "../support/prerequisites";
import {
  ADDRESSES,
  createTopology,
  destroyTopology,
  FtpTopology,
  idleTimeoutDrops,
  RunResult,
  runCommand,
  topologyNames,
} from "../support/netns";

const ROOT = path.resolve(__dirname, "../..");
const LFTPRC = path.join(ROOT, "client/lftprc");
const KEEPALIVE_SYSCTL = path.join(ROOT, "client/sysctl-keepalive.conf");
const SMOKE = path.join(ROOT, "client/ftp-smoke.sh");

const EXIT = { ok: 0, usage: 2, control: 3, login: 4, data: 5, ftp: 8 } as const;
const DATA_HINT =
  "FTP data connections through PrivateLink need EPSV (set ftp:prefer-epsv yes) or ftp:ignore-pasv-address yes; check /etc/lftp.conf";

/** `set name value` lines of an lftp rc file. */
function lftpSettings(text: string): Map<string, string> {
  const settings = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = /^\s*set\s+(\S+)\s+(.*?)\s*$/.exec(line);
    if (match) settings.set(match[1], match[2]);
  }
  return settings;
}

describe("client/lftprc (the deployed client's lftp settings)", () => {
  const settings = lftpSettings(fs.readFileSync(LFTPRC, "utf8"));

  it("prefers EPSV and ignores the PASV address, with plain FTP in passive mode", () => {
    expect(settings.get("ftp:prefer-epsv")).toBe("yes");
    expect(settings.get("ftp:ignore-pasv-address")).toBe("yes");
    expect(settings.get("ftp:passive-mode")).toBe("on");
    expect(settings.get("ftp:ssl-allow")).toBe("no");
  });

  it("bounds timeouts and retries", () => {
    expect(Number(settings.get("net:timeout"))).toBeLessThanOrEqual(60);
    expect(Number(settings.get("net:max-retries"))).toBeGreaterThanOrEqual(1);
    expect(Number(settings.get("net:max-retries"))).toBeLessThanOrEqual(5);
    expect(Number(settings.get("net:reconnect-interval-base"))).toBeLessThanOrEqual(10);
  });

  it("fits the EC2 user data (no line equal to a heredoc delimiter; room left in the 16 KB limit)", () => {
    expect(fs.readFileSync(LFTPRC, "utf8").split("\n")).not.toContain("LFTPRC");
    expect(fs.readFileSync(SMOKE, "utf8").split("\n")).not.toContain("FTP_SMOKE");
    // Both files are embedded verbatim in the client's user data, which EC2
    // caps at 16384 bytes before base64; keep ~2.5 KB for the rest of it.
    expect(fs.statSync(LFTPRC).size + fs.statSync(SMOKE).size).toBeLessThan(14_000);
  });
});

const lftpOnly = missingPrerequisites("ftp-smoke.sh argument checks", [
  { name: "lftp (apt-get install lftp)", check: () => commandExists("lftp") },
]);

(lftpOnly.length ? describe.skip : describe)("ftp-smoke.sh refuses bad input before connecting", () => {
  const smoke = (args: string[], env: NodeJS.ProcessEnv, input = "") =>
    runCommand(["sh", SMOKE, ...args], { env: { PATH: process.env.PATH, ...env }, input, timeoutMs: 10_000 });

  it("wants a host (FTP_HOST, --host or the host file)", async () => {
    const result = await smoke(["--user", "alice"], { FTP_SMOKE_HOST_FILE: "/nonexistent/host" }, "pw\n");
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain("no host");
  });

  it("never takes a password from the command line, and does not echo stray arguments", async () => {
    const refused = await smoke(["--user", "alice", "--password", "Sekr3t!"], { FTP_HOST: "ftp.example" });
    expect(refused.code).toBe(EXIT.usage);
    expect(refused.stderr).toContain("never taken from the command line");
    const stray = await smoke(["--user", "alice", "Sekr3t!"], { FTP_HOST: "ftp.example" });
    expect(stray.code).toBe(EXIT.usage);
    expect(`${refused.stdout}${refused.stderr}${stray.stdout}${stray.stderr}`).not.toContain("Sekr3t!");
  });

  it("wants a password on stdin when FTP_PASSWORD is unset", async () => {
    const result = await smoke(["--user", "alice"], { FTP_HOST: "ftp.example" }, "");
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain("no password");
  });
});

const missing = missingPrerequisites("FTP path through PrivateLink (network namespaces)", [
  { name: "root (network namespaces need it)", check: isRoot },
  { name: "ip (apt-get install iproute2)", check: () => commandExists("ip") },
  { name: "ss (apt-get install iproute2)", check: () => commandExists("ss") },
  { name: "lftp (apt-get install lftp)", check: () => commandExists("lftp") },
  { name: "vsftpd (apt-get install vsftpd)", check: () => commandExists("vsftpd") },
  { name: "socat (apt-get install socat)", check: () => commandExists("socat") },
  { name: "openssl (apt-get install openssl)", check: () => commandExists("openssl") },
  { name: "unshare and mount (apt-get install util-linux mount)", check: () => commandExists("unshare") && commandExists("mount") },
  { name: "timeout and sha256sum (coreutils)", check: () => commandExists("timeout") && commandExists("sha256sum") },
  { name: "/etc/shadow and /etc/pam.d (vsftpd's PAM login)", check: () => fs.existsSync("/etc/shadow") && fs.existsSync("/etc/pam.d") },
  { name: "nft and sysctl (apt-get install nftables procps)", check: () => commandExists("nft") && commandExists("sysctl") },
]);

(missing.length ? describe.skip : describe)("FTP path: consumer VPC -> PrivateLink endpoint -> NLB -> FTP server (overlapping 10.0.3.0/24)", () => {
  const tag = String(process.pid);
  // Commas, spaces and quotes: would break `lftp -u user,pass` or shell quoting.
  const user = { name: "ftpsmoke", password: `Pw ${crypto.randomBytes(6).toString("hex")},"x';$y` };
  let topology: FtpTopology;
  // A second server that answers PASV with 0.0.0.0 (PassiveIp in passiveIpMode "control-connection").
  let zeroTopology: FtpTopology;
  let scratch: string;
  let rootAddressesBefore: string;

  const rootIpv4 = async () => (await runCommand(["ip", "-4", "-o", "addr", "show"])).stdout;

  /** An lftp rc: client/lftprc verbatim, then test overrides. */
  function rcFile(name: string, overrides: string[] = []): string {
    const file = path.join(scratch, name);
    fs.writeFileSync(file, `${fs.readFileSync(LFTPRC, "utf8")}\n# test overrides\n${overrides.join("\n")}\n`);
    return file;
  }

  // Fail fast where the article's failure is expected (client/lftprc allows 2 x 15 s, for AWS).
  const QUICK = ["set net:timeout 3", "set net:max-retries 1"];

  interface SmokeRun extends RunResult {
    /** argv lftp was started with, one line per argument (via a recording wrapper). */
    readonly lftpArgv: string;
    readonly tmpLeft: string[];
  }

  /** Runs client/ftp-smoke.sh in the consumer namespace against the endpoint address. */
  async function smoke(options: {
    rc: string;
    env?: NodeJS.ProcessEnv;
    input?: string;
    debug?: boolean;
    shell?: string;
    on?: FtpTopology;
  }): Promise<SmokeRun> {
    const tmp = fs.mkdtempSync(path.join(scratch, "smoke-tmp-"));
    const argvLog = path.join(scratch, `lftp-argv-${path.basename(tmp)}`);
    const result = await (options.on ?? topology).run("consumer", [options.shell ?? "sh", SMOKE, "--user", user.name], {
      env: {
        PATH: `${path.join(scratch, "bin")}:${process.env.PATH}`,
        HOME: path.join(scratch, "home"),
        TMPDIR: tmp,
        LFTP_RC: options.rc,
        FTP_SMOKE_TIMEOUT: "40",
        FTP_SMOKE_SIZE: "200000",
        FTP_TEST_LFTP_ARGV_LOG: argvLog,
        ...(options.debug ? { FTP_SMOKE_DEBUG: "1" } : {}),
        ...options.env,
      },
      input: options.input ?? "",
      timeoutMs: 50_000,
    });
    const lftpArgv = fs.existsSync(argvLog) ? fs.readFileSync(argvLog, "utf8") : "";
    return { ...result, lftpArgv, tmpLeft: fs.readdirSync(tmp) };
  }

  function expectNoPasswordIn(run: SmokeRun): void {
    expect(run.stdout).not.toContain(user.password);
    expect(run.stderr).not.toContain(user.password);
    expect(run.lftpArgv).not.toContain(user.password);
  }

  beforeAll(async () => {
    rootAddressesBefore = await rootIpv4();
    topology = await createTopology({ tag, user });
    zeroTopology = await createTopology({ tag: `${tag}z`, user, passiveAddress: "0.0.0.0" });
    scratch = path.join(topology.workDir, "client");
    fs.mkdirSync(path.join(scratch, "bin"), { recursive: true });
    fs.mkdirSync(path.join(scratch, "home"));
    // An `lftp` first in PATH that records its argv, then runs the real lftp:
    // shows what `ps` would show.
    const realLftp = (await runCommand(["sh", "-c", "command -v lftp"])).stdout.trim();
    fs.writeFileSync(
      path.join(scratch, "bin", "lftp"),
      `#!/bin/sh\nprintf '%s\\n' "$@" >>"$FTP_TEST_LFTP_ARGV_LOG"\nexec ${realLftp} "$@"\n`,
      { mode: 0o755 },
    );
  }, 30_000);

  afterAll(async () => {
    const problems = [
      ...(topology ? await topology.destroy() : await destroyTopology(topologyNames(tag))),
      ...(zeroTopology ? await zeroTopology.destroy() : await destroyTopology(topologyNames(`${tag}z`))),
    ];
    const namespaces = (await runCommand(["ip", "netns", "list"])).stdout;
    expect(problems).toEqual([]);
    expect(namespaces).not.toContain(`-${tag}`);
  }, 30_000);

  it("keeps every 10.0.3.x address inside its namespaces", async () => {
    expect(await rootIpv4()).toBe(rootAddressesBefore);
    const consumer = await topology.run("consumer", ["ip", "-4", "-o", "addr", "show"]);
    expect(consumer.stdout).toContain(`${ADDRESSES.client}/24`);
    const listening = await topology.run("provider", ["ss", "-Hltn"]);
    expect(listening.stdout).toContain(`${ADDRESSES.server}:21`);
  });

  it("with client/lftprc (EPSV), the smoke script uploads, lists, downloads, compares and deletes through the endpoint", async () => {
    const hostFile = path.join(scratch, "host");
    fs.writeFileSync(hostFile, `${ADDRESSES.endpoint}\n`);
    // As on the instance: host from the host file, password on stdin.
    const run = await smoke({ rc: LFTPRC, env: { FTP_SMOKE_HOST_FILE: hostFile }, input: `${user.password}\n`, debug: true });

    expect({ code: run.code, stderr: run.code === 0 ? "" : run.stderr }).toEqual({ code: EXIT.ok, stderr: "" });
    const ok = run.stdout.split("\n").filter((line) => line.startsWith("OK: "));
    expect(ok.join("\n")).toMatch(/logged in as ftpsmoke/);
    expect(ok.join("\n")).toMatch(/uploaded ftp-smoke-\S+\.bin \(200000 bytes\); data connections use EPSV/);
    expect(ok.join("\n")).toMatch(/listing shows ftp-smoke-/);
    expect(ok.join("\n")).toMatch(/downloaded ftp-smoke-\S+ \(200000 bytes\)/);
    expect(ok.join("\n")).toMatch(/checksums match \(sha256 [0-9a-f]{64}\)/);
    expect(ok.join("\n")).toMatch(/deleted ftp-smoke-/);
    expect(ok.join("\n")).toMatch(/listing no longer shows ftp-smoke-/);

    // lftp really used EPSV, and its data connections went to the endpoint.
    expect(run.stderr).toContain("---> EPSV");
    expect(run.stderr).toMatch(/<--- 229 Entering Extended Passive Mode \(\|\|\|\d+\|\)/);
    expect(run.stderr).toContain(`Connecting data socket to (${ADDRESSES.endpoint}) port`);
    expect(run.stderr).not.toContain(`Connecting data socket to (${ADDRESSES.nlb})`);
    expect(run.stderr).not.toContain("---> PASV");

    // The password: not in argv (lftp got --env-password), output or transcript.
    expect(run.lftpArgv).toContain("--env-password");
    expectNoPasswordIn(run);
    expect(run.stderr).toContain("---> PASS XXXX");
    // Nothing left behind: temp files, or the test file on the server.
    expect(run.tmpLeft).toEqual([]);
    expect(fs.readdirSync(topology.serverHome).filter((f) => f.startsWith("ftp-smoke-"))).toEqual([]);

    // The server saw the NLB address as the client (as Transfer does behind an NLB).
    const log = fs.readFileSync(topology.serverLog, "utf8");
    expect(log).toContain(`Client "${ADDRESSES.nlb}"`);
    expect(log).not.toContain(user.password);
  });

  it("with client/lftprc, an lftp upload lands byte for byte in the server's directory", async () => {
    const known = crypto.randomBytes(150_000);
    const local = path.join(scratch, "known.bin");
    fs.writeFileSync(local, known);
    const run = await topology.run(
      "consumer",
      ["lftp", "-c", `source "${LFTPRC}"; open --env-password -u ${user.name} ${ADDRESSES.endpoint}; put "${local}" -o known-upload.bin`],
      { env: { PATH: process.env.PATH, HOME: path.join(scratch, "home"), LFTP_PASSWORD: user.password }, timeoutMs: 30_000 },
    );
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
    const landed = fs.readFileSync(path.join(topology.serverHome, "known-upload.bin"));
    expect(landed.length).toBe(known.length);
    expect(crypto.createHash("sha256").update(landed).digest("hex")).toBe(crypto.createHash("sha256").update(known).digest("hex"));
    fs.rmSync(path.join(topology.serverHome, "known-upload.bin"));
  });

  it("with EPSV off and the PASV address trusted, the data connection fails (the article's failure), quickly", async () => {
    const rc = rcFile("pasv-trusted.rc", ["set ftp:prefer-epsv no", "set ftp:ignore-pasv-address no", ...QUICK]);
    const started = Date.now();
    const run = await smoke({ rc, env: { FTP_HOST: ADDRESSES.endpoint, FTP_PASSWORD: user.password }, debug: true });
    const seconds = (Date.now() - started) / 1000;

    expect(run.code).toBe(EXIT.data);
    expect(run.stdout).toMatch(/^OK: connected to .* and logged in as ftpsmoke$/m);
    expect(run.stderr).toMatch(/^FAIL: data connection failed while uploading ftp-smoke-/m);
    expect(run.stderr).toContain(`hint: ${DATA_HINT}`);
    expect(run.stderr).toContain(`the passive reply sent lftp to ${ADDRESSES.nlb}, not to ${ADDRESSES.endpoint}`);
    // What the test claims: the server advertised the NLB address in PASV,
    // lftp (PASV, not EPSV) connected there, and nothing answered.
    expect(run.stderr).toContain("---> PASV");
    expect(run.stderr).not.toContain("---> EPSV");
    expect(run.stderr).toContain(`<--- 227 Entering Passive Mode (${ADDRESSES.nlb.replace(/\./g, ",")},`);
    expect(run.stderr).toContain(`Connecting data socket to (${ADDRESSES.nlb}) port`);
    expect(run.stderr).not.toContain("Data connection established");
    expect(seconds).toBeLessThan(20);
    expectNoPasswordIn(run);
    expect(run.tmpLeft).toEqual([]);
    // The aborted upload leaves nothing on the server (ftp-smoke cleans up over the control connection).
    expect(fs.readdirSync(topology.serverHome).filter((f) => f.startsWith("ftp-smoke-"))).toEqual([]);
  });

  it("with EPSV off but ftp:ignore-pasv-address yes, PASV works too", async () => {
    const rc = rcFile("pasv-ignored.rc", ["set ftp:prefer-epsv no", "set ftp:ignore-pasv-address yes"]);
    // bash here (as /bin/sh on Amazon Linux), dash elsewhere (Debian's /bin/sh).
    const shell = commandExists("bash") ? "bash" : "sh";
    const run = await smoke({ rc, env: { FTP_HOST: ADDRESSES.endpoint, FTP_PASSWORD: user.password }, debug: true, shell });

    expect({ code: run.code, stderr: run.code === 0 ? "" : run.stderr }).toEqual({ code: EXIT.ok, stderr: "" });
    expect(run.stdout).toMatch(/data connections use PASV with the reply's address ignored/);
    expect(run.stdout).toMatch(/^OK: checksums match/m);
    expect(run.stderr).toContain("---> PASV");
    expect(run.stderr).not.toContain("---> EPSV");
    expect(run.stderr).toContain(`<--- 227 Entering Passive Mode (${ADDRESSES.nlb.replace(/\./g, ",")},`);
    expect(run.stderr).toContain("Address returned by PASV is ignored according to ftp:ignore-pasv-address setting");
    expect(run.stderr).toContain(`Connecting data socket to (${ADDRESSES.endpoint}) port`);
    expectNoPasswordIn(run);
  });

  it("with PassiveIp 0.0.0.0 (passiveIpMode control-connection), plain PASV works without ignoring the address", async () => {
    // lftp as a PASV-only client would behave: no EPSV, and the PASV address
    // trusted. The server answers 0,0,0,0 and lftp reuses the control
    // connection's address (the endpoint), so the data connection goes through.
    const rc = rcFile("pasv-zero.rc", ["set ftp:prefer-epsv no", "set ftp:ignore-pasv-address no", ...QUICK]);
    const run = await smoke({ rc, env: { FTP_HOST: ADDRESSES.endpoint, FTP_PASSWORD: user.password }, debug: true, on: zeroTopology });

    expect({ code: run.code, stderr: run.code === 0 ? "" : run.stderr }).toEqual({ code: EXIT.ok, stderr: "" });
    expect(run.stdout).toMatch(/^OK: checksums match/m);
    expect(run.stderr).toContain("---> PASV");
    expect(run.stderr).not.toContain("---> EPSV");
    expect(run.stderr).toContain("<--- 227 Entering Passive Mode (0,0,0,0,");
    expect(run.stderr).not.toContain("is ignored according to ftp:ignore-pasv-address");
    expect(run.stderr).toContain(`Connecting data socket to (${ADDRESSES.endpoint}) port`);
    expect(fs.readdirSync(zeroTopology.serverHome).filter((f) => f.startsWith("ftp-smoke-"))).toEqual([]);
    expectNoPasswordIn(run);
  });

  it("reports a wrong password as 'login refused' with its exit code", async () => {
    const wrong = `${user.password}-wrong`;
    const run = await smoke({ rc: LFTPRC, env: { FTP_HOST: ADDRESSES.endpoint, FTP_PASSWORD: wrong } });

    expect(run.code).toBe(EXIT.login);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^FAIL: login refused: .* did not accept user 'ftpsmoke'/m);
    expect(run.stderr).toContain("server: 530 Login incorrect.");
    expect(run.stderr).not.toContain(wrong);
    expect(run.lftpArgv).not.toContain(wrong);
    expect(run.tmpLeft).toEqual([]);
  });

  it("reports a refused upload as an FTP error with the server's reply", async () => {
    fs.chmodSync(topology.serverHome, 0o555); // the FTP user may no longer write
    try {
      const run = await smoke({ rc: LFTPRC, env: { FTP_HOST: ADDRESSES.endpoint, FTP_PASSWORD: user.password } });
      expect(run.code).toBe(EXIT.ftp);
      expect(run.stderr).toMatch(/^FAIL: FTP error while uploading ftp-smoke-/m);
      expect(run.stderr).toMatch(/server: 553 Could not create file/);
    } finally {
      fs.chmodSync(topology.serverHome, 0o755);
    }
  });

  it("reports an unreachable control port as 'control connection failed'", async () => {
    const rc = rcFile("quick.rc", QUICK);
    const run = await smoke({ rc, env: { FTP_HOST: ADDRESSES.endpoint, FTP_PORT: "2121", FTP_PASSWORD: user.password } });

    expect(run.code).toBe(EXIT.control);
    expect(run.stderr).toMatch(/^FAIL: control connection failed: cannot reach 10\.0\.3\.50 port 2121/m);
    expect(run.stderr).toContain("Connection refused");
  });
});

// Issue 10, fix 6. PrivateLink drops a flow idle for 350 s (not configurable), and the control connection is idle for
// the whole of a data transfer. Imitated here at a 3 s scale on the consumer -> endpoint leg (conntrack + nftables in
// the endpoint namespace: see imitateIdleTimeout), with an upload rate-limited to last ~8 s. The client's keepalive
// settings (client/sysctl-keepalive.conf: first probe after 60 s of 350) are applied scaled by the same factor.
(missing.length ? describe.skip : describe)("long transfers through an idle timeout on the endpoint hop", () => {
  const tag = `${process.pid}i`;
  const user = { name: "ftplong", password: `Pw-${crypto.randomBytes(6).toString("hex")}` };
  const PRIVATELINK_IDLE_SECONDS = 350;
  const IDLE_SECONDS = 3;
  const SIZE = 200_000;
  const UPLOAD_RATE = 25_000; // bytes/s: ~8 s of upload, during which the control connection carries nothing
  let topology: FtpTopology;
  let local: string;

  /** The client's keepalive sysctls, scaled from 350 s to IDLE_SECONDS (whole seconds, at least 1). */
  function scaledKeepalive(): Record<string, number> {
    const values: Record<string, number> = {};
    for (const match of fs.readFileSync(KEEPALIVE_SYSCTL, "utf8").matchAll(/^(net\.ipv4\.tcp_keepalive_\w+)\s*=\s*(\d+)\s*$/gm)) {
      const value = Number(match[2]);
      values[match[1]] = match[1].endsWith("_probes") ? value : Math.max(1, Math.floor((value * IDLE_SECONDS) / PRIVATELINK_IDLE_SECONDS));
    }
    return values;
  }

  async function setKeepalive(values: Record<string, number>): Promise<void> {
    const result = await topology.run("consumer", ["sysctl", "-q", "-w", ...Object.entries(values).map(([k, v]) => `${k}=${v}`)]);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
  }

  /** lftp with client/lftprc, uploading SIZE bytes at UPLOAD_RATE; killed after `limitMs`. */
  async function slowUpload(remote: string, limitMs: number) {
    return topology.run(
      "consumer",
      [
        "lftp",
        "-d",
        "-c",
        `source "${LFTPRC}"; set net:limit-rate 0:${UPLOAD_RATE}; open --env-password -u ${user.name} ${ADDRESSES.endpoint}; put "${local}" -o ${remote}`,
      ],
      { env: { PATH: process.env.PATH, HOME: topology.workDir, LFTP_PASSWORD: user.password }, timeoutMs: limitMs },
    );
  }

  beforeAll(async () => {
    topology = await createTopology({ tag, user, idleTimeoutSeconds: IDLE_SECONDS });
    local = path.join(topology.workDir, "long.bin");
    fs.writeFileSync(local, crypto.randomBytes(SIZE));
  }, 30_000);

  afterAll(async () => {
    const problems = topology ? await topology.destroy() : await destroyTopology(topologyNames(tag));
    expect(problems).toEqual([]);
  }, 30_000);

  it("the scaled client keepalive comes well before the scaled idle timeout", () => {
    const values = scaledKeepalive();
    expect(Object.keys(values).sort()).toEqual(["net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_keepalive_time"]);
    expect(values["net.ipv4.tcp_keepalive_time"]).toBeLessThan(IDLE_SECONDS);
    expect((SIZE / UPLOAD_RATE) * 1000).toBeGreaterThan(2 * IDLE_SECONDS * 1000);
  });

  it("with the client's keepalives, an upload longer than the idle timeout ends with 226", async () => {
    await setKeepalive(scaledKeepalive());
    const dropsBefore = await idleTimeoutDrops(topology);
    const run = await slowUpload("with-keepalive.bin", 20_000);
    expect({ code: run.code, timedOut: run.timedOut }).toEqual({ code: 0, timedOut: false });
    expect(run.ms).toBeGreaterThan(2 * IDLE_SECONDS * 1000); // it really outlasted the idle timeout
    expect(run.stderr).toMatch(/<--- 226/);
    expect(fs.statSync(path.join(topology.serverHome, "with-keepalive.bin")).size).toBe(SIZE);
    expect(await idleTimeoutDrops(topology)).toBe(dropsBefore);
  }, 30_000);

  it("without them (the kernel's default: first probe after 7200 s), the same upload never sees its 226", async () => {
    await setKeepalive({ "net.ipv4.tcp_keepalive_time": 7200, "net.ipv4.tcp_keepalive_intvl": 75, "net.ipv4.tcp_keepalive_probes": 9 });
    const dropsBefore = await idleTimeoutDrops(topology);
    // Bounded: the upload takes ~8 s; lftp itself would wait net:timeout (15 s) and retry.
    const run = await slowUpload("without-keepalive.bin", (SIZE / UPLOAD_RATE) * 1000 + 5_000);
    expect(run.code === 0 && !run.timedOut).toBe(false);
    expect(run.stderr).not.toMatch(/<--- 226/);
    // The data arrived; only the control connection's final reply was lost at the idle-timed-out hop.
    expect(fs.statSync(path.join(topology.serverHome, "without-keepalive.bin")).size).toBe(SIZE);
    expect(await idleTimeoutDrops(topology)).toBeGreaterThan(dropsBefore);
  }, 30_000);
});
