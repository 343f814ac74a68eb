// The real-client matrix: every common FTP client, against the Transfer
// stand-in advertising the PassiveIp each passiveIpMode sets, through the
// PrivateLink path in network namespaces (same 10.0.3.0/24 on both sides; see
// emulator/privatelink-path.ts). Each cell uploads a file of random bytes and
// downloads another (put in S3 beforehand), and compares bytes on both ends;
// a cell expected to fail must fail for the documented reason (the client's
// own error text), within a short bound. Each client logs in as its own user
// (made by `npm run users`), so the stand-in's log tells the cells apart while
// they run at once. The modes run one after the other on the one deployed
// server: PassiveIp changed with UpdateServer and a stop and start, the
// stand-in restarted (it reads PassiveIp at start, as Transfer applies a new
// PassiveIp only after a restart).
//
// The expectations live in __tests__/support/ftp-clients.ts; the README's
// client table is checked against them by __tests__/ftp-client-table.test.ts.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ADDRESSES, PrivateLinkPath, RunResult } from "../../../emulator/privatelink-path";
import { FTP_CLIENTS, FtpClient, Mode, MODES, Outcome, PASSIVE_ADDRESS, TransferContext } from "../ftp-clients";
import { addUsers, ContextSource, ftpLines, homeObject, openPath, PathContext, putHomeObject, sha256, usePassiveIp, useProtocols } from "../path-context";

const ROOT = path.resolve(__dirname, "../../..");
const LFTPRC = path.join(ROOT, "client/lftprc");
/**
 * Bound on a client's wait for a data connection where a failure is expected; the clients
 * apply it to the login too, which under CI load (a cold start of the deployed identity
 * provider and scrypt N=2^17 per login) takes up to about 5 s.
 */
const TIMEOUT_SECONDS = 8;
/** Hard bound on any one client command. */
const COMMAND_TIMEOUT_MS = 45_000;
/**
 * Cells running at once: each is two sessions (upload and download) holding a
 * passive port while they wait, and Transfer has nine (8192-8200).
 */
const CONCURRENT_CELLS = 4;
const FILE_SIZE = 100_000;

interface Step {
  readonly result: RunResult;
  /** The bytes arrived intact at the other end. */
  readonly intact: boolean;
}

interface Cell {
  readonly client: FtpClient;
  readonly mode: Mode;
  readonly upload?: Step;
  readonly download: Step;
  readonly ms: number;
  /** The FTP commands and replies the stand-in logged for this cell's user while it ran. */
  readonly serverLog: readonly { command?: string; reply?: string }[];
}

const readIfExists = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file) : undefined);

/** Runs one cell: upload (when the client can), then download of a file put on the server beforehand. */
/** The user a client logs in as (one per client: the stand-in's log is per user). */
const userOf = (client: FtpClient) => `matrix-${client.id}`;

async function runCell(pathContext: PathContext, topology: PrivateLinkPath, client: FtpClient, mode: Mode, password: string): Promise<Cell> {
  const started = Date.now();
  const workDir = fs.mkdtempSync(path.join(topology.workDir, `cell-${client.id}-`));
  const upBytes = crypto.randomBytes(FILE_SIZE);
  const downBytes = crypto.randomBytes(FILE_SIZE);
  const ctx: TransferContext = {
    host: ADDRESSES.endpoint,
    user: userOf(client),
    password,
    localFile: path.join(workDir, "upload.bin"),
    remoteUpload: `up-${client.id}.bin`,
    remoteDownload: `down-${client.id}.bin`,
    downloadTo: path.join(workDir, "download.bin"),
    workDir,
    lftprc: LFTPRC,
    timeoutSeconds: TIMEOUT_SECONDS,
  };
  fs.writeFileSync(ctx.localFile, upBytes);
  await putHomeObject(pathContext, ctx.user, ctx.remoteDownload, downBytes);

  const logBefore = topology.standInLog().length;
  const run = async (command: { argv: readonly string[]; input?: string; env?: Readonly<Record<string, string>> }) =>
    topology.run("consumer", command.argv, {
      env: { PATH: process.env.PATH, HOME: workDir, LANG: "C", ...command.env },
      input: command.input,
      timeoutMs: COMMAND_TIMEOUT_MS,
    });

  // Upload and download run at once (a failing cell waits out both bounds in parallel).
  const uploadStep = async (): Promise<Step | undefined> => {
    if (!client.upload) return undefined;
    const result = await run(client.upload(ctx));
    const landed = await homeObject(pathContext, ctx.user, ctx.remoteUpload);
    return { result, intact: landed !== undefined && sha256(landed) === sha256(upBytes) };
  };
  const downloadStep = async (): Promise<Step> => {
    const result = await run(client.download(ctx));
    const got = readIfExists(ctx.downloadTo);
    return { result, intact: got !== undefined && sha256(got) === sha256(downBytes) };
  };
  const [upload, download] = await Promise.all([uploadStep(), downloadStep()]);
  const serverLog = ftpLines(topology, ctx.user, logBefore);
  return { client, mode, upload, download, ms: Date.now() - started, serverLog };
}

/** The data-connection commands the client sent, and the address of every 227 reply, from the server's log. */
function dataConnections(cell: Cell): { commands: string[]; pasvAddresses: string[] } {
  const commands = cell.serverLog.flatMap((line) => {
    const match = /^(EPSV|PASV)\b/.exec(line.command ?? "");
    return match ? [match[1]] : [];
  });
  const pasvAddresses = cell.serverLog.flatMap((line) => {
    const match = /^227 Entering Passive Mode \((\d+),(\d+),(\d+),(\d+),/.exec(line.reply ?? "");
    return match ? [match.slice(1, 5).join(".")] : [];
  });
  return { commands, pasvAddresses };
}

/** Test output never shows the FTP password (curl/lftp transcripts could carry it). */
function mask(text: string, password: string): string {
  return text.split(password).join("<password>");
}

/** Runs `tasks` with at most `limit` at once. */
async function limited<T>(limit: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

function describeStep(name: string, step: Step | undefined): string {
  if (!step) return `${name}: (not supported by the client)`;
  const r = step.result;
  return `${name}: exit ${r.code ?? r.signal}${r.timedOut ? " (killed: time limit)" : ""} in ${r.ms} ms, bytes ${step.intact ? "intact" : "missing or different"}\n  stdout: ${r.stdout.trim().slice(-600)}\n  stderr: ${r.stderr.trim().slice(-600)}`;
}

/** Why a cell does not match its expected outcome, or undefined when it does. */
function cellProblem(cell: Cell, outcome: Outcome): string | undefined {
  const steps = [cell.upload, cell.download].filter((s): s is Step => s !== undefined);
  if (outcome.works) {
    const bad = steps.find((s) => s.result.code !== 0 || !s.intact);
    return bad ? "expected upload and download to work, byte for byte" : undefined;
  }
  // Fails, for the documented reason, and no bytes moved.
  if (steps.some((s) => s.intact)) return `expected a failure (${outcome.reason}), but bytes moved`;
  const first = steps[0];
  if (first.result.timedOut) return `expected the client to give up by itself (${outcome.reason}), not be killed at the time limit`;
  const evidence = cell.client.failureEvidence?.[outcome.reason];
  if (!evidence) return `${cell.client.id}: no failure evidence for ${outcome.reason}`;
  if (first.result.code !== evidence.exit) return `expected exit status ${evidence.exit} (${outcome.reason}), got ${first.result.code}`;
  if (!evidence.text.test(`${first.result.stdout}\n${first.result.stderr}`)) return `expected the client's words for ${outcome.reason}: ${evidence.text}`;
  if (outcome.reason === "unreachable" && first.result.ms < (TIMEOUT_SECONDS - 0.5) * 1000) {
    // It waited out the bound for a connection that never answered, rather than being refused.
    return `expected a wait of about ${TIMEOUT_SECONDS} s for an address that never answers, took ${first.result.ms} ms`;
  }
  return undefined;
}

/** The server's side of the cell: the client's data command, and the 227 address this mode advertises. */
function protocolProblem(cell: Cell): string | undefined {
  const { commands, pasvAddresses } = dataConnections(cell);
  const wanted = cell.client.dataCommand;
  if (!commands.includes(wanted)) return `expected the client to send ${wanted}; the server saw ${commands.join(", ") || "no data command"}`;
  if (wanted === "EPSV" && commands.includes("PASV")) return "expected EPSV only, the server saw PASV too";
  if (wanted === "PASV" && !pasvAddresses.every((a) => a === PASSIVE_ADDRESS[cell.mode])) {
    return `expected every 227 reply to carry ${PASSIVE_ADDRESS[cell.mode]}, saw ${pasvAddresses.join(", ")}`;
  }
  if (wanted === "PASV" && pasvAddresses.length === 0) return "expected a 227 reply in the server's log";
  return undefined;
}

export function clientMatrixSuite(context: ContextSource): void {
  describe("FTP clients through PrivateLink, per passiveIpMode (network namespaces, overlapping 10.0.3.0/24)", () => {
    // Letters, digits only: every client's login syntax takes it unquoted.
    const password = `Pw${crypto.randomBytes(8).toString("hex")}`;
    const cells = new Map<string, Cell>();
    const modeMs: Partial<Record<Mode, number>> = {};
    let topology: PrivateLinkPath;
    let matrixMs = 0;

    beforeAll(async () => {
      const ctx = context();
      await addUsers(ctx, FTP_CLIENTS.map((client) => ({ name: userOf(client), password, protocols: ["FTP"] })));
      // The article's server: FTP only. (With FTPS on the same server its FEAT offers AUTH TLS, and lftp's
      // defaults - ftp:ssl-allow yes - take it: the FTPS suite covers that.)
      await useProtocols(ctx, ["FTP"]);
      topology = await openPath(ctx, "m");
      const started = Date.now();
      for (const mode of MODES) {
        const modeStarted = Date.now();
        await usePassiveIp(ctx, topology, PASSIVE_ADDRESS[mode]);
        const results = await limited(
          CONCURRENT_CELLS,
          FTP_CLIENTS.map((client) => () => runCell(ctx, topology, client, mode, password)),
        );
        for (const cell of results) cells.set(`${cell.client.id}/${cell.mode}`, cell);
        modeMs[mode] = Date.now() - modeStarted;
      }
      matrixMs = Date.now() - started;
      // eslint-disable-next-line no-console
      console.log(`client matrix: ${matrixMs} ms (${MODES.map((m) => `${m} ${modeMs[m]} ms`).join(", ")})`);
    }, 10 * 60_000);

    afterAll(async () => {
      await useProtocols(context(), ["FTP", "FTPS", "SFTP"]);
      if (topology) expect(await topology.destroy()).toEqual([]);
    }, 30_000);

    it("runs the whole matrix (3 modes one after the other, every cell) in under three minutes", () => {
      expect(cells.size).toBe(FTP_CLIENTS.length * MODES.length);
      expect(matrixMs).toBeLessThan(180_000);
    });

    describe.each(MODES)("passiveIpMode %s", (mode) => {
      it.each(FTP_CLIENTS.map((c) => [c.id, c] as const))("%s", (_id, client) => {
        const cell = cells.get(`${client.id}/${mode}`)!;
        const outcome: Outcome = client.expected[mode];
        const report = `${client.id} in mode ${mode} (server's 227 address ${PASSIVE_ADDRESS[mode]}):\n${describeStep("upload", cell.upload)}\n${describeStep("download", cell.download)}`;
        const problem = cellProblem(cell, outcome) ?? protocolProblem(cell);
        if (problem) {
          const log = cell.serverLog.map((l) => l.command ?? l.reply).join("\n    ");
          throw new Error(`${problem}\n${mask(report, password)}\n  stand-in log:\n    ${log}`);
        }
      });
    });

    it("in consumer-endpoint mode every client moves bytes both ways", () => {
      const broken = FTP_CLIENTS.filter((client) => {
        const cell = cells.get(`${client.id}/consumer-endpoint`)!;
        return [cell.upload, cell.download].some((s) => s !== undefined && (s.result.code !== 0 || !s.intact));
      }).map((c) => c.id);
      expect(broken).toEqual([]);
    });
  });
}
