// Config text stays text, with Terraform as the oracle.
//
// Generated adversarial strings (quotes, backslashes, "${", "$${", "%{",
// "%%{", newlines, CR LF, tabs, a trailing backslash, heredoc markers and
// EOF-like lines, non-ASCII and astral characters, control characters, very
// long strings) go through the project's escape (asTerraformLiterals, as
// buildApp applies it to the config) into one small cdktf stack: one
// TerraformOutput per case, and the same strings as terraform_data inputs
// (values, and object keys). The stack is written as cdk.tf.json
// (stack.toTerraform(), what `npm run synth` writes) and as cdk.tf (the HCL
// printer of `npm run synth:hcl`). Each folder is `terraform apply`d with
// local state (terraform_data needs no provider), and `terraform output
// -json` must be identical between the two and equal to the input strings.
//
// Fixed seed in CI; any seed locally:
//   ROUNDTRIP_SEED=123 ROUNDTRIP_CASES=1000 npx jest __tests__/integration/literal-roundtrip.test.ts
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, DataResource, LocalBackend, TerraformOutput, TerraformStack } from "cdktf";
import { renderStackHcl } from "../../synthesis/hcl-output";
import { asTerraformLiterals } from "../../lib/terraform-literal";
import { missingPrerequisites } from "../support/prerequisites";
import { terraform, terraformInit, terraformPrerequisites, writeCliConfig } from "../../emulator/terraform";

const SEED = Number(process.env.ROUNDTRIP_SEED ?? 17);
const CASES = Number(process.env.ROUNDTRIP_CASES ?? 300);
const KEY_CASES = Math.min(60, CASES);

/** mulberry32: a small seeded PRNG, so that a failing seed can be replayed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Pieces a hostile string is built from. Control characters, NUL and DEL
// included (JSON and the printer write them as \uNNNN). Decomposed and
// compatibility characters too: Terraform normalizes every string to NFC
// (seen here in JSON and HCL: "e\u0301" reads as "\u00e9", U+212B as U+00C5),
// so the expected value is the input in NFC. Not generated: a CR without LF
// (asTerraformLiterals refuses it: Terraform's JSON syntax cannot read it
// back, see the lone-CR test), lone surrogates (not Unicode scalar values, no
// UTF-8 form), and cdktf's own token markers ("${TfToken[", refused too:
// cdktf would resolve them to another construct's value, escaped or not).
const PIECES = [
  '"', "\\", "\\\\", '\\"', "${", "$${", "$$${", "%{", "%%{", "%%%{", "}", "{", "$", "%", "$$", "%%", "}}",
  '${file("/etc/hostname")}', "${var.x}", "%{ if true }yes%{ endif }", "%{ for x in [1] }${x}%{ endfor }", "${~", "~}",
  "\n", "\r\n", "\r\n\r\n", "\t", "\n\n", " ", "  \n", "\\n", "\\u0041", "\\t",
  "EOF", "EOT", "EOT1", "\nEOT\n", "\nEOF\n", "<<EOF", "<<-EOT", "<<'EOF'", "\n  EOT  \n", "END",
  "é", "ß", "名前", "Ωμέγα", "עברית", "\u00a0", "\u2028", "\u2029", "\ufeff", "\u200b", "😀", "𝒜", "🏳️‍🌈",
  "e\u0301", "\u212b", "\ufb01", "\u0000", "\u0001", "\u0007", "\u0008", "\u000b", "\u000c", "\u001b", "\u001f", "\u007f", "\u0085",
  "a", "b", "text", "0", "1.5", "true", "null", "[", "]", ",", "=", "#", "//", "/*", "*/", ":", "'",
];

function generate(random: () => number, index: number): string {
  const pick = () => PIECES[Math.floor(random() * PIECES.length)];
  const kind = index % 10;
  if (kind === 9) {
    // Very long: thousands of characters with pieces spread through.
    let text = "";
    while (text.length < 4000 + Math.floor(random() * 4000)) text += random() < 0.8 ? "x".repeat(1 + Math.floor(random() * 40)) : pick();
    return text;
  }
  const count = 1 + Math.floor(random() * 12);
  let text = Array.from({ length: count }, pick).join("");
  if (kind === 3) text += "\\"; // trailing backslash
  if (kind === 4) text += "\n"; // ends with a newline: the printer's heredoc path
  if (kind === 5) text = `line\n${text}\nEOT\n`; // heredoc-like, EOT inside
  return text;
}

/** Fixed regressions: strings that once mis-printed or are easy to get wrong. */
const REGRESSIONS = [
  "",
  "\\",
  "${",
  "$${",
  "%%{",
  "$${x}",
  "a\nb",
  "a\nb\n",
  "a\n",
  "\n",
  "EOT\n",
  "x\nEOT\nEOT1\n",
  "  EOT\n",
  "a\r\nb\r\n",
  '"${file("/etc/hostname")}"',
  "%{ if true }x%{ endif }\n",
  "\u0001\n",
  "trailing space \n",
  "\t\n",
];

function cases(): string[] {
  const random = prng(SEED);
  // A leading U+FEFF is refused by asTerraformLiterals (Terraform's JSON drops it; RAW_CASES).
  const generated = Array.from({ length: CASES }, (_, i) => generate(random, i).replace(/^\ufeff/, "a\ufeff"));
  return [...REGRESSIONS, ...generated];
}

// JSON strings written as they are (not through the escape), with what
// Terraform reads from them: the printer must print the same meaning. A
// byte order mark at the start is skipped by Terraform's JSON syntax.
const RAW_CASES: [json: string, read: unknown][] = [
  ["\ufeff", ""],
  ["\ufeffx", "x"],
  ["\ufeff\ufeff", "\ufeff"],
  ["x\ufeff", "x\ufeff"],
  ["\ufeff$${", "${"],
  ["\ufeff${1+1}", 2],
  ["${1+1}", 2],
  ["$${1+1}", "${1+1}"],
  ["%{ if true }yes%{ endif }", "yes"],
  ["a\rb", "a\rb"],
];

interface Synthesized {
  readonly json: string;
  readonly hcl: string;
}

function synthesize(values: readonly string[]): Synthesized {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "roundtrip-out-")), stackTraces: false });
  const stack = new TerraformStack(app, "roundtrip");
  new LocalBackend(stack, { path: "terraform.tfstate" });
  // The same function buildApp applies to the config.
  const literals = asTerraformLiterals(values);
  literals.forEach((value, i) => new TerraformOutput(stack, `c${i}`, { value }).overrideLogicalId(`c${i}`));
  const byValue = new DataResource(stack, "values", { input: Object.fromEntries(literals.map((value, i) => [`c${i}`, value])) });
  new TerraformOutput(stack, "data_values", { value: byValue.output }).overrideLogicalId("data_values");
  // Hostile strings as object keys (distinct ones; a key's value is its index).
  const keys = [...new Set(values.slice(0, REGRESSIONS.length + KEY_CASES))];
  const byKey = new DataResource(stack, "keys", { input: asTerraformLiterals(Object.fromEntries(keys.map((key, i) => [key, String(i)]))) });
  new TerraformOutput(stack, "data_keys", { value: byKey.output }).overrideLogicalId("data_keys");
  RAW_CASES.forEach(([json], i) => new TerraformOutput(stack, `raw${i}`, { value: json }).overrideLogicalId(`raw${i}`));
  const json = JSON.stringify(stack.toTerraform(), null, 2);
  const hcl = renderStackHcl(stack);
  fs.rmSync(app.outdir, { recursive: true, force: true });
  return { json, hcl };
}

/** What Terraform must read back: the input strings, in NFC (and RAW_CASES as Terraform reads them). */
function expectedOutputs(values: readonly string[]): Record<string, unknown> {
  const nfc = (text: string) => text.normalize("NFC");
  const expected: Record<string, unknown> = Object.fromEntries(values.map((value, i) => [`c${i}`, nfc(value)]));
  expected.data_values = Object.fromEntries(values.map((value, i) => [`c${i}`, nfc(value)]));
  const keys = [...new Set(values.slice(0, REGRESSIONS.length + KEY_CASES))];
  expected.data_keys = Object.fromEntries(keys.map((key, i) => [nfc(key), String(i)]));
  RAW_CASES.forEach(([, read], i) => (expected[`raw${i}`] = read));
  return expected;
}

async function applyAndReadOutputs(dir: string, env: Record<string, string>): Promise<Record<string, unknown>> {
  await terraformInit(dir, env);
  await terraform(dir, ["apply", "-auto-approve"], env, 120_000);
  const { stdout } = await terraform(dir, ["output", "-json"], env);
  const outputs = JSON.parse(stdout) as Record<string, { value: unknown }>;
  return Object.fromEntries(Object.entries(outputs).map(([name, output]) => [name, output.value]));
}

/** Where two strings first differ, with some context, JSON-escaped so that control characters show. */
function firstDifference(actual: string, expected: string): string {
  let i = 0;
  while (i < actual.length && i < expected.length && actual[i] === expected[i]) i++;
  const around = (text: string) => JSON.stringify(text.slice(Math.max(0, i - 30), i + 30));
  return `at ${i} (lengths ${actual.length}/${expected.length}): got ${around(actual)}, expected ${around(expected)}`;
}

/** The first outputs (or map entries) that differ, readably. */
function differences(actual: Record<string, unknown>, expected: Record<string, unknown>, limit = 8, prefix = ""): string[] {
  const out: string[] = [];
  for (const name of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    if (out.length >= limit) break;
    const [a, e] = [actual[name], expected[name]];
    if (JSON.stringify(a) === JSON.stringify(e)) continue;
    if (typeof a === "string" && typeof e === "string") out.push(`${prefix}${name}: ${firstDifference(a, e)}`);
    else if (a && e && typeof a === "object" && typeof e === "object") {
      out.push(...differences(a as Record<string, unknown>, e as Record<string, unknown>, limit - out.length, `${prefix}${name}.`));
    } else out.push(`${prefix}${name}: got ${JSON.stringify(a)?.slice(0, 200)}, expected ${JSON.stringify(e)?.slice(0, 200)}`);
  }
  return out;
}

// JSON strings with a lone CR, and what Terraform 1.11 reads from them. With
// "\r\n" instead, each reads as a template should ("$$${" -> "$${").
const LONE_CR: Record<string, [json: string, read: string]> = {
  escape_after_cr: ["\r$$${", "\r$$${"], // a template would read "\r$${"
  interpolation_after_cr: ["\r ${1+1}", "\r ${1+1}"], // not evaluated: "\r 2" as a template
  escape_after_crlf: ["\r\n$$${", "\r\n$${"],
  interpolation_after_crlf: ["\r\n${1+1}", "\r\n2"],
};

const missing = missingPrerequisites("literal round trip (terraform apply)", terraformPrerequisites);
const withTerraform = missing.length > 0 ? describe.skip : describe;

withTerraform(`config text round-trips through Terraform as literal text (seed ${SEED}, ${CASES} generated cases)`, () => {
  const values = cases();
  let work: string;
  const outputs: Partial<Record<"json" | "hcl" | "loneCr", Record<string, unknown>>> = {};

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "literal-roundtrip-"));
    const { json, hcl } = synthesize(values);
    const env = writeCliConfig(work);
    const jsonDir = path.join(work, "json");
    const hclDir = path.join(work, "hcl");
    fs.mkdirSync(jsonDir);
    fs.mkdirSync(hclDir);
    fs.writeFileSync(path.join(jsonDir, "cdk.tf.json"), json);
    fs.writeFileSync(path.join(hclDir, "cdk.tf"), hcl);
    // Why a lone CR is refused: Terraform's own reading of such JSON strings.
    const loneCrDir = path.join(work, "lone-cr");
    fs.mkdirSync(loneCrDir);
    fs.writeFileSync(path.join(loneCrDir, "main.tf.json"), JSON.stringify({ output: Object.fromEntries(Object.entries(LONE_CR).map(([name, [json]]) => [name, { value: json }])) }));
    const [fromJson, fromHcl, fromLoneCr] = await Promise.all([applyAndReadOutputs(jsonDir, env), applyAndReadOutputs(hclDir, env), applyAndReadOutputs(loneCrDir, env)]);
    outputs.json = fromJson;
    outputs.hcl = fromHcl;
    outputs.loneCr = fromLoneCr;
  }, 180_000);

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test("the generated cases hold every kind of hostile piece", () => {
    const all = values.join("");
    for (const piece of ["${", "$${", "%{", "%%{", '"', "\\", "\r\n", "\t", "EOT", "😀", "\u0000", "\u0001", "\u007f", "e\u0301"]) expect(all).toContain(piece);
    expect(values.some((value) => value.normalize("NFC") !== value)).toBe(true);
    expect(values.some((value) => value.length > 4000)).toBe(true);
    expect(values.some((value) => value.endsWith("\\"))).toBe(true);
  });

  test("cdk.tf.json: terraform output -json equals the input strings", () => {
    expect(differences(outputs.json!, expectedOutputs(values))).toEqual([]);
  });

  test("cdk.tf (HCL printer): terraform output -json equals the input strings", () => {
    expect(differences(outputs.hcl!, expectedOutputs(values))).toEqual([]);
  });

  test("a CR without LF: Terraform's JSON stops reading the string as a template, so the escape and the printer refuse it", () => {
    expect(outputs.loneCr).toEqual(Object.fromEntries(Object.entries(LONE_CR).map(([name, [, read]]) => [name, read])));
    expect(() => asTerraformLiterals(["ok\r\n", "a\rb"])).toThrow(/\[1\]: a carriage return without a line feed/);
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "roundtrip-cr-")), stackTraces: false });
    const stack = new TerraformStack(app, "cr");
    new TerraformOutput(stack, "o", { value: "\r$$${" });
    expect(() => renderStackHcl(stack)).toThrow(/lone carriage return/);
    fs.rmSync(app.outdir, { recursive: true, force: true });
  });

  test("JSON and HCL give identical outputs", () => {
    expect(differences(outputs.hcl!, outputs.json!)).toEqual([]);
  });
});
