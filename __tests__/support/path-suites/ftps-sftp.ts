// FTPS and SFTP through the same PrivateLink path as FTP, with real clients
// against the Transfer stand-in playing the deployed three-protocol server
// (its certificate issued by a CA the scenario made with openssl and imported
// into the emulator's ACM: SAN ftp.corp.internal, the consumer's dnsName, and
// the endpoint's IP; its SSH host key the server's own, pinned by the
// published fingerprint).
//
// FTPS: lftp with client/lftprc + client/lftprc-ftps (what the EC2 client
// gets) and curl --ssl-reqd with the CA pinned; through EPSV and each PassiveIp
// mode (NLB IP, 0.0.0.0, the consumer endpoint's IP); TlsSessionResumptionMode
// ENFORCED (the default: both clients resume, a client that does not is
// refused) and ENABLED; a client that does not trust the CA, or connects by
// another name, fails; plain FTP is refused by a server without FTP.
//
// SFTP: client/sftp-smoke.sh and sftp with a key (the identity provider's
// PublicKeys) and with a password; a key the user does not have, a wrong
// password and a wrong pin fail.
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ADDRESSES, PrivateLinkPath, runCommand } from "../../../emulator/privatelink-path";
import { addUserKey, identityProviderDecisions } from "../../../cli/demo-transfer-path";
import { addUsers, ContextSource, homeListing, homeObject, openPath, sha256, usePassiveIp, useProtocols, useTlsSessionResumption } from "../path-context";

const ROOT = path.resolve(__dirname, "../../..");
const LFTPRC = path.join(ROOT, "client/lftprc");
const LFTPRC_FTPS = path.join(ROOT, "client/lftprc-ftps");
const SMOKE = path.join(ROOT, "client/ftp-smoke.sh");
const SFTP_SMOKE = path.join(ROOT, "client/sftp-smoke.sh");

async function mustRun(argv: string[], input?: string): Promise<string> {
  const result = await runCommand(argv, { input, timeoutMs: 30_000 });
  if (result.code !== 0) throw new Error(`${argv.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

/** A CA and a server certificate for `hostName` and the endpoint's address, made with openssl (and another CA). */
export async function makeCertificates(dir: string, hostName: string) {
  const file = (name: string) => path.join(dir, name);
  const ca = async (name: string) => {
    await mustRun(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", file(`${name}.key`), "-out", file(`${name}.crt`),
      "-days", "2", "-subj", `/CN=${name} (path test)`,
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
  };
  await ca("test-ca");
  await ca("other-ca");
  await mustRun(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", file("server.key"), "-out", file("server.csr"), "-subj", `/CN=${hostName}`]);
  fs.writeFileSync(
    file("server.ext"),
    `subjectAltName=DNS:${hostName},IP:${ADDRESSES.endpoint}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`,
  );
  await mustRun(["openssl", "x509", "-req", "-in", file("server.csr"), "-CA", file("test-ca.crt"), "-CAkey", file("test-ca.key"),
    "-CAcreateserial", "-out", file("server.crt"), "-days", "2", "-extfile", file("server.ext")]);
  return { ca: file("test-ca.crt"), otherCa: file("other-ca.crt"), cert: file("server.crt"), key: file("server.key") };
}

export function ftpsSuite(context: ContextSource): void {
  describe("FTPS through the PrivateLink path (the stand-in with the server's certificate and security policy)", () => {
    const user = { name: "ftpsuser", password: `Pw-${crypto.randomBytes(6).toString("hex")}` };
    let transferPath: PrivateLinkPath;
    let scratch: string;

    function rc(name: string, extra: string[]): string {
      const file = path.join(scratch, name);
      fs.writeFileSync(file, [fs.readFileSync(LFTPRC, "utf8"), fs.readFileSync(LFTPRC_FTPS, "utf8"), "# test", ...extra, ""].join("\n"));
      return file;
    }
    const env = (extra: NodeJS.ProcessEnv = {}) => ({ PATH: process.env.PATH, HOME: path.join(scratch, "home"), ...extra });

    function lftp(rcFile: string, commands: string) {
      return transferPath.run(
        "consumer",
        ["lftp", "-d", "-c", `source "${rcFile}"; set net:timeout 10; set net:max-retries 1; open --env-password -u ${user.name} ${ADDRESSES.endpoint}; ${commands}`],
        { env: env({ LFTP_PASSWORD: user.password }), timeoutMs: 30_000 },
      );
    }

    function curl(args: string[], ca = context().ca) {
      const host = context().hostName;
      return transferPath.run(
        "consumer",
        ["curl", "-sS", "--ssl-reqd", "--cacert", ca, "--resolve", `${host}:21:${ADDRESSES.endpoint}`, "--connect-timeout", "5", "--max-time", "20",
          "--netrc-file", path.join(scratch, "netrc"), ...args],
        { env: env(), timeoutMs: 30_000 },
      );
    }

    const dataTls = (since: number) => transferPath.standInLog().slice(since).filter((e) => e.event === "data-tls");

    beforeAll(async () => {
      await addUsers(context(), [{ name: user.name, password: user.password, protocols: ["FTPS"] }]);
      transferPath = await openPath(context(), "f");
      await usePassiveIp(context(), transferPath, ADDRESSES.nlb);
      scratch = path.join(transferPath.workDir, "client");
      fs.mkdirSync(path.join(scratch, "home"), { recursive: true });
      // curl reads the password from a netrc file (0600), never from argv.
      fs.writeFileSync(path.join(scratch, "netrc"), `machine ${context().hostName} login ${user.name} password ${user.password}\n`, { mode: 0o600 });
    }, 120_000);

    afterAll(async () => {
      if (transferPath) {
        await useTlsSessionResumption(context(), transferPath, "ENFORCED");
        expect(await transferPath.destroy()).toEqual([]);
      }
    }, 60_000);

    it("ftp-smoke with client/lftprc-ftps: TLS on control and data, certificate verified, EPSV to the endpoint, checksums match; the identity provider saw FTPS", async () => {
      const since = Date.now() - 1000;
      const run = await transferPath.run("consumer", ["sh", SMOKE, "--user", user.name], {
        env: env({ FTP_HOST: ADDRESSES.endpoint, FTP_PASSWORD: user.password, LFTP_RC: rc("smoke.rc", [`set ssl:ca-file "${context().ca}"`]), FTP_SMOKE_DEBUG: "1", FTP_SMOKE_SIZE: "200000", TMPDIR: scratch }),
        timeoutMs: 60_000,
      });
      expect({ code: run.code, stderr: run.code === 0 ? "" : run.stderr.slice(-3000) }).toEqual({ code: 0, stderr: "" });
      expect(run.stdout).toMatch(/^OK: checksums match \(sha256 [0-9a-f]{64}\)$/m);
      expect(run.stdout).toMatch(/data connections use EPSV/);
      expect(run.stderr).toContain("---> AUTH TLS");
      expect(run.stderr).toMatch(/<--- 234 /);
      expect(run.stderr).toContain("---> PROT P");
      expect(run.stderr).toContain(`Connecting data socket to (${ADDRESSES.endpoint}) port`);
      expect(run.stderr).not.toContain(user.password);
      const decisions = (await identityProviderDecisions(context().session, context().functionName, since)).filter((d) => d.user === user.name);
      expect(decisions.length).toBeGreaterThan(0);
      expect(decisions.every((d) => d.outcome === "allowed" && d.protocol === "FTPS" && d.sourceIp === ADDRESSES.nlb)).toBe(true);
    });

    it("an lftp upload over FTPS lands byte for byte in S3, downloads back identical; every data connection resumed the control session (ENFORCED)", async () => {
      const known = crypto.randomBytes(300_000);
      const local = path.join(scratch, "known.bin");
      fs.writeFileSync(local, known);
      const back = path.join(scratch, "back.bin");
      const since = transferPath.standInLog().length;
      const run = await lftp(rc("put.rc", [`set ssl:ca-file "${context().ca}"`]), `put "${local}" -o lftp-known.bin; get lftp-known.bin -o "${back}"`);
      expect({ code: run.code, tail: run.code === 0 ? "" : run.stderr.slice(-2000) }).toEqual({ code: 0, tail: "" });
      expect(sha256((await homeObject(context(), user.name, "lftp-known.bin"))!)).toBe(sha256(known));
      expect(sha256(fs.readFileSync(back))).toBe(sha256(known));
      expect(dataTls(since).map((e) => [e.version, e.resumed])).toEqual([["TLSv1.2", true], ["TLSv1.2", true]]);
    });

    it("curl --ssl-reqd with the CA pinned uploads and downloads byte for byte (EPSV, host name verified, session resumed)", async () => {
      const known = crypto.randomBytes(250_000);
      const local = path.join(scratch, "curl-known.bin");
      fs.writeFileSync(local, known);
      const since = transferPath.standInLog().length;
      const up = await curl(["-T", local, `ftp://${context().hostName}/curl-known.bin`]);
      expect({ code: up.code, stderr: up.stderr }).toEqual({ code: 0, stderr: "" });
      expect(sha256((await homeObject(context(), user.name, "curl-known.bin"))!)).toBe(sha256(known));
      const down = await curl(["-v", "-o", path.join(scratch, "curl-back.bin"), `ftp://${context().hostName}/curl-known.bin`]);
      expect(down.code).toBe(0);
      expect(down.stderr).toContain("> EPSV");
      expect(down.stderr).toMatch(/> PROT P/);
      expect(sha256(fs.readFileSync(path.join(scratch, "curl-back.bin")))).toBe(sha256(known));
      expect(dataTls(since).map((e) => e.resumed)).toEqual([true, true]);
    });

    it("ENFORCED refuses a data connection that does not resume the session (curl --no-sessionid: 522); ENABLED lets it through", async () => {
      const since = transferPath.standInLog().length;
      const refused = await curl(["--no-sessionid", "-l", `ftp://${context().hostName}/`]);
      expect(refused.code).not.toBe(0);
      // curl gives up on the data connection and may close the control connection before reading the refusal, so
      // the stand-in's log says it (logged as decided, maybe a moment after curl has exited).
      const REFUSAL = "522 Data connection must resume the control connection's TLS session.";
      const refusals = () => transferPath.standInLog().slice(since).filter((e) => e.event === "data-tls-refused");
      for (const until = Date.now() + 10_000; Date.now() < until && refusals().length === 0; ) await new Promise((resolve) => setTimeout(resolve, 100));
      const after = transferPath.standInLog().slice(since);
      expect(after.filter((e) => e.event === "data-tls").map((e) => e.resumed)).toEqual([false]);
      expect(refusals().map((e) => e.reply)).toEqual([REFUSAL]);
      await useTlsSessionResumption(context(), transferPath, "ENABLED");
      try {
        const allowed = await curl(["--no-sessionid", "-l", `ftp://${context().hostName}/`]);
        expect({ code: allowed.code, stderr: allowed.stderr }).toEqual({ code: 0, stderr: "" });
        expect(allowed.stdout).toContain("curl-known.bin");
      } finally {
        await useTlsSessionResumption(context(), transferPath, "ENFORCED");
      }
    }, 90_000);

    it("PassiveIp 0.0.0.0: lftp with plain PASV (address trusted) and curl with PASV work over TLS; a literal PASV client does not", async () => {
      await usePassiveIp(context(), transferPath, "0.0.0.0");
      const run = await lftp(rc("zero.rc", [`set ssl:ca-file "${context().ca}"`, "set ftp:prefer-epsv no", "set ftp:ignore-pasv-address no"]), "cls -1");
      expect({ code: run.code, tail: run.code === 0 ? "" : run.stderr.slice(-2000) }).toEqual({ code: 0, tail: "" });
      expect(run.stderr).toContain("<--- 227 Entering Passive Mode (0,0,0,0,");
      expect(run.stderr).toContain(`Connecting data socket to (${ADDRESSES.endpoint}) port`);
      // curl skips the PASV address by default (since 7.74) and reuses the control connection's.
      const listing = await curl(["-v", "--disable-epsv", "-l", `ftp://${context().hostName}/`]);
      expect({ code: listing.code, tail: listing.code === 0 ? "" : listing.stderr.slice(-1500) }).toEqual({ code: 0, tail: "" });
      expect(listing.stderr).toContain("> PASV");
      // Told to use the reply's address literally, curl connects to 0.0.0.0 and fails (exit 7).
      const literal = await curl(["--disable-epsv", "--no-ftp-skip-pasv-ip", "-l", `ftp://${context().hostName}/`]);
      expect(literal.code).toBe(7);
    }, 90_000);

    it("PassiveIp = the consumer endpoint's IP: a client that uses the PASV address literally works over TLS", async () => {
      await usePassiveIp(context(), transferPath, ADDRESSES.endpoint);
      const local = path.join(scratch, "endpoint-mode.bin");
      fs.writeFileSync(local, crypto.randomBytes(50_000));
      const run = await curl(["-v", "--disable-epsv", "--no-ftp-skip-pasv-ip", "-T", local, `ftp://${context().hostName}/endpoint-mode.bin`]);
      expect({ code: run.code, tail: run.code === 0 ? "" : run.stderr.slice(-1500) }).toEqual({ code: 0, tail: "" });
      expect(run.stderr).toContain(`227 Entering Passive Mode (${ADDRESSES.endpoint.replace(/\./g, ",")},`);
      expect(sha256((await homeObject(context(), user.name, "endpoint-mode.bin"))!)).toBe(sha256(fs.readFileSync(local)));
    }, 90_000);

    it("PassiveIp = the NLB's IP: the same literal PASV client fails under TLS too (the article's failure)", async () => {
      await usePassiveIp(context(), transferPath, ADDRESSES.nlb);
      const run = await curl(["-v", "--disable-epsv", "--no-ftp-skip-pasv-ip", "-l", `ftp://${context().hostName}/`]);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain(`227 Entering Passive Mode (${ADDRESSES.nlb.replace(/\./g, ",")},`);
      expect(run.stderr).toMatch(new RegExp(`Connecting to ${ADDRESSES.nlb.replace(/\./g, "\\.")}|Trying ${ADDRESSES.nlb.replace(/\./g, "\\.")}`));
    }, 90_000);

    it("a client that does not trust the CA fails before logging in (lftp; curl: exit 60)", async () => {
      const run = await lftp(rc("other-ca.rc", [`set ssl:ca-file "${context().otherCa}"`]), "cls -1");
      expect(run.code).not.toBe(0);
      expect(run.stderr).toMatch(/Certificate verification: Not trusted|certificate verification failed|not trusted/i);
      expect(run.stderr).not.toContain("<--- 230");
      const untrusted = await curl(["-l", `ftp://${context().hostName}/`], context().otherCa);
      expect(untrusted.code).toBe(60);
      const host = context().hostName;
      const system = await transferPath.run("consumer", ["curl", "-sS", "--ssl-reqd", "--resolve", `${host}:21:${ADDRESSES.endpoint}`, "--max-time", "15", "-l", `ftp://${host}/`], { env: env(), timeoutMs: 30_000 });
      expect(system.code).toBe(60);
    });

    it("a certificate for another name is refused (curl connecting as wrong.corp.internal: exit 60)", async () => {
      const run = await transferPath.run(
        "consumer",
        ["curl", "-sS", "--ssl-reqd", "--cacert", context().ca, "--resolve", `wrong.corp.internal:21:${ADDRESSES.endpoint}`, "--max-time", "15", "-l", "ftp://wrong.corp.internal/"],
        { env: env(), timeoutMs: 30_000 },
      );
      expect(run.code).toBe(60);
      expect(run.stderr).toMatch(/no alternative certificate subject name matches|does not match/);
    });

    it("plain FTP is refused by a server whose protocols do not include FTP (TLS required before login)", async () => {
      await useProtocols(context(), ["FTPS", "SFTP"]);
      try {
        await transferPath.restartStandIn();
        const run = await transferPath.run("consumer", ["lftp", "-d", "-c", `source "${LFTPRC}"; set net:timeout 10; set net:max-retries 1; open --env-password -u ${user.name} ${ADDRESSES.endpoint}; cls -1`], {
          env: env({ LFTP_PASSWORD: user.password }),
          timeoutMs: 30_000,
        });
        expect(run.code).not.toBe(0);
        expect(run.stderr).toMatch(/<--- 530 /);
        expect(run.stderr).not.toContain("<--- 230");
      } finally {
        await useProtocols(context(), ["FTP", "FTPS", "SFTP"]);
        await transferPath.restartStandIn();
      }
    }, 90_000);
  });
}

export function sftpSuite(context: ContextSource): void {
  describe("SFTP through the PrivateLink path (the stand-in on 22 with the server's host key)", () => {
    const user = { name: "sftpuser", password: `Pw-${crypto.randomBytes(6).toString("hex")}` };
    let transferPath: PrivateLinkPath;
    let keys: string;
    let userKey: string;

    const env = (extra: NodeJS.ProcessEnv = {}) => ({ PATH: process.env.PATH, HOME: path.join(keys, "home"), TMPDIR: keys, ...extra });
    function smoke(args: string[], extra: NodeJS.ProcessEnv = {}, input = "") {
      return transferPath.run("consumer", ["sh", SFTP_SMOKE, "--user", user.name, "--host", ADDRESSES.endpoint, ...args], {
        env: env({ SFTP_HOST_KEY_FINGERPRINT: context().hostKeyFingerprint, ...extra }),
        input,
        timeoutMs: 60_000,
      });
    }
    const logins = () => transferPath.standInLog().filter((e) => e.protocol === "SFTP" && e.event === "login");

    beforeAll(async () => {
      keys = fs.mkdtempSync(path.join(os.tmpdir(), `path-sftp-keys-${process.pid}-`));
      fs.chmodSync(keys, 0o755);
      fs.mkdirSync(path.join(keys, "home"));
      await addUsers(context(), [{ name: user.name, password: user.password, protocols: ["SFTP"] }]);
      userKey = await addUserKey(context().session, user.name, keys);
      await mustRun(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "stranger@path", "-f", path.join(keys, "stranger")]);
      transferPath = await openPath(context(), "s");
    }, 120_000);

    afterAll(async () => {
      if (transferPath) expect(await transferPath.destroy()).toEqual([]);
      if (keys) fs.rmSync(keys, { recursive: true, force: true });
    }, 30_000);

    it("sftp-smoke with the user's key (added by npm run users -- add-key): host key pinned, upload, download, checksums match, through the endpoint on 22", async () => {
      const since = Date.now() - 1000;
      const run = await smoke(["--identity", userKey]);
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
      const pin = context().hostKeyFingerprint;
      expect(run.stdout).toMatch(new RegExp(`^OK: SFTP path to ${ADDRESSES.endpoint.replace(/\./g, "\\.")}:22 works as sftpuser \\(host key ${pin.replace(/[+/]/g, "\\$&")} pinned`, "m"));
      // The stand-in saw the NLB's address; the identity provider answered a key lookup (no password) with the user's keys.
      expect(logins().map((e) => e.client)).toContain(ADDRESSES.nlb);
      const decisions = (await identityProviderDecisions(context().session, context().functionName, since)).filter((d) => d.user === user.name);
      expect(decisions.map((d) => [d.outcome, d.reason, d.protocol, d.sourceIp])).toContainEqual(["allowed", "public-keys", "SFTP", ADDRESSES.nlb]);
      expect((await homeListing(context(), user.name)).filter((f) => f.startsWith("sftp-smoke-"))).toEqual([]);
    });

    it("sftp-smoke with the password (stdin, handed over by SSH_ASKPASS, never in argv)", async () => {
      const since = Date.now() - 1000;
      const run = await smoke([], {}, `${user.password}\n`);
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
      expect(run.stdout).not.toContain(user.password);
      const decisions = (await identityProviderDecisions(context().session, context().functionName, since)).filter((d) => d.user === user.name);
      expect(decisions.map((d) => [d.outcome, d.reason])).toContainEqual(["allowed", "authenticated"]);
    });

    it("an sftp upload with the key lands byte for byte in S3 at home/<user>/", async () => {
      const known = crypto.randomBytes(400_000);
      const local = path.join(keys, "known.bin");
      fs.writeFileSync(local, known);
      const offered = await transferPath.run("consumer", ["ssh-keyscan", "-T", "10", ADDRESSES.endpoint], { timeoutMs: 20_000 });
      const knownHosts = path.join(keys, "known_hosts");
      fs.writeFileSync(knownHosts, offered.stdout);
      const batch = path.join(keys, "batch");
      fs.writeFileSync(batch, `put ${local} sftp-known.bin\n`);
      const run = await transferPath.run(
        "consumer",
        ["sftp", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-i", userKey, "-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${knownHosts}`,
          "-o", "GlobalKnownHostsFile=/dev/null", "-b", batch, `${user.name}@${ADDRESSES.endpoint}`],
        { env: env(), timeoutMs: 30_000 },
      );
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
      expect(sha256((await homeObject(context(), user.name, "sftp-known.bin"))!)).toBe(sha256(known));
    });

    it("a key the user does not have is refused (exit 4), and nothing is written", async () => {
      const run = await smoke(["--identity", path.join(keys, "stranger")]);
      expect(run.code).toBe(4);
      expect(run.stderr).toMatch(/^FAIL: login refused for sftpuser/m);
      expect(run.stderr).toMatch(/Permission denied \(publickey/);
      expect((await homeListing(context(), user.name)).filter((f) => f.startsWith("sftp-smoke-"))).toEqual([]);
    });

    it("a wrong password is refused (exit 4)", async () => {
      const run = await smoke([], { SFTP_PASSWORD: `${user.password}-wrong` });
      expect(run.code).toBe(4);
      expect(run.stderr).toMatch(/Permission denied/);
    });

    it("a host key that does not match the pin is never trusted (exit 10, no login attempted)", async () => {
      const before = logins().length;
      const other = (await mustRun(["ssh-keygen", "-lf", path.join(keys, "stranger.pub")])).split(" ")[1];
      const run = await smoke(["--identity", userKey], { SFTP_HOST_KEY_FINGERPRINT: other });
      expect(run.code).toBe(10);
      expect(run.stderr).toMatch(/does not match the pinned fingerprint/);
      expect(logins().length).toBe(before);
    });

    it("refuses to run without a pin (no trust on first use)", async () => {
      const run = await smoke(["--identity", userKey], { SFTP_HOST_KEY_FINGERPRINT: "" });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/no pinned host key fingerprint/);
    });
  });
}
