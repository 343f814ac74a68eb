import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { configPathFromEnvironment, configWarnings, formatJsonPath, loadConfig, parseConfig } from "../config/load";
import { BAD_CONFIGS } from "./support/bad-configs";
import { exampleDocument, exampleWith, problemsOf, PROJECT_ROOT } from "./support/config";

const run = promisify(execFile);

describe("config validation", () => {
  test("the shipped example is valid, with defaults filled in", () => {
    const config = parseConfig(exampleDocument());
    expect(config.provider.passiveIpMode).toBe("nlb");
    expect(config.provider.restartResource).toBe("null_resource");
    expect(config.provider.restartTimeoutSeconds).toBe(900);
  });

  test("user store settings: home root, administrators, reserved concurrency, denial threshold", () => {
    const defaults = parseConfig(exampleDocument());
    expect(defaults.provider.userHomeRoot).toBeUndefined(); // userHomeRoot(config) gives /<bucket>/home/
    // Opt-in: a reservation fails on accounts whose quota leaves less than 100 + N unreserved.
    expect(defaults.provider.identityProvider.reservedConcurrency).toBeUndefined();
    expect(defaults.provider.monitoring.loginDenialThreshold).toBe(20);
    expect(parseConfig(exampleWith({ provider: { userHomeRoot: "/tf-ftp-example-bucket/partners/" } })).provider.userHomeRoot).toBe(
      "/tf-ftp-example-bucket/partners/",
    );
    expect(
      problemsOf(
        exampleWith({
          provider: {
            userHomeRoot: "/tf-ftp-example-bucket/home",
            userAdministratorArns: ["arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:role/*"],
            identityProvider: { reservedConcurrency: 0 },
          },
        }),
      ),
    ).toEqual([
      'provider.userHomeRoot: expected an absolute path in the bucket ending in "/", like "/my-bucket/home/" (plain segments, no "." or "..")',
      'provider.userAdministratorArns[0]: expected an IAM user or role ARN like "arn:aws:iam::123456789012:role/NAME" (not the account root)',
      'provider.userAdministratorArns[1]: expected an IAM user or role ARN like "arn:aws:iam::123456789012:role/NAME" (not the account root)',
      "provider.identityProvider.reservedConcurrency: expected at least 1",
    ]);
    expect(problemsOf(exampleWith({ provider: { userHomeRoot: "/tf-ftp-example-bucket/../x/", identityProvider: { reservedConcurrency: 1001 } } }))).toEqual([
      'provider.userHomeRoot: expected an absolute path in the bucket ending in "/", like "/my-bucket/home/" (plain segments, no "." or "..")',
      "provider.identityProvider.reservedConcurrency: expected at most 1000",
    ]);
    expect(problemsOf(exampleWith({ provider: { userHomeRoot: "/other-bucket/home/" } }))).toEqual([
      'provider.userHomeRoot: expected a path inside provider.bucketName, starting with "/tf-ftp-example-bucket/"',
    ]);
    expect(problemsOf(exampleWith({ provider: { userAdministratorArns: null } }))).toEqual(["provider.userAdministratorArns: missing (expected array)"]);
  });

  test("malformed JSON is reported with its position", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "config-"));
    const file = path.join(dir, "bad.json");
    fs.writeFileSync(file, '{\n  "region": "ap-northeast-1",\n  "namePrefix" "tf-ftp"\n}\n');
    expect(() => loadConfig(file)).toThrow(/\(root\): malformed JSON at line 3, column \d+/);
    fs.rmSync(dir, { recursive: true });
  });

  test("a missing file is reported, not thrown raw, with the way to start one", () => {
    expect(() => loadConfig("/nonexistent/transfer.json")).toThrow(
      "(file): cannot read it (ENOENT); start from an example: cp examples/single-az.json /nonexistent/transfer.json (every example: ls examples/; every key: docs/configuration.md)",
    );
    expect(fs.existsSync(path.join(PROJECT_ROOT, "examples", "single-az.json"))).toBe(true);
  });

  test("a TRANSFER_* variable no command reads is refused, with the one meant", () => {
    expect(configPathFromEnvironment({})).toBe("config/example.json");
    expect(configPathFromEnvironment({ TRANSFER_CONFIG: "config/prod.json" })).toBe("config/prod.json");
    expect(() => configPathFromEnvironment({ TRANSFER_CONFG: "config/prod.json" })).toThrow(
      'Invalid configuration in the environment (1 problem):\n  - TRANSFER_CONFG is set, but no command reads it (did you mean "TRANSFER_CONFIG"?): the only such variable is TRANSFER_CONFIG (unset or rename it)',
    );
    expect(() => configPathFromEnvironment({ TRANSFER_CONFIG: "a.json", TRANSFER_REGION: "x" })).toThrow(/TRANSFER_REGION is set, but no command reads it: /);
  });

  test("unknown keys are named with their JSON path", () => {
    expect(problemsOf(exampleWith({ provider: { subnetId: "subnet-0a1b2c3d4e5f60003" }, extra: 1 }))).toEqual([
      'provider.subnetId: unknown key (did you mean "subnetIds"?; see docs/configuration.md)',
      "extra: unknown key (check the spelling; see docs/configuration.md)",
    ]);
    expect(problemsOf(exampleWith({ consumer: { client: { enabled: true, instancetype: "t3.micro" } }, backend: { type: "local", Dir: "x" } }))).toEqual([
      'backend.Dir: unknown key (did you mean "dir"?; see docs/configuration.md)',
      'consumer.client.instancetype: unknown key (did you mean "instanceType"?; see docs/configuration.md)',
    ]);
  });

  test("regions and instance types: AWS's published lists, the nearest valid one suggested", () => {
    expect(problemsOf(exampleWith({ region: "eu-central-9", consumer: { client: { enabled: true, instanceType: "t3.mirco" } } }))).toEqual([
      expect.stringMatching(/^region: expected an AWS region \(\d+ known: config\/aws-data.json\), got "eu-central-9" \(did you mean "eu-central-1"\?\)$/),
      expect.stringMatching(/^consumer.client.instanceType: expected an EC2 instance type \(\d+ known: config\/aws-data.json\), got "t3.mirco" \(did you mean "t3.micro"\?\)$/),
    ]);
    expect(problemsOf({ ...exampleDocument(), backend: { type: "s3", bucket: "tf-state", keyPrefix: "ftp", region: "us-east-9" } })).toEqual([
      expect.stringContaining('backend.region: expected an AWS region (') ,
    ]);
    // A malformed value gets the shape message only.
    expect(problemsOf(exampleWith({ region: "tokyo" }))).toEqual(['region: expected an AWS region like "ap-northeast-1"']);
    // Every partition's regions, and current instance types, are accepted.
    for (const region of ["us-gov-west-1", "cn-north-1", "eu-central-2", "ap-southeast-7"]) {
      expect(problemsOf(exampleWith({ region, provider: { certificateArn: null } })).filter((p) => p.startsWith("region"))).toEqual([]);
    }
    for (const instanceType of ["t4g.nano", "m7i.large", "c7gn.medium"]) {
      expect(problemsOf(exampleWith({ consumer: { client: { enabled: true, instanceType } } }))).toEqual([]);
    }
  });

  test("enum values are echoed, with the nearest valid one", () => {
    expect(problemsOf({ ...exampleDocument(), backend: { type: "S3" } })).toEqual(['backend.type: expected one of "local", "s3", "cloud", got "S3" (did you mean "s3"?)']);
    expect(problemsOf(exampleWith({ provider: { passiveIpMode: "control_connection", protocols: ["FTP", "sftp"] } }))).toEqual([
      'provider.protocols[1]: expected one of "FTP", "FTPS", "SFTP", got "sftp" (did you mean "SFTP"?)',
      'provider.passiveIpMode: expected one of "nlb", "control-connection", "consumer-endpoint", got "control_connection" (did you mean "control-connection"?)',
    ]);
    // Nothing near: no guess.
    expect(problemsOf(exampleWith({ provider: { restartResource: "shell" } }))).toEqual([
      'provider.restartResource: expected one of "null_resource", "terraform_data", "lambda", got "shell"',
    ]);
  });

  test("wrong ID prefixes", () => {
    expect(problemsOf(exampleWith({ provider: { vpcId: "vcp-0a1b2c3d4e5f60001" }, consumer: { subnetIds: ["sn-123"] } }))).toEqual([
      'provider.vpcId: expected a VPC ID like "vpc-0123456789abcdef0"',
      'consumer.subnetIds[0]: expected a subnet ID like "subnet-0123456789abcdef0"',
    ]);
  });

  test("bad CIDR blocks, including host bits set", () => {
    expect(problemsOf(exampleWith({ provider: { allowedCidrs: ["10.0.0.0/33", "10.0.1.5/24", "10.0.0.0"] } }))).toEqual([
      'provider.allowedCidrs[0]: expected an IPv4 CIDR block like "10.0.0.0/16"',
      'provider.allowedCidrs[1]: expected a network address: host bits are set (did you mean "10.0.1.0/24"?)',
      'provider.allowedCidrs[2]: expected an IPv4 CIDR block like "10.0.0.0/16"',
    ]);
  });

  test("bad IP addresses", () => {
    expect(problemsOf(exampleWith({ provider: { nlbPrivateIp: "10.0.3.256" } }))).toEqual([
      'provider.nlbPrivateIp: expected an IPv4 address like "10.0.3.119"',
    ]);
    expect(problemsOf(exampleWith({ provider: { nlbPrivateIp: "8.8.8.8", subnetCidrs: null } }))).toEqual([
      "provider.nlbPrivateIp: expected a private address (10/8, 172.16/12, 192.168/16 or 100.64/10): the NLB is internal",
    ]);
  });

  test("an nlbPrivateIp outside its subnet, or on an address AWS reserves", () => {
    expect(problemsOf(exampleWith({ provider: { nlbPrivateIp: "10.0.4.20" } }))).toEqual([
      "provider.nlbPrivateIp: expected an address inside subnet subnet-0a1b2c3d4e5f60003 (10.0.3.0/24)",
    ]);
    expect(problemsOf(exampleWith({ provider: { nlbPrivateIp: "10.0.3.2" } }))).toEqual([
      "provider.nlbPrivateIp: expected an address AWS does not reserve in 10.0.3.0/24 (the first four and the last are reserved)",
    ]);
  });

  test("empty and duplicated lists", () => {
    expect(problemsOf(exampleWith({ provider: { subnetIds: [], subnetCidrs: null, allowedPrincipals: [] }, consumer: { allowedCidrs: ["10.0.0.0/16", "10.0.0.0/16"] } }))).toEqual([
      "provider.subnetIds: expected at least one subnet ID",
      "provider.allowedPrincipals: expected at least one principal",
      'consumer.allowedCidrs[1]: duplicate CIDR block "10.0.0.0/16"',
    ]);
  });

  test("bad ARNs", () => {
    expect(
      problemsOf(
        exampleWith({
          provider: { allowedPrincipals: ["arn:aws:iam::12345:root", "*"] },
          consumer: { serviceOwnerRoleArn: "arn:aws:iam::123456789012:user/bob" },
        }),
      ),
    ).toEqual([
      'provider.allowedPrincipals[0]: expected an IAM principal ARN like "arn:aws:iam::123456789012:root", ":user/NAME" or ":role/NAME"',
      'provider.allowedPrincipals[1]: expected an IAM principal ARN like "arn:aws:iam::123456789012:root", ":user/NAME" or ":role/NAME"',
      'consumer.serviceOwnerRoleArn: expected an IAM role ARN like "arn:aws:iam::123456789012:role/NAME"',
    ]);
  });

  test("the control listener's idle timeout: AWS's 60-6000 s, whole seconds, default 6000", () => {
    expect(parseConfig(exampleDocument()).provider.controlIdleTimeoutSeconds).toBe(6000);
    expect(parseConfig(exampleWith({ provider: { controlIdleTimeoutSeconds: 60 } })).provider.controlIdleTimeoutSeconds).toBe(60);
    const range = "expected a number of seconds from 60 to 6000 (the NLB's TCP idle timeout range)";
    expect(problemsOf(exampleWith({ provider: { controlIdleTimeoutSeconds: 59 } }))).toEqual([`provider.controlIdleTimeoutSeconds: ${range}`]);
    expect(problemsOf(exampleWith({ provider: { controlIdleTimeoutSeconds: 6001 } }))).toEqual([`provider.controlIdleTimeoutSeconds: ${range}`]);
    expect(problemsOf(exampleWith({ provider: { controlIdleTimeoutSeconds: 350.5 } }))).toEqual([
      "provider.controlIdleTimeoutSeconds: expected integer, got number",
    ]);
    expect(problemsOf(exampleWith({ provider: { controlIdleTimeoutSeconds: "6000" } } as Record<string, unknown>))).toEqual([
      "provider.controlIdleTimeoutSeconds: expected number, got string",
    ]);
  });

  test("wrong types and enum values", () => {
    expect(problemsOf(exampleWith({ provider: { restartResource: "local_exec" }, consumer: { client: { enabled: "yes" } }, region: 5 }))).toEqual([
      "region: expected string, got number",
      'provider.restartResource: expected one of "null_resource", "terraform_data", "lambda", got "local_exec"',
      "consumer.client.enabled: expected boolean, got string",
    ]);
  });

  test("backends: unknown type, absolute local dir, same Terraform Cloud workspace twice", () => {
    expect(problemsOf({ ...exampleDocument(), backend: { type: "consul" } })).toEqual(['backend.type: expected one of "local", "s3", "cloud", got "consul"']);
    expect(problemsOf({ ...exampleDocument(), backend: { type: "local", dir: "/var/state" } })).toEqual([
      "backend.dir: expected a path relative to the project root (synthesized JSON must not hold absolute paths)",
    ]);
    expect(
      problemsOf({ ...exampleDocument(), backend: { type: "cloud", organization: "acme", providerWorkspace: "ftp", consumerWorkspace: "ftp" } }),
    ).toEqual(["backend.consumerWorkspace: expected a workspace different from providerWorkspace (each stack needs its own state)"]);
  });

  test("multi-AZ needs passiveIpMode control-connection and no pinned NLB IP", () => {
    expect(problemsOf(exampleWith({ provider: { subnetIds: ["subnet-0a1b2c3d4e5f60003", "subnet-0a1b2c3d4e5f60004"] } }))).toEqual([
      'provider.passiveIpMode: expected "control-connection" when provider.subnetIds lists more than one subnet: an NLB spanning AZs has one IP per AZ, so no single NLB IP can be the passive IP',
      "provider.nlbPrivateIp: expected no nlbPrivateIp with more than one provider subnet (it pins the single-AZ NLB's address)",
    ]);
  });

  test("an alarm topic is either an existing ARN or created, not both", () => {
    expect(
      problemsOf(exampleWith({ provider: { monitoring: { alarmTopicArn: "arn:aws:sns:ap-northeast-1:123456789012:ops", createAlarmTopic: true } } })),
    ).toEqual(["provider.monitoring.createAlarmTopic: expected either alarmTopicArn (an existing topic) or createAlarmTopic, not both"]);
    expect(problemsOf(exampleWith({ provider: { monitoring: { alarmTopicArn: "ops-alarms" } } }))).toEqual([
      'provider.monitoring.alarmTopicArn: expected an SNS topic ARN like "arn:aws:sns:ap-northeast-1:123456789012:ops-alarms"',
    ]);
  });

  test("every problem is reported at once", () => {
    const problems = problemsOf(
      exampleWith({ region: "tokyo", provider: { vpcId: "vpc-1", nlbPrivateIp: "10.9.9.9", bogus: true }, consumer: { subnetIds: "subnet-0f9e8d7c6b5a40003" } }),
    );
    expect(problems).toHaveLength(5);
    expect(problems.map((p) => p.split(":")[0]).sort()).toEqual([
      "consumer.subnetIds",
      "provider.bogus",
      "provider.nlbPrivateIp",
      "provider.vpcId",
      "region",
    ]);
  });

  test("JSON paths are written as a reader would type them", () => {
    expect(formatJsonPath([])).toBe("(root)");
    expect(formatJsonPath(["provider", "subnetIds", 2])).toBe("provider.subnetIds[2]");
    expect(formatJsonPath(["provider", "subnetCidrs", "subnet-1"])).toBe('provider.subnetCidrs["subnet-1"]');
  });
});

// passiveIpMode "consumer-endpoint", the pinned endpoint IP, the host name.
describe("config validation: consumer-endpoint mode and the host name", () => {
  const CONSUMER_SUBNET = "subnet-0f9e8d7c6b5a40003";
  const mode = (consumer: Record<string, unknown> = {}, provider: Record<string, unknown> = {}) =>
    exampleWith({
      provider: { passiveIpMode: "consumer-endpoint", ...provider },
      consumer: { endpointIp: "10.0.3.50", subnetCidrs: { [CONSUMER_SUBNET]: "10.0.3.0/24" }, ...consumer },
    });

  test("a valid consumer-endpoint config, single- or multi-AZ on the provider side", () => {
    const config = parseConfig(mode(), "test.json");
    expect(config.provider.passiveIpMode).toBe("consumer-endpoint");
    expect(config.consumer.endpointIp).toBe("10.0.3.50");
    const twoAz = mode({}, { subnetIds: ["subnet-0a1b2c3d4e5f60003", "subnet-0a1b2c3d4e5f60004"], subnetCidrs: null, nlbPrivateIp: null });
    expect(problemsOf(twoAz)).toEqual([]);
  });

  test("the mode needs endpointIp, and endpointIp needs the mode", () => {
    expect(problemsOf(mode({ endpointIp: null }))).toEqual([
      'consumer.endpointIp: missing (expected an IPv4 address in the consumer subnet with passiveIpMode "consumer-endpoint": the endpoint is pinned to it and the server hands it out as PassiveIp)',
    ]);
    expect(problemsOf(exampleWith({ consumer: { endpointIp: "10.0.3.50" } }))).toEqual([
      'consumer.endpointIp: expected only with provider.passiveIpMode "consumer-endpoint" (it is that mode\'s PassiveIp), got mode "nlb"',
    ]);
  });

  test("exactly one consumer subnet, and the message says why", () => {
    const problems = problemsOf(mode({ subnetIds: [CONSUMER_SUBNET, "subnet-0f9e8d7c6b5a40004"] }));
    expect(problems).toEqual([
      'consumer.subnetIds: expected exactly one subnet with passiveIpMode "consumer-endpoint": PassiveIp is one address, and an endpoint in a second subnet has a second IP that no PASV reply names (clients there would be sent across AZs, or nowhere)',
    ]);
  });

  test("endpointIp: an IPv4 address, private, inside consumer.subnetCidrs' subnet, not AWS-reserved", () => {
    expect(problemsOf(mode({ endpointIp: "10.0.3.x" }))).toEqual(['consumer.endpointIp: expected an IPv4 address like "10.0.3.119"']);
    expect(problemsOf(mode({ endpointIp: "8.8.8.8", subnetCidrs: null }))).toEqual([
      "consumer.endpointIp: expected a private address (10/8, 172.16/12, 192.168/16 or 100.64/10): it is an interface endpoint's address in the consumer VPC",
    ]);
    expect(problemsOf(mode({ endpointIp: "10.0.4.50" }))).toEqual([
      `consumer.endpointIp: expected an address inside subnet ${CONSUMER_SUBNET} (10.0.3.0/24)`,
    ]);
    for (const reserved of ["10.0.3.0", "10.0.3.1", "10.0.3.2", "10.0.3.3", "10.0.3.255"]) {
      expect(problemsOf(mode({ endpointIp: reserved }))).toEqual([
        "consumer.endpointIp: expected an address AWS does not reserve in 10.0.3.0/24 (the first four and the last are reserved)",
      ]);
    }
    expect(problemsOf(mode({ endpointIp: "10.0.3.4" }))).toEqual([]);
    expect(problemsOf(mode({ endpointIp: "10.0.3.254" }))).toEqual([]);
    // Without subnetCidrs only the plan-time precondition can check the subnet.
    expect(problemsOf(mode({ endpointIp: "10.0.4.50", subnetCidrs: null }))).toEqual([]);
  });

  test("consumer.subnetCidrs: CIDRs of listed subnets only", () => {
    expect(problemsOf(mode({ subnetCidrs: { [CONSUMER_SUBNET]: "10.0.3.0/24", "subnet-0f9e8d7c6b5a49999": "10.0.9.0/24" } }))).toEqual([
      'consumer.subnetCidrs["subnet-0f9e8d7c6b5a49999"]: expected a subnet listed in consumer.subnetIds',
    ]);
    expect(problemsOf(mode({ subnetCidrs: { [CONSUMER_SUBNET]: "10.0.3.1/24" } }))).toEqual([
      `consumer.subnetCidrs["${CONSUMER_SUBNET}"]: expected a network address: host bits are set (did you mean "10.0.3.0/24"?)`,
    ]);
  });

  test("dnsName is a lowercase DNS name; hostedZoneId a zone ID, and only with dnsName", () => {
    expect(parseConfig(exampleWith({ consumer: { dnsName: "ftp.corp.internal" } })).consumer.dnsName).toBe("ftp.corp.internal");
    expect(problemsOf(exampleWith({ consumer: { dnsName: "ftp.corp.internal", hostedZoneId: "Z0123456789ABCDEFGHIJ" } }))).toEqual([]);
    const badName = 'consumer.dnsName: expected a lowercase DNS name of two or more labels, like "ftp.corp.internal" (no trailing dot)';
    for (const name of ["ftp", "FTP.corp.internal", "ftp.corp.internal.", "-ftp.corp.internal", "ftp..internal", "ftp_1.corp.internal", `${"a".repeat(64)}.internal`]) {
      expect(problemsOf(exampleWith({ consumer: { dnsName: name } }))).toEqual([badName]);
    }
    expect(problemsOf(exampleWith({ consumer: { hostedZoneId: "Z0123456789ABCDEFGHIJ" } }))).toEqual([
      "consumer.hostedZoneId: expected consumer.dnsName too: the zone is where the record for that name goes",
    ]);
    expect(problemsOf(exampleWith({ consumer: { dnsName: "ftp.corp.internal", hostedZoneId: "corp.internal" } }))).toEqual([
      'consumer.hostedZoneId: expected a Route 53 hosted zone ID like "Z0123456789ABCDEFGHIJ"',
    ]);
  });

  test("all of the mode's problems at once", () => {
    const problems = problemsOf(mode({ endpointIp: "10.0.4.1", subnetIds: [CONSUMER_SUBNET, "subnet-0f9e8d7c6b5a40004"], hostedZoneId: "Z1" }));
    expect(problems.map((p) => p.split(":")[0]).sort()).toEqual(["consumer.endpointIp", "consumer.hostedZoneId", "consumer.subnetIds"]);
  });
});

describe("synth with a bad config", () => {
  // One config per class of bad input (support/bad-configs.ts), through the real entry point.
  const cases: [string, string, string][] = BAD_CONFIGS.filter((bad) => bad.synth).map((bad) => [bad.name, bad.text, bad.problem]);

  /** Runs the real synth entry point on a config file with this text, into a fresh outdir. */
  async function synthBadConfig(text: string) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "synth-bad-"));
    const configFile = path.join(dir, "bad.json");
    const outdir = path.join(dir, "out");
    fs.writeFileSync(configFile, text);
    const result = await run(process.execPath, [path.join(PROJECT_ROOT, "scripts", "synth.js")], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, TRANSFER_CONFIG: configFile, CDKTF_OUTDIR: outdir },
    }).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code: number; stderr: string }) => error,
    );
    const outdirWritten = fs.existsSync(outdir);
    fs.rmSync(dir, { recursive: true });
    return { code: result.code, stderr: result.stderr, configFile, outdirWritten };
  }

  test.each(cases)("%s: exit 1, the problem with its JSON path, no cdktf.out", async (_name, text, expected) => {
    const result = await synthBadConfig(text);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Invalid configuration in ${result.configFile}`);
    expect(result.stderr).toContain(expected);
    expect(result.stderr).toContain("Nothing was synthesized.");
    expect(result.outdirWritten).toBe(false);
  });

  test("lists every problem, exits non-zero, and writes nothing", async () => {
    const result = await synthBadConfig(
      JSON.stringify(exampleWith({ provider: { subnetIds: ["subnet-nope"], subnetCidrs: null }, consumer: { vpcId: "vpc-x" } })),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Invalid configuration in ${result.configFile} (2 problems):`);
    expect(result.stderr).toContain('provider.subnetIds[0]: expected a subnet ID like "subnet-0123456789abcdef0"');
    expect(result.stderr).toContain('consumer.vpcId: expected a VPC ID like "vpc-0123456789abcdef0"');
    expect(result.stderr).toContain("Nothing was synthesized.");
    expect(result.outdirWritten).toBe(false);
  });
});

describe("warnings: consumer CIDRs the NLB's security group would drop", () => {
  const withCidrs = (providerCidrs: string[], consumerCidrs: string[]) =>
    parseConfig(exampleWith({ provider: { allowedCidrs: providerCidrs }, consumer: { allowedCidrs: consumerCidrs } }), "(test)");

  test("none when provider.allowedCidrs covers every consumer block (equal, wider, several)", () => {
    expect(configWarnings(withCidrs(["10.0.0.0/16"], ["10.0.0.0/16"]))).toEqual([]);
    expect(configWarnings(withCidrs(["10.0.0.0/8"], ["10.0.3.0/24", "10.20.0.0/16"]))).toEqual([]);
    expect(configWarnings(withCidrs(["10.0.0.0/16", "192.168.0.0/24"], ["192.168.0.128/25", "10.0.3.0/24"]))).toEqual([]);
  });

  test("one per consumer block not inside any provider block, naming it, the provider blocks and why", () => {
    const warnings = configWarnings(withCidrs(["10.0.3.0/24", "172.16.0.0/12"], ["10.0.0.0/16", "172.20.0.0/16", "192.168.1.0/24"]));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain("consumer.allowedCidrs[0] (10.0.0.0/16) is not inside any of provider.allowedCidrs (10.0.3.0/24, 172.16.0.0/12)");
    expect(warnings[0]).toContain("enforce_security_group_inbound_rules_on_private_link_traffic = on");
    expect(warnings[0]).toContain("consumer clients' own addresses");
    expect(warnings[1]).toContain("consumer.allowedCidrs[2] (192.168.1.0/24)");
  });

  test("a wider consumer block is not covered by a narrower provider block that overlaps it", () => {
    expect(configWarnings(withCidrs(["10.0.0.0/17"], ["10.0.0.0/16"]))).toHaveLength(1);
  });

  test("the real synth entry point prints it on stderr, exits 0 and synthesizes", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "synth-warn-"));
    try {
      const configFile = path.join(dir, "config.json");
      const outdir = path.join(dir, "out");
      fs.writeFileSync(configFile, JSON.stringify(exampleWith({ provider: { allowedCidrs: ["10.0.3.0/24"] } })));
      const { stderr } = await run(process.execPath, [path.join(PROJECT_ROOT, "scripts", "synth.js")], {
        cwd: PROJECT_ROOT,
        env: { ...process.env, TRANSFER_CONFIG: configFile, CDKTF_OUTDIR: outdir },
      });
      expect(stderr).toContain(`Warning (${configFile}): consumer.allowedCidrs[0] (10.0.0.0/16) is not inside any of provider.allowedCidrs (10.0.3.0/24)`);
      expect(fs.existsSync(path.join(outdir, "stacks", "provider", "cdk.tf.json"))).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a reserved concurrency warns that the account needs 100 + N unreserved executions (none by default)", () => {
    const reserved = configWarnings(parseConfig(exampleWith({ provider: { identityProvider: { reservedConcurrency: 25 } } }), "(test)"));
    expect(reserved).toEqual([expect.stringContaining("provider.identityProvider.reservedConcurrency is 25: the account then needs at least 125 unreserved concurrent executions")]);
    expect(reserved[0]).toContain("aws lambda get-account-settings");
  });

  test("the shipped example synthesizes without warnings", () => {
    expect(configWarnings(parseConfig(exampleDocument(), "config/example.json"))).toEqual([]);
  });
});
