// `npm run synth:hcl` writes HCL that says exactly what the JSON synth says,
// and that Terraform accepts.
//
// Both synths run as the npm scripts do (node scripts/synth.js [--hcl]), into
// a temporary CDKTF_OUTDIR, from a config whose restart resource is
// terraform_data (hashicorp/null cannot be installed offline; the mirror has
// only hashicorp/aws). Each cdk.tf is converted back to JSON with
// @cdktf/hcl2json and compared, value for value, with cdk.tf.json.
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { parse } from "@cdktf/hcl2json";
import { RESTART_COMMAND } from "../../stacks/provider/passive-ip-restart";
import { stringExpression } from "../../synthesis/hcl-output";
import { exampleWith, PROJECT_ROOT } from "../support/config";
import { missingPrerequisites } from "../support/prerequisites";
import { terraform, terraformInit, terraformPrerequisites, terraformValidate, writeCliConfig } from "../../emulator/terraform";

const run = promisify(execFile);
const STACKS = ["provider", "consumer"] as const;
type Stack = (typeof STACKS)[number];

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
type JsonObject = { [key: string]: JsonValue };

let work: string;
const json: Partial<Record<Stack, JsonObject>> = {};
const hclText: Partial<Record<Stack, string>> = {};
const hclParsed: Partial<Record<Stack, JsonObject>> = {};
const hclParseError: Partial<Record<Stack, string>> = {};

/** The stack's cdk.tf as hcl2json reads it; fails the test with the start of hcl2json's complaint. */
function parsedHcl(stack: Stack): JsonObject {
  const error = hclParseError[stack];
  if (error !== undefined) {
    throw new Error(`${stack}/cdk.tf is not valid HCL (is writeHclOutput from synthesis/hcl-output.ts called by main.ts?):\n${error.slice(0, 1500)}`);
  }
  return hclParsed[stack]!;
}

async function synth(outdir: string, configFile: string, hcl: boolean): Promise<void> {
  await run(process.execPath, ["scripts/synth.js", ...(hcl ? ["--hcl"] : [])], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, TRANSFER_CONFIG: configFile, CDKTF_OUTDIR: outdir },
    timeout: 60_000,
  });
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "hcl-synth-"));
  const configFile = path.join(work, "config.json");
  fs.writeFileSync(configFile, JSON.stringify(exampleWith({ provider: { restartResource: "terraform_data" } }), null, 2));
  // One after the other: both synths write the Lambda archive to the same
  // .build/assets file of the checkout before cdktf copies it.
  await synth(path.join(work, "json"), configFile, false);
  await synth(path.join(work, "hcl"), configFile, true);
  for (const stack of STACKS) {
    json[stack] = JSON.parse(fs.readFileSync(path.join(work, "json", "stacks", stack, "cdk.tf.json"), "utf8"));
    hclText[stack] = fs.readFileSync(path.join(work, "hcl", "stacks", stack, "cdk.tf"), "utf8");
    try {
      hclParsed[stack] = (await parse(`${stack}/cdk.tf`, hclText[stack]!)) as JsonObject;
    } catch (error) {
      hclParseError[stack] = String(error);
    }
  }
}, 120_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------
// The normalizer. hcl2json and cdk.tf.json describe the same configuration in
// two shapes; this maps hcl2json's shape onto the JSON synth's, changing no
// value, so that a plain deep equality compares every attribute:
//   - JSON "//" keys are metadata comments; HCL has none (hcl2json drops
//     comments). They are removed from the JSON side.
//   - hcl2json writes every block as an array of bodies (resource "t" "n" {}
//     becomes resource.t.n = [body], health_check {} becomes [body]); the JSON
//     synth writes a single block as an object. Where the JSON side has an
//     object and the HCL side an array holding exactly one object, that one
//     object is compared. (An argument wrongly printed as a block would pass
//     this step; `terraform validate` below rejects that.)
//   - provisioner "local-exec" {} comes back as provisioner = {"local-exec": [body]};
//     JSON writes [{"local-exec": body}].
//   - Terraform JSON writes the references of depends_on, provider,
//     lifecycle.ignore_changes / replace_triggered_by, and the keywords of a
//     provisioner's when / on_failure, as plain strings ("aws_x.y"); HCL
//     writes them bare and hcl2json returns "${aws_x.y}". Only in those
//     places is the ${ } taken off. Everywhere else "${x}" and "x" stay
//     different (a literal is not a reference).

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function withoutComments(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(withoutComments);
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => key !== "//").map(([key, v]) => [key, withoutComments(v)]));
}

function unwrapReference(value: JsonValue): JsonValue {
  return typeof value === "string" ? value.replace(/^\$\{([\s\S]*)\}$/, "$1") : value;
}

const isBodyPath = (p: string[]) => ((p[0] === "resource" || p[0] === "data") && p.length === 3) || (p[0] === "output" && p.length === 2);

function alignToJson(hcl: JsonValue, reference: JsonValue | undefined, at: string[] = []): JsonValue {
  if (isObject(reference) && Array.isArray(hcl) && hcl.length === 1 && isObject(hcl[0])) return alignToJson(hcl[0], reference, at);
  if (Array.isArray(hcl)) return hcl.map((entry, i) => alignToJson(entry, Array.isArray(reference) ? reference[i] : undefined, [...at, String(i)]));
  if (!isObject(hcl)) return hcl;
  const ref = isObject(reference) ? reference : {};
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(hcl)) {
    if (isBodyPath(at) && (key === "depends_on" || key === "provider")) {
      out[key] = Array.isArray(value) ? value.map(unwrapReference) : unwrapReference(value);
    } else if (isBodyPath(at) && key === "provisioner" && isObject(value)) {
      const list: JsonValue[] = Object.entries(value).flatMap(([type, bodies]) =>
        (Array.isArray(bodies) ? bodies : [bodies]).map((body) => ({ [type]: body })),
      );
      out[key] = list.map((entry, i) => {
        const [type, body] = Object.entries(entry as JsonObject)[0];
        const refBody = Array.isArray(ref[key]) ? ((ref[key] as JsonValue[])[i] as JsonObject | undefined)?.[type] : undefined;
        const aligned = alignToJson(body, refBody, [...at, key, String(i), type]) as JsonObject;
        for (const word of ["when", "on_failure"]) if (word in aligned) aligned[word] = unwrapReference(aligned[word]);
        return { [type]: aligned };
      });
    } else if (at.length > 0 && at[at.length - 1] === "lifecycle" && (key === "ignore_changes" || key === "replace_triggered_by")) {
      out[key] = Array.isArray(value) ? value.map(unwrapReference) : unwrapReference(value);
    } else {
      out[key] = alignToJson(value, ref[key], [...at, key]);
    }
  }
  return out;
}

async function hclAsJson(text: string): Promise<JsonObject> {
  return (await parse("test.tf", text)) as JsonObject;
}

// ---------------------------------------------------------------------------

describe("npm run synth:hcl", () => {
  test.each(STACKS)("%s: cdk.tf says what cdk.tf.json says (every block, argument and value)", (stack) => {
    const expected = withoutComments(json[stack]!) as JsonObject;
    const actual = alignToJson(parsedHcl(stack), expected) as JsonObject;
    // The sections the review cares about, one by one (clearer failures), then all of it.
    for (const section of ["terraform", "provider", "data", "resource", "output"]) {
      expect({ [section]: actual[section] }).toEqual({ [section]: expected[section] });
    }
    expect(actual).toEqual(expected);
    expect(Object.keys(expected)).toEqual(expect.arrayContaining(["terraform", "provider", "resource", "output"]));
  });

  test("the strings cdktf 0.21's own printer breaks come out intact", () => {
    const provider = parsedHcl("provider");
    const restart = (provider.resource as JsonObject).terraform_data as JsonObject;
    const [restartBody] = Object.values(restart) as JsonValue[][];
    const localExec = (((restartBody[0] as JsonObject).provisioner as JsonObject)["local-exec"] as JsonObject[])[0];
    // A multi-line local-exec command (cdktf: a quoted string with raw newlines).
    expect(localExec.command).toBe(RESTART_COMMAND);
    // Digit-only strings stay strings (cdktf: TIMEOUT_SECONDS = 900).
    expect((localExec.environment as JsonObject).TIMEOUT_SECONDS).toBe("900");
    // A JSON policy with an interpolation keeps its quotes (cdktf: "{"Version":...}").
    expect(hclText.provider).toMatch(/^ {2}policy += "\{\\"Version\\":\\"2012-10-17\\"/m);
    // lifecycle preconditions are blocks (cdktf: precondition = [ ... ], rejected by Terraform).
    expect(hclText.provider).toMatch(/^ {4}precondition \{$/m);
    expect(hclText.provider).not.toMatch(/precondition\s*=/);
    // References are bare (cdktf: depends_on = ["aws_x.y"], provider = "aws.alias").
    expect(hclText.provider).toMatch(/^ {2}depends_on = \[\n {4}aws_cloudwatch_log_group\.[\w-]+,\n {4}aws_iam_role_policy\.[\w-]+,\n {2}\]$/m);
    expect(hclText.consumer).toMatch(/^ {2}provider = aws\.service_owner$/m);
    // The EC2 user data: a heredoc whose delimiter is not a line of the content
    // (cdktf: <<EOF, ended early by the ftp-smoke script's own EOF line), and
    // with exactly the JSON value (cdktf adds a newline to every heredoc).
    const instance = Object.values((parsedHcl("consumer").resource as JsonObject).aws_instance as JsonObject)[0] as JsonObject[];
    const expectedUserData = Object.values((json.consumer!.resource as JsonObject).aws_instance as JsonObject)[0] as JsonObject;
    expect(instance[0].user_data).toBe(expectedUserData.user_data);
    const opener = /^ {2}user_data += <<(\w+)$/m.exec(hclText.consumer!);
    expect(opener).not.toBeNull();
    expect((expectedUserData.user_data as string).split("\n").map((line) => line.trim())).not.toContain(opener![1]);
  });

  test("the HCL stack folders carry the same assets, byte for byte", () => {
    for (const stack of STACKS) {
      const files = (root: string) =>
        fs.existsSync(root) ? (fs.readdirSync(root, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(root, f)).isFile()).sort() : [];
      const jsonAssets = files(path.join(work, "json", "stacks", stack, "assets"));
      const hclAssets = files(path.join(work, "hcl", "stacks", stack, "assets"));
      expect(hclAssets).toEqual(jsonAssets);
      for (const file of jsonAssets) {
        const a = fs.readFileSync(path.join(work, "json", "stacks", stack, "assets", file));
        const b = fs.readFileSync(path.join(work, "hcl", "stacks", stack, "assets", file));
        expect(b.equals(a)).toBe(true);
      }
    }
    expect(fs.existsSync(path.join(work, "json", "stacks", "provider", "assets"))).toBe(true);
  });

});

describe("the HCL/JSON comparison used above", () => {
  test("the comparison is strict: a number for a string, a bare reference for a literal, a changed value all fail", async () => {
    const reference: JsonObject = {
      resource: { terraform_data: { x: { input: { n: "900", r: "aws_lb.x.arn", s: "${aws_lb.x.arn}" } } } },
    };
    const good = await hclAsJson('resource "terraform_data" "x" {\n  input = {\n    n = "900"\n    r = "aws_lb.x.arn"\n    s = aws_lb.x.arn\n  }\n}\n');
    expect(alignToJson(good, reference)).toEqual(reference);
    const numberInstead = await hclAsJson('resource "terraform_data" "x" {\n  input = {\n    n = 900\n    r = "aws_lb.x.arn"\n    s = aws_lb.x.arn\n  }\n}\n');
    expect(alignToJson(numberInstead, reference)).not.toEqual(reference);
    const referenceInstead = await hclAsJson('resource "terraform_data" "x" {\n  input = {\n    n = "900"\n    r = aws_lb.x.arn\n    s = aws_lb.x.arn\n  }\n}\n');
    expect(alignToJson(referenceInstead, reference)).not.toEqual(reference);
    const changed = await hclAsJson('resource "terraform_data" "x" {\n  input = {\n    n = "900"\n    r = "aws_lb.x.arn"\n    s = aws_lb.y.arn\n  }\n}\n');
    expect(alignToJson(changed, reference)).not.toEqual(reference);
  });
});

// Strings are where cdktf's printer failed; each of these must come back from
// hcl2json exactly as the JSON synth holds it.
describe("synthesis/hcl-output.ts prints any JSON string as an equal HCL string", () => {
  const cases: [string, string][] = [
    ["plain", "tf-ftp-nlb"],
    ["empty", ""],
    ["quotes and backslashes", 'say "hi" \\ C:\\path \\"'],
    ["JSON with an interpolation", '{"Resource":"${aws_lb.x.arn}:*","Sid":"A"}'],
    ["digits only", "900"],
    ["starts with [", "[not a list]"],
    ["two lines, no final newline", "line 1\nline 2"],
    ["script ending in a newline (heredoc)", "#!/bin/sh\necho \"$HOME\" 'x'\n"],
    ["heredoc whose lines include EOT and EOT1", "EOT\n  EOT1  \nEOT2x\n"],
    ["CR LF line ends", "a\r\nb\r\n"],
    ["tabs and control characters", "a\tb\u0001c\u007f"],
    ["escaped template sequences", "$${HOME} and %%{ if x }"],
    ["one reference (printed bare)", "${aws_lb.x.arn}"],
    ["two interpolations", "${a.b}${c.d}"],
    ["nested quotes and braces in an interpolation", 'x ${jsonencode({ "k" = "}" })} "y"'],
    ["a directive", "%{if var.on}on%{else}off%{endif}"],
    ["multi-line with interpolations (heredoc)", "host ${aws_vpc_endpoint.e.dns_entry[0].dns_name}\n$${NOT_TERRAFORM}\n"],
  ];

  test.each(cases)("%s", async (_name, value) => {
    const rendered = stringExpression(value).text;
    const parsed = await hclAsJson(`locals {\n  value = ${rendered}\n}\n`);
    expect((parsed.locals as JsonObject[])[0].value).toBe(value);
  });

  test("a reference alone is printed bare; a multi-line string ending in a newline as a heredoc", () => {
    expect(stringExpression("${aws_lb.x.arn}").text).toBe("aws_lb.x.arn");
    expect(stringExpression("a\nb\n").text).toBe("<<EOT\na\nb\nEOT");
    expect(stringExpression("EOT\n").text).toBe("<<EOT1\nEOT\nEOT1");
    expect(stringExpression("a\nb").text).toBe('"a\\nb"');
  });
});

const missing = missingPrerequisites("HCL synth (terraform validate)", terraformPrerequisites);
const withTerraform = missing.length > 0 ? describe.skip : describe;

withTerraform("Terraform accepts the synthesized HCL (offline, hashicorp/aws from the mirror)", () => {
  type Outcome = { ok: true; stdout: string } | { ok: false; error: string };
  const validation: Record<string, Outcome> = {};
  let tfEnv: Record<string, string>;

  const outcome = (promise: Promise<{ stdout: string }>): Promise<Outcome> =>
    promise.then(
      ({ stdout }) => ({ ok: true as const, stdout }),
      (error: Error) => ({ ok: false as const, error: error.message }),
    );
  const expectValid = (key: string): string => {
    const result = validation[key];
    if (!result.ok) throw new Error(result.error);
    expect(result.stdout).toContain("Success! The configuration is valid.");
    return result.stdout;
  };

  // init + validate of the two HCL folders side by side (each takes seconds). The
  // JSON synth of the same config (examples/single-az.json) is validated by
  // validate.test.ts: a failure here with that one passing lies in the printing.
  beforeAll(async () => {
    tfEnv = writeCliConfig(path.join(work, "terraform-cli"));
    const targets = STACKS.map((stack) => ({ key: `hcl/${stack}`, dir: path.join(work, "hcl", "stacks", stack) }));
    await Promise.all(
      targets.map(async ({ key, dir }) => {
        const init = await outcome(terraformInit(dir, tfEnv));
        validation[key] = init.ok ? await outcome(terraformValidate(dir, tfEnv)) : init;
      }),
    );
  }, 120_000);

  test.each(STACKS)("%s: terraform validate succeeds on cdk.tf", (stack) => {
    const stdout = expectValid(`hcl/${stack}`);
    // No deprecation warnings either (quoted references, which cdktf's printer writes).
    expect(stdout).not.toMatch(/Warning/);
  });

  test.each(STACKS)("%s: terraform fmt would change nothing (canonical layout)", async (stack) => {
    const { stdout } = await terraform(path.join(work, "hcl", "stacks", stack), ["fmt", "-check", "-diff", "cdk.tf"], tfEnv);
    expect(stdout).toBe("");
  });
});
