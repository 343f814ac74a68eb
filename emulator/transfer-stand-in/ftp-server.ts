// FTP and FTPS on port 21, as a Transfer server with a custom identity
// provider and S3 storage answers them. What it imitates, and where AWS says so
// (Transfer user guide unless named otherwise):
// - Commands: the list under "Transferring files using a client" (ABOR AUTH
//   CDUP CWD DELE EPSV FEAT LANG LIST MDTM MFMT MKD MLSD MLST MODE NLST NOOP OPTS
//   PASS PASV PBSZ PROT PWD QUIT RETR RMD RNFR RNTO SIZE STAT STOR STOU STRU SYST
//   TYPE USER); anything else, APPE ("APPE is not supported") and active mode
//   (PORT/EPRT: "only Passive mode is supported") included, is 502.
// - "only STREAM mode", "only Image/Binary mode": MODE S and STRU F only; TYPE I,
//   and TYPE A accepted without any conversion (clients send it before listings).
// - FTPS: "only Explicit mode" (AUTH TLS on 21); TLS 1.2 with the security
//   policy's ciphers (security-policies.ts); "PROT C ... is not supported ... you
//   need to issue PROT P for your data operation to be accepted"; with FTP and
//   FTPS both enabled, a session without AUTH is FTP, and the identity
//   provider's event says which protocol was used.
// - TlsSessionResumptionMode (API reference, ProtocolDetails): ENFORCED "rejects
//   client data connections that do not perform the TLS session resumption"
//   (here: a data connection whose TLS session is not one the same control
//   connection's TLS context issued - each control connection has a context of
//   its own - is refused with 522); ENABLED resumes but does not require it;
//   DISABLED "creates a new TLS session for each request" (a fresh context per
//   data connection, so nothing can be resumed). Both ways of resuming a TLS 1.2
//   session work: tickets (lftp with GnuTLS) and session IDs (curl with OpenSSL
//   sends no ticket), the latter from a session cache of the control connection's
//   own, so a session can only be resumed by the connections of one FTPS session.
// - PassiveIp (API reference, ProtocolDetails): a 227 reply carries that
//   address; AUTO "responds with one of the endpoint IPs" (here the address the
//   control connection reached); 0.0.0.0 is sent as is ("This tells the client
//   to use the same IP address as the Control connection"). EPSV (229) carries
//   only the port. Ports 8192-8200 (passive-ports.ts).
// - Logins: USER then PASS invoke the identity provider (identity-provider.ts);
//   a refusal is 530. Behind the NLB the client address Transfer sees, and
//   sends as sourceIp, is the NLB's.
// - Files: S3 under the LOGICAL home, with the user's session credentials
//   (s3-home.ts): S3 "access denied" is 550, a missing file 550.
// Reply texts are not documented by AWS; the codes are RFC 959's, RFC 2228's
// and RFC 4217's. Every command and reply is logged (passwords masked) as a JSON
// line for the tests.
import * as net from "net";
import * as tls from "tls";
import { Readable } from "stream";
import { LoginRequest, login } from "./identity-provider";
import { PassiveListener, PassivePorts } from "./passive-ports";
import { Entry, HomeError, S3Home } from "./s3-home";
import type { ListenerOptions } from "./server-config";
import { policyAlgorithms } from "./security-policies";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number, width = 2) => String(n).padStart(width, "0");
const timestamp = (d: Date) =>
  `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;

function lsLine(e: Entry): string {
  const d = e.modified;
  const recent = Date.now() - d.getTime() < 180 * 24 * 3600 * 1000;
  const when = `${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCDate())} ${recent ? `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}` : ` ${d.getUTCFullYear()}`}`;
  return `${e.directory ? "drwxr-xr-x" : "-rw-r--r--"} 1 - - ${String(e.size).padStart(12)} ${when} ${e.name}`;
}

function mlsxFacts(e: Entry): string {
  return `type=${e.directory ? "dir" : "file"};${e.directory ? "" : `size=${e.size};`}modify=${timestamp(e.modified)};`;
}

type DataChannel = { socket: net.Socket } | { refusal: string };

/** An object that stores TLS sessions by ID for the sockets given it as their `server`. */
function sessionCache(): net.Server {
  const sessions = new Map<string, Buffer>();
  const store = new net.Server();
  store.on("newSession", (id: Buffer, data: Buffer, done: () => void) => {
    if (sessions.size < 100) sessions.set(id.toString("hex"), data);
    done();
  });
  store.on("resumeSession", (id: Buffer, done: (error: Error | null, data: Buffer | null) => void) => done(null, sessions.get(id.toString("hex")) ?? null));
  return store;
}

export function startFtpServer(options: ListenerOptions): Promise<net.Server> {
  const { config, listenAddress } = options;
  const passive = new PassivePorts(listenAddress);
  const tlsOptions = config.certificate
    ? {
        cert: `${config.certificate.certificate.trim()}\n${config.certificate.chain.trim()}\n`,
        key: config.certificate.privateKey,
        minVersion: "TLSv1.2" as const,
        maxVersion: "TLSv1.2" as const,
        ciphers: policyAlgorithms(config.securityPolicyName).tlsCiphers.join(":"),
        honorCipherOrder: true,
      }
    : undefined;
  let sessions = 0;
  const server = net.createServer((socket) => {
    sessions += 1;
    new FtpSession(options, passive, tlsOptions, socket, `ftp-${sessions}`).start();
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port: options.port, host: listenAddress }, () => resolve(server));
  });
}

class FtpSession {
  private socket: net.Socket;
  private buffer = "";
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private secure = false;
  private context?: tls.SecureContext;
  /** The TLS session cache of this control connection (Node keeps server-side sessions through these events). */
  private readonly sessionStore = sessionCache();
  private prot: "C" | "P" = "C";
  private pendingUser?: string;
  private user?: string;
  private home?: S3Home;
  private cwd = "/";
  private renameFrom?: string;
  private listener?: PassiveListener;
  /** The data connection of the last PASV/EPSV: its TCP connection, then its TLS readiness. */
  private data?: Promise<{ ready: Promise<DataChannel> } | undefined>;
  private readonly client: string;
  private readonly ftps: boolean;
  private readonly plain: boolean;

  constructor(
    private readonly options: ListenerOptions,
    private readonly passive: PassivePorts,
    private readonly tlsOptions: tls.SecureContextOptions | undefined,
    socket: net.Socket,
    private readonly id: string,
  ) {
    this.socket = socket;
    this.client = socket.remoteAddress ?? "";
    this.ftps = options.config.protocols.includes("FTPS") && tlsOptions !== undefined;
    this.plain = options.config.protocols.includes("FTP");
  }

  start(): void {
    this.log("connect", { localAddress: this.socket.localAddress });
    this.attach(this.socket);
    this.socket.on("close", () => this.end());
    this.reply("220 Service ready for new user.");
  }

  private log(event: string, fields: Record<string, unknown> = {}): void {
    this.options.log.write({ protocol: "FTP", session: this.id, client: this.client, user: this.user, event, ...fields });
  }

  private attach(socket: net.Socket): void {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => this.onData(chunk));
    socket.on("error", () => this.end());
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    if (this.buffer.length > 8192 && !this.buffer.includes("\n")) {
      this.reply("500 Command line too long.");
      this.buffer = "";
      return;
    }
    let index: number;
    while ((index = this.buffer.indexOf("\n")) >= 0) {
      const line = this.buffer.slice(0, index).replace(/\r$/, "");
      this.buffer = this.buffer.slice(index + 1);
      if (/^AUTH\s/i.test(line)) {
        // The TLS handshake follows the reply at once: stop reading plain text here.
        this.queue = this.queue.then(() => this.command(line));
        this.socket.pause();
        return;
      }
      this.queue = this.queue.then(() => this.command(line)).catch((error) => this.log("error", { message: String(error) }));
    }
  }

  private reply(text: string): void {
    if (this.closed) return;
    this.log("reply", { reply: text.split("\r\n").pop() });
    this.socket.write(`${text}\r\n`);
  }

  private end(): void {
    if (this.closed) return;
    this.closed = true;
    this.listener?.close();
    this.socket.destroy();
    this.log("disconnect");
  }

  private async command(line: string): Promise<void> {
    if (this.closed) return;
    const match = /^(\S+)\s?(.*)$/.exec(line.trim());
    if (!match) return;
    const verb = match[1].toUpperCase();
    const argument = match[2];
    this.log("command", { command: verb === "PASS" ? "PASS ****" : line.trim() });
    const needsLogin = !["USER", "PASS", "AUTH", "PBSZ", "PROT", "FEAT", "SYST", "NOOP", "QUIT", "OPTS", "LANG"].includes(verb);
    if (needsLogin && !this.home) return this.reply("530 Please login with USER and PASS.");
    try {
      switch (verb) {
        case "USER":
          return this.userCommand(argument);
        case "PASS":
          return await this.passCommand(argument);
        case "AUTH":
          return this.authCommand(argument);
        case "PBSZ":
          return this.reply(this.secure ? "200 PBSZ=0" : "503 PBSZ needs AUTH first.");
        case "PROT":
          return this.protCommand(argument);
        case "FEAT":
          return this.reply(
            ["211-Features:", ...(this.ftps ? [" AUTH TLS", " PBSZ", " PROT"] : []), " EPSV", " MDTM", " MFMT", " MLST type*;size*;modify*;", " SIZE", " UTF8", "211 End"].join("\r\n"),
          );
        case "SYST":
          return this.reply("215 UNIX Type: L8");
        case "NOOP":
          return this.reply("200 NOOP ok.");
        case "OPTS":
          return this.reply(/^(UTF8|UTF-8)\s+ON$/i.test(argument) || /^MLST\b/i.test(argument) ? "200 OK." : "501 Option not understood.");
        case "LANG":
          return this.reply("200 Using the default language.");
        case "QUIT":
          this.reply("221 Goodbye.");
          this.socket.end();
          return;
        case "PWD":
          return this.reply(`257 "${this.cwd.replace(/"/g, '""')}" is the current directory.`);
        case "CWD":
          return await this.cwdCommand(argument);
        case "CDUP":
          return await this.cwdCommand("..");
        case "TYPE":
          return this.reply(/^I$|^L\s*8$/i.test(argument) ? "200 Switching to Binary mode." : /^A(\s+N)?$/i.test(argument) ? "200 Type set to A (transfers stay binary)." : "504 Only binary mode is supported.");
        case "MODE":
          return this.reply(/^S$/i.test(argument) ? "200 Mode set to S." : "504 Only stream mode is supported.");
        case "STRU":
          return this.reply(/^F$/i.test(argument) ? "200 Structure set to F." : "504 Only file structure is supported.");
        case "PASV":
          return await this.passiveCommand(false);
        case "EPSV":
          if (/^ALL$/i.test(argument)) return this.reply("200 EPSV ALL ok.");
          return await this.passiveCommand(true);
        case "LIST":
        case "NLST":
        case "MLSD":
          return await this.listCommand(verb, argument);
        case "MLST":
          return await this.mlstCommand(argument);
        case "RETR":
          return await this.retrCommand(argument);
        case "STOR":
          return await this.storCommand(argument);
        case "STOU":
          return await this.storCommand(`stou-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`, true);
        case "SIZE":
          return await this.sizeCommand(argument);
        case "MDTM":
          return await this.mdtmCommand(argument);
        case "MFMT":
          // S3 keeps its own LastModified: the time cannot be set.
          return this.reply("550 Cannot set the modification time on this storage.");
        case "DELE":
          await this.home!.remove(this.path(argument));
          return this.reply("250 Delete operation successful.");
        case "MKD": {
          const target = this.path(argument);
          await this.home!.makeDirectory(target);
          return this.reply(`257 "${target}" created.`);
        }
        case "RMD":
          await this.home!.removeDirectory(this.path(argument));
          return this.reply("250 Remove directory operation successful.");
        case "RNFR":
          await this.home!.stat(this.path(argument));
          this.renameFrom = this.path(argument);
          return this.reply("350 Ready for RNTO.");
        case "RNTO": {
          const from = this.renameFrom;
          this.renameFrom = undefined;
          if (!from) return this.reply("503 RNFR required first.");
          await this.home!.rename(from, this.path(argument));
          return this.reply("250 Rename successful.");
        }
        case "ABOR":
          this.dropData();
          return this.reply("226 No transfer to abort.");
        case "STAT":
          return this.reply(`211 Connected to the server as ${this.user}.`);
        default:
          return this.reply("502 Command not implemented.");
      }
    } catch (error) {
      if (error instanceof HomeError) return this.reply(this.failure(error));
      this.log("error", { message: (error as Error).message });
      return this.reply("451 Requested action aborted: local error in processing.");
    }
  }

  private failure(error: HomeError): string {
    switch (error.code) {
      case "denied":
        return "550 Permission denied.";
      case "not-found":
        return "550 No such file or directory.";
      case "not-empty":
        return "550 Directory not empty.";
      case "is-directory":
        return "550 Is a directory.";
      case "unsupported":
        return "550 Not supported on this storage.";
      default:
        return "451 Requested action aborted: local error in processing.";
    }
  }

  private path(argument: string): string {
    return this.home!.path(this.cwd, argument);
  }

  private userCommand(name: string): void {
    if (this.home) return this.reply("530 Already logged in.");
    if (!this.secure && !this.plain) return this.reply("530 This server requires TLS: send AUTH TLS first.");
    this.pendingUser = name;
    this.reply("331 Please specify the password.");
  }

  private async passCommand(password: string): Promise<void> {
    if (this.home) return this.reply("230 Already logged in.");
    if (this.pendingUser === undefined) return this.reply("503 Login with USER first.");
    const request: LoginRequest = { username: this.pendingUser, password, protocol: this.secure ? "FTPS" : "FTP", sourceIp: this.client };
    this.pendingUser = undefined;
    const outcome = await login(this.options.config, this.options.clients, request);
    if (!outcome.ok) {
      this.log("login-refused", { username: request.username, reason: outcome.reason });
      return this.reply("530 Login incorrect.");
    }
    this.user = outcome.session.username;
    this.home = new S3Home(outcome.session.mappings, outcome.session.credentials, this.options.config.region, this.options.s3Endpoint);
    this.log("login", { role: outcome.session.role, home: outcome.session.mappings });
    this.reply("230 Login successful.");
  }

  private authCommand(argument: string): void {
    if (!this.ftps) {
      this.reply("502 Command not implemented.");
      this.socket.resume();
      return;
    }
    if (this.secure || !/^(TLS|TLS-C|SSL)$/i.test(argument)) {
      this.reply("504 Only AUTH TLS is supported.");
      this.socket.resume();
      return;
    }
    this.reply("234 Proceed with negotiation.");
    this.context = tls.createSecureContext(this.tlsOptions);
    const raw = this.socket;
    raw.removeAllListeners("data");
    const secured = new tls.TLSSocket(raw, { isServer: true, secureContext: this.context, server: this.sessionStore });
    secured.once("secure", () => {
      this.secure = true;
      this.log("tls", { version: secured.getProtocol(), cipher: secured.getCipher()?.name });
    });
    secured.on("close", () => this.end());
    this.socket = secured;
    this.attach(secured);
    raw.resume();
  }

  private protCommand(level: string): void {
    if (!this.secure) return this.reply("503 PROT needs AUTH first.");
    if (/^P$/i.test(level)) {
      this.prot = "P";
      return this.reply("200 Protection set to Private.");
    }
    return this.reply("536 Only PROT P is supported.");
  }

  private async cwdCommand(argument: string): Promise<void> {
    const target = this.path(argument);
    const entry = await this.home!.stat(target);
    if (!entry.directory) throw new HomeError("not-directory", target);
    this.cwd = target;
    this.reply("250 Directory successfully changed.");
  }

  private dropData(): void {
    this.listener?.close();
    this.listener = undefined;
    void this.data?.then((d) => d?.ready.then((c) => "socket" in c && c.socket.destroy()));
    this.data = undefined;
  }

  private async passiveCommand(extended: boolean): Promise<void> {
    if (this.secure && this.prot !== "P") return this.reply("521 Data connections must be protected: send PROT P.");
    this.dropData();
    const listener = await this.passive.open(this.client);
    if (!listener) return this.reply("425 No passive port is free.");
    this.listener = listener;
    this.data = listener.connection.then((socket) => (socket ? { ready: this.prepareData(socket) } : undefined));
    this.data.catch(() => undefined);
    if (extended) return this.reply(`229 Entering Extended Passive Mode (|||${listener.port}|)`);
    const configured = this.options.config.passiveIp;
    const address = configured === "AUTO" ? this.socket.localAddress ?? this.options.listenAddress : configured;
    const [p1, p2] = [listener.port >> 8, listener.port & 255];
    this.reply(`227 Entering Passive Mode (${address.replace(/\./g, ",")},${p1},${p2}).`);
  }

  /** TLS on the data connection when PROT P, with the server's session-resumption rule. */
  private prepareData(raw: net.Socket): Promise<DataChannel> {
    this.log("data-connect", { port: raw.localPort });
    if (this.prot !== "P") return Promise.resolve({ socket: raw });
    const mode = this.options.config.tlsSessionResumptionMode;
    const secured =
      mode === "DISABLED"
        ? new tls.TLSSocket(raw, { isServer: true, secureContext: tls.createSecureContext(this.tlsOptions) })
        : new tls.TLSSocket(raw, { isServer: true, secureContext: this.context!, server: this.sessionStore });
    raw.resume();
    return new Promise((resolve) => {
      secured.once("secure", () => {
        const reused = secured.isSessionReused();
        this.log("data-tls", { resumed: reused, version: secured.getProtocol() });
        if (mode === "ENFORCED" && !reused) {
          const refusal = "522 Data connection must resume the control connection's TLS session.";
          // Logged as decided: the client may have closed the control connection before the reply goes out.
          this.log("data-tls-refused", { reply: refusal });
          secured.destroy();
          resolve({ refusal });
        } else resolve({ socket: secured });
      });
      secured.once("error", (error) => {
        this.log("data-tls-error", { message: error.message });
        resolve({ refusal: "522 TLS negotiation on the data connection failed." });
      });
    });
  }

  /**
   * Waits for the data connection opened by the last PASV/EPSV, sends the
   * preliminary reply once it is connected (a client may wait for it before its
   * TLS handshake on the data connection: lftp does for downloads), then waits
   * for TLS. Any failure is the command's final reply.
   */
  private async dataChannel(preliminary: string): Promise<net.Socket | undefined> {
    const pending = this.data;
    this.data = undefined;
    this.listener = undefined;
    if (!pending) {
      this.reply("425 Use PASV or EPSV first.");
      return undefined;
    }
    const connected = await pending;
    if (!connected) {
      this.reply("425 Failed to establish connection.");
      return undefined;
    }
    this.reply(preliminary);
    const channel = await connected.ready;
    if ("refusal" in channel) {
      this.reply(channel.refusal);
      return undefined;
    }
    return channel.socket;
  }

  private closeData(socket: net.Socket): Promise<void> {
    return new Promise((resolve) => {
      socket.once("close", () => resolve());
      socket.resume(); // read the client's end of the connection too, or "close" never comes
      socket.end();
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, 5_000).unref();
    });
  }

  private async listCommand(verb: string, argument: string): Promise<void> {
    const target = this.path(argument.split(/\s+/).filter((a) => a && !a.startsWith("-")).join(" "));
    let lines: string[];
    try {
      const entry = await this.home!.stat(target);
      const entries = entry.directory ? await this.home!.list(target) : [entry];
      lines = entries.map((e) => (verb === "NLST" ? e.name : verb === "MLSD" ? `${mlsxFacts(e)} ${e.name}` : lsLine(e)));
      if (verb === "MLSD" && !entry.directory) {
        this.dropData();
        return this.reply("501 Not a directory.");
      }
    } catch (error) {
      this.dropData();
      throw error;
    }
    const socket = await this.dataChannel("150 Here comes the directory listing.");
    if (!socket) return;
    socket.write(lines.map((l) => `${l}\r\n`).join(""));
    await this.closeData(socket);
    this.reply("226 Directory send OK.");
  }

  private async mlstCommand(argument: string): Promise<void> {
    const target = this.path(argument);
    const entry = await this.home!.stat(target);
    this.reply(`250-Listing ${target}\r\n ${mlsxFacts(entry)} ${target}\r\n250 End`);
  }

  private async retrCommand(argument: string): Promise<void> {
    const target = this.path(argument);
    let body: Readable;
    try {
      body = await this.home!.read(target);
    } catch (error) {
      this.dropData();
      throw error;
    }
    const socket = await this.dataChannel("150 Opening BINARY mode data connection.");
    if (!socket) {
      body.destroy();
      return;
    }
    const sent = await new Promise<boolean>((resolve) => {
      body.on("error", () => resolve(false));
      socket.on("error", () => resolve(false));
      body.on("end", () => resolve(true));
      body.pipe(socket, { end: false });
    });
    await this.closeData(socket);
    this.log("transfer", { direction: "download", path: target, complete: sent });
    this.reply(sent ? "226 Transfer complete." : "426 Connection closed; transfer aborted.");
  }

  private async storCommand(argument: string, unique = false): Promise<void> {
    const target = this.path(argument);
    const socket = await this.dataChannel(unique ? `150 FILE: ${target.split("/").pop()}` : "150 Ok to send data.");
    if (!socket) return;
    let aborted = false;
    socket.on("error", () => (aborted = true));
    try {
      const { bytes, parts } = await this.home!.write(target, socket);
      this.log("transfer", { direction: "upload", path: target, bytes, parts, complete: !aborted });
      this.reply(aborted ? "426 Connection closed; transfer aborted." : "226 Transfer complete.");
    } catch (error) {
      socket.destroy();
      throw error;
    }
  }

  private async sizeCommand(argument: string): Promise<void> {
    const entry = await this.home!.stat(this.path(argument));
    this.reply(entry.directory ? "550 Could not get file size." : `213 ${entry.size}`);
  }

  private async mdtmCommand(argument: string): Promise<void> {
    const entry = await this.home!.stat(this.path(argument));
    this.reply(entry.directory ? "550 Could not get file modification time." : `213 ${timestamp(entry.modified)}`);
  }
}
