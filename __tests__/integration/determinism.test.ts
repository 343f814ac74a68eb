// `npm run synth` is deterministic: two checkouts at different absolute paths,
// synthesized in different time zones, produce byte-identical cdktf.out trees
// (assets included), and nothing in them depends on the machine (paths,
// host name, today's date). Terraform Cloud receives these files as they are,
// and the PR workflow diffs them against the base branch: any machine-specific
// byte would show up as a change nobody made.
//
// The project's files (`git ls-files --cached --others --exclude-standard`:
// tracked plus untracked-but-not-ignored, i.e. what a commit of the working
// tree would hold) are copied into two temporary "clones" whose paths differ
// in name and depth; node_modules is symlinked into each.
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { unzipSync } from "fflate";
import { PROJECT_ROOT } from "../support/config";

const run = promisify(execFile);
/** What `npm run synth` and `npm run synth:hcl` write. */
const OUTPUT_TREES = ["cdktf.out", "cdktf.out.hcl"];

let base: string;
let cloneA: string;
let cloneB: string;
/** Path below the clone (cdktf.out/..., cdktf.out.hcl/...) -> bytes. */
let outA: Map<string, Buffer>;
let outB: Map<string, Buffer>;
/** The text of the project's own source files: where a legitimate path in the output comes from. */
let sourceCorpus: string;

function projectFiles(): string[] {
  const listing = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  // --cached also lists files deleted in the working tree; a commit would not hold them.
  return listing
    .split("\0")
    .filter((file) => file !== "")
    .filter((file) => fs.lstatSync(path.join(PROJECT_ROOT, file), { throwIfNoEntry: false })?.isFile());
}

function makeClone(dir: string, files: readonly string[]): void {
  for (const file of files) {
    fs.mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
    fs.copyFileSync(path.join(PROJECT_ROOT, file), path.join(dir, file));
  }
  fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
}

/**
 * The environment of a plain `npm run synth` of the article's layout (the
 * example with the client instance, whose user data holds the most text): the
 * clone's own examples/single-az.json, no outdir override, a given time zone.
 */
function synthEnv(tz: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TZ: tz, TRANSFER_CONFIG: "examples/single-az.json" };
  for (const key of ["CDKTF_OUTDIR", "SYNTH_HCL_OUTPUT", "CDKTF_CONTEXT_JSON", "CDKTF_TARGET_STACK_ID"]) delete env[key];
  return env;
}

function readTree(root: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.set(path.relative(root, full).split(path.sep).join("/"), fs.readFileSync(full));
    }
  };
  walk(root);
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Every text to inspect: each file's bytes as latin1, plus the decompressed entries of zip assets. */
function inspectableTexts(files: Map<string, Buffer>): { where: string; text: string }[] {
  const texts: { where: string; text: string }[] = [];
  for (const [file, bytes] of files) {
    texts.push({ where: file, text: bytes.toString("latin1") });
    if (file.endsWith(".zip")) {
      for (const [entry, content] of Object.entries(unzipSync(new Uint8Array(bytes)))) {
        texts.push({ where: `${file}!${entry}`, text: Buffer.from(content).toString("latin1") });
      }
    }
  }
  return texts;
}

/** Today's date (YYYY-MM-DD) in a time zone. */
function isoDate(timeZone: string, at = new Date()): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at);
}

beforeAll(async () => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), "determinism-"));
  cloneA = path.join(base, "x", "a-clone");
  cloneB = path.join(base, "y", "nested", "some-other-name");
  const files = projectFiles();
  makeClone(cloneA, files);
  makeClone(cloneB, files);
  sourceCorpus = files
    .filter((file) => !file.startsWith("__tests__/"))
    .filter((file) => /\.(ts|js|json|sh|py)$|^client\//.test(file))
    .map((file) => fs.readFileSync(path.join(PROJECT_ROOT, file), "latin1"))
    .join("\n");
  // The clones in parallel, in two time zones 9 hours apart (zip timestamps
  // are local time). In each: `npm run synth`, then `npm run synth:hcl` (the
  // PR workflow diffs the HCL against the base branch, so it must be just as
  // stable).
  const synthBoth = async (cwd: string, tz: string) => {
    await run(process.execPath, ["scripts/synth.js"], { cwd, env: synthEnv(tz), timeout: 60_000 });
    await run(process.execPath, ["scripts/synth.js", "--hcl"], { cwd, env: synthEnv(tz), timeout: 60_000 });
  };
  await Promise.all([synthBoth(cloneA, "UTC"), synthBoth(cloneB, "Asia/Tokyo")]);
  const trees = (clone: string) =>
    new Map([...OUTPUT_TREES.flatMap((tree) => [...readTree(path.join(clone, tree)).entries()].map(([file, bytes]): [string, Buffer] => [`${tree}/${file}`, bytes]))]);
  outA = trees(cloneA);
  outB = trees(cloneB);
}, 90_000);

afterAll(() => {
  if (base) fs.rmSync(base, { recursive: true, force: true });
});

describe("npm run synth is deterministic", () => {
  test("both clones synthesize the same files: both stacks (JSON and HCL), the manifests and the Lambda archive", () => {
    expect([...outB.keys()]).toEqual([...outA.keys()]);
    const names = [...outA.keys()];
    expect(names).toEqual(
      expect.arrayContaining([
        "cdktf.out/manifest.json",
        "cdktf.out/stacks/provider/cdk.tf.json",
        "cdktf.out/stacks/consumer/cdk.tf.json",
        "cdktf.out.hcl/manifest.json",
        "cdktf.out.hcl/stacks/provider/cdk.tf",
        "cdktf.out.hcl/stacks/consumer/cdk.tf",
      ]),
    );
    expect(names.filter((name) => /^cdktf\.out\/stacks\/provider\/assets\/.+\.zip$/.test(name))).toHaveLength(1);
    expect(names.filter((name) => /^cdktf\.out\.hcl\/stacks\/provider\/assets\/.+\.zip$/.test(name))).toHaveLength(1);
  });

  test("every file is byte-identical across paths and time zones", () => {
    const different = [...outA.keys()].filter((file) => !outB.get(file)?.equals(outA.get(file)!));
    if (different.length > 0) {
      // Show where the first difference is, to find its cause.
      const file = different[0];
      const a = outA.get(file)!;
      const b = outB.get(file) ?? Buffer.alloc(0);
      let at = 0;
      while (at < a.length && at < b.length && a[at] === b[at]) at++;
      const context = (buffer: Buffer) => JSON.stringify(buffer.subarray(Math.max(0, at - 80), at + 80).toString("latin1"));
      throw new Error(`${different.length} file(s) differ: ${different.join(", ")}\nfirst at byte ${at} of ${file}:\n  A: ${context(a)}\n  B: ${context(b)}`);
    }
    expect(different).toEqual([]);
  });

  test("the Lambda archives hold only index.js, stamped 1980-01-01 00:00 in both time zones", () => {
    for (const zipName of [...outA.keys(), ...outB.keys()].filter((name) => name.endsWith(".zip"))) {
      const zip = (outA.get(zipName) ?? outB.get(zipName))!;
      expect(Object.keys(unzipSync(new Uint8Array(zip)))).toEqual(["index.js"]);
      // Local file header: DOS time at offset 10, date at 12 (little endian).
      expect(zip.readUInt32LE(0)).toBe(0x04034b50);
      expect(zip.readUInt16LE(10)).toBe(0); // 00:00:00
      expect(zip.readUInt16LE(12)).toBe((0 << 9) | (1 << 5) | 1); // 1980-01-01
    }
  });

  test("no file mentions a clone's path, the project's real path, the home directory or the host name", () => {
    // A home directory under /root or /home is covered by the next test.
    const home = /^\/(root|home)(\/|$)/.test(os.homedir()) ? [] : [os.homedir()];
    const needles = [cloneA, cloneB, base, PROJECT_ROOT, ...home, fs.realpathSync(os.tmpdir()) + path.sep + "determinism-"];
    const host = os.hostname();
    // The host name as a whole word (it may be short, like "vm").
    const hostPattern = new RegExp(`(?<![A-Za-z0-9_.-])${host.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![A-Za-z0-9_-])`);
    const leaks: string[] = [];
    for (const { where, text } of [...inspectableTexts(outA), ...inspectableTexts(outB)]) {
      for (const needle of needles) if (needle.length > 1 && text.includes(needle)) leaks.push(`${where}: ${needle}`);
      if (hostPattern.test(text)) leaks.push(`${where}: host name ${host}`);
    }
    expect(leaks).toEqual([]);
  });

  // "/tmp", "/root" and "/home" do occur legitimately: the EC2 client's user
  // data writes /tmp/lftprc and its smoke script defaults to ${TMPDIR:-/tmp},
  // paths on the instance, written in the project's own sources. A path of
  // this machine would not be. So every such path in the output must appear
  // verbatim in the project's source files (tests excluded).
  test("every /tmp, /root or /home path in the output comes from the project's own sources", () => {
    const unexplained = new Set<string>();
    const found = new Set<string>();
    for (const { where, text } of inspectableTexts(outA)) {
      for (const match of text.matchAll(/\/(?:tmp|root|home)(?:\/[A-Za-z0-9._@+-]*)*/g)) {
        found.add(match[0]);
        if (!sourceCorpus.includes(match[0])) unexplained.add(`${where}: ${match[0]}`);
      }
    }
    expect([...unexplained]).toEqual([]);
    // The check looked at something: the user data's /tmp/lftprc is there.
    expect(found).toContain("/tmp/lftprc");
  });

  test("no file holds today's date (UTC or either synth's time zone)", () => {
    const dates = new Set([isoDate("UTC"), isoDate("Asia/Tokyo"), isoDate(Intl.DateTimeFormat().resolvedOptions().timeZone)]);
    const compact = [...dates].map((date) => date.replace(/-/g, ""));
    const hits: string[] = [];
    for (const { where, text } of [...inspectableTexts(outA), ...inspectableTexts(outB)]) {
      for (const date of [...dates, ...compact]) if (text.includes(date)) hits.push(`${where}: ${date}`);
    }
    expect(hits).toEqual([]);
    expect(dates.size).toBeGreaterThanOrEqual(1);
  });
});
