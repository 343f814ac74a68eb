// One config per class of bad input: the validator refuses each (config.test.ts
// runs every one through the real synth entry point), and so does the JSON
// Schema generated from it (config-schema.test.ts), except where `notInSchema`
// says why a JSON Schema cannot (the validator checks it in code).
import { exampleWith } from "./config";

export interface BadConfig {
  readonly name: string;
  /** The file's text. */
  readonly text: string;
  /** Part of the validator's message. */
  readonly problem: string;
  /** Why config/schema.json accepts it; undefined when the schema refuses it too. */
  readonly notInSchema?: string;
  /** Also run through the real synth entry point (one process each): one case per kind of check. */
  readonly synth?: boolean;
}

const json = (document: unknown) => JSON.stringify(document);
const TWO_PROVIDER_SUBNETS = ["subnet-0a1b2c3d4e5f60003", "subnet-0a1b2c3d4e5f60004"];

export const BAD_CONFIGS: readonly BadConfig[] = [
  { name: "malformed JSON", synth: true, text: '{"region": "ap-northeast-1",', problem: "(root): malformed JSON", notInSchema: "not JSON: the editor's parser reports it" },
  { name: "an unknown key", synth: true, text: json(exampleWith({ provider: { subnetId: "x" } })), problem: "provider.subnetId: unknown key" },
  { name: "a wrong ID prefix", synth: true, text: json(exampleWith({ consumer: { vpcId: "vcp-0f9e8d7c6b5a40001" } })), problem: "consumer.vpcId: expected a VPC ID" },
  { name: "a bad CIDR", synth: true, text: json(exampleWith({ consumer: { allowedCidrs: ["10.0.0.0/40"] } })), problem: "consumer.allowedCidrs[0]: expected an IPv4 CIDR block" },
  {
    name: "a CIDR with host bits set",
    text: json(exampleWith({ provider: { allowedCidrs: ["10.0.1.5/16"] } })),
    problem: 'provider.allowedCidrs[0]: expected a network address: host bits are set (did you mean "10.0.0.0/16"?)',
    notInSchema: "arithmetic on the address (a pattern cannot relate the prefix length to the host bits)",
  },
  { name: "a bad IP", synth: true, text: json(exampleWith({ provider: { nlbPrivateIp: "10.0.3" } })), problem: "provider.nlbPrivateIp: expected an IPv4 address" },
  {
    name: "an nlbPrivateIp outside its subnet", synth: true,
    text: json(exampleWith({ provider: { nlbPrivateIp: "10.0.9.9" } })),
    problem: "expected an address inside subnet",
    notInSchema: "relates two keys (nlbPrivateIp and subnetCidrs)",
  },
  { name: "an empty list", synth: true, text: json(exampleWith({ provider: { allowedCidrs: [] } })), problem: "provider.allowedCidrs: expected at least one CIDR block" },
  { name: "a repeated list entry", text: json(exampleWith({ consumer: { allowedCidrs: ["10.0.0.0/16", "10.0.0.0/16"] } })), problem: 'consumer.allowedCidrs[1]: duplicate CIDR block "10.0.0.0/16"' },
  { name: "a bad ARN", synth: true, text: json(exampleWith({ provider: { allowedPrincipals: ["arn:aws:iam::1:root"] } })), problem: "provider.allowedPrincipals[0]: expected an IAM principal ARN" },
  // The config is data: a tag that Terraform would evaluate as an expression.
  {
    name: "a Terraform expression in a tag", synth: true,
    text: json(exampleWith({ tags: { owner: '${file("/etc/hostname")}' } })),
    problem: "tags.owner: expected a tag value of letters, numbers, spaces and _ . : / = + - @ (AWS tag rules)",
  },
  { name: "a template in backend.dir", synth: true, text: json({ ...exampleWith(), backend: { type: "local", dir: "state/%{ if true }x%{ endif }" } }), problem: "backend.dir: expected a path of letters, digits" },
  { name: "an absolute backend.dir", text: json({ ...exampleWith(), backend: { type: "local", dir: "/var/state" } }), problem: "backend.dir: expected a path relative to the project root" },
  { name: "an unknown backend type", synth: true, text: json({ ...exampleWith(), backend: { type: "S3" } }), problem: 'backend.type: expected one of "local", "s3", "cloud", got "S3" (did you mean "s3"?)' },
  { name: "a region AWS does not have", synth: true, text: json(exampleWith({ region: "eu-central-9" })), problem: 'region: expected an AWS region (' },
  {
    name: "an instance type EC2 does not have",
    text: json(exampleWith({ consumer: { client: { enabled: true, instanceType: "t3.mirco" } } })),
    problem: '"t3.mirco" (did you mean "t3.micro"?)',
  },
  { name: "a log retention CloudWatch does not offer", text: json(exampleWith({ provider: { logRetentionDays: 31 } })), problem: "provider.logRetentionDays: expected one of CloudWatch Logs' retention periods" },
  {
    name: "multi-AZ with passiveIpMode nlb", synth: true,
    text: json(exampleWith({ provider: { subnetIds: TWO_PROVIDER_SUBNETS, subnetCidrs: null, nlbPrivateIp: null } })),
    problem: 'provider.passiveIpMode: expected "control-connection"',
    notInSchema: "relates two keys (subnetIds and passiveIpMode)",
  },
  {
    name: "consumer-endpoint mode with two consumer subnets", synth: true,
    text: json(
      exampleWith({
        provider: { passiveIpMode: "consumer-endpoint" },
        consumer: { endpointIp: "10.0.3.50", subnetIds: ["subnet-0f9e8d7c6b5a40003", "subnet-0f9e8d7c6b5a40004"] },
      }),
    ),
    problem: 'consumer.subnetIds: expected exactly one subnet with passiveIpMode "consumer-endpoint"',
    notInSchema: "relates two keys (passiveIpMode and consumer.subnetIds)",
  },
  {
    name: "FTPS without a certificate",
    text: json(exampleWith({ provider: { protocols: ["FTPS"] } })),
    problem: "provider.certificateArn: missing (expected an ACM certificate ARN with FTPS",
    notInSchema: "relates two keys (protocols and certificateArn)",
  },
];
