// `npm run stack-allow-list [-- --check]`: derives lib/stack-allow-list.json,
// what `npm run check-stacks` accepts (lib/stack-gate.ts), from real syntheses
// of every config variant below: every shape, pinned value, function, asset
// the stacks use. `--check` exits 1 (with the difference) when the committed
// file is not what the code derives; the unit test
// __tests__/stack-allow-list.test.ts does the same. A change to the stacks
// that emits something new shows up in review twice: in the HCL diff and as
// new lines of the allow-list.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, DefaultTokenResolver, StringConcat, TerraformElement, TerraformStack, Tokenization } from "cdktf";
import { unzipSync } from "fflate";
import { parseConfig } from "../config/load";
import { TransferConfig } from "../config/schema";
import { buildApp } from "../stacks/app";
import { collectFacts, emptyFacts, StackAllowList } from "../lib/stack-gate";
import { parseStrictJson } from "../lib/strict-json";
import { deepMerge } from "../lib/deep-merge";

/** Where the allow-list lives, relative to the project root. */
export const ALLOW_LIST_FILE = path.join("lib", "stack-allow-list.json");

const CERTIFICATE = "arn:aws:acm:ap-northeast-1:123456789012:certificate/0a1b2c3d-0000-4000-8000-0123456789ab";
const ROLE = (name: string) => `arn:aws:iam::123456789012:role/${name}`;

/**
 * The config variants whose syntheses define the allow-list: the example, and
 * from it each value of every setting that changes what the stacks emit
 * (restart mechanism, passive-IP mode and subnet layout, protocols and their
 * options, backends, monitoring, the client, host name, assumed roles). A
 * test checks that every enum value of these settings appears here.
 */
export const ALLOW_LIST_VARIANTS: Record<string, Record<string, unknown>> = {
  example: {},
  "restart terraform_data": { provider: { restartResource: "terraform_data" } },
  "restart lambda": { provider: { restartResource: "lambda" } },
  "reserved concurrency": { provider: { identityProvider: { reservedConcurrency: 10 } } },
  "nlb, address looked up": { provider: { nlbPrivateIp: null } },
  "two subnets, control-connection": {
    provider: {
      subnetIds: ["subnet-0a1b2c3d4e5f60003", "subnet-0a1b2c3d4e5f60004"],
      subnetCidrs: null,
      nlbPrivateIp: null,
      passiveIpMode: "control-connection",
    },
  },
  "consumer-endpoint with a host name and a hosted zone": {
    provider: { passiveIpMode: "consumer-endpoint" },
    consumer: { endpointIp: "10.0.3.50", subnetCidrs: { "subnet-0f9e8d7c6b5a40003": "10.0.3.0/24" }, dnsName: "ftp.corp.internal", hostedZoneId: "Z0123456789ABCDEFGHIJ" },
  },
  "three protocols": {
    provider: {
      protocols: ["FTP", "FTPS", "SFTP"],
      certificateArn: CERTIFICATE,
      securityPolicyName: "TransferSecurityPolicy-2024-01",
      tlsSessionResumptionMode: "ENFORCED",
      sftpAuthenticationMethods: "PUBLIC_KEY_AND_PASSWORD",
    },
    consumer: { dnsName: "ftp.corp.internal" },
  },
  "SFTP only": { provider: { protocols: ["SFTP"] } },
  "FTPS only": { provider: { protocols: ["FTPS"], certificateArn: CERTIFICATE } },
  "s3 backend with a role": { backend: { type: "s3", bucket: "tf-state-bucket", keyPrefix: "transfer-ftp", region: "ap-northeast-1", roleArn: ROLE("state") } },
  "s3 backend": { backend: { type: "s3", bucket: "tf-state-bucket", keyPrefix: "transfer-ftp", region: "ap-northeast-1" } },
  "cloud backend": { backend: { type: "cloud", organization: "acme", providerWorkspace: "ftp-provider", consumerWorkspace: "ftp-consumer" } },
  "cloud backend, dynamic credentials": {
    backend: { type: "cloud", organization: "acme", providerWorkspace: "ftp-provider", consumerWorkspace: "ftp-consumer", dynamicCredentials: true },
  },
  "no alarms, no client": { provider: { monitoring: { alarms: false } }, consumer: { client: { enabled: false } } },
  "alarm topic created": { provider: { monitoring: { alarms: true, createAlarmTopic: true } } },
  "alarm topic given": { provider: { monitoring: { alarms: true, alarmTopicArn: "arn:aws:sns:ap-northeast-1:123456789012:ops-alarms" } } },
  "assumed roles": {
    provider: { assumeRoleArn: ROLE("provider-deploy"), userSecretPrefix: "tf-ftp/people/", userHomeRoot: "/tf-ftp-example-bucket/people/" },
    consumer: { assumeRoleArn: ROLE("consumer-deploy"), serviceOwnerRoleArn: ROLE("service-owner") },
  },
  "assumed roles, restart terraform_data": {
    provider: { assumeRoleArn: ROLE("provider-deploy"), restartResource: "terraform_data" },
  },
};

/**
 * The validated config of a variant: config/example.json with the EC2 client
 * instance on (the article's layout; the shipped example keeps the documented
 * default, off), then the variant's overrides (null deletes a key).
 */
export function variantConfig(projectRoot: string, overrides: Record<string, unknown>): TransferConfig {
  const example = JSON.parse(fs.readFileSync(path.join(projectRoot, "config", "example.json"), "utf8"));
  const withClient = deepMerge(example, { consumer: { client: { enabled: true, instanceType: "t3.micro" } } });
  const document = deepMerge(withClient, overrides) as Record<string, unknown>;
  if (overrides.backend) document.backend = overrides.backend; // a backend replaces, never merges
  return parseConfig(document, "(allow-list variant)");
}

// Map arguments (tags, dimensions, triggers): their keys are data, not shapes.
// Which arguments are maps is the provider schema's business; cdktf's typed
// bindings carry it (toHclTerraform() gives each attribute its type), as
// synthesis/hcl-output.ts reads which are blocks.
const TOKEN_RESOLVER = new DefaultTokenResolver(new StringConcat());

function elements(node: { node: { children: readonly unknown[] } }, into: TerraformElement[] = []): TerraformElement[] {
  if (TerraformElement.isTerraformElement(node)) into.push(node);
  for (const child of node.node.children) elements(child as { node: { children: readonly unknown[] } }, into);
  return into;
}

function typedMaps(body: unknown, shape: string, into: Set<string>): void {
  if (!body || typeof body !== "object" || Array.isArray(body)) return;
  for (const [key, attribute] of Object.entries(body as Record<string, unknown>)) {
    if (!attribute || typeof attribute !== "object" || !("value" in attribute)) continue;
    // Provider blocks spell the flag is_block (cdktf 0.21), resources isBlock.
    const typed = attribute as { value: unknown; type?: string; isBlock?: boolean; is_block?: boolean };
    if (typed.type === "map") into.add(`${shape}.${key}`);
    else if (typed.isBlock || typed.is_block) {
      const items = Array.isArray(typed.value) ? typed.value : [typed.value];
      for (const item of items) typedMaps(item, Array.isArray(typed.value) ? `${shape}.${key}[]` : `${shape}.${key}`, into);
    }
  }
}

export function mapShapesOf(stack: TerraformStack): Set<string> {
  const shapes = new Set<string>();
  for (const element of elements(stack)) {
    const fragment = Tokenization.resolve(element.toHclTerraform(), { scope: stack, preparing: false, resolver: TOKEN_RESOLVER }) as Record<string, unknown>;
    for (const kind of ["resource", "data"] as const) {
      for (const [type, byName] of Object.entries((fragment[kind] as Record<string, unknown>) ?? {})) {
        for (const body of Object.values((byName as Record<string, unknown>) ?? {})) typedMaps(body, `${kind}.${type}.*`, shapes);
      }
    }
    for (const [name, instances] of Object.entries((fragment.provider as Record<string, unknown>) ?? {})) {
      for (const body of Array.isArray(instances) ? instances : [instances]) typedMaps(body, `provider.${name}[]`, shapes);
    }
  }
  return shapes;
}

/** Every file under a folder, relative, sorted. */
function filesUnder(dir: string, prefix = ""): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? filesUnder(path.join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`]))
    .sort();
}

/** One variant's synthesis: its folder and the map shapes its typed bindings declare. */
export interface VariantSynth {
  readonly name: string;
  readonly outdir: string;
  readonly mapShapes: Set<string>;
}

/** Synthesizes every variant into `<workDir>/<variant>` (cdktf.out layout). */
export function synthesizeVariants(projectRoot: string, workDir: string): VariantSynth[] {
  return Object.entries(ALLOW_LIST_VARIANTS).map(([name, overrides]) => {
    const outdir = path.join(workDir, name.replace(/[^a-z0-9]+/gi, "-"));
    const app: App = buildApp(variantConfig(projectRoot, overrides), { projectRoot, outdir });
    app.synth();
    const mapShapes = new Set<string>();
    for (const stack of app.node.children.filter(TerraformStack.isStack)) for (const shape of mapShapesOf(stack)) mapShapes.add(shape);
    return { name, outdir, mapShapes };
  });
}

/** The allow-list of what the given syntheses hold. */
export function allowListOf(syntheses: readonly VariantSynth[]): StackAllowList {
  const facts = emptyFacts();
  const mapShapes = new Set(syntheses.flatMap((synth) => [...synth.mapShapes]));
  const stacks = new Set<string>();
  const assets: StackAllowList["assets"] = {};
  for (const { name, outdir } of syntheses) {
    for (const stackName of fs.readdirSync(path.join(outdir, "stacks")).sort()) {
      stacks.add(stackName);
      const stackDir = path.join(outdir, "stacks", stackName);
      const parsed = parseStrictJson(fs.readFileSync(path.join(stackDir, "cdk.tf.json")));
      if (parsed.value === undefined || parsed.errors.length > 0 || parsed.duplicates.length > 0) {
        throw new Error(`variant ${name}: ${stackName}/cdk.tf.json is not strict JSON: ${[...parsed.errors, ...parsed.duplicates.map((d) => `${d.path}.${d.key}`)].join("; ")}`);
      }
      collectFacts(parsed.value, mapShapes, facts);
      for (const file of filesUnder(path.join(stackDir, "assets"))) {
        const [assetDir, , archive] = file.split("/");
        const prefix = /^(.+)_[0-9A-F]{8}$/.exec(assetDir)![1];
        const entries: string[] = [];
        unzipSync(fs.readFileSync(path.join(stackDir, "assets", file)), { filter: (entry) => (entries.push(entry.name), false) });
        assets[prefix] = { file: archive, entries: entries.sort() };
      }
    }
  }
  const sorted = (values: Iterable<string>) => [...values].sort();
  return {
    comment: "Generated by `npm run stack-allow-list` from syntheses of every config variant (scripts/stack-allow-list.ts); `npm run check-stacks` accepts only what is listed here. Do not edit by hand.",
    stacks: sorted(stacks),
    shapes: sorted(facts.shapes),
    mapShapes: sorted(mapShapes),
    pinned: Object.fromEntries(sorted(facts.pinned.keys()).map((shape) => [shape, sorted(facts.pinned.get(shape)!)])),
    functions: sorted(facts.functions),
    directives: facts.directives,
    heredocs: facts.heredocs,
    assets: Object.fromEntries(sorted(Object.keys(assets)).map((key) => [key, assets[key]])),
  };
}

export function deriveAllowList(projectRoot: string): StackAllowList {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "stack-allow-list-"));
  try {
    return allowListOf(synthesizeVariants(projectRoot, work));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

export function renderAllowList(allowList: StackAllowList): string {
  return `${JSON.stringify(allowList, null, 2)}\n`;
}

function main(): void {
  // npm runs scripts from the project root.
  const projectRoot = process.cwd();
  const file = path.join(projectRoot, ALLOW_LIST_FILE);
  const check = process.argv.includes("--check");
  const derived = renderAllowList(deriveAllowList(projectRoot));
  if (check) {
    const committed = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    if (committed === derived) {
      process.stdout.write("stack-allow-list: lib/stack-allow-list.json is what the stacks emit\n");
      return;
    }
    const old = new Set(committed.split("\n"));
    const now = new Set(derived.split("\n"));
    process.stderr.write("stack-allow-list: lib/stack-allow-list.json differs from what the stacks emit; run `npm run stack-allow-list` and review the change\n");
    for (const line of derived.split("\n")) if (!old.has(line)) process.stderr.write(`+ ${line}\n`);
    for (const line of committed.split("\n")) if (!now.has(line)) process.stderr.write(`- ${line}\n`);
    process.exitCode = 1;
    return;
  }
  fs.writeFileSync(file, derived);
  process.stdout.write(`stack-allow-list: wrote lib/stack-allow-list.json (${Object.keys(ALLOW_LIST_VARIANTS).length} config variants)\n`);
}

if (require.main === module || process.argv[1]?.endsWith("stack-allow-list.ts")) main();
