// `npm run check-stacks` (cli/check-stacks-command.ts, lib/stack-gate.ts): the
// gate accepts what the project synthesizes and refuses, with every reason,
// each way a pull request could make a credentialed `terraform plan` run code
// of its choosing. The five bypasses a security review found against the
// previous check (file names, required_providers, `jq '.data.external'`) come
// first, then more. Each case starts from a real synthesis of the example
// config. (Every config variant passing is in stack-allow-list.test.ts; the
// workflow's own step running this command is in workflow.test.ts.)
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { zipSync } from "fflate";
import { ALLOW_LIST, runCheckStacks } from "../cli/check-stacks-command";
import { checkSynthOutput } from "../lib/stack-gate";
import { buildApp } from "../stacks/app";
import { configWith, PROJECT_ROOT } from "./support/config";

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let work: string;
let example: string;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "check-stacks-"));
  example = path.join(work, "example");
  buildApp(configWith(), { projectRoot: PROJECT_ROOT, outdir: example }).synth();
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

let counter = 0;
/** A copy of the example synthesis with `edit` applied. */
function tampered(edit: (root: string) => void): string {
  const root = path.join(work, `case-${++counter}`);
  fs.cpSync(example, root, { recursive: true });
  edit(root);
  return root;
}
const jsonFile = (root: string, stack: string) => path.join(root, "stacks", stack, "cdk.tf.json");
function editJson(root: string, stack: string, edit: (doc: Doc) => void): void {
  const doc = JSON.parse(fs.readFileSync(jsonFile(root, stack), "utf8")) as Doc;
  edit(doc);
  fs.writeFileSync(jsonFile(root, stack), JSON.stringify(doc, null, 2));
}
function editText(root: string, stack: string, edit: (text: string) => string): void {
  fs.writeFileSync(jsonFile(root, stack), edit(fs.readFileSync(jsonFile(root, stack), "utf8")));
}
/** Appends raw members to the document's top-level object (duplicates stay duplicates). */
const appendMembers = (members: string) => (text: string) => `${text.trimEnd().replace(/\}$/, "")},\n${members}\n}`;
const only = (doc: Doc, type: string) => Object.keys(doc.resource[type])[0];
const problemsOf = (root: string) => checkSynthOutput(root, ALLOW_LIST).problems;

function expectRefused(root: string, ...reasons: RegExp[]): string[] {
  const problems = problemsOf(root);
  expect(problems.length).toBeGreaterThan(0);
  for (const reason of reasons) expect({ reason: reason.source, problems }).toEqual({ reason: reason.source, problems: expect.arrayContaining([expect.stringMatching(reason)]) });
  return problems;
}

test("accepts what `npm run synth` writes for the example config", () => {
  expect(problemsOf(example)).toEqual([]);
});

describe("the five bypasses of the previous check", () => {
  test("1. a duplicate \"data\" key (Terraform reads both; JSON.parse and jq only the last)", () => {
    const root = tampered((r) => editText(r, "consumer", appendMembers('"data": {"external": {"x": {"program": ["sh", "-c", "env"]}}}')));
    // What the old check saw: JSON.parse keeps the last "data" only, and that one looks harmless to a file-name check.
    expectRefused(root, /stacks\/consumer\/cdk\.tf\.json: \$\.data: a duplicate key/, /\$\.data\.external: a data source type the project does not use \(external\)/);
  });

  test("2. array-form blocks (`\"data\": [...]`, where jq's `.data.external` errors)", () => {
    const root = tampered((r) => editJson(r, "consumer", (doc) => (doc.data = [doc.data, { external: { x: { program: ["sh", "-c", "env"] } } }])));
    expectRefused(root, /\$\.data: an array-form block \(data\[\]\)/);
    const nested = tampered((r) => editJson(r, "provider", (doc) => (doc.resource.aws_lb = [doc.resource.aws_lb])));
    expectRefused(nested, /\$\.resource\.aws_lb: an array-form block/);
  });

  test("3. a module: under assets/, or from a remote source", () => {
    const local = tampered((r) => {
      editJson(r, "provider", (doc) => (doc.module = { m: { source: "./assets/m" } }));
      fs.mkdirSync(path.join(r, "stacks/provider/assets/m"), { recursive: true });
      fs.writeFileSync(path.join(r, "stacks/provider/assets/m/main.tf.json"), JSON.stringify({ output: { x: { value: '${file("/proc/self/environ")}' } } }));
    });
    expectRefused(local, /\$\.module: a module/, /stacks\/provider\/assets\/m: a folder that is not an asset of this project/);
    const remote = tampered((r) => editJson(r, "consumer", (doc) => (doc.module = { m: { source: "git::https://example.invalid/m.git" } })));
    expectRefused(remote, /stacks\/consumer\/cdk\.tf\.json: \$\.module: a module/);
  });

  test("4. a provider used but never declared: data \"http\", resource \"local_file\"", () => {
    const root = tampered((r) =>
      editJson(r, "provider", (doc) => {
        doc.data.http = { h: { url: "https://example.invalid/" } };
        doc.resource.local_file = { f: { filename: "/tmp/x", content: "x" } };
      }),
    );
    expectRefused(root, /\$\.data\.http: a data source type the project does not use \(http\); its provider would be installed and run/, /\$\.resource\.local_file: a resource type the project does not use \(local_file\)/);
  });

  test("5. no provider at all: an output of base64encode(file(\"/proc/self/environ\"))", () => {
    const root = tampered((r) => fs.writeFileSync(jsonFile(r, "consumer"), JSON.stringify({ output: { x: { value: '${base64encode(file("/proc/self/environ"))}' } } })));
    expectRefused(root, /\$\.output\.x\.value: calls file\(\), which reads files or the environment/, /calls base64encode\(\), a function the project does not use/, /\$\.output\.x: .*the project does not write/);
  });
});

describe("more ways in", () => {
  test.each<[string, (root: string) => void, RegExp[]]>([
    ["templatefile in a tag", (r) => editJson(r, "provider", (doc) => (Object.values(doc.resource.aws_lb)[0] as Doc).tags.Name = '${templatefile("/etc/passwd", {})}'), [/calls templatefile\(\), which reads files/]],
    ["templatestring (a template taken from data)", (r) => editJson(r, "provider", (doc) => (Object.values(doc.resource.aws_lb)[0] as Doc).tags.Name = '${templatestring(base64decode("JHtmaWxlKCIveCIpfQ=="), {})}'), [/calls templatestring\(\)/, /calls base64decode\(\), a function the project does not use/]],
    ["core::file", (r) => editJson(r, "provider", (doc) => (doc.output.nlb_private_ip.value = '${core::file("/x")}')), [/calls core::file\(\), which reads files/]],
    ["a function inside a heredoc inside an expression", (r) => editJson(r, "provider", (doc) => (doc.output.nlb_private_ip.value = '${<<EOT\n${filebase64("/proc/self/environ")}\nEOT\n}')), [/calls filebase64\(\)/, /a heredoc inside an expression/]],
    ["\"${ file(...) }\" with whitespace and comments", (r) => editJson(r, "provider", (doc) => (doc.output.nlb_private_ip.value = '${ file /* nothing */ ( "/x" ) }')), [/calls file\(\)/]],
    ["a %{ } directive", (r) => editJson(r, "provider", (doc) => (doc.output.nlb_private_ip.value = '%{ if fileexists(".aws/credentials") }yes%{ endif }')), [/calls fileexists\(\)/, /a %\{ \} template directive/]],
    ["unicode escapes that spell file( in the JSON (\\u0066ile)", (r) => editText(r, "provider", (text) => text.replace(/"value": "10\.0\.3\.119"/, '"value": "${\\u0066ile(\\"/proc/self/environ\\")}"')), [/calls file\(\)/]],
    ["a function in a key (map keys are templates)", (r) => editJson(r, "provider", (doc) => ((Object.values(doc.resource.aws_lb)[0] as Doc).tags['${file("/x")}'] = "x")), [/\(the key\): calls file\(\)/]],
    ["an expression that cannot be analyzed", (r) => editJson(r, "provider", (doc) => (doc.output.nlb_private_ip.value = '${file("/x")')), [/an expression that cannot be analyzed/]],
    ["a provisioner on a resource that has none", (r) => editJson(r, "provider", (doc) => ((Object.values(doc.resource.aws_lb)[0] as Doc).provisioner = [{ "local-exec": { command: "env" } }])), [/\$\.resource\.aws_lb\.[^.]+\.provisioner: .*the project does not write/]],
    ["a local-exec command the project does not emit", (r) => editJson(r, "provider", (doc) => (doc.resource.null_resource[only(doc, "null_resource")].provisioner[0]["local-exec"].command = "env | base64")), [/provisioner\[0\]\.local-exec\.command: "env \| base64" is not one of "sha256:/]],
    ["a provisioner of another kind", (r) => editJson(r, "provider", (doc) => (doc.resource.null_resource[only(doc, "null_resource")].provisioner.push({ "remote-exec": { inline: ["id"] } }))), [/a provisioner the project does not write \(remote-exec\)/]],
    ["a connection block", (r) => editJson(r, "provider", (doc) => (doc.resource.null_resource[only(doc, "null_resource")].connection = { host: "example.invalid" })), [/a connection block/]],
    ["a dynamic block", (r) => editJson(r, "provider", (doc) => (doc.resource.aws_security_group[only(doc, "aws_security_group")].dynamic = { ingress: { for_each: "${[1]}", content: { from_port: 0 } } })), [/a dynamic block \(resource\.aws_security_group\.\*\.dynamic\)/]],
    ["an unexpected backend type", (r) => editJson(r, "provider", (doc) => (doc.terraform.backend = { http: { address: "https://example.invalid/state" } })), [/"http" is not one of "local", "s3"/, /a backend type the project does not write \(http\)/]],
    ["a backend with a config path", (r) => editJson(r, "provider", (doc) => (doc.terraform.backend.local.path = "/proc/self/environ")), [/expected a state file path \.\.\/\.\.\/\.\.\/<dir>\/<stack>\.tfstate inside the project, got "\/proc\/self\/environ"/]],
    ["a backend path leaving the project", (r) => editJson(r, "provider", (doc) => (doc.terraform.backend.local.path = "../../../../../etc/x.tfstate")), [/expected a state file path/]],
    ["an s3 backend reading a credentials file", (r) => editJson(r, "provider", (doc) => (doc.terraform.backend = { s3: { bucket: "b", key: "k", region: "ap-northeast-1", shared_credentials_files: ["/x"] } })), [/terraform\.backend\.s3\.shared_credentials_files/]],
    ["a remote-state data source reading another path", (r) => editJson(r, "consumer", (doc) => (doc.data.terraform_remote_state["provider-state"].config.path = "/etc/passwd")), [/config\.path: expected a state file path/]],
    ["an external data source", (r) => editJson(r, "provider", (doc) => (doc.data.external = { x: { program: ["sh", "-c", "env"] } })), [/a data source type the project does not use \(external\)/]],
    ["required_providers naming another source for aws", (r) => editJson(r, "provider", (doc) => (doc.terraform.required_providers.aws.source = "evil/aws")), [/required_providers\.aws\.source: "evil\/aws" is not one of "aws"/]],
    ["required_providers adding a provider", (r) => editJson(r, "provider", (doc) => (doc.terraform.required_providers.local = { source: "hashicorp/local", version: "2.5.1" })), [/a provider the project does not use \(local\)/]],
    ["another provider version", (r) => editJson(r, "provider", (doc) => (doc.terraform.required_providers.aws.version = ">= 5")), [/required_providers\.aws\.version: ">= 5" is not one of "5\.100\.0"/]],
    ["a provider configuration reading files", (r) => editJson(r, "provider", (doc) => (doc.provider.aws[0].shared_credentials_files = ["/proc/self/environ"])), [/provider\.aws\[\]\.shared_credentials_files/]],
    ["a resource sent to an undeclared provider alias", (r) => editJson(r, "consumer", (doc) => (doc.resource.aws_vpc_endpoint_connection_accepter[only(doc, "aws_vpc_endpoint_connection_accepter")].provider = "aws.elsewhere")), [/\.provider: "aws\.elsewhere" is not one of "aws\.service_owner"/]],
    ["depends_on holding an expression", (r) => editJson(r, "provider", (doc) => (doc.resource.aws_lambda_function[only(doc, "aws_lambda_function")].depends_on = ['file("/x")'])), [/depends_on\[0\]: expected a plain reference/]],
    ["a Lambda archive outside assets/", (r) => editJson(r, "provider", (doc) => (doc.resource.aws_lambda_function[only(doc, "aws_lambda_function")].filename = "/proc/self/environ")), [/filename: expected an archive under assets\//]],
    ["check, import and moved blocks", (r) => editJson(r, "provider", (doc) => Object.assign(doc, { check: { c: { data: { http: { h: { url: "https://example.invalid" } } } } }, import: [{ to: "aws_lb.x", id: "arn" }], moved: [{ from: "a.b", to: "c.d" }] })), [/top-level key the project does not write \(check\)/, /\(import\)/, /\(moved\)/]],
    ["a variable and a local the project does not declare", (r) => editJson(r, "provider", (doc) => Object.assign(doc, { variable: { x: { default: "x" } }, locals: { y: '${file("/x")}' } })), [/variable\.x/, /locals\.y/, /calls file\(\)/]],
    ["a cloud block with a token", (r) => editJson(r, "provider", (doc) => (doc.terraform = { ...doc.terraform, backend: undefined, cloud: { organization: "acme", token: "x", workspaces: { name: "w" } } })), [/terraform\.cloud\.token/]],
  ])("refuses %s", (_label, edit, reasons) => {
    expectRefused(tampered(edit), ...reasons);
  });

  test.each<[string, (root: string) => void, RegExp]>([
    ["a terraform.d provider folder (an implied local mirror)", (r) => fs.mkdirSync(path.join(r, "stacks/provider/terraform.d/plugins/registry.terraform.io/hashicorp/aws/5.100.0/linux_amd64"), { recursive: true }), /stacks\/provider\/terraform\.d: a folder Terraform would load or use/],
    ["an extra .tf file", (r) => fs.writeFileSync(path.join(r, "stacks/consumer/override.tf"), ""), /stacks\/consumer\/override\.tf: a file Terraform would load/],
    ["a .tfvars file", (r) => fs.writeFileSync(path.join(r, "stacks/consumer/terraform.tfvars"), ""), /terraform\.tfvars: a file/],
    ["a .terraform folder", (r) => fs.mkdirSync(path.join(r, "stacks/consumer/.terraform/providers"), { recursive: true }), /stacks\/consumer\/\.terraform: a folder/],
    ["a lock file brought by the synthesis", (r) => fs.writeFileSync(path.join(r, "stacks/consumer/.terraform.lock.hcl"), ""), /\.terraform\.lock\.hcl: a file Terraform would load/],
    ["a symbolic link", (r) => fs.symlinkSync("/etc/passwd", path.join(r, "stacks/provider/cdk.tf.jsonx")), /cdk\.tf\.jsonx: a symbolic link/],
    ["a symbolic link in place of cdk.tf.json", (r) => { fs.rmSync(jsonFile(r, "consumer")); fs.symlinkSync(jsonFile(r, "provider"), jsonFile(r, "consumer")); }, /stacks\/consumer\/cdk\.tf\.json: a symbolic link/],
    ["a third stack", (r) => fs.mkdirSync(path.join(r, "stacks/evil")), /stacks\/evil: a folder that is not a stack of this project/],
    ["a .tf.json under assets/", (r) => fs.writeFileSync(path.join(r, "stacks/provider/assets/main.tf.json"), "{}"), /assets\/main\.tf\.json: a file that is not an asset/],
    ["a file beside the archive", (r) => { const dir = path.dirname(findZip(r)); fs.writeFileSync(path.join(dir, "x.tf"), ""); }, /x\.tf: a file other than identity-provider\.zip/],
    ["an archive holding more than the function", (r) => fs.writeFileSync(findZip(r), zipSync({ "index.js": new Uint8Array([1]), "main.tf": new Uint8Array([1]) })), /holds \["index\.js","main\.tf"\], expected exactly \["index\.js"\]/],
    ["an archive that is no zip", (r) => fs.writeFileSync(findZip(r), "#!/bin/sh\n"), /not a zip archive/],
    ["an extra file beside stacks/", (r) => fs.writeFileSync(path.join(r, "main.tf"), ""), /^main\.tf: a file the synth output does not hold/],
  ])("refuses %s", (_label, edit, reason) => {
    expectRefused(tampered(edit), reason);
  });

  test.each<[string, (root: string) => void, RegExp]>([
    ["a byte-order mark", (r) => editText(r, "consumer", (t) => `\ufeff${t}`), /not strict JSON/],
    ["a trailing comma", (r) => editText(r, "consumer", (t) => t.replace(/\}\s*$/, ",}")), /not strict JSON/],
    ["a comment", (r) => editText(r, "consumer", (t) => `/* x */${t}`), /not strict JSON/],
    ["bytes that are not UTF-8", (r) => fs.writeFileSync(jsonFile(r, "consumer"), Buffer.concat([Buffer.from('{"a": "'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])), /not valid UTF-8/],
    ["a duplicate key deep inside", (r) => editText(r, "provider", (t) => t.replace('"internal": true,', '"internal": true,\n"internal": false,')), /\$\.resource\.aws_lb\.[^:]+\.internal: a duplicate key/],
  ])("refuses JSON Terraform and a reader could read differently: %s", (_label, edit, reason) => {
    expectRefused(tampered(edit), reason);
  });
});

test("reports every reason, not the first", () => {
  const root = tampered((r) => {
    editText(r, "consumer", appendMembers('"data": {"external": {"x": {"program": ["sh"]}}}'));
    editJson(r, "provider", (doc) => {
      doc.data.http = { h: { url: "https://example.invalid/" } };
      doc.module = { m: { source: "./m" } };
      doc.output.nlb_private_ip.value = '${file("/x")}';
    });
    fs.writeFileSync(path.join(r, "stacks/provider/extra.tf"), "");
  });
  const problems = problemsOf(root);
  for (const reason of [/\$\.data: a duplicate key/, /data\.external/, /data\.http/, /\$\.module/, /calls file\(\)/, /extra\.tf/]) {
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(reason)]));
  }
});

function findZip(root: string): string {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith(".zip")) found.push(p);
    }
  };
  walk(path.join(root, "stacks/provider/assets"));
  expect(found).toHaveLength(1);
  return found[0];
}

describe("npm run check-stacks (CLI)", () => {
  const run = (args: string[]) => {
    const out = { stdout: "", stderr: "" };
    const status = runCheckStacks(args, { cwd: work, stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: (t: string) => (out.stderr += t) } });
    return { status, ...out };
  };
  const lockFile = path.join(PROJECT_ROOT, ".terraform.lock.hcl");

  test("exit 0 and one line when accepted; exit 1 with every reason, one per line, when refused", () => {
    const accepted = run([example]);
    expect(accepted).toMatchObject({ status: 0, stderr: "" });
    expect(accepted.stdout).toMatch(/^check-stacks: accepted .*: consumer \(backend local; providers aws\), provider \(backend local; providers aws, null\)\n$/);
    const root = tampered((r) => editJson(r, "provider", (doc) => ((doc.data.http = { h: {} }), (doc.output.nlb_private_ip.value = '${file("/x")}'))));
    const refused = run([root]);
    expect(refused.status).toBe(1);
    expect(refused.stdout).toBe("");
    const lines = refused.stderr.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^check-stacks: refused .*: 2 problems$/);
    expect(lines.slice(1)).toEqual([expect.stringMatching(/^ {2}.*data\.http/), expect.stringMatching(/^ {2}.*calls file\(\)/)]);
  });

  test("control characters in PR-controlled keys are shown as escapes, never sent to the terminal", () => {
    const root = tampered((r) => editJson(r, "provider", (doc) => (doc.resource["evil\u001b]0;owned\u0007\rname"] = {})));
    const refused = run([root]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(refused.stderr).toContain("\\u001b]0;owned\\u0007\\u000dname");
  });

  test("--lock-file writes each stack the committed entries of exactly its providers; --json writes the verdict", () => {
    const root = tampered(() => undefined);
    const verdict = path.join(work, "verdict.json");
    expect(run([root, "--lock-file", lockFile, "--json", verdict]).status).toBe(0);
    const consumerLock = fs.readFileSync(path.join(root, "stacks/consumer/.terraform.lock.hcl"), "utf8");
    const providerLock = fs.readFileSync(path.join(root, "stacks/provider/.terraform.lock.hcl"), "utf8");
    expect(consumerLock.match(/^provider "([^"]+)"/gm)).toEqual(['provider "registry.terraform.io/hashicorp/aws"']);
    expect(providerLock.match(/^provider "([^"]+)"/gm)).toEqual(['provider "registry.terraform.io/hashicorp/aws"', 'provider "registry.terraform.io/hashicorp/null"']);
    const committed = fs.readFileSync(lockFile, "utf8");
    const awsBlock = /^provider "registry\.terraform\.io\/hashicorp\/aws" \{\n[\s\S]*?\n\}\n/m.exec(committed)![0];
    expect(consumerLock).toContain(awsBlock);
    expect(JSON.parse(fs.readFileSync(verdict, "utf8"))).toEqual({
      accepted: true,
      problems: [],
      stacks: [
        { name: "consumer", backend: "local", providers: ["aws"] },
        { name: "provider", backend: "local", providers: ["aws", "null"] },
      ],
    });
  });

  test("--lock-file is all or nothing: a provider missing from the lock file refuses, and no stack gets a lock file", () => {
    const root = tampered(() => undefined);
    const partial = path.join(work, "aws-only.lock.hcl");
    fs.writeFileSync(partial, /^provider "registry\.terraform\.io\/hashicorp\/aws" \{\n[\s\S]*?\n\}\n/m.exec(fs.readFileSync(lockFile, "utf8"))![0]);
    const result = run([root, "--lock-file", partial]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("stacks/provider: the lock file has no entry for registry.terraform.io/hashicorp/null");
    expect(fs.existsSync(path.join(root, "stacks/consumer/.terraform.lock.hcl"))).toBe(false);
    // A refused synthesis gets no lock file either.
    const refused = tampered((r) => editJson(r, "provider", (doc) => (doc.data.http = { h: {} })));
    expect(run([refused, "--lock-file", lockFile]).status).toBe(1);
    expect(fs.existsSync(path.join(refused, "stacks/consumer/.terraform.lock.hcl"))).toBe(false);
  });

  test("--allow-list: checks against another list, read as data (a malformed one is a usage error, never trusted)", () => {
    const root = tampered((r) => editJson(r, "provider", (doc) => (doc.data.http = { h: {} })));
    expect(run([root]).status).toBe(1);
    const wider = path.join(work, "wider.json");
    fs.writeFileSync(wider, JSON.stringify({ ...ALLOW_LIST, shapes: [...ALLOW_LIST.shapes, "data.http", "data.http.*"] }));
    expect(run([root, "--allow-list", wider])).toMatchObject({ status: 0, stderr: "" });
    for (const bad of ['{"shapes": [], "shapes": []}', "[]", JSON.stringify({ ...ALLOW_LIST, functions: "file" }), JSON.stringify({ ...ALLOW_LIST, pinned: { x: [1] } })]) {
      fs.writeFileSync(wider, bad);
      expect(run([root, "--allow-list", wider])).toMatchObject({ status: 2, stderr: expect.stringMatching(/wider\.json: not (a strict JSON allow-list|an allow-list)/) });
    }
    expect(run([root, "--allow-list", path.join(work, "missing.json")])).toMatchObject({ status: 2, stderr: expect.stringContaining("no such file") });
  });

  test("usage: exit 2", () => {
    expect(run([]).status).toBe(2);
    expect(run([example, example]).status).toBe(2);
    expect(run([example, "--lock-file"]).status).toBe(2);
    expect(run([example, "--frobnicate"]).stderr).toContain('unknown option "--frobnicate"');
    expect(run(["--help"])).toMatchObject({ status: 0, stdout: expect.stringContaining("usage: npm run check-stacks") });
    expect(run([path.join(work, "nowhere")])).toMatchObject({ status: 1, stderr: expect.stringContaining("not a folder") });
  });
});
