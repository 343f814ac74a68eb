// The config is data, never Terraform code.
//   1. The validator refuses every string that could be a Terraform template,
//      at every key (AWS's tag rules for tags, a strict pattern elsewhere).
//   2. Defence in depth: buildApp makes every config string literal. Fed a
//      config that skipped validation, with template sequences in every
//      string, neither output (cdk.tf.json, the HCL printer's cdk.tf read back
//      by hcl2json) holds a template sequence that came from the config.
//   3. The tag count rule (50 per resource) is checked against what the
//      stacks really add.
// Terraform's own reading of escaped strings is __tests__/integration/literal-roundtrip.test.ts.
import { TerraformStack, Testing } from "cdktf";
import { parse } from "@cdktf/hcl2json";
import { formatJsonPath, parseConfig } from "../config/load";
import { MAX_TAGS_PER_RESOURCE, STACK_RESOURCE_TAG_KEYS, TransferConfig, TransferConfigInput } from "../config/schema";
import { buildApp } from "../stacks/app";
import { ConsumerStack } from "../stacks/consumer-stack";
import { ProviderStack } from "../stacks/provider-stack";
import { renderStackHcl, splitTemplate } from "../synthesis/hcl-output";
import { asTerraformLiterals, escapeTerraformTemplate, NotLiteralError } from "../lib/terraform-literal";
import { exampleDocument, exampleWith, problemsOf, PROJECT_ROOT } from "./support/config";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

/** Every optional string key set, once per backend type. */
function fullDocuments(): TransferConfigInput[] {
  const base = exampleWith({
    $schema: "https://example.com/transfer-config.schema.json",
    tags: { Project: "transfer-privatelink-ftp", Owner: "ops" },
    provider: {
      userSecretPrefix: "tf-ftp/users/",
      // Every protocol setting is a string site too.
      protocols: ["FTP", "FTPS", "SFTP"],
      certificateArn: "arn:aws:acm:ap-northeast-1:123456789012:certificate/0a1b2c3d-0000-4000-8000-0123456789ab",
      securityPolicyName: "TransferSecurityPolicy-2025-03",
      tlsSessionResumptionMode: "ENABLED",
      sftpAuthenticationMethods: "PASSWORD",
      assumeRoleArn: "arn:aws:iam::123456789012:role/deploy",
      monitoring: { alarmTopicArn: "arn:aws:sns:ap-northeast-1:123456789012:ops-alarms" },
    },
    consumer: {
      dnsName: "ftp.corp.internal",
      serviceOwnerRoleArn: "arn:aws:iam::123456789012:role/service-owner",
      assumeRoleArn: "arn:aws:iam::210987654321:role/deploy",
    },
  });
  return [
    base,
    { ...base, backend: { type: "s3", bucket: "tf-ftp-state", keyPrefix: "transfer-ftp", region: "ap-northeast-1", roleArn: "arn:aws:iam::123456789012:role/state" } },
    { ...base, backend: { type: "cloud", organization: "acme", hostname: "tfe.example.com", providerWorkspace: "ftp-provider", consumerWorkspace: "ftp-consumer" } },
  ];
}

interface StringSite {
  readonly path: Path;
  /** "value": the string at path; "key": the last part of path is an object key. */
  readonly kind: "value" | "key";
}

function stringSites(value: Json, path: Path = [], into: StringSite[] = []): StringSite[] {
  if (typeof value === "string") into.push({ path, kind: "value" });
  else if (Array.isArray(value)) value.forEach((entry, index) => stringSites(entry, [...path, index], into));
  else if (value !== null && typeof value === "object") {
    for (const [key, entry] of Object.entries(value)) {
      // Records (free keys) whose keys reach the output: tags and subnetCidrs.
      if (path.length > 0 && ["tags", "subnetCidrs"].includes(String(path[path.length - 1]))) into.push({ path: [...path, key], kind: "key" });
      stringSites(entry, [...path, key], into);
    }
  }
  return into;
}

function withSite(document: Json, site: StringSite, replace: (text: string) => string): { document: Json; reportedAt: Path } {
  const copy = JSON.parse(JSON.stringify(document)) as Json;
  const parentPath = site.path.slice(0, -1);
  const last = site.path[site.path.length - 1];
  const parent = parentPath.reduce<Json>((node, part) => (node as Record<string | number, Json>)[part], copy) as Record<string | number, Json>;
  if (site.kind === "value") {
    parent[last] = replace(parent[last] as string);
    return { document: copy, reportedAt: site.path };
  }
  const newKey = replace(String(last));
  const rebuilt = Object.fromEntries(Object.entries(parent).map(([k, v]) => [k === last ? newKey : k, v]));
  for (const k of Object.keys(parent)) delete parent[k];
  Object.assign(parent, rebuilt);
  return { document: copy, reportedAt: [...parentPath, newKey] };
}

// Template sequences Terraform would evaluate, and a cdktf token marker
// (which cdktf itself would resolve to another construct's value).
const INJECTIONS = ['${file("/etc/hostname")}', "%{ if true }x%{ endif }", "${TfToken[TOKEN.1]}", "$${already_escaped}"];

describe("the validator refuses template text in every config string", () => {
  test('the issue\'s injection: "tags": { "owner": "${file(\\"/etc/hostname\\")}" }', () => {
    expect(problemsOf(exampleWith({ tags: { owner: '${file("/etc/hostname")}' } }))).toEqual([
      'tags.owner: expected a tag value of letters, numbers, spaces and _ . : / = + - @ (AWS tag rules), found "$", "{", "(", "\\"", ")", "}"',
    ]);
  });

  test("the full documents are valid as they are", () => {
    for (const document of fullDocuments()) expect(problemsOf(document)).toEqual([]);
  });

  const cases = fullDocuments().flatMap((document) =>
    stringSites(document as Json).flatMap((site) =>
      INJECTIONS.flatMap((injection) => [
        { document, site, injection, replace: (text: string) => `${text}${injection}` },
        { document, site, injection, replace: () => injection },
      ]),
    ),
  );

  test(`every string value and free key, with a template appended or as the whole string, is refused at its JSON path (${cases.length} cases)`, () => {
    const accepted: string[] = [];
    for (const { document, site, replace } of cases) {
      const { document: bad, reportedAt } = withSite(document as Json, site, replace);
      const at = `${formatJsonPath(reportedAt)}:`;
      const problems = problemsOf(bad);
      if (!problems.some((problem) => problem.startsWith(at))) {
        accepted.push(`${site.kind} ${formatJsonPath(site.path)} -> ${formatJsonPath(reportedAt)}: ${JSON.stringify(problems)}`);
      }
    }
    expect(accepted).toEqual([]);
    // Every key of the schema was reached: the three backends' keys and the optional ones.
    const reached = new Set(cases.map(({ site }) => site.path.filter((p) => typeof p === "string").join(".")));
    for (const key of ["$schema", "backend.dir", "backend.keyPrefix", "backend.hostname", "backend.organization", "tags.Owner", "provider.userSecretPrefix", "consumer.client.instanceType", "provider.certificateArn", "provider.protocols", "provider.securityPolicyName"]) {
      expect(reached).toContain(key);
    }
  });
});

describe("AWS tag rules", () => {
  test("letters of any script, numbers, spaces and _ . : / = + - @ are accepted; lengths count Unicode characters", () => {
    const astralKey = "𝒜".repeat(128); // 128 characters, 256 UTF-16 units
    expect(
      problemsOf(exampleWith({ tags: { "Cost Center": "Research and Development", "名前": "値 テスト", "team:owner/x=y+z-w@v_1.2": "", [astralKey]: "é".repeat(256) } })),
    ).toEqual([]);
  });

  test("too long, empty key, reserved prefix, characters AWS does not allow", () => {
    expect(
      problemsOf(exampleWith({ tags: { ["k".repeat(129)]: "v", "": "v", "AWS:createdBy": "me", "a\tb": "x\ny", ok: "v".repeat(257), quote: '"' } })),
    ).toEqual([
      `tags.${"k".repeat(129)}: expected a tag key of 1-128 characters (AWS tag rules), got 129`,
      'tags[""]: expected a tag key of 1-128 characters (AWS tag rules), got 0',
      'tags["AWS:createdBy"]: expected a tag key not starting with "aws:" (reserved for AWS, in any case)',
      'tags["a\\tb"]: expected a tag key of letters, numbers, spaces and _ . : / = + - @ (AWS tag rules), found U+0009',
      'tags["a\\tb"]: expected a tag value of letters, numbers, spaces and _ . : / = + - @ (AWS tag rules), found U+000A',
      "tags.ok: expected a tag value of at most 256 characters (AWS tag rules), got 257",
      'tags.quote: expected a tag value of letters, numbers, spaces and _ . : / = + - @ (AWS tag rules), found "\\""',
    ]);
  });

  test("at most 50 tags per resource, counting the Name tag the stacks add (unless the config sets Name itself)", () => {
    const many = (n: number, first = "k") => Object.fromEntries(Array.from({ length: n }, (_, i) => [i === 0 ? first : `k${i}`, "v"]));
    const replaced = (tags: Record<string, string>) => ({ ...exampleDocument(), tags });
    expect(problemsOf(replaced(many(49)))).toEqual([]);
    expect(problemsOf(replaced(many(50)))).toEqual(['tags: expected at most 49 tags: AWS allows 50 per resource and the stacks add "Name" to some (51 in all)']);
    expect(problemsOf(replaced(many(50, "Name")))).toEqual([]);
    // Reported beside other problems, not instead of them.
    expect(problemsOf(replaced({ ...many(50), "aws:x": "v" }))).toHaveLength(2);
  });

  test("STACK_RESOURCE_TAG_KEYS is what the stacks add: with the most tags the validator admits, no resource has more than 50", () => {
    const tags = Object.fromEntries(Array.from({ length: MAX_TAGS_PER_RESOURCE - STACK_RESOURCE_TAG_KEYS.length }, (_, i) => [`team-${i}`, `v${i}`]));
    // Every optional resource on: the client instance, alarms with their own topic.
    const config = parseConfig({ ...exampleDocument(), tags, consumer: { ...exampleDocument().consumer, client: { enabled: true } }, provider: { ...exampleDocument().provider, monitoring: { alarms: true, createAlarmTopic: true } } });
    const app = buildApp(config, { projectRoot: PROJECT_ROOT, outdir: Testing.app().outdir });
    let tagged = 0;
    for (const name of ["provider", "consumer"]) {
      const document = (app.node.findChild(name) as TerraformStack).toTerraform() as Record<string, Json>;
      // Every AWS provider of the stack (the consumer has two) carries the config's tags as default_tags.
      const providers = (document.provider as Record<string, Json[]>).aws as Record<string, Json>[];
      const defaultTags = providers.map((provider) => (provider.default_tags as { tags: Record<string, string> }[])[0].tags);
      for (const tagsOfProvider of defaultTags) expect(tagsOfProvider).toEqual(tags);
      for (const [type, byName] of Object.entries(document.resource as Record<string, Record<string, Record<string, Json>>>)) {
        for (const [id, body] of Object.entries(byName)) {
          const ownTags = Object.keys(tagMaps(body));
          if (ownTags.length === 0) continue;
          tagged++;
          const address = `${type}.${id}`;
          expect({ address, notListed: ownTags.filter((k) => !STACK_RESOURCE_TAG_KEYS.includes(k)) }).toEqual({ address, notListed: [] });
          // AWS counts the merged set (the provider merges default_tags into each resource's tags).
          expect({ address, total: new Set([...Object.keys(tags), ...ownTags]).size }).toEqual({ address, total: MAX_TAGS_PER_RESOURCE });
        }
      }
    }
    expect(tagged).toBeGreaterThan(5);
  });
});

/** Every tags-like map in a resource body (tags, volume_tags, nested blocks' tags), merged. */
function tagMaps(body: Json): Record<string, Json> {
  const found: Record<string, Json> = {};
  const walk = (node: Json) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node !== null && typeof node === "object") {
      for (const [key, value] of Object.entries(node)) {
        if (/(^|_)tags$/.test(key) && value !== null && typeof value === "object" && !Array.isArray(value)) Object.assign(found, value);
        else walk(value);
      }
    }
  };
  walk(body);
  return found;
}

// ---------------------------------------------------------------------------
// Defence in depth: a config that skipped validation.

const MARK = "INJECTED";
const HOSTILE = ` \${${MARK}_a} %{ if ${MARK}_b }x%{ endif } $\${${MARK}_c} \${file("${MARK}_d")}`;
// nlbPrivateIp goes into Fn.cidrhost(), where cdktf refuses a literal with a
// double quote outright (synth error, not a template): it gets the rest.
const HOSTILE_UNQUOTED = HOSTILE.replace(/"/g, "");
// Enums are compared by the stacks (=== "nlb"); they cannot carry text.
const ENUM_KEYS = new Set(["type", "passiveIpMode", "restartResource", "protocols", "securityPolicyName", "tlsSessionResumptionMode", "sftpAuthenticationMethods"]);

function hostile(value: unknown, key?: string): unknown {
  if (typeof value === "string") {
    if (key !== undefined && ENUM_KEYS.has(key)) return value;
    return `${value}${key === "nlbPrivateIp" ? HOSTILE_UNQUOTED : HOSTILE}`;
  }
  if (Array.isArray(value)) return key !== undefined && ENUM_KEYS.has(key) ? value : value.map((entry) => hostile(entry));
  if (value !== null && typeof value === "object") {
    const fromRecord = key === "tags" || key === "subnetCidrs";
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [fromRecord ? hostile(k) : k, hostile(v, k)]));
  }
  return value;
}

function hostileConfig(): TransferConfig {
  const document = fullDocuments()[0];
  const valid = parseConfig({ ...document, consumer: { ...document.consumer, client: { enabled: true } } });
  return hostile(valid) as TransferConfig;
}

/** Every string in a JSON document, object keys included. */
function strings(node: unknown, into: string[] = []): string[] {
  if (typeof node === "string") into.push(node);
  else if (Array.isArray(node)) node.forEach((entry) => strings(entry, into));
  else if (node !== null && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      into.push(key);
      strings(value, into);
    }
  }
  return into;
}

// What a config-born template looks like: one of HOSTILE's sequences, at the
// top level of a string or inside a string literal of another expression
// (cdktf writes Fn.* arguments as quoted strings inside "${...}"). The
// stacks' own references may hold the marker in a resource name (construct
// IDs are built from subnet IDs): ${data.aws_subnet.subnet-...INJECTED_a...}.
const CONFIG_BORN = new RegExp(`^[$%]\\{\\s*(if\\s+)?(file\\(")?${MARK}`);

/** Index just past the '"' closing a string literal whose content starts at i. */
function stringEnd(text: string, i: number): number {
  while (i < text.length) {
    if (text[i] === "\\") i += 2;
    else if (text[i] === '"') return i + 1;
    else if (text.startsWith("$${", i) || text.startsWith("%%{", i)) i += 3;
    else if (text.startsWith("${", i) || text.startsWith("%{", i)) i = sequenceEnd(text, i + 2);
    else i++;
  }
  return i;
}

/** Index just past the "}" closing a template sequence whose content starts at i. */
function sequenceEnd(text: string, i: number): number {
  let depth = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      i = stringEnd(text, i + 1);
      continue;
    }
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && depth-- === 0) return i + 1;
    i++;
  }
  return i;
}

/** Every template sequence Terraform would evaluate in a string, nested ones included. */
function templatesIn(text: string): string[] {
  const found: string[] = [];
  for (const segment of splitTemplate(text)) {
    if (segment.kind !== "template") continue;
    found.push(segment.text);
    // String literals inside the expression are templates too.
    const inner = segment.text.slice(2, -1);
    for (let i = 0; i < inner.length; i++) {
      if (inner[i] !== '"') continue;
      const end = stringEnd(inner, i + 1);
      found.push(...templatesIn(inner.slice(i + 1, end - 1).replace(/\\"/g, '"')));
      i = end - 1;
    }
  }
  return found;
}

/** Template sequences (as Terraform reads the strings) that came from the config. */
function injectedTemplates(document: unknown): string[] {
  return strings(document).flatMap((text) => templatesIn(text).filter((template) => CONFIG_BORN.test(template)));
}

function literalText(document: unknown): string {
  return strings(document)
    .flatMap((text) => splitTemplate(text).filter((segment) => segment.kind === "literal").map((segment) => segment.text))
    .join("\n");
}

describe("buildApp makes every config string literal (defence in depth)", () => {
  // cdktf warns about "${" in the (hostile) Fn.cidrhost argument; the output is checked below.
  beforeAll(() => jest.spyOn(console, "warn").mockImplementation(() => undefined));
  afterAll(() => jest.restoreAllMocks());
  const config = hostileConfig();
  const app = buildApp(config, { projectRoot: PROJECT_ROOT, outdir: Testing.app().outdir });
  const stacks = ["provider", "consumer"].map((name) => app.node.findChild(name) as TerraformStack);

  test.each(["provider", "consumer"])("%s: no config-born template in cdk.tf.json, and the config text is there, escaped", (name) => {
    const document = JSON.parse(Testing.synth(stacks.find((s) => s.node.id === name)!));
    expect(injectedTemplates(document)).toEqual([]);
    expect(literalText(document)).toContain(escapeTerraformTemplate(HOSTILE));
  });

  test.each(["provider", "consumer"])("%s: no config-born template in the HCL printer's cdk.tf (read back by hcl2json)", async (name) => {
    const hcl = renderStackHcl(stacks.find((s) => s.node.id === name)!);
    const document = await parse(`${name}/cdk.tf`, hcl);
    expect(injectedTemplates(document)).toEqual([]);
    expect(literalText(document)).toContain(escapeTerraformTemplate(HOSTILE));
  });

  test("the scan finds them when the escape is skipped (stacks built from a raw config with hostile tags)", () => {
    const valid = parseConfig(fullDocuments()[0]);
    const raw = { ...valid, tags: hostile(valid.tags, "tags") } as TransferConfig;
    const app2 = Testing.app();
    const provider = new ProviderStack(app2, "provider", { config: raw, projectRoot: PROJECT_ROOT });
    const consumer = new ConsumerStack(app2, "consumer", { config: raw, projectRoot: PROJECT_ROOT });
    for (const stack of [provider, consumer]) {
      expect(injectedTemplates(JSON.parse(Testing.synth(stack)))).toEqual(expect.arrayContaining([`\${${MARK}_a}`, `%{ if ${MARK}_b }`, `\${file("${MARK}_d")}`]));
    }
  });

  test("a validated config passes through unchanged; a cdktf token marker is refused", () => {
    const valid = parseConfig(fullDocuments()[0]);
    expect(asTerraformLiterals(valid)).toEqual(valid);
    expect(() => asTerraformLiterals({ tags: { owner: "${TfToken[TOKEN.1]}" } })).toThrow(NotLiteralError);
    expect(() => asTerraformLiterals({ list: ["#{TfToken[TOKEN.1]}"] })).toThrow(/config\.list\[0\]: a cdktf token marker/);
  });

  test("escapeTerraformTemplate escapes once: text that looks escaped stays text", () => {
    expect(escapeTerraformTemplate("${a} %{b} $${c} %%{d} $ % {")).toBe("$${a} %%{b} $$${c} %%%{d} $ % {");
  });
});
