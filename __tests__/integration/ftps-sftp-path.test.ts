// Issue 13: FTPS and SFTP through the same PrivateLink path as FTP, with real
// clients and servers in the network-namespace topology of ftp-path.test.ts
// (consumer 10.0.3.10 -> "endpoint" 10.0.3.50 -> "NLB" 10.0.3.119 -> server
// 10.0.3.225, the same /24 on both sides; see __tests__/support/netns.ts).
//
// FTPS: vsftpd with TLS forced on control and data, its certificate issued by
// a CA this test makes with openssl (SAN ftp.corp.internal, the consumer's
// dnsName, and the endpoint's IP). Clients: lftp with client/lftprc +
// client/lftprc-ftps (what the EC2 client gets) and curl --ssl-reqd with the
// CA pinned; through EPSV and each PassiveIp mode (NLB IP, 0.0.0.0, the
// consumer endpoint's IP). A client that does not trust the CA must fail.
// vsftpd's require_ssl_reuse stands in for Transfer's TlsSessionResumptionMode
// ENFORCED (default) and its absence for ENABLED/DISABLED.
//
// SFTP: OpenSSH's sshd in the provider namespace on 22, forwarded by the
// endpoint and NLB hops like 21; client/sftp-smoke.sh and sftp with password
// and with key, the host key pinned; a wrong key and a wrong pin must fail.
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { commandExists, isRoot, missingPrerequisites } from "../support/prerequisites";
import { ADDRESSES, createTopology, destroyTopology, FtpTopology, runCommand, topologyNames } from "../support/netns";

const ROOT = path.resolve(__dirname, "../..");
const LFTPRC = path.join(ROOT, "client/lftprc");
const LFTPRC_FTPS = path.join(ROOT, "client/lftprc-ftps");
const SMOKE = path.join(ROOT, "client/ftp-smoke.sh");
const SFTP_SMOKE = path.join(ROOT, "client/sftp-smoke.sh");
const HOST_NAME = "ftp.corp.internal";

const missing = missingPrerequisites("FTPS and SFTP through PrivateLink (network namespaces)", [
  { name: "root (network namespaces need it)", check: isRoot },
  { name: "ip and ss (apt-get install iproute2)", check: () => commandExists("ip") && commandExists("ss") },
  { name: "lftp (apt-get install lftp)", check: () => commandExists("lftp") },
  { name: "vsftpd (apt-get install vsftpd)", check: () => commandExists("vsftpd") },
  { name: "socat (apt-get install socat)", check: () => commandExists("socat") },
  { name: "openssl (apt-get install openssl)", check: () => commandExists("openssl") },
  { name: "curl (apt-get install curl)", check: () => commandExists("curl") },
  { name: "sshd (apt-get install openssh-server)", check: () => fs.existsSync("/usr/sbin/sshd") },
  {
    name: "sftp, ssh-keygen, ssh-keyscan (apt-get install openssh-client)",
    check: () => commandExists("sftp") && commandExists("ssh-keygen") && commandExists("ssh-keyscan"),
  },
  { name: "unshare and mount (apt-get install util-linux mount)", check: () => commandExists("unshare") && commandExists("mount") },
]);

const sha256 = (data: Buffer) => crypto.createHash("sha256").update(data).digest("hex");

async function mustRun(argv: string[], input?: string): Promise<string> {
  const result = await runCommand(argv, { input, timeoutMs: 30_000 });
  if (result.code !== 0) throw new Error(`${argv.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

/** A CA and a server certificate for HOST_NAME and the endpoint's address, made with openssl. */
async function makeCertificates(dir: string) {
  const file = (name: string) => path.join(dir, name);
  const ca = async (name: string) => {
    await mustRun(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", file(`${name}.key`), "-out", file(`${name}.crt`),
      "-days", "2", "-subj", `/CN=${name} (ftps-sftp-path test)`,
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
  };
  await ca("test-ca");
  await ca("other-ca");
  await mustRun(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", file("server.key"), "-out", file("server.csr"), "-subj", `/CN=${HOST_NAME}`]);
  fs.writeFileSync(
    file("server.ext"),
    `subjectAltName=DNS:${HOST_NAME},IP:${ADDRESSES.endpoint}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`,
  );
  await mustRun(["openssl", "x509", "-req", "-in", file("server.csr"), "-CA", file("test-ca.crt"), "-CAkey", file("test-ca.key"),
    "-CAcreateserial", "-out", file("server.crt"), "-days", "2", "-extfile", file("server.ext")]);
  return { ca: file("test-ca.crt"), otherCa: file("other-ca.crt"), cert: file("server.crt"), key: file("server.key") };
}

(missing.length ? describe.skip : describe)("FTPS through the PrivateLink path (vsftpd with TLS forced)", () => {
  const pid = String(process.pid);
  const user = { name: "ftpsuser", password: `Pw-${crypto.randomBytes(6).toString("hex")}` };
  // PassiveIp = the NLB's IP (passiveIpMode "nlb"), TLS session reuse required (ENFORCED).
  let nlbMode: FtpTopology;
  // PassiveIp = 0.0.0.0 ("control-connection"), reuse required.
  let zeroMode: FtpTopology;
  // PassiveIp = the consumer endpoint's IP ("consumer-endpoint"), reuse not required (ENABLED/DISABLED).
  let endpointMode: FtpTopology;
  let certs: Awaited<ReturnType<typeof makeCertificates>>;
  let certDir: string;
  let scratch: string;

  /** client/lftprc, client/lftprc-ftps, then test lines: one rc file, as ftp-smoke's LFTP_RC. */
  function rc(name: string, extra: string[]): string {
    const file = path.join(scratch, name);
    fs.writeFileSync(file, [fs.readFileSync(LFTPRC, "utf8"), fs.readFileSync(LFTPRC_FTPS, "utf8"), "# test", ...extra, ""].join("\n"));
    return file;
  }

  const env = (extra: NodeJS.ProcessEnv = {}) => ({ PATH: process.env.PATH, HOME: path.join(scratch, "home"), ...extra });

  function lftp(on: FtpTopology, rcFile: string, commands: string) {
    return on.run(
      "consumer",
      ["lftp", "-d", "-c", `source "${rcFile}"; set net:timeout 5; set net:max-retries 1; open --env-password -u ${user.name} ${ADDRESSES.endpoint}; ${commands}`],
      { env: env({ LFTP_PASSWORD: user.password }), timeoutMs: 30_000 },
    );
  }

  function curl(on: FtpTopology, args: string[], ca = certs.ca) {
    return on.run(
      "consumer",
      ["curl", "-sS", "--ssl-reqd", "--cacert", ca, "--resolve", `${HOST_NAME}:21:${ADDRESSES.endpoint}`, "--connect-timeout", "5", "--max-time", "20",
        "--netrc-file", path.join(scratch, "netrc"), ...args],
      { env: env(), timeoutMs: 30_000 },
    );
  }

  beforeAll(async () => {
    // Not under a topology's work-directory prefix: createTopology clears those first.
    certDir = fs.mkdtempSync(path.join(os.tmpdir(), `ftps-sftp-certs-${pid}-`));
    fs.chmodSync(certDir, 0o755);
    certs = await makeCertificates(certDir);
    const ftps = { certFile: certs.cert, keyFile: certs.key };
    nlbMode = await createTopology({ tag: `${pid}f`, user, ftps: { ...ftps, requireSessionReuse: true } });
    zeroMode = await createTopology({ tag: `${pid}g`, user, passiveAddress: "0.0.0.0", ftps: { ...ftps, requireSessionReuse: true } });
    endpointMode = await createTopology({ tag: `${pid}h`, user, passiveAddress: ADDRESSES.endpoint, ftps: { ...ftps, requireSessionReuse: false } });
    scratch = path.join(nlbMode.workDir, "client");
    fs.mkdirSync(path.join(scratch, "home"), { recursive: true });
    // curl reads the password from a netrc file (0600), never from argv.
    fs.writeFileSync(path.join(scratch, "netrc"), `machine ${HOST_NAME} login ${user.name} password ${user.password}\n`, { mode: 0o600 });
  }, 60_000);

  afterAll(async () => {
    const problems: string[] = [];
    for (const [topology, tag] of [[nlbMode, `${pid}f`], [zeroMode, `${pid}g`], [endpointMode, `${pid}h`]] as const) {
      problems.push(...(topology ? await topology.destroy() : await destroyTopology(topologyNames(tag))));
    }
    if (certDir) fs.rmSync(certDir, { recursive: true, force: true });
    expect(problems).toEqual([]);
  }, 30_000);

  it("ftp-smoke with client/lftprc-ftps: TLS on control and data, certificate verified, EPSV to the endpoint, checksums match", async () => {
    const run = await nlbMode.run("consumer", ["sh", SMOKE, "--user", user.name], {
      env: env({ FTP_HOST: ADDRESSES.endpoint, FTP_PASSWORD: user.password, LFTP_RC: rc("smoke.rc", [`set ssl:ca-file "${certs.ca}"`]), FTP_SMOKE_DEBUG: "1", FTP_SMOKE_SIZE: "200000", TMPDIR: scratch }),
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
  });

  it("an lftp upload over FTPS lands byte for byte, and downloads back identical", async () => {
    const known = crypto.randomBytes(300_000);
    const local = path.join(scratch, "known.bin");
    fs.writeFileSync(local, known);
    const back = path.join(scratch, "back.bin");
    const run = await lftp(nlbMode, rc("put.rc", [`set ssl:ca-file "${certs.ca}"`]), `put "${local}" -o lftp-known.bin; get lftp-known.bin -o "${back}"`);
    expect({ code: run.code, tail: run.code === 0 ? "" : run.stderr.slice(-2000) }).toEqual({ code: 0, tail: "" });
    expect(sha256(fs.readFileSync(path.join(nlbMode.serverHome, "lftp-known.bin")))).toBe(sha256(known));
    expect(sha256(fs.readFileSync(back))).toBe(sha256(known));
    fs.rmSync(path.join(nlbMode.serverHome, "lftp-known.bin"));
  });

  it("curl --ssl-reqd with the CA pinned uploads and downloads byte for byte (EPSV, host name verified)", async () => {
    const known = crypto.randomBytes(250_000);
    const local = path.join(scratch, "curl-known.bin");
    fs.writeFileSync(local, known);
    // TLS 1.2 for uploads: with TLS 1.3, vsftpd 3.0.3 now and then answers a
    // finished curl upload with "426 Failure reading network stream" (seen here
    // about 1 run in 4; a vsftpd/OpenSSL 3 shutdown race on the data
    // connection, not something of the path). Downloads use TLS 1.3.
    for (let i = 0; i < 5; i++) {
      const up = await curl(nlbMode, ["--tls-max", "1.2", "-T", local, `ftp://${HOST_NAME}/curl-known.bin`]);
      expect({ attempt: i, code: up.code, stderr: up.stderr }).toEqual({ attempt: i, code: 0, stderr: "" });
    }
    expect(sha256(fs.readFileSync(path.join(nlbMode.serverHome, "curl-known.bin")))).toBe(sha256(known));
    const down = await curl(nlbMode, ["-v", "-o", path.join(scratch, "curl-back.bin"), `ftp://${HOST_NAME}/curl-known.bin`]);
    expect(down.code).toBe(0);
    expect(down.stderr).toContain("> EPSV");
    expect(down.stderr).toMatch(/> PROT P/);
    expect(sha256(fs.readFileSync(path.join(scratch, "curl-back.bin")))).toBe(sha256(known));
    fs.rmSync(path.join(nlbMode.serverHome, "curl-known.bin"));
  });

  it("PassiveIp 0.0.0.0: lftp with plain PASV (address trusted) and curl with PASV work over TLS; a literal PASV client does not", async () => {
    const run = await lftp(zeroMode, rc("zero.rc", [`set ssl:ca-file "${certs.ca}"`, "set ftp:prefer-epsv no", "set ftp:ignore-pasv-address no"]), "cls -1");
    expect({ code: run.code, tail: run.code === 0 ? "" : run.stderr.slice(-2000) }).toEqual({ code: 0, tail: "" });
    expect(run.stderr).toContain("<--- 227 Entering Passive Mode (0,0,0,0,");
    expect(run.stderr).toContain(`Connecting data socket to (${ADDRESSES.endpoint}) port`);
    // curl skips the PASV address by default (since 7.74) and reuses the control connection's.
    const listing = await curl(zeroMode, ["-v", "--disable-epsv", "-l", `ftp://${HOST_NAME}/`]);
    expect({ code: listing.code, tail: listing.code === 0 ? "" : listing.stderr.slice(-1500) }).toEqual({ code: 0, tail: "" });
    expect(listing.stderr).toContain("> PASV");
    // Told to use the reply's address literally, curl connects to 0.0.0.0 and fails (exit 7):
    // 0.0.0.0 helps only clients that treat it as "the control address" (lftp) or ignore the address.
    const literal = await curl(zeroMode, ["--disable-epsv", "--no-ftp-skip-pasv-ip", "-l", `ftp://${HOST_NAME}/`]);
    expect(literal.code).toBe(7);
  });

  it("PassiveIp = the consumer endpoint's IP: a client that uses the PASV address literally works over TLS", async () => {
    const local = path.join(scratch, "endpoint-mode.bin");
    fs.writeFileSync(local, crypto.randomBytes(50_000));
    const run = await curl(endpointMode, ["-v", "--tls-max", "1.2", "--disable-epsv", "--no-ftp-skip-pasv-ip", "-T", local, `ftp://${HOST_NAME}/endpoint-mode.bin`]);
    expect({ code: run.code, tail: run.code === 0 ? "" : run.stderr.slice(-1500) }).toEqual({ code: 0, tail: "" });
    expect(run.stderr).toContain(`227 Entering Passive Mode (${ADDRESSES.endpoint.replace(/\./g, ",")},`);
    expect(sha256(fs.readFileSync(path.join(endpointMode.serverHome, "endpoint-mode.bin")))).toBe(sha256(fs.readFileSync(local)));
  });

  it("PassiveIp = the NLB's IP: the same literal PASV client fails under TLS too (the article's failure)", async () => {
    const run = await curl(nlbMode, ["-v", "--disable-epsv", "--no-ftp-skip-pasv-ip", "-l", `ftp://${HOST_NAME}/`]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`227 Entering Passive Mode (${ADDRESSES.nlb.replace(/\./g, ",")},`);
    expect(run.stderr).toMatch(new RegExp(`Connecting to ${ADDRESSES.nlb.replace(/\./g, "\\.")}|Trying ${ADDRESSES.nlb.replace(/\./g, "\\.")}`));
  });

  it("a client that does not trust the CA fails before logging in (lftp via ftp-smoke: exit 3 or 8; curl: exit 60)", async () => {
    const run = await lftp(nlbMode, rc("other-ca.rc", [`set ssl:ca-file "${certs.otherCa}"`]), "cls -1");
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/Certificate verification: Not trusted|certificate verification failed|not trusted/i);
    expect(run.stderr).not.toContain("<--- 230");
    const untrusted = await curl(nlbMode, ["-l", `ftp://${HOST_NAME}/`], certs.otherCa);
    expect(untrusted.code).toBe(60);
    // The system trust store does not know the test CA either.
    const system = await nlbMode.run("consumer", ["curl", "-sS", "--ssl-reqd", "--resolve", `${HOST_NAME}:21:${ADDRESSES.endpoint}`, "--max-time", "15", "-l", `ftp://${HOST_NAME}/`], { env: env(), timeoutMs: 30_000 });
    expect(system.code).toBe(60);
  });

  it("a certificate for another name is refused (curl connecting as wrong.corp.internal: exit 60)", async () => {
    const run = await nlbMode.run(
      "consumer",
      ["curl", "-sS", "--ssl-reqd", "--cacert", certs.ca, "--resolve", `wrong.corp.internal:21:${ADDRESSES.endpoint}`, "--max-time", "15", "-l", "ftp://wrong.corp.internal/"],
      { env: env(), timeoutMs: 30_000 },
    );
    expect(run.code).toBe(60);
    expect(run.stderr).toMatch(/no alternative certificate subject name matches|does not match/);
  });

  it("plain FTP is refused by an FTPS-only server (TLS forced for logins)", async () => {
    const run = await nlbMode.run("consumer", ["lftp", "-d", "-c", `source "${LFTPRC}"; set net:timeout 5; set net:max-retries 1; open --env-password -u ${user.name} ${ADDRESSES.endpoint}; cls -1`], {
      env: env({ LFTP_PASSWORD: user.password }),
      timeoutMs: 30_000,
    });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/<--- 530 Non-anonymous sessions must use encryption/);
  });
});

(missing.length ? describe.skip : describe)("SFTP through the PrivateLink path (OpenSSH sshd on 22)", () => {
  const tag = `${process.pid}s`;
  const user = { name: "sftpuser", password: `Pw-${crypto.randomBytes(6).toString("hex")}` };
  let topology: FtpTopology;
  let keys: string;
  let pin: string;

  const env = (extra: NodeJS.ProcessEnv = {}) => ({ PATH: process.env.PATH, HOME: path.join(keys, "home"), TMPDIR: keys, ...extra });
  function smoke(args: string[], extra: NodeJS.ProcessEnv = {}, input = "") {
    return topology.run("consumer", ["sh", SFTP_SMOKE, "--user", user.name, "--host", ADDRESSES.endpoint, ...args], {
      env: env({ SFTP_HOST_KEY_FINGERPRINT: pin, ...extra }),
      input,
      timeoutMs: 60_000,
    });
  }

  beforeAll(async () => {
    // Not under the topology's work-directory prefix: createTopology clears those first.
    keys = fs.mkdtempSync(path.join(os.tmpdir(), `ftps-sftp-keys-${process.pid}-`));
    fs.chmodSync(keys, 0o755);
    for (const name of ["host", "user", "stranger"]) {
      await mustRun(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", `${name}@ftps-sftp-path`, "-f", path.join(keys, name)]);
    }
    fs.mkdirSync(path.join(keys, "home"));
    pin = (await mustRun(["ssh-keygen", "-lf", path.join(keys, "host.pub")])).split(" ")[1];
    topology = await createTopology({
      tag,
      user,
      sftp: { hostKeyFile: path.join(keys, "host"), authorizedKeys: fs.readFileSync(path.join(keys, "user.pub"), "utf8") },
    });
  }, 60_000);

  afterAll(async () => {
    const problems = topology ? await topology.destroy() : await destroyTopology(topologyNames(tag));
    if (keys) fs.rmSync(keys, { recursive: true, force: true });
    expect(problems).toEqual([]);
  }, 30_000);

  it("sftp-smoke with the user's key: host key pinned, upload, download, checksums match, through the endpoint on 22", async () => {
    const run = await smoke(["--identity", path.join(keys, "user")]);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
    expect(run.stdout).toMatch(new RegExp(`^OK: SFTP path to ${ADDRESSES.endpoint.replace(/\./g, "\\.")}:22 works as sftpuser \\(host key ${pin.replace(/[+/]/g, "\\$&")} pinned`, "m"));
    // sshd saw the NLB's address as the client, as Transfer does behind an NLB.
    expect(topology.sshdOutput()).toMatch(new RegExp(`Accepted publickey for sftpuser from ${ADDRESSES.nlb.replace(/\./g, "\\.")}`));
    expect(fs.readdirSync(topology.serverHome).filter((f) => f.startsWith("sftp-smoke-"))).toEqual([]);
  });

  it("sftp-smoke with the password (stdin, handed over by SSH_ASKPASS, never in argv)", async () => {
    const run = await smoke([], {}, `${user.password}\n`);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
    expect(topology.sshdOutput()).toMatch(/Accepted password for sftpuser/);
    expect(run.stdout).not.toContain(user.password);
  });

  it("an sftp upload with the key lands byte for byte in the server's directory", async () => {
    const known = crypto.randomBytes(400_000);
    const local = path.join(keys, "known.bin");
    fs.writeFileSync(local, known);
    const knownHosts = path.join(keys, "known_hosts");
    fs.writeFileSync(knownHosts, `${ADDRESSES.endpoint} ${fs.readFileSync(path.join(keys, "host.pub"), "utf8")}`);
    const batch = path.join(keys, "batch");
    fs.writeFileSync(batch, `put ${local} sftp-known.bin\n`);
    const run = await topology.run(
      "consumer",
      ["sftp", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-i", path.join(keys, "user"), "-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${knownHosts}`,
        "-o", "GlobalKnownHostsFile=/dev/null", "-b", batch, `${user.name}@${ADDRESSES.endpoint}`],
      { env: env(), timeoutMs: 30_000 },
    );
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
    expect(sha256(fs.readFileSync(path.join(topology.serverHome, "sftp-known.bin")))).toBe(sha256(known));
    fs.rmSync(path.join(topology.serverHome, "sftp-known.bin"));
  });

  it("a key the server does not know is refused (exit 4), and nothing is written", async () => {
    const run = await smoke(["--identity", path.join(keys, "stranger")]);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/^FAIL: login refused for sftpuser/m);
    expect(run.stderr).toMatch(/Permission denied \(publickey/);
    expect(fs.readdirSync(topology.serverHome).filter((f) => f.startsWith("sftp-smoke-"))).toEqual([]);
  });

  it("a wrong password is refused (exit 4)", async () => {
    const run = await smoke([], { SFTP_PASSWORD: `${user.password}-wrong` });
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/Permission denied/);
  });

  it("a host key that does not match the pin is never trusted (exit 10, no login attempted)", async () => {
    const accepted = (topology.sshdOutput().match(/Accepted /g) ?? []).length;
    const other = (await mustRun(["ssh-keygen", "-lf", path.join(keys, "stranger.pub")])).split(" ")[1];
    const run = await smoke(["--identity", path.join(keys, "user")], { SFTP_HOST_KEY_FINGERPRINT: other });
    expect(run.code).toBe(10);
    expect(run.stderr).toMatch(/does not match the pinned fingerprint/);
    expect((topology.sshdOutput().match(/Accepted /g) ?? []).length).toBe(accepted);
  });

  it("refuses to run without a pin (no trust on first use)", async () => {
    const run = await smoke(["--identity", path.join(keys, "user")], { SFTP_HOST_KEY_FINGERPRINT: "" });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no pinned host key fingerprint/);
  });
});
