// The FTP client matrix: which common client moves bytes through
// PrivateLink under each passiveIpMode, and why the others fail. One source of
// truth: __tests__/support/path-suites/client-matrix.ts runs every cell against the
// PrivateLink path in network namespaces (emulator/privatelink-path.ts) and asserts the
// outcome written here; __tests__/ftp-client-table.test.ts checks that the
// README's client table says the same.
import * as fs from "fs";
import * as path from "path";
import { ADDRESSES } from "../../emulator/privatelink-path";

export const MODES = ["nlb", "control-connection", "consumer-endpoint"] as const;
export type Mode = (typeof MODES)[number];

/**
 * What the server puts in its 227 reply in each mode, as Transfer would with
 * the PassiveIp the provider stack sets: the NLB's IP, 0.0.0.0, or the
 * consumer endpoint's own (pinned) IP.
 */
export const PASSIVE_ADDRESS: Readonly<Record<Mode, string>> = {
  nlb: ADDRESSES.nlb,
  "control-connection": "0.0.0.0",
  "consumer-endpoint": ADDRESSES.endpoint,
};

/** Why a cell fails, as seen from the consumer VPC. */
export type FailureReason =
  /** The client connects to the provider-side NLB IP from the 227 reply: nothing answers there, the connection times out. */
  | "unreachable"
  /** The client connects to 0.0.0.0 literally, which Linux treats as its own host: nothing listens on 8192-8200 there. */
  | "own-host"
  /** The client compares the 227 address with the control connection's peer and refuses to connect. */
  | "address-mismatch";

export type Outcome = { readonly works: true } | { readonly works: false; readonly reason: FailureReason };

const WORKS: Outcome = { works: true };
const fails = (reason: FailureReason): Outcome => ({ works: false, reason });

export interface TransferContext {
  readonly host: string;
  readonly user: string;
  readonly password: string;
  /** Local file to upload. */
  readonly localFile: string;
  /** Name of the uploaded file on the server (in the user's home). */
  readonly remoteUpload: string;
  /** Name of a file already on the server, to download. */
  readonly remoteDownload: string;
  /** Where the download is written. */
  readonly downloadTo: string;
  /** Scratch directory of this cell (config files, HOME). */
  readonly workDir: string;
  /** client/lftprc of the project. */
  readonly lftprc: string;
  /** Bound on each wait for a data connection, in seconds (short: failures are expected). */
  readonly timeoutSeconds: number;
}

export interface ClientCommand {
  readonly argv: readonly string[];
  readonly input?: string;
  readonly env?: Readonly<Record<string, string>>;
}

export interface FtpClient {
  /** Stable id (test names). */
  readonly id: string;
  /** How the README names it: the package and the invocation. */
  readonly label: string;
  /** Debian package (see .ci/run) and the command that must exist. */
  readonly debianPackage: string;
  readonly command: string;
  /** How it picks the data connection's address, in a few words (README). */
  readonly behaviour: string;
  /** Commands that upload `localFile` as `remoteUpload`; undefined: the client cannot upload (wget). */
  upload?(ctx: TransferContext): ClientCommand;
  download(ctx: TransferContext): ClientCommand;
  readonly expected: Readonly<Record<Mode, Outcome>>;
  /** The command it asks the server for a data connection with (seen in the server's protocol log). */
  readonly dataCommand: "EPSV" | "PASV";
  /** The client's own words and exit status for each way it fails (first failing step). */
  readonly failureEvidence?: Partial<Record<FailureReason, { readonly text: RegExp; readonly exit: number }>>;
}

function writeFile(ctx: TransferContext, name: string, text: string): string {
  const file = path.join(ctx.workDir, name);
  fs.writeFileSync(file, text, { mode: 0o600 });
  return file;
}

/** lftp, reading no rc file but the given settings; the password through LFTP_PASSWORD. */
function lftp(ctx: TransferContext, settings: readonly string[], command: string): ClientCommand {
  const quick = [`set net:timeout ${ctx.timeoutSeconds}`, "set net:max-retries 1", "set net:persist-retries 0", "set cmd:fail-exit yes"];
  return {
    argv: ["lftp", "--norc", "-c", [...settings, ...quick, `open --env-password -u ${ctx.user} ${ctx.host}`, command].join("; ")],
    env: { LFTP_PASSWORD: ctx.password },
  };
}

/** A ~/.netrc-style file, so no password is on a command line. */
function netrc(ctx: TransferContext): string {
  return writeFile(ctx, "netrc", `machine ${ctx.host} login ${ctx.user} password ${ctx.password}\n`);
}

function curl(ctx: TransferContext, flags: readonly string[], transfer: readonly string[]): ClientCommand {
  return {
    argv: ["curl", "-sS", "--netrc-file", netrc(ctx), "--connect-timeout", String(ctx.timeoutSeconds), "--max-time", "30", ...flags, ...transfer],
  };
}

/** BSD-style interactive clients (tnftp, inetutils-ftp) fed a script on stdin. */
function scripted(argv: readonly string[], ctx: TransferContext, command: string): ClientCommand {
  return { argv: [...argv, ctx.host], input: `user ${ctx.user} ${ctx.password}\nbinary\n${command}\nbye\n` };
}

function ncftpLogin(ctx: TransferContext): string {
  return writeFile(ctx, "ncftp-login.cfg", `host ${ctx.host}\nuser ${ctx.user}\npass ${ctx.password}\n`);
}

const PYTHON_FTPLIB = [
  "import ftplib, os, sys",
  "mode, local, remote = sys.argv[1:4]",
  "ftp = ftplib.FTP(os.environ['FTP_HOST'], timeout=float(os.environ['FTP_TIMEOUT']))",
  "ftp.login(os.environ['FTP_USER'], os.environ['FTP_PASSWORD'])",
  "if mode == 'put':",
  "    with open(local, 'rb') as f: ftp.storbinary('STOR ' + remote, f)",
  "else:",
  "    with open(local, 'wb') as f: ftp.retrbinary('RETR ' + remote, f.write)",
  "ftp.quit()",
].join("\n");

function python(ctx: TransferContext, mode: "put" | "get", local: string, remote: string): ClientCommand {
  return {
    argv: ["python3", "-c", PYTHON_FTPLIB, mode, local, remote],
    env: { FTP_HOST: ctx.host, FTP_USER: ctx.user, FTP_PASSWORD: ctx.password, FTP_TIMEOUT: String(ctx.timeoutSeconds) },
  };
}

const everywhere = { nlb: WORKS, "control-connection": WORKS, "consumer-endpoint": WORKS } as const;
/** Clients that connect to the 227 address as given. */
const literal = { nlb: fails("unreachable"), "control-connection": fails("own-host"), "consumer-endpoint": WORKS } as const;

export const FTP_CLIENTS: readonly FtpClient[] = [
  {
    id: "lftp-project",
    label: "lftp with `client/lftprc`",
    debianPackage: "lftp",
    command: "lftp",
    behaviour: "only a port in the reply (`ftp:prefer-epsv yes`; a PASV address would be ignored too)",
    dataCommand: "EPSV",
    upload: (ctx) => lftp(ctx, [`source "${ctx.lftprc}"`], `put "${ctx.localFile}" -o "${ctx.remoteUpload}"`),
    download: (ctx) => lftp(ctx, [`source "${ctx.lftprc}"`], `get "${ctx.remoteDownload}" -o "${ctx.downloadTo}"`),
    expected: everywhere,
  },
  {
    id: "lftp-defaults",
    label: "lftp, its defaults",
    debianPackage: "lftp",
    command: "lftp",
    behaviour: "the reply's address; 0.0.0.0 means the control connection's",
    dataCommand: "PASV",
    upload: (ctx) => lftp(ctx, [], `put "${ctx.localFile}" -o "${ctx.remoteUpload}"`),
    download: (ctx) => lftp(ctx, [], `get "${ctx.remoteDownload}" -o "${ctx.downloadTo}"`),
    expected: { nlb: fails("unreachable"), "control-connection": WORKS, "consumer-endpoint": WORKS },
    failureEvidence: { unreachable: { text: /Fatal error: max-retries exceeded/, exit: 1 } },
  },
  {
    id: "curl",
    label: "curl, its defaults",
    debianPackage: "curl",
    command: "curl",
    behaviour: "only a port in the reply (curl tries EPSV first)",
    dataCommand: "EPSV",
    upload: (ctx) => curl(ctx, [], ["-T", ctx.localFile, `ftp://${ctx.host}/${ctx.remoteUpload}`]),
    download: (ctx) => curl(ctx, [], ["-o", ctx.downloadTo, `ftp://${ctx.host}/${ctx.remoteDownload}`]),
    expected: everywhere,
  },
  {
    id: "curl-disable-epsv",
    label: "curl `--disable-epsv`",
    debianPackage: "curl",
    command: "curl",
    behaviour: "the control connection's address (`--ftp-skip-pasv-ip`, curl's default)",
    dataCommand: "PASV",
    upload: (ctx) => curl(ctx, ["--disable-epsv"], ["-T", ctx.localFile, `ftp://${ctx.host}/${ctx.remoteUpload}`]),
    download: (ctx) => curl(ctx, ["--disable-epsv"], ["-o", ctx.downloadTo, `ftp://${ctx.host}/${ctx.remoteDownload}`]),
    expected: everywhere,
  },
  {
    id: "curl-pasv-ip",
    label: "curl `--disable-epsv --no-ftp-skip-pasv-ip`",
    debianPackage: "curl",
    command: "curl",
    behaviour: "the reply's address as given",
    dataCommand: "PASV",
    upload: (ctx) => curl(ctx, ["--disable-epsv", "--no-ftp-skip-pasv-ip"], ["-T", ctx.localFile, `ftp://${ctx.host}/${ctx.remoteUpload}`]),
    download: (ctx) => curl(ctx, ["--disable-epsv", "--no-ftp-skip-pasv-ip"], ["-o", ctx.downloadTo, `ftp://${ctx.host}/${ctx.remoteDownload}`]),
    expected: literal,
    failureEvidence: {
      // curl names the control connection in the message; the exit status tells the two apart.
      unreachable: { text: /curl: \(28\) Failed to connect to .* after \d+ ms/, exit: 28 },
      "own-host": { text: /curl: \(7\) Failed to connect to /, exit: 7 },
    },
  },
  {
    id: "wget",
    label: "wget (download only)",
    debianPackage: "wget",
    command: "wget",
    behaviour: "the reply's address as given",
    dataCommand: "PASV",
    download: (ctx) => {
      // wget reads the login from ~/.netrc (no password on its command line).
      fs.writeFileSync(path.join(ctx.workDir, ".netrc"), `machine ${ctx.host} login ${ctx.user} password ${ctx.password}\n`, { mode: 0o600 });
      return {
        argv: ["wget", `--timeout=${ctx.timeoutSeconds}`, "--tries=1", "-O", ctx.downloadTo, `ftp://${ctx.host}/${ctx.remoteDownload}`],
        env: { HOME: ctx.workDir },
      };
    },
    expected: literal,
    failureEvidence: {
      unreachable: { text: /==> PASV \.\.\. couldn't connect to 10\.0\.3\.119 port \d+: Connection timed out/, exit: 4 },
      "own-host": { text: /==> PASV \.\.\. couldn't connect to 0\.0\.0\.0 port \d+: Connection refused/, exit: 4 },
    },
  },
  {
    id: "python-ftplib",
    label: "Python 3 `ftplib`",
    debianPackage: "python3",
    command: "python3",
    behaviour: "the control connection's address (`trust_server_pasv_ipv4_address` is false by default)",
    dataCommand: "PASV",
    upload: (ctx) => python(ctx, "put", ctx.localFile, ctx.remoteUpload),
    download: (ctx) => python(ctx, "get", ctx.downloadTo, ctx.remoteDownload),
    expected: everywhere,
  },
  {
    id: "tnftp",
    label: "tnftp (BSD `ftp`, Debian's default `ftp`)",
    debianPackage: "tnftp",
    command: "tnftp",
    behaviour: "only a port in the reply",
    dataCommand: "EPSV",
    upload: (ctx) => scripted(["tnftp", "-n", "-p"], ctx, `put ${ctx.localFile} ${ctx.remoteUpload}`),
    download: (ctx) => scripted(["tnftp", "-n", "-p"], ctx, `get ${ctx.remoteDownload} ${ctx.downloadTo}`),
    expected: everywhere,
  },
  {
    id: "inetutils-ftp",
    label: "inetutils-ftp `-p`",
    debianPackage: "inetutils-ftp",
    command: "inetutils-ftp",
    behaviour: "refuses a reply address other than the control connection's",
    dataCommand: "PASV",
    upload: (ctx) => scripted(["inetutils-ftp", "-n", "-p"], ctx, `put ${ctx.localFile} ${ctx.remoteUpload}`),
    download: (ctx) => scripted(["inetutils-ftp", "-n", "-p"], ctx, `get ${ctx.remoteDownload} ${ctx.downloadTo}`),
    expected: { nlb: fails("address-mismatch"), "control-connection": fails("address-mismatch"), "consumer-endpoint": WORKS },
    failureEvidence: {
      // It prints the refusal and still exits 0.
      "address-mismatch": { text: /Passive mode address mismatch\./, exit: 0 },
    },
  },
  {
    id: "ncftp",
    label: "ncftpput / ncftpget",
    debianPackage: "ncftp",
    command: "ncftpput",
    behaviour: "the reply's address as given",
    dataCommand: "PASV",
    upload: (ctx) => ({ argv: ["ncftpput", "-f", ncftpLogin(ctx), "-t", String(ctx.timeoutSeconds), "-V", "-C", ctx.localFile, ctx.remoteUpload] }),
    // ncftpget -f writes into a directory (mode 2); moved to downloadTo after.
    download: (ctx) => ({
      argv: [
        "sh",
        "-c",
        'mkdir -p "$1/got" && ncftpget -f "$2" -t "$3" -V "$1/got" "$4" && mv "$1/got/$4" "$5"',
        "ncftpget",
        ctx.workDir,
        ncftpLogin(ctx),
        String(ctx.timeoutSeconds),
        ctx.remoteDownload,
        ctx.downloadTo,
      ],
    }),
    expected: literal,
    failureEvidence: {
      unreachable: { text: /Data connection to 10\.0\.3\.119:\d+ timed out\./, exit: 3 },
      "own-host": { text: /connect to 0\.0\.0\.0:\d+ failed: Connection refused\./, exit: 3 },
    },
  },
  {
    id: "busybox",
    label: "busybox `ftpput` / `ftpget`",
    debianPackage: "busybox",
    command: "busybox",
    behaviour: "only a port in the reply",
    dataCommand: "EPSV",
    upload: (ctx) => ({ argv: ["busybox", "ftpput", "-u", ctx.user, "-p", ctx.password, ctx.host, ctx.remoteUpload, ctx.localFile] }),
    download: (ctx) => ({ argv: ["busybox", "ftpget", "-u", ctx.user, "-p", ctx.password, ctx.host, ctx.downloadTo, ctx.remoteDownload] }),
    expected: everywhere,
  },
];

// ---- the client table of docs/passive-ip.md -------------------------------------------
// docs/passive-ip.md holds the table between these markers; __tests__/ftp-client-table.test.ts
// parses it and compares it with the rows below, so the two cannot drift.

export const TABLE_BEGIN = "<!-- ftp-client-matrix: begin (checked by __tests__/ftp-client-table.test.ts) -->";
export const TABLE_END = "<!-- ftp-client-matrix: end -->";

export const TABLE_HEADER: readonly string[] = [
  "Client",
  "Data connection",
  "`nlb` (227 names the NLB's IP)",
  "`control-connection` (227 names 0.0.0.0)",
  "`consumer-endpoint` (227 names the endpoint's IP)",
];

const REASON_TEXT: Readonly<Record<FailureReason, string>> = {
  unreachable: "**fails**: connects to the NLB's IP, which is nothing in the consumer VPC; times out",
  "own-host": "**fails**: connects to 0.0.0.0, i.e. its own host; refused",
  "address-mismatch": '**fails**: refuses the reply ("Passive mode address mismatch"), exit status 0',
};

export function outcomeText(outcome: Outcome): string {
  return outcome.works ? "works" : REASON_TEXT[outcome.reason];
}

export function clientTableRows(): string[][] {
  return FTP_CLIENTS.map((client) => [
    client.label,
    `${client.dataCommand}: ${client.behaviour}`,
    ...MODES.map((mode) => outcomeText(client.expected[mode])),
  ]);
}

/** The table as Markdown (what README.md holds between the markers). */
export function renderClientTable(): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(TABLE_HEADER), line(TABLE_HEADER.map(() => "---")), ...clientTableRows().map(line)].join("\n");
}
