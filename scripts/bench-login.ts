// `npm run bench` (login part; alone: node scripts/run-ts.js scripts/bench-login.ts):
// login latency of the real identity-provider handler against the emulator,
// p50 and p99, cold and warm, for a known user (right password), an unknown
// name and a throttled user, at several Lambda memory sizes, and the Lambda
// cost per million logins at each.
//
// Lambda gives a function CPU in proportion to its memory, one vCPU at
// 1,769 MB (Lambda developer guide, "Configure Lambda function memory"). Each
// measured "container" (scripts/bench-login-container.ts, a process of its
// own) runs in a CPU cgroup whose quota is that share of one CPU (Linux CFS
// bandwidth control; needs root and the cgroup v1 cpu controller, else the
// share is not emulated and the report says so). This machine is x86 and
// shared; Lambda's arm64 (Graviton) cores differ: read the numbers as ratios.
//
// This machine is shared: other work slows every size alike, which makes large
// sizes look dearer than they are. So each login's CPU time is measured too,
// and the cost is also given for an idle vCPU share: CPU time divided by the
// share, plus the time of the AWS calls (the fastest SFTP key lookup of an
// unknown name: the same reads, no hash).
//
// Cost: arm64 duration $0.0000133334 per GB-second (first 7.5 billion
// GB-seconds a month) and $0.20 per million requests, US East (N. Virginia)
// (AWS Lambda pricing, aws.amazon.com/lambda/pricing); duration is billed per
// millisecond, rounded up. The mean warm duration is what a million logins
// cost; cold starts are rare for a warm function and are left out.
//
// The previous parameters (scrypt N = 2^14 at 256 MB) are not run (the handler
// now always does one N = 2^17 hash of work): their row is derived from the
// 256 MB measurement, less the scrypt time of N = 2^17 and plus that of 2^14,
// both measured in the same cgroup.
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { awsEnv, startEmulator } from "../emulator/client";
import { createLoginBacking } from "../emulator/identity-provider-backing";
import { projectRoot } from "../lib/project-root";
import { runUsersCli } from "../cli/users-command";

/** The checkout (this module runs bundled from .build/run/). */
const ROOT = projectRoot();
const REGION = "ap-northeast-1";
const SERVER_ID = "s-0123456789abcdef0";
const PASSWORD = "Bench-Password-1";
const TABLE = "tf-ftp-login-attempts";
/** Memory sizes measured: the previous setting, and the candidates. */
const MEMORY_SIZES = (process.env.BENCH_MEMORY_SIZES ?? "256,1024,1769").split(",").map(Number);
/** The memory stacks/provider/identity-provider-function.ts sets. */
const CHOSEN_MEMORY = 1769;
const CONTAINERS = Number(process.env.BENCH_CONTAINERS ?? 3);
const WARM = Number(process.env.BENCH_WARM ?? 5);
const PRICE_PER_GB_SECOND = 0.0000133334;
const PRICE_PER_MILLION_REQUESTS = 0.2;
const CPU_CGROUP = "/sys/fs/cgroup/cpu";

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** Cost of a million logins of this mean duration at this memory, in dollars. */
export function costPerMillion(meanMs: number, memoryMb: number): number {
  return Math.ceil(meanMs) / 1000 * (memoryMb / 1024) * PRICE_PER_GB_SECOND * 1e6 + PRICE_PER_MILLION_REQUESTS;
}

/** A CPU cgroup with Lambda's share for `memoryMb`, or undefined where it cannot be made. */
function cpuCgroup(memoryMb: number): string | undefined {
  if (process.getuid?.() !== 0 || !fs.existsSync(path.join(CPU_CGROUP, "cpu.cfs_quota_us"))) return undefined;
  const dir = path.join(CPU_CGROUP, `bench-login-${process.pid}-${memoryMb}`);
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "cpu.cfs_period_us"), "100000");
    fs.writeFileSync(path.join(dir, "cpu.cfs_quota_us"), String(Math.max(1000, Math.round((100000 * memoryMb) / 1769))));
    return dir;
  } catch {
    return undefined;
  }
}

/** Runs a command inside the cgroup (the shell joins it, then becomes the command). */
function inCgroup(cgroup: string | undefined, command: string, args: string[]): [string, string[]] {
  if (!cgroup) return [command, args];
  return ["sh", ["-c", `echo $$ > '${cgroup}/tasks' && exec "$0" "$@"`, command, ...args]];
}

interface ContainerResult {
  readonly cold: number;
  readonly known: number[];
  readonly unknown: number[];
  readonly throttled: number[];
  readonly cpu: number[];
  readonly calls: number[];
}

function runContainer(cgroup: string | undefined, env: NodeJS.ProcessEnv): Promise<ContainerResult> {
  const [command, args] = inCgroup(cgroup, process.execPath, [path.join(ROOT, "scripts/run-ts.js"), path.join(ROOT, "scripts/bench-login-container.ts")]);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").pop() as string)) : reject(new Error(`container exited ${code}: ${err}`))));
  });
}

/** scrypt of one N, timed in the cgroup: median of 3. */
function scryptMs(cgroup: string | undefined, N: number): number {
  const script = `const c=require("crypto");const t=[];for(let i=0;i<3;i++){const s=process.hrtime.bigint();c.scryptSync("p","saltsaltsaltsalt",64,{N:${N},r:8,p:1,maxmem:${256 * 1024 * 1024}});t.push(Number(process.hrtime.bigint()-s)/1e6)}t.sort((a,b)=>a-b);console.log(t[1])`;
  const [command, args] = inCgroup(cgroup, process.execPath, ["-e", script]);
  const result = spawnSync(command, args, { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`scrypt timing failed: ${result.stderr}`);
  return Number(result.stdout.trim());
}

async function main(): Promise<void> {
  const emu = await startEmulator({ region: REGION, startTimeoutMs: 120_000 });
  const cgroups: string[] = [];
  try {
    Object.assign(process.env, emu.env);
    const { keyArn, environment } = await createLoginBacking({
      region: REGION,
      account: "123456789012",
      serverId: SERVER_ID,
      table: TABLE,
      administrators: ["arn:aws:iam::123456789012:role/ftp-user-admin"],
    });
    const dynamodb = new DynamoDBClient({ region: REGION });
    for (const name of ["alice", "carol"]) {
      const code = await runUsersCli(["add", name, "--kms-key", keyArn], {
        env: { TRANSFER_CONFIG: path.join(ROOT, "config/example.json") },
        passwords: { interactive: false, ask: async () => PASSWORD },
        stdout: () => undefined,
        stderr: (line) => process.stderr.write(`${line}\n`),
      });
      if (code !== 0) throw new Error(`npm run users -- add ${name} failed`);
    }
    // carol's window stays closed for the whole run: 20 failures, the last one now (15 minutes).
    await dynamodb.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { username: { S: "carol" }, failures: { N: "20" }, lastFailureAt: { N: String(Date.now()) }, expiresAt: { N: String(Math.ceil(Date.now() / 1000) + 86_400) } },
      }),
    );
    const env = awsEnv(emu, {
      ...environment,
      AWS_REGION: REGION,
      BENCH_SERVER_ID: SERVER_ID,
      BENCH_PASSWORD: PASSWORD,
      BENCH_WARM: String(WARM),
    });

    const [load1] = os.loadavg();
    const rows: Record<string, unknown>[] = [];
    let emulated = true;
    for (const memory of MEMORY_SIZES) {
      const cgroup = cpuCgroup(memory);
      if (cgroup) cgroups.push(cgroup);
      else emulated = false;
      const containers = [];
      for (let i = 0; i < CONTAINERS; i++) containers.push(await runContainer(cgroup, env));
      const cold = containers.map((c) => c.cold);
      const known = containers.flatMap((c) => c.known);
      const unknown = containers.flatMap((c) => c.unknown);
      const throttled = containers.flatMap((c) => c.throttled);
      const warm = [...known, ...unknown, ...throttled];
      const cpu = containers.flatMap((c) => c.cpu);
      const scrypt17 = scryptMs(cgroup, 2 ** 17);
      const scrypt14 = memory === 256 ? scryptMs(cgroup, 2 ** 14) : undefined;
      rows.push({ memory, cold, known, unknown, throttled, meanWarm: mean(warm), meanCpu: mean(cpu), minWait: Math.min(...containers.flatMap((c) => c.calls)), scrypt17, scrypt14 });
    }

    const fmt = (values: number[]) => `${percentile(values, 50).toFixed(0).padStart(5)} /${percentile(values, 99).toFixed(0).padStart(5)}`;
    console.log(`login latency of the real handler on the emulator, ms p50 / p99 (${CONTAINERS} containers x ${WARM} warm logins of each kind; load average ${load1.toFixed(1)} on ${os.cpus().length} CPUs)`);
    console.log(emulated ? "CPU share per memory size emulated with a CFS quota (memory / 1769 MB of one CPU)" : "CPU share NOT emulated (needs root and the cgroup v1 cpu controller): every size ran on a full CPU");
    type Row = { memory: number; cold: number[]; known: number[]; unknown: number[]; throttled: number[]; meanWarm: number; meanCpu: number; minWait: number; scrypt17: number };
    const full = (rows as Row[]).find((r) => r.memory >= 1769) ?? (rows as Row[])[rows.length - 1];
    console.log(`${"memory".padEnd(8)} ${"cold".padEnd(13)} ${"known user".padEnd(13)} ${"unknown".padEnd(13)} ${"throttled".padEnd(13)} ${"scrypt 2^17".padEnd(12)} ${"CPU/login".padEnd(10)} $/1M as measured, on an idle share`);
    for (const row of rows as Row[]) {
      const chosen = row.memory === CHOSEN_MEMORY ? "  <- chosen" : "";
      const idleMs = row.meanCpu / Math.min(1, row.memory / 1769) + full.minWait;
      console.log(
        `${`${row.memory} MB`.padEnd(8)} ${fmt(row.cold)}  ${fmt(row.known)}  ${fmt(row.unknown)}  ${fmt(row.throttled)}  ${row.scrypt17.toFixed(0).padStart(8)} ms  ${row.meanCpu.toFixed(0).padStart(6)} ms  ${costPerMillion(row.meanWarm, row.memory).toFixed(2).padStart(6)}  ${costPerMillion(idleMs, row.memory).toFixed(2).padStart(6)} (${idleMs.toFixed(0)} ms)${chosen}`,
      );
    }
    const previous = rows.find((r) => r.memory === 256) as { meanWarm: number; scrypt17: number; scrypt14: number } | undefined;
    if (previous) {
      const derivedMean = previous.meanWarm - previous.scrypt17 + previous.scrypt14;
      console.log(
        `previous parameters (scrypt N=2^14 at 256 MB, derived: 256 MB mean less scrypt 2^17 plus 2^14): mean ${derivedMean.toFixed(0)} ms, $ ${costPerMillion(derivedMean, 256).toFixed(2)} per 1M logins`,
      );
    }
    console.log(`prices: arm64 $${PRICE_PER_GB_SECOND} per GB-second, $${PRICE_PER_MILLION_REQUESTS} per 1M requests (AWS Lambda pricing, US East (N. Virginia))`);
  } finally {
    for (const dir of cgroups) {
      try {
        fs.rmdirSync(dir);
      } catch {
        // Still has a task (a container that did not exit): left for the system to clean up.
      }
    }
    await emu.stop();
  }
}

main().catch((error) => {
  console.error(`bench-login: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
