// lib/stack-allow-list.json (what `npm run check-stacks` accepts) is exactly
// what the stacks emit over every config variant (scripts/stack-allow-list.ts):
// derived again here from real syntheses and compared; every variant's
// synthesis passes the gate; the variants cover every setting that changes
// what the stacks emit; the committed provider lock file matches the versions
// the stacks require.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ALLOW_LIST } from "../cli/check-stacks-command";
import { checkSynthOutput, parseLockFile, providerAddress } from "../lib/stack-gate";
import { SERVER_PROTOCOLS } from "../lib/ftp-ports";
import { ALLOW_LIST_FILE, ALLOW_LIST_VARIANTS, allowListOf, renderAllowList, synthesizeVariants, variantConfig, VariantSynth } from "../scripts/stack-allow-list";
import { PROJECT_ROOT } from "./support/config";

let work: string;
let syntheses: VariantSynth[];

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "stack-allow-list-"));
  syntheses = synthesizeVariants(PROJECT_ROOT, work);
}, 120_000);
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

test("the committed allow-list is exactly what the stacks emit (run `npm run stack-allow-list` after changing them)", () => {
  expect(fs.readFileSync(path.join(PROJECT_ROOT, ALLOW_LIST_FILE), "utf8")).toBe(renderAllowList(allowListOf(syntheses)));
});

test("the comparison would see a drift: without one variant, the derived list differs", () => {
  const withoutLambda = allowListOf(syntheses.filter((s) => s.name !== "restart lambda"));
  expect(withoutLambda.shapes).not.toEqual(ALLOW_LIST.shapes);
  expect(ALLOW_LIST.shapes.filter((shape) => !withoutLambda.shapes.includes(shape))).toEqual(expect.arrayContaining(["resource.aws_lambda_invocation"]));
});

test("the synthesis of every config variant passes the gate", () => {
  expect(syntheses.map((s) => s.name)).toEqual(Object.keys(ALLOW_LIST_VARIANTS));
  for (const { name, outdir } of syntheses) {
    expect({ variant: name, problems: checkSynthOutput(outdir, ALLOW_LIST).problems }).toEqual({ variant: name, problems: [] });
  }
});

test("the variants cover every setting that changes what the stacks emit", () => {
  const configs = Object.values(ALLOW_LIST_VARIANTS).map((overrides) => variantConfig(PROJECT_ROOT, overrides));
  const values = <T>(pick: (c: (typeof configs)[number]) => T) => new Set(configs.map(pick));
  expect(values((c) => c.provider.restartResource)).toEqual(new Set(["null_resource", "terraform_data", "lambda"]));
  expect(values((c) => c.provider.passiveIpMode)).toEqual(new Set(["nlb", "control-connection", "consumer-endpoint"]));
  expect(values((c) => c.backend.type)).toEqual(new Set(["local", "s3", "cloud"]));
  expect(values((c) => c.backend.type === "cloud" && c.backend.dynamicCredentials)).toEqual(new Set([false, true]));
  expect(values((c) => c.backend.type === "s3" && c.backend.roleArn !== undefined)).toEqual(new Set([false, true]));
  expect(new Set(configs.flatMap((c) => c.provider.protocols))).toEqual(new Set(SERVER_PROTOCOLS));
  expect(values((c) => c.provider.protocols.length)).toEqual(new Set([1, 3]));
  expect(values((c) => c.provider.subnetIds.length)).toEqual(new Set([1, 2]));
  for (const [what, pick] of Object.entries({
    "pinned NLB address": (c: (typeof configs)[number]) => c.provider.nlbPrivateIp !== undefined,
    certificate: (c: (typeof configs)[number]) => c.provider.certificateArn !== undefined,
    "TLS options": (c: (typeof configs)[number]) => c.provider.securityPolicyName !== undefined && c.provider.tlsSessionResumptionMode !== undefined,
    "SFTP methods": (c: (typeof configs)[number]) => c.provider.sftpAuthenticationMethods !== undefined,
    alarms: (c: (typeof configs)[number]) => c.provider.monitoring.alarms,
    "alarm topic created": (c: (typeof configs)[number]) => c.provider.monitoring.createAlarmTopic,
    "alarm topic given": (c: (typeof configs)[number]) => c.provider.monitoring.alarmTopicArn !== undefined,
    "provider role": (c: (typeof configs)[number]) => c.provider.assumeRoleArn !== undefined,
    "consumer role": (c: (typeof configs)[number]) => c.consumer.assumeRoleArn !== undefined,
    "service-owner role": (c: (typeof configs)[number]) => c.consumer.serviceOwnerRoleArn !== undefined,
    client: (c: (typeof configs)[number]) => c.consumer.client.enabled,
    "host name": (c: (typeof configs)[number]) => c.consumer.dnsName !== undefined,
    "hosted zone": (c: (typeof configs)[number]) => c.consumer.hostedZoneId !== undefined,
    "endpoint address": (c: (typeof configs)[number]) => c.consumer.endpointIp !== undefined,
  })) {
    expect({ what, values: values(pick) }).toEqual({ what, values: new Set([false, true]) });
  }
});

test("the committed lock file pins exactly the providers and versions the stacks require", () => {
  const lock = parseLockFile(fs.readFileSync(path.join(PROJECT_ROOT, ".terraform.lock.hcl"), "utf8"));
  const required = Object.keys(ALLOW_LIST.pinned)
    .map((shape) => /^terraform\.required_providers\.([^.]+)\.source$/.exec(shape)?.[1])
    .filter((name): name is string => name !== undefined)
    .map((name) => ({
      address: providerAddress(ALLOW_LIST.pinned[`terraform.required_providers.${name}.source`][0]),
      versions: ALLOW_LIST.pinned[`terraform.required_providers.${name}.version`],
    }));
  expect(required.map((r) => r.address).sort()).toEqual([...lock.keys()].sort());
  for (const { address, versions } of required) {
    expect(versions).toHaveLength(1);
    expect(lock.get(address)).toContain(`version     = "${versions[0]}"`);
    // zh: hashes for the plan workflow's archives (linux_amd64 among them).
    expect((lock.get(address)!.match(/"zh:[0-9a-f]{64}"/g) ?? []).length).toBeGreaterThanOrEqual(10);
  }
  // The aws h1 hash computed from the provider mirror (init -lockfile=readonly against it: integration/provider-lock.test.ts).
  expect(lock.get("registry.terraform.io/hashicorp/aws")).toContain('"h1:edXOJWE4ORX8Fm+dpVpICzMZJat4AX0VRCAy/xkcOc0="');
});
