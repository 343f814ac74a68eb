// One "Lambda container" for scripts/bench-login.ts: loads the real
// identity-provider handler (the emulator's endpoint and the function's
// environment are in process.env), answers one cold login, then warm logins
// of each kind, and prints their durations as one JSON line. The parent puts
// this process in a CPU cgroup with the share Lambda gives the memory size
// being measured.
import type { TransferFamilyAuthorizerEvent, TransferFamilyAuthorizerResult } from "aws-lambda";

type Handler = (event: TransferFamilyAuthorizerEvent) => Promise<TransferFamilyAuthorizerResult>;

const WARM = Number(process.env.BENCH_WARM ?? 5);
const SERVER_ID = process.env.BENCH_SERVER_ID as string;
const PASSWORD = process.env.BENCH_PASSWORD as string;

const event = (username: string, password: string): TransferFamilyAuthorizerEvent =>
  ({ username, password, protocol: "FTP", serverId: SERVER_ID, sourceIp: "10.0.3.119" }) as TransferFamilyAuthorizerEvent;

/** CPU milliseconds (this process, scrypt's worker threads included) of each timed login. */
const cpu: number[] = [];

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  await work();
  const used = process.cpuUsage(cpuStart);
  cpu.push((used.user + used.system) / 1000);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function main(): Promise<void> {
  // Decision lines would drown the result: keep them out of stdout.
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  let handler: Handler | undefined;
  const cold = await timed(async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    handler = (require("../functions/identity-provider/handler") as { handler: Handler }).handler;
    const result = await handler(event("alice", PASSWORD));
    if (!result.Role) throw new Error("the cold login was refused");
  });
  const run = handler as Handler;
  cpu.length = 0;
  const samples: Record<string, number[]> = { known: [], unknown: [], throttled: [] };
  for (let i = 0; i < WARM; i++) {
    samples.known.push(await timed(() => run(event("alice", PASSWORD))));
    samples.unknown.push(await timed(() => run(event(`nobody-${i}`, PASSWORD))));
    samples.throttled.push(await timed(() => run(event("carol", PASSWORD))));
  }
  // The warm logins' CPU time, in the order they ran (known, unknown, throttled, known, ...).
  // The AWS calls alone, nearly no CPU: SFTP key lookups of unknown names (the same Secrets Manager reads).
  const calls: number[] = [];
  for (let i = 0; i < WARM; i++) {
    const start = process.hrtime.bigint();
    await run({ ...event(`nobody-${i}`, ""), protocol: "SFTP", password: undefined } as unknown as TransferFamilyAuthorizerEvent);
    calls.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  write(`${JSON.stringify({ cold, ...samples, cpu: cpu.slice(0, 3 * WARM), calls })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
