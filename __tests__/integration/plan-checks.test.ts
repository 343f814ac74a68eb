// The plan-time checks of the consumer endpoint and host name, evaluated by Terraform itself: each
// synthesized precondition condition, with the data source it reads replaced
// by the value AWS would return, goes through `terraform console`. Proves the
// expressions refuse what they should (and accept what they should), not just
// that they are present in the JSON.
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { configWith } from "../support/config";
import { missingPrerequisites } from "../support/prerequisites";
import { dataSourcesOf, onlyResource, synthStacks } from "../support/synth";
import { terraformPrerequisites, writeCliConfig } from "../../emulator/terraform";

const missing = missingPrerequisites("plan-time checks (terraform console)", terraformPrerequisites.slice(0, 1));

interface Precondition {
  readonly condition: string;
  readonly error_message: string;
}

function preconditionsOf(block: Record<string, unknown>): Precondition[] {
  return (block.lifecycle as { precondition: Precondition[] }).precondition;
}

/** Evaluates a synthesized `${...}` condition with some references replaced by literals. */
async function evaluate(dir: string, env: Record<string, string>, condition: string, replacements: Record<string, string>): Promise<boolean> {
  let expression = condition.replace(/^\$\{/, "").replace(/\}$/, "");
  for (const [reference, literal] of Object.entries(replacements)) expression = expression.split(reference).join(literal);
  if (/\b(data|aws_\w+)\./.test(expression)) throw new Error(`unreplaced reference in ${expression}`);
  const result = await new Promise<string>((resolve, reject) => {
    const child = execFile("terraform", ["console"], { cwd: dir, env: { ...process.env, ...env }, timeout: 60_000 }, (error, out, err) =>
      error ? reject(new Error(`${expression}: ${err}`)) : resolve(out.trim()),
    );
    child.stdin?.end(`${expression}\n`);
  });
  if (result !== "true" && result !== "false") throw new Error(`${expression} evaluated to ${result}`);
  return result === "true";
}

/** `data.aws_x.name.attribute` of a synthesized data source (without the `${}`). */
const dataRef = (block: { __address: string }, attribute: string) => `${block.__address}.${attribute}`;

(missing.length ? describe.skip : describe)("plan-time checks evaluated by terraform console", () => {
  let dir: string;
  let env: Record<string, string>;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-checks-"));
    env = writeCliConfig(path.join(dir, "cli"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test.each([
    ["10.0.3.50", [true, true]],
    ["10.0.3.4", [true, true]],
    ["10.0.3.254", [true, true]],
    ["10.0.4.50", [false, true]],
    ["10.0.3.0", [true, false]],
    ["10.0.3.3", [true, false]],
    ["10.0.3.255", [true, false]],
  ] as const)("consumer.endpointIp %s in a real subnet 10.0.3.0/24: [inside, not reserved] = %j", async (ip, expected) => {
    // No consumer.subnetCidrs: only the plan can check the address.
    const { consumer } = synthStacks(configWith({ provider: { passiveIpMode: "consumer-endpoint" }, consumer: { endpointIp: ip } }));
    // The endpoint's address checks (its AZ-ID check is evaluated below).
    const preconditions = preconditionsOf(onlyResource(consumer, "aws_vpc_endpoint")).filter((p) => p.error_message.startsWith("consumer.endpointIp"));
    const values = [];
    const [subnet] = dataSourcesOf(consumer, "aws_subnet");
    for (const p of preconditions) values.push(await evaluate(dir, env, p.condition, { [dataRef(subnet, "cidr_block")]: '"10.0.3.0/24"' }));
    expect(values).toEqual(expected);
  }, 60_000);

  // The consumer subnet's AZ ID against the provider's output
  // (comma-joined AZ IDs; empty when the provider state predates the output).
  const AZ_OUTPUT = 'try(data.terraform_remote_state.provider-state.outputs.nlb_availability_zone_ids, "")';
  test.each([
    ["apne1-az4", '"apne1-az4"', true],
    ["apne1-az1", '"apne1-az4,apne1-az1"', true],
    ["apne1-az2", '"apne1-az4,apne1-az1"', false],
    ["apne1-az2", '""', true],
  ] as const)("consumer subnet in %s, provider NLB AZ IDs %s: accepted = %s", async (subnetAzId, providerAzIds, expected) => {
    const { consumer } = synthStacks(configWith());
    const [check] = preconditionsOf(onlyResource(consumer, "aws_vpc_endpoint")).filter((p) => p.error_message.startsWith("consumer.subnetIds"));
    const [subnet] = dataSourcesOf(consumer, "aws_subnet");
    expect(check.condition).toContain(AZ_OUTPUT);
    const value = await evaluate(dir, env, check.condition, { [AZ_OUTPUT]: providerAzIds, [dataRef(subnet, "availability_zone_id")]: `"${subnetAzId}"` });
    expect(value).toBe(expected);
  }, 60_000);

  test.each([
    ["corp.internal.", true, [true, true]],
    ["ftp.corp.internal.", true, [true, true]],
    ["corp.internal.", false, [false, true]],
    ["other.internal.", true, [true, false]],
    ["rp.internal.", true, [true, false]],
  ] as const)("consumer.hostedZoneId of a zone named %s (private: %s): [private, name inside] = %j", async (zoneName, isPrivate, expected) => {
    const { consumer } = synthStacks(configWith({ consumer: { dnsName: "ftp.corp.internal", hostedZoneId: "Z0123456789ABCDEFGHIJ" } }));
    const preconditions = preconditionsOf(onlyResource(consumer, "aws_route53_record"));
    const [zone] = dataSourcesOf(consumer, "aws_route53_zone");
    const values = [];
    for (const p of preconditions) {
      values.push(
        await evaluate(dir, env, p.condition, {
          [dataRef(zone, "private_zone")]: String(isPrivate),
          [dataRef(zone, "name")]: JSON.stringify(zoneName),
        }),
      );
    }
    expect(values).toEqual(expected);
  }, 60_000);

  // passiveIpMode consumer-endpoint: the server may not start handing out a new endpoint
  // address while another one is in effect (EndpointIpChangeGuard): the markers under
  // /<prefix>/transfer are what the data source reads (String parameters; the provider
  // marks the list sensitive).
  test.each([
    [[], true, "the first deploy: no marker yet"],
    [["10.0.3.50"], true, "the address in effect is the configured one"],
    [["restart-in-progress"], true, "a restart under way"],
    [["10.0.3.40"], false, "another endpoint address in effect"],
    [["0.0.0.0"], false, "control-connection in effect, switching to consumer-endpoint"],
    [["10.0.3.119"], false, "the NLB's address in effect, switching to consumer-endpoint"],
    [["10.0.3.50", "10.0.3.40"], false, "a replaced server's marker still on the old address"],
  ] as const)("markers in effect %j, consumer.endpointIp 10.0.3.50: accepted = %s (%s)", async (inEffect, expected, _why) => {
    const { provider } = synthStacks(configWith({ provider: { passiveIpMode: "consumer-endpoint" }, consumer: { endpointIp: "10.0.3.50" } }));
    const [guard] = preconditionsOf(onlyResource(provider, "aws_transfer_server")).filter((p) => p.error_message.startsWith("consumer.endpointIp"));
    const [markers] = dataSourcesOf(provider, "aws_ssm_parameters_by_path");
    expect(markers).toMatchObject({ path: "/tf-ftp/transfer", recursive: true });
    const value = await evaluate(dir, env, guard.condition, { [dataRef(markers, "values")]: `sensitive(${JSON.stringify(inEffect)})` });
    expect(value).toBe(expected);
  }, 60_000);
});
