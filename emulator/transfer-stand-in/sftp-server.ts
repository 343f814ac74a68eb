// SFTP on port 22, as a Transfer server with a custom identity provider and S3
// storage answers it (Transfer user guide unless named otherwise):
// - "We support version 3 of the SFTP protocol"; the SFTP subsystem only (no
//   shell, no exec, no forwarding).
// - The host key is the server's (DescribeServer HostKeyFingerprint is its
//   `ssh-keygen -l` fingerprint); key exchanges, ciphers and MACs follow the
//   security policy (security-policies.ts).
// - Authentication per IdentityProviderDetails.SftpAuthenticationMethods (API
//   reference, IdentityProviderDetails): PASSWORD, PUBLIC_KEY,
//   PUBLIC_KEY_OR_PASSWORD (default) or PUBLIC_KEY_AND_PASSWORD ("two separate
//   requests" to the identity provider, key lookup then password: "Using
//   multiple authentication methods"). A password login sends the password in
//   the event; a key login sends none and checks the client's signature against
//   the answer's PublicKeys (identity-provider.ts). A refusal is an SSH
//   authentication failure.
// - Files: S3 under the LOGICAL home (s3-home.ts). SETSTAT fails unless
//   SetStatOption is ENABLE_NO_OP, which ignores it (API reference,
//   ProtocolDetails); links are not supported on S3.
import { PassThrough } from "stream";
import { AuthContext, Connection, Server, utils } from "ssh2";
import type { Attributes, SFTPWrapper } from "ssh2";
import { LoginOutcome, login, UserSession } from "./identity-provider";
import { Entry, HomeError, S3Home } from "./s3-home";
import type { ListenerOptions } from "./server-config";
import { policyAlgorithms } from "./security-policies";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const constants = require("ssh2/lib/protocol/constants") as {
  SUPPORTED_KEX: string[];
  SUPPORTED_CIPHER: string[];
  SUPPORTED_MAC: string[];
};
const { STATUS_CODE, OPEN_MODE } = utils.sftp;
/** A file read over SFTP is fetched whole first; larger ones are refused (a stand-in's bound). */
const MAX_READ_BYTES = 256 * 1024 * 1024;

function attributes(e: Entry): Attributes {
  const seconds = Math.floor(e.modified.getTime() / 1000);
  return { mode: e.directory ? 0o40755 : 0o100644, uid: 0, gid: 0, size: e.size, atime: seconds, mtime: seconds };
}

function longname(e: Entry): string {
  return `${e.directory ? "drwxr-xr-x" : "-rw-r--r--"} 1 - - ${String(e.size).padStart(12)} ${e.modified.toISOString().slice(0, 16).replace("T", " ")} ${e.name}`;
}

function statusOf(error: unknown): number {
  if (error instanceof HomeError) {
    if (error.code === "denied") return STATUS_CODE.PERMISSION_DENIED;
    if (error.code === "not-found") return STATUS_CODE.NO_SUCH_FILE;
    if (error.code === "unsupported") return STATUS_CODE.OP_UNSUPPORTED;
  }
  return STATUS_CODE.FAILURE;
}

export function startSftpServer(options: ListenerOptions): Promise<Server> {
  const { config } = options;
  const policy = policyAlgorithms(config.securityPolicyName).ssh;
  const server = new Server(
    {
      hostKeys: [config.hostKey],
      algorithms: {
        kex: policy.kex.filter((k) => constants.SUPPORTED_KEX.includes(k)),
        cipher: policy.cipher.filter((c) => constants.SUPPORTED_CIPHER.includes(c)),
        hmac: policy.hmac.filter((m) => constants.SUPPORTED_MAC.includes(m)),
      } as never,
    },
    (client, info) => new SftpConnection(options, client, info.ip, ++count).start(),
  );
  let count = 0;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.listenAddress, () => resolve(server));
  });
}

class SftpConnection {
  private session?: UserSession;
  private keyLookup?: Promise<LoginOutcome>;
  private keyVerified = false;
  private readonly id: string;

  constructor(
    private readonly options: ListenerOptions,
    private readonly client: Connection,
    private readonly ip: string,
    count: number,
  ) {
    this.id = `sftp-${count}`;
  }

  private log(event: string, fields: Record<string, unknown> = {}): void {
    this.options.log.write({ protocol: "SFTP", session: this.id, client: this.ip, user: this.session?.username, event, ...fields });
  }

  private methods(): ("password" | "publickey")[] {
    switch (this.options.config.sftpAuthenticationMethods) {
      case "PASSWORD":
        return ["password"];
      case "PUBLIC_KEY":
        return ["publickey"];
      default:
        return ["publickey", "password"];
    }
  }

  start(): void {
    this.log("connect");
    this.client.on("authentication", (ctx) => void this.authenticate(ctx).catch(() => ctx.reject()));
    this.client.on("ready", () => {
      this.log("login", { role: this.session!.role, home: this.session!.mappings });
      this.client.on("session", (accept) => {
        const session = accept();
        session.on("sftp", (acceptSftp) => this.serve(acceptSftp()));
        for (const other of ["exec", "shell", "pty", "env", "subsystem", "x11", "auth-agent"] as const) {
          session.on(other as never, (_accept: unknown, reject?: () => void) => reject?.());
        }
      });
      this.client.on("tcpip", (_accept, reject) => reject());
    });
    this.client.on("error", () => undefined);
    this.client.on("close", () => this.log("disconnect"));
  }

  private async authenticate(ctx: AuthContext): Promise<void> {
    const methods = this.methods();
    const both = this.options.config.sftpAuthenticationMethods === "PUBLIC_KEY_AND_PASSWORD";
    const remaining = both && this.keyVerified ? ["password"] : methods;
    if (ctx.method === "password" && methods.includes("password") && (!both || this.keyVerified)) {
      const outcome = await login(this.options.config, this.options.clients, { username: ctx.username, password: ctx.password, protocol: "SFTP", sourceIp: this.ip });
      if (!outcome.ok) {
        this.log("login-refused", { username: ctx.username, method: "password", reason: outcome.reason });
        return ctx.reject(remaining as never);
      }
      this.session = outcome.session;
      return ctx.accept();
    }
    if (ctx.method === "publickey" && methods.includes("publickey") && !this.keyVerified) {
      // One key lookup per connection: the client's query and its signed request ask the same thing.
      this.keyLookup ??= login(this.options.config, this.options.clients, { username: ctx.username, protocol: "SFTP", sourceIp: this.ip });
      const outcome = await this.keyLookup;
      if (!outcome.ok) {
        this.log("login-refused", { username: ctx.username, method: "publickey", reason: outcome.reason });
        return ctx.reject(remaining as never);
      }
      const listed = outcome.session.publicKeys!.map((line) => utils.parseKey(line)).find((key) => {
        return !(key instanceof Error) && key.type === ctx.key.algo && key.getPublicSSH().equals(ctx.key.data);
      });
      if (!listed || listed instanceof Error) {
        this.log("login-refused", { username: ctx.username, method: "publickey", reason: "key not among the answer's PublicKeys" });
        return ctx.reject(remaining as never);
      }
      if (!ctx.signature) return ctx.accept(); // the client asks whether this key would do
      if (listed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) !== true) {
        this.log("login-refused", { username: ctx.username, method: "publickey", reason: "bad signature" });
        return ctx.reject(remaining as never);
      }
      if (both) {
        this.keyVerified = true;
        return ctx.reject(["password"] as never, true);
      }
      this.session = outcome.session;
      return ctx.accept();
    }
    return ctx.reject(remaining as never);
  }

  private serve(sftp: SFTPWrapper): void {
    const home = new S3Home(this.session!.mappings, this.session!.credentials, this.options.config.region, this.options.s3Endpoint);
    type Handle =
      | { kind: "read"; data: Buffer; entry: Entry }
      | { kind: "write"; path: string; stream: PassThrough; done: Promise<{ bytes: number; parts: number }>; offset: number; pending: Map<number, Buffer> }
      | { kind: "dir"; entries: Entry[]; sent: boolean };
    const handles = new Map<number, Handle>();
    let nextHandle = 1;
    const open = (h: Handle) => {
      const id = nextHandle++;
      handles.set(id, h);
      const buffer = Buffer.alloc(4);
      buffer.writeUInt32BE(id);
      return buffer;
    };
    const lookup = (handle: Buffer) => (handle.length === 4 ? handles.get(handle.readUInt32BE(0)) : undefined);
    const absolute = (p: string) => home.path("/", p);
    const fail = (reqid: number, error: unknown) => {
      this.log("sftp-error", { message: (error as Error).message });
      sftp.status(reqid, statusOf(error), (error as Error).message);
    };

    sftp.on("REALPATH", (reqid, p) => sftp.name(reqid, [{ filename: absolute(p), longname: absolute(p), attrs: {} as Attributes }]));
    sftp.on("STAT", (reqid, p) => home.stat(absolute(p)).then((e) => sftp.attrs(reqid, attributes(e)), (e) => fail(reqid, e)));
    sftp.on("LSTAT", (reqid, p) => home.stat(absolute(p)).then((e) => sftp.attrs(reqid, attributes(e)), (e) => fail(reqid, e)));
    sftp.on("OPENDIR", (reqid, p) =>
      home.list(absolute(p)).then((entries) => sftp.handle(reqid, open({ kind: "dir", entries, sent: false })), (e) => fail(reqid, e)),
    );
    sftp.on("READDIR", (reqid, handle) => {
      const h = lookup(handle);
      if (!h || h.kind !== "dir") return sftp.status(reqid, STATUS_CODE.FAILURE);
      if (h.sent) return sftp.status(reqid, STATUS_CODE.EOF);
      h.sent = true;
      sftp.name(reqid, h.entries.map((e) => ({ filename: e.name, longname: longname(e), attrs: attributes(e) })));
    });
    sftp.on("OPEN", (reqid, filename, flags) => {
      const target = absolute(filename);
      if (flags & OPEN_MODE.WRITE) {
        if (flags & OPEN_MODE.APPEND) return sftp.status(reqid, STATUS_CODE.OP_UNSUPPORTED, "append is not supported");
        const stream = new PassThrough();
        const done = home.write(target, stream);
        done.catch(() => undefined);
        this.log("transfer-start", { direction: "upload", path: target });
        return sftp.handle(reqid, open({ kind: "write", path: target, stream, done, offset: 0, pending: new Map() }));
      }
      home
        .stat(target)
        .then(async (entry) => {
          if (entry.directory) throw new HomeError("is-directory", target);
          if (entry.size > MAX_READ_BYTES) throw new HomeError("unsupported", `${target}: larger than the stand-in reads (${MAX_READ_BYTES} bytes)`);
          const chunks: Buffer[] = [];
          for await (const chunk of await home.read(target)) chunks.push(chunk as Buffer);
          sftp.handle(reqid, open({ kind: "read", data: Buffer.concat(chunks), entry }));
        })
        .catch((e) => fail(reqid, e));
    });
    sftp.on("READ", (reqid, handle, offset, length) => {
      const h = lookup(handle);
      if (!h || h.kind !== "read") return sftp.status(reqid, STATUS_CODE.FAILURE);
      if (offset >= h.data.length) return sftp.status(reqid, STATUS_CODE.EOF);
      sftp.data(reqid, h.data.subarray(offset, Math.min(h.data.length, offset + length)));
    });
    sftp.on("WRITE", (reqid, handle, offset, data) => {
      const h = lookup(handle);
      if (!h || h.kind !== "write") return sftp.status(reqid, STATUS_CODE.FAILURE);
      // S3 objects are written once, front to back: requests may arrive out of order, never overlap.
      if (offset < h.offset) return sftp.status(reqid, STATUS_CODE.OP_UNSUPPORTED, "random-access writes are not supported on S3");
      h.pending.set(offset, Buffer.from(data));
      for (let next = h.pending.get(h.offset); next; next = h.pending.get(h.offset)) {
        h.pending.delete(h.offset);
        h.stream.write(next);
        h.offset += next.length;
      }
      sftp.status(reqid, STATUS_CODE.OK);
    });
    sftp.on("FSTAT", (reqid, handle) => {
      const h = lookup(handle);
      if (!h) return sftp.status(reqid, STATUS_CODE.FAILURE);
      if (h.kind === "read") return sftp.attrs(reqid, attributes(h.entry));
      if (h.kind === "write") return sftp.attrs(reqid, attributes({ name: "", directory: false, size: h.offset, modified: new Date() }));
      sftp.attrs(reqid, attributes({ name: "", directory: true, size: 0, modified: new Date(0) }));
    });
    sftp.on("CLOSE", (reqid, handle) => {
      const h = lookup(handle);
      if (!h) return sftp.status(reqid, STATUS_CODE.FAILURE);
      handles.delete(handle.readUInt32BE(0));
      if (h.kind !== "write") return sftp.status(reqid, STATUS_CODE.OK);
      if (h.pending.size > 0) h.stream.destroy(new Error("gaps in the written data"));
      else h.stream.end();
      h.done.then(
        ({ bytes, parts }) => {
          this.log("transfer", { direction: "upload", path: h.path, bytes, parts, complete: true });
          sftp.status(reqid, STATUS_CODE.OK);
        },
        (e) => fail(reqid, e),
      );
    });
    sftp.on("REMOVE", (reqid, p) => home.remove(absolute(p)).then(() => sftp.status(reqid, STATUS_CODE.OK), (e) => fail(reqid, e)));
    sftp.on("RMDIR", (reqid, p) => home.removeDirectory(absolute(p)).then(() => sftp.status(reqid, STATUS_CODE.OK), (e) => fail(reqid, e)));
    sftp.on("MKDIR", (reqid, p) => home.makeDirectory(absolute(p)).then(() => sftp.status(reqid, STATUS_CODE.OK), (e) => fail(reqid, e)));
    sftp.on("RENAME", (reqid, from, to) => home.rename(absolute(from), absolute(to)).then(() => sftp.status(reqid, STATUS_CODE.OK), (e) => fail(reqid, e)));
    const setstat = (reqid: number) =>
      this.options.config.setStatOption === "ENABLE_NO_OP"
        ? sftp.status(reqid, STATUS_CODE.OK)
        : sftp.status(reqid, STATUS_CODE.PERMISSION_DENIED, "SETSTAT is not supported on S3 (SetStatOption DEFAULT)");
    sftp.on("SETSTAT", (reqid) => setstat(reqid));
    sftp.on("FSETSTAT", (reqid) => setstat(reqid));
    // The client's end of the subsystem (sftp's "bye", or end of its batch) ends the channel.
    sftp.on("end", () => sftp.end());
    sftp.on("READLINK", (reqid) => sftp.status(reqid, STATUS_CODE.OP_UNSUPPORTED));
    sftp.on("SYMLINK", (reqid) => sftp.status(reqid, STATUS_CODE.OP_UNSUPPORTED));
  }
}
