// lib/build-stamp.js: a build output is reused only while every input file,
// the key and the output itself are byte-identical to what was stamped.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { reusableOutput, writeStampedOutput } from "../lib/build-stamp";

describe("build stamps (synth's esbuild outputs reused while their inputs are unchanged)", () => {
  let root: string;
  const out = () => path.join(root, ".build", "out.js");
  const metafile = { inputs: { "src/a.ts": {}, "src/b.ts": {} } };
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "stamp-"));
    fs.mkdirSync(path.join(root, "src"));
    fs.writeFileSync(path.join(root, "src/a.ts"), "export const a = 1;\n");
    fs.writeFileSync(path.join(root, "src/b.ts"), "export const b = 2;\n");
    writeStampedOutput(root, out(), "key-1", Buffer.from("compiled"), metafile);
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test("unchanged inputs, key and output: reused", () => {
    expect(reusableOutput(root, out(), "key-1")?.toString()).toBe("compiled");
    // Times do not matter, contents do: a touched but identical file keeps the output.
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(root, "src/a.ts"), later, later);
    expect(reusableOutput(root, out(), "key-1")?.toString()).toBe("compiled");
  });

  test("a changed input, a removed input, another key or a tampered output: built again", () => {
    fs.writeFileSync(path.join(root, "src/b.ts"), "export const b = 3;\n");
    expect(reusableOutput(root, out(), "key-1")).toBeUndefined();
    fs.writeFileSync(path.join(root, "src/b.ts"), "export const b = 2;\n");
    expect(reusableOutput(root, out(), "key-1")).toBeDefined();
    expect(reusableOutput(root, out(), "key-2")).toBeUndefined();
    fs.writeFileSync(out(), "edited by hand");
    expect(reusableOutput(root, out(), "key-1")).toBeUndefined();
    writeStampedOutput(root, out(), "key-1", Buffer.from("compiled"), metafile);
    fs.rmSync(path.join(root, "src/a.ts"));
    expect(reusableOutput(root, out(), "key-1")).toBeUndefined();
  });

  test("no stamp, or an unreadable one: built", () => {
    fs.writeFileSync(`${out()}.inputs.json`, "{not json");
    expect(reusableOutput(root, out(), "key-1")).toBeUndefined();
    fs.rmSync(`${out()}.inputs.json`);
    expect(reusableOutput(root, out(), "key-1")).toBeUndefined();
  });

  test("the real synth entry: run-ts stamps main.ts's compile with the project files esbuild read, and compiles the same again", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { compile } = require("../scripts/run-ts") as { compile: (entry: string) => string };
    const project = path.join(__dirname, "..");
    const outfile = compile(path.join(project, "main.ts"));
    const stamp = JSON.parse(fs.readFileSync(`${outfile}.inputs.json`, "utf8"));
    expect(stamp.files).toEqual(expect.arrayContaining(["main.ts", "stacks/app.ts", "config/schema.ts"]));
    expect(stamp.files.every((f: string) => !path.isAbsolute(f) && !f.startsWith("node_modules/"))).toBe(true);
    // (Reuse itself is the cases above; here another test's synth may be compiling at the same moment.)
    const before = fs.readFileSync(outfile);
    expect(compile(path.join(project, "main.ts"))).toBe(outfile);
    expect(fs.readFileSync(outfile).equals(before)).toBe(true);
  });
});
