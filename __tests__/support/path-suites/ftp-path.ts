// The FTP data path with real lftp and the real smoke script (client/ftp-smoke.sh,
// installed on the client instance as /usr/local/bin/ftp-smoke) through the
// PrivateLink path in network namespaces (emulator/privatelink-path.ts) to the
// Transfer stand-in playing the deployed server: a user made by
// `npm run users`, the deployed identity provider deciding, the files in the
// emulator's S3 at home/<user>/. Then a long upload through an imitated
// idle timeout, with and without the client's keepalives.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { aws } from "../../../emulator/client";
import { ADDRESSES, idleTimeoutDrops, PrivateLinkPath, RunResult, runCommand } from "../../../emulator/privatelink-path";
import { identityProviderDecisions } from "../../../cli/demo-transfer-path";
import { addUsers, ContextSource, homeListing, homeObject, openPath, sha256, usePassiveIp } from "../path-context";

const ROOT = path.resolve(__dirname, "../../..");
const LFTPRC = path.join(ROOT, "client/lftprc");
const KEEPALIVE_SYSCTL = path.join(ROOT, "client/sysctl-keepalive.conf");
const SMOKE = path.join(ROOT, "client/ftp-smoke.sh");
const EXIT = { ok: 0, control: 3, login: 4, data: 5, ftp: 8 } as const;
const DATA_HINT =
  "FTP data connections through PrivateLink need EPSV (set ftp:prefer-epsv yes) or ftp:ignore-pasv-address yes; check /etc/lftp.conf";

export function ftpPathSuite(context: ContextSource): void {
  describe("FTP path: consumer VPC -> PrivateLink endpoint -> NLB -> Transfer stand-in (overlapping 10.0.3.0/24)", () => {
    // Commas, spaces and quotes: would break `lftp -u user,pass` or shell quoting.
    const user = { name: "ftpsmoke", password: `Pw ${crypto.randomBytes(6).toString("hex")},"x';$y` };
    let transferPath: PrivateLinkPath;
    let scratch: string;

    function rcFile(name: string, overrides: string[] = []): string {
      const file = path.join(scratch, name);
      fs.writeFileSync(file, `${fs.readFileSync(LFTPRC, "utf8")}\n# test overrides\n${overrides.join("\n")}\n`);
      return file;
    }
    // Fail fast where the article's failure is expected (client/lftprc allows 2 x 15 s, for AWS).
    // Short enough that the article's failure shows quickly, long enough for a login under CI load (each one is a
    // cold start of the deployed identity provider and scrypt N=2^17, 1-5 s on a busy 2-core machine).
    const QUICK = ["set net:timeout 6", "set net:max-retries 1"];

    interface SmokeRun extends RunResult {
      readonly lftpArgv: string;
      readonly tmpLeft: string[];
    }

    async function smoke(options: { rc: string; env?: NodeJS.ProcessEnv; input?: string; debug?: boolean; shell?: string }): Promise<SmokeRun> {
      const tmp = fs.mkdtempSync(path.join(scratch, "smoke-tmp-"));
      const argvLog = path.join(scratch, `lftp-argv-${path.basename(tmp)}`);
      const result = await transferPath.run("consumer", [options.shell ?? "sh", SMOKE, "--user", user.name], {
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

    let rootAddressesBefore: string;
    const rootIpv4 = async () => (await runCommand(["ip", "-4", "-o", "addr", "show"])).stdout;
    const smokeObjectsLeft = async () => (await homeListing(context(), user.name)).filter((f) => f.startsWith("ftp-smoke-"));

    beforeAll(async () => {
      await addUsers(context(), [{ name: user.name, password: user.password, protocols: ["FTP", "FTPS"] }]);
      rootAddressesBefore = await rootIpv4();
      transferPath = await openPath(context(), "p");
      await usePassiveIp(context(), transferPath, ADDRESSES.nlb);
      scratch = path.join(transferPath.workDir, "client");
      fs.mkdirSync(path.join(scratch, "bin"), { recursive: true });
      fs.mkdirSync(path.join(scratch, "home"));
      // An `lftp` first in PATH that records its argv, then runs the real lftp: shows what `ps` would show.
      const realLftp = (await transferPath.run("consumer", ["sh", "-c", "command -v lftp"])).stdout.trim();
      fs.writeFileSync(path.join(scratch, "bin", "lftp"), `#!/bin/sh\nprintf '%s\\n' "$@" >>"$FTP_TEST_LFTP_ARGV_LOG"\nexec ${realLftp} "$@"\n`, { mode: 0o755 });
    }, 120_000);

    afterAll(async () => {
      if (transferPath) expect(await transferPath.destroy()).toEqual([]);
    }, 30_000);

    it("keeps every 10.0.3.x address inside its namespaces; the stand-in listens on the Transfer endpoint's address", async () => {
      expect(await rootIpv4()).toBe(rootAddressesBefore);
      const consumer = await transferPath.run("consumer", ["ip", "-4", "-o", "addr", "show"]);
      expect(consumer.stdout).toContain(`${ADDRESSES.client}/24`);
      const listening = await transferPath.run("provider", ["ss", "-Hltn"]);
      expect(listening.stdout).toContain(`${ADDRESSES.server}:21`);
      expect(listening.stdout).toContain(`${ADDRESSES.server}:22`);
    });

    it("with client/lftprc (EPSV), the smoke script uploads, lists, downloads, compares and deletes through the endpoint", async () => {
      const hostFile = path.join(scratch, "host");
      fs.writeFileSync(hostFile, `${ADDRESSES.endpoint}\n`);
      const since = Date.now() - 1000;
      // As on the instance: host from the host file, password on stdin.
      const run = await smoke({ rc: LFTPRC, env: { FTP_SMOKE_HOST_FILE: hostFile }, input: `${user.password}\n`, debug: true });

      expect({ code: run.code, stderr: run.code === 0 ? "" : run.stderr.slice(-3000) }).toEqual({ code: EXIT.ok, stderr: "" });
      const ok = run.stdout.split("\n").filter((line) => line.startsWith("OK: ")).join("\n");
      expect(ok).toMatch(/logged in as ftpsmoke/);
      expect(ok).toMatch(/uploaded ftp-smoke-\S+\.bin \(200000 bytes\); data connections use EPSV/);
      expect(ok).toMatch(/listing shows ftp-smoke-/);
      expect(ok).toMatch(/downloaded ftp-smoke-\S+ \(200000 bytes\)/);
      expect(ok).toMatch(/checksums match \(sha256 [0-9a-f]{64}\)/);
      expect(ok).toMatch(/deleted ftp-smoke-/);
      expect(ok).toMatch(/listing no longer shows ftp-smoke-/);

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
      // Nothing left behind: temp files, or the test file in the bucket.
      expect(run.tmpLeft).toEqual([]);
      expect(await smokeObjectsLeft()).toEqual([]);

      // The stand-in saw the NLB address as the client, and so did the deployed identity provider (sourceIp),
      // as Transfer does behind an NLB; it admitted the user made by `npm run users`.
      const sessions = transferPath.standInLog().filter((e) => e.event === "login" && e.user === user.name);
      expect(sessions.length).toBeGreaterThan(0);
      expect(new Set(sessions.map((e) => e.client))).toEqual(new Set([ADDRESSES.nlb]));
      const decisions = (await identityProviderDecisions(context().session, context().functionName, since)).filter((d) => d.user === user.name);
      expect(decisions.length).toBeGreaterThan(0);
      expect(decisions.every((d) => d.outcome === "allowed" && d.reason === "authenticated" && d.protocol === "FTP" && d.sourceIp === ADDRESSES.nlb)).toBe(true);
      expect(JSON.stringify(transferPath.standInLog())).not.toContain(user.password);
    });

    it("with client/lftprc, an lftp upload lands byte for byte in S3 at home/<user>/", async () => {
      const known = crypto.randomBytes(150_000);
      const local = path.join(scratch, "known.bin");
      fs.writeFileSync(local, known);
      const run = await transferPath.run(
        "consumer",
        ["lftp", "-c", `source "${LFTPRC}"; open --env-password -u ${user.name} ${ADDRESSES.endpoint}; put "${local}" -o known-upload.bin`],
        { env: { PATH: process.env.PATH, HOME: path.join(scratch, "home"), LFTP_PASSWORD: user.password }, timeoutMs: 30_000 },
      );
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
      const landed = await homeObject(context(), user.name, "known-upload.bin");
      expect(landed?.length).toBe(known.length);
      expect(sha256(landed!)).toBe(sha256(known));
    });

    it("a 6 MiB upload (an S3 multipart upload: more than one 5 MiB part) lands byte for byte", async () => {
      const big = crypto.randomBytes(6 * 1024 * 1024);
      const local = path.join(scratch, "big.bin");
      fs.writeFileSync(local, big);
      const since = transferPath.standInLog().length;
      const run = await transferPath.run(
        "consumer",
        ["lftp", "-c", `source "${LFTPRC}"; open --env-password -u ${user.name} ${ADDRESSES.endpoint}; put "${local}" -o big.bin`],
        { env: { PATH: process.env.PATH, HOME: path.join(scratch, "home"), LFTP_PASSWORD: user.password }, timeoutMs: 60_000 },
      );
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
      expect(transferPath.standInLog().slice(since).filter((e) => e.event === "transfer").map((e) => [e.bytes, e.parts])).toEqual([[big.length, 2]]);
      expect(sha256((await homeObject(context(), user.name, "big.bin"))!)).toBe(sha256(big));
    }, 60_000);

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
      // The server advertised the NLB address in PASV (PassiveIp = the NLB's IP), lftp connected there, nothing answered.
      expect(run.stderr).toContain("---> PASV");
      expect(run.stderr).not.toContain("---> EPSV");
      expect(run.stderr).toContain(`<--- 227 Entering Passive Mode (${ADDRESSES.nlb.replace(/\./g, ",")},`);
      expect(run.stderr).toContain(`Connecting data socket to (${ADDRESSES.nlb}) port`);
      expect(run.stderr).not.toContain("Data connection established");
      expect(seconds).toBeLessThan(20);
      expectNoPasswordIn(run);
      expect(run.tmpLeft).toEqual([]);
      // The aborted upload leaves nothing in the bucket (ftp-smoke cleans up over the control connection).
      expect(await smokeObjectsLeft()).toEqual([]);
    });

    it("with EPSV off but ftp:ignore-pasv-address yes, PASV works too", async () => {
      const rc = rcFile("pasv-ignored.rc", ["set ftp:prefer-epsv no", "set ftp:ignore-pasv-address yes"]);
      // bash here (as /bin/sh on Amazon Linux), dash elsewhere (Debian's /bin/sh).
      const shell = fs.existsSync("/bin/bash") ? "bash" : "sh";
      const run = await smoke({ rc, env: { FTP_HOST: ADDRESSES.endpoint, FTP_PASSWORD: user.password }, debug: true, shell });

      expect({ code: run.code, stderr: run.code === 0 ? "" : run.stderr.slice(-3000) }).toEqual({ code: EXIT.ok, stderr: "" });
      expect(run.stdout).toMatch(/data connections use PASV with the reply's address ignored/);
      expect(run.stdout).toMatch(/^OK: checksums match/m);
      expect(run.stderr).toContain(`<--- 227 Entering Passive Mode (${ADDRESSES.nlb.replace(/\./g, ",")},`);
      expect(run.stderr).toContain("Address returned by PASV is ignored according to ftp:ignore-pasv-address setting");
      expect(run.stderr).toContain(`Connecting data socket to (${ADDRESSES.endpoint}) port`);
      expectNoPasswordIn(run);
    });

    it("with PassiveIp 0.0.0.0 (passiveIpMode control-connection), plain PASV works without ignoring the address", async () => {
      await usePassiveIp(context(), transferPath, "0.0.0.0");
      try {
        const rc = rcFile("pasv-zero.rc", ["set ftp:prefer-epsv no", "set ftp:ignore-pasv-address no", ...QUICK]);
        const run = await smoke({ rc, env: { FTP_HOST: ADDRESSES.endpoint, FTP_PASSWORD: user.password }, debug: true });
        expect({ code: run.code, stderr: run.code === 0 ? "" : run.stderr.slice(-3000) }).toEqual({ code: EXIT.ok, stderr: "" });
        expect(run.stdout).toMatch(/^OK: checksums match/m);
        expect(run.stderr).toContain("<--- 227 Entering Passive Mode (0,0,0,0,");
        expect(run.stderr).not.toContain("is ignored according to ftp:ignore-pasv-address");
        expect(run.stderr).toContain(`Connecting data socket to (${ADDRESSES.endpoint}) port`);
        expect(await smokeObjectsLeft()).toEqual([]);
        expectNoPasswordIn(run);
      } finally {
        await usePassiveIp(context(), transferPath, ADDRESSES.nlb);
      }
    }, 90_000);

    it("reports a wrong password as 'login refused' with its exit code; the identity provider logged the refusal", async () => {
      const wrong = `${user.password}-wrong`;
      const since = Date.now() - 1000;
      const run = await smoke({ rc: LFTPRC, env: { FTP_HOST: ADDRESSES.endpoint, FTP_PASSWORD: wrong } });

      expect(run.code).toBe(EXIT.login);
      expect(run.stdout).toBe("");
      expect(run.stderr).toMatch(/^FAIL: login refused: .* did not accept user 'ftpsmoke'/m);
      expect(run.stderr).toMatch(/server: 530 /);
      expect(run.stderr).not.toContain(wrong);
      expect(run.lftpArgv).not.toContain(wrong);
      expect(run.tmpLeft).toEqual([]);
      const decisions = (await identityProviderDecisions(context().session, context().functionName, since)).filter((d) => d.user === user.name);
      expect(decisions.map((d) => [d.outcome, d.reason])).toContainEqual(["denied", "wrong-password"]);
    });

    it("reports an upload S3 refuses (a bucket policy denies the user's role) as an FTP error with the server's reply", async () => {
      const { session, bucket } = context();
      const policy = {
        Version: "2012-10-17",
        Statement: [{ Sid: "ReadOnlyHome", Effect: "Deny", Principal: "*", Action: "s3:PutObject", Resource: `arn:aws:s3:::${bucket}/home/${user.name}/*` }],
      };
      await aws(session.emulator, ["s3api", "put-bucket-policy", "--bucket", bucket, "--policy", JSON.stringify(policy)]);
      try {
        const run = await smoke({ rc: LFTPRC, env: { FTP_HOST: ADDRESSES.endpoint, FTP_PASSWORD: user.password } });
        expect(run.code).toBe(EXIT.ftp);
        expect(run.stderr).toMatch(/^FAIL: FTP error while uploading ftp-smoke-/m);
        expect(run.stderr).toMatch(/server: 550 Permission denied/);
        expect(await smokeObjectsLeft()).toEqual([]);
      } finally {
        await aws(session.emulator, ["s3api", "delete-bucket-policy", "--bucket", bucket]);
      }
    }, 60_000);

    it("reports an unreachable control port as 'control connection failed'", async () => {
      const rc = rcFile("quick.rc", QUICK);
      const run = await smoke({ rc, env: { FTP_HOST: ADDRESSES.endpoint, FTP_PORT: "2121", FTP_PASSWORD: user.password } });
      expect(run.code).toBe(EXIT.control);
      expect(run.stderr).toMatch(/^FAIL: control connection failed: cannot reach 10\.0\.3\.50 port 2121/m);
      expect(run.stderr).toContain("Connection refused");
    });
  });
}

// PrivateLink drops a flow idle for 350 s (not configurable), and the control connection is idle for the
// whole of a data transfer. Imitated here at a 3 s scale on the consumer -> endpoint leg (conntrack +
// nftables in the endpoint namespace: see imitateIdleTimeout in emulator/privatelink-path.ts), with an
// upload rate-limited to last ~8 s. The client's keepalive settings (client/sysctl-keepalive.conf: first
// probe after 60 s of 350) are applied scaled by the same factor.
export function idleTimeoutSuite(context: ContextSource): void {
  describe("long transfers through an idle timeout on the endpoint hop", () => {
    const user = { name: "ftplong", password: `Pw-${crypto.randomBytes(6).toString("hex")}` };
    const PRIVATELINK_IDLE_SECONDS = 350;
    const IDLE_SECONDS = 3;
    const SIZE = 200_000;
    const UPLOAD_RATE = 25_000; // bytes/s: ~8 s of upload, during which the control connection carries nothing
    let transferPath: PrivateLinkPath;
    let local: string;

    function scaledKeepalive(): Record<string, number> {
      const values: Record<string, number> = {};
      for (const match of fs.readFileSync(KEEPALIVE_SYSCTL, "utf8").matchAll(/^(net\.ipv4\.tcp_keepalive_\w+)\s*=\s*(\d+)\s*$/gm)) {
        const value = Number(match[2]);
        values[match[1]] = match[1].endsWith("_probes") ? value : Math.max(1, Math.floor((value * IDLE_SECONDS) / PRIVATELINK_IDLE_SECONDS));
      }
      return values;
    }

    async function setKeepalive(values: Record<string, number>): Promise<void> {
      const result = await transferPath.run("consumer", ["sysctl", "-q", "-w", ...Object.entries(values).map(([k, v]) => `${k}=${v}`)]);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
    }

    function slowUpload(remote: string, limitMs: number) {
      return transferPath.run(
        "consumer",
        ["lftp", "-d", "-c", `source "${LFTPRC}"; set net:limit-rate 0:${UPLOAD_RATE}; open --env-password -u ${user.name} ${ADDRESSES.endpoint}; put "${local}" -o ${remote}`],
        { env: { PATH: process.env.PATH, HOME: transferPath.workDir, LFTP_PASSWORD: user.password }, timeoutMs: limitMs },
      );
    }

    beforeAll(async () => {
      await addUsers(context(), [{ name: user.name, password: user.password, protocols: ["FTP"] }]);
      transferPath = await openPath(context(), "i", IDLE_SECONDS);
      local = path.join(transferPath.workDir, "long.bin");
      fs.writeFileSync(local, crypto.randomBytes(SIZE));
    }, 120_000);

    afterAll(async () => {
      if (transferPath) expect(await transferPath.destroy()).toEqual([]);
    }, 30_000);

    it("the scaled client keepalive comes well before the scaled idle timeout", () => {
      const values = scaledKeepalive();
      expect(Object.keys(values).sort()).toEqual(["net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_keepalive_time"]);
      expect(values["net.ipv4.tcp_keepalive_time"]).toBeLessThan(IDLE_SECONDS);
      expect((SIZE / UPLOAD_RATE) * 1000).toBeGreaterThan(2 * IDLE_SECONDS * 1000);
    });

    it("with the client's keepalives, an upload longer than the idle timeout ends with 226", async () => {
      await setKeepalive(scaledKeepalive());
      const dropsBefore = await idleTimeoutDrops(transferPath);
      const run = await slowUpload("with-keepalive.bin", 30_000);
      expect({ code: run.code, timedOut: run.timedOut }).toEqual({ code: 0, timedOut: false });
      expect(run.ms).toBeGreaterThan(2 * IDLE_SECONDS * 1000); // it really outlasted the idle timeout
      expect(run.stderr).toMatch(/<--- 226/);
      expect((await homeObject(context(), user.name, "with-keepalive.bin"))?.length).toBe(SIZE);
      expect(await idleTimeoutDrops(transferPath)).toBe(dropsBefore);
    }, 45_000);

    it("without them (the kernel's default: first probe after 7200 s), the same upload never sees its 226", async () => {
      await setKeepalive({ "net.ipv4.tcp_keepalive_time": 7200, "net.ipv4.tcp_keepalive_intvl": 75, "net.ipv4.tcp_keepalive_probes": 9 });
      const dropsBefore = await idleTimeoutDrops(transferPath);
      // Bounded: the upload takes ~8 s plus the login; lftp itself would wait net:timeout (15 s) and retry.
      const run = await slowUpload("without-keepalive.bin", (SIZE / UPLOAD_RATE) * 1000 + 8_000);
      expect(run.code === 0 && !run.timedOut).toBe(false);
      expect(run.stderr).not.toMatch(/<--- 226/);
      // The data arrived in S3; only the control connection's final reply was lost at the idle-timed-out hop.
      expect((await homeObject(context(), user.name, "without-keepalive.bin"))?.length).toBe(SIZE);
      expect(await idleTimeoutDrops(transferPath)).toBeGreaterThan(dropsBefore);
    }, 45_000);
  });
}
