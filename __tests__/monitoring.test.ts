import "cdktf/lib/testing/adapters/jest";
import { DescribeSecretCommand, GetResourcePolicyCommand, GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { ConditionalCheckFailedException, DeleteItemCommand, DynamoDBClient, GetItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { handler, resetCachesForTests, setLookupFloorForTests } from "../functions/identity-provider/handler";
// The handler's logic without its lookup floor (the floor's timing is tested in identity-provider.test.ts and on the emulator).
setLookupFloorForTests(0);
import { checkPasswordWithFixedWork, hashPassword, PasswordHash } from "../functions/identity-provider/password-hash";
import { userSecretPolicy } from "../functions/identity-provider/user-secret-policy";
import { recordScrypt, ScryptRecorder } from "./support/scrypt-recorder";
import {
  BROKEN_IDENTITY_PROVIDER_REASONS,
  deniedForReasonsPattern,
  USER_ERROR_REASONS,
} from "../lib/identity-provider-decisions";
import { compileFilterPattern, filterPatternProblems, jsonFilterPattern } from "./support/cloudwatch-filter-pattern";
import { LOGIN_DENIAL_PATTERN } from "../stacks/provider/ftp-alarms";
import { configWith, TWO_AZ } from "./support/config";
import { dataSourcesOf, onlyResource, ref, resourcesOf, synthStacks } from "./support/synth";

// The password check as it is, but able to fail like a bug would (internal-error).
jest.mock("../functions/identity-provider/password-hash", () => {
  const actual = jest.requireActual("../functions/identity-provider/password-hash");
  return { ...actual, checkPasswordWithFixedWork: jest.fn(actual.checkPasswordWithFixedWork) };
});

describe("Transfer structured logging", () => {
  const { provider } = synthStacks(configWith({ provider: { logRetentionDays: 90 } }));

  test("the server logs to its own log group with the configured retention, structured logs only", () => {
    const server = onlyResource(provider, "aws_transfer_server");
    const logGroup = resourcesOf(provider, "aws_cloudwatch_log_group").find((g) => g.name === "/aws/transfer/tf-ftp-ftp")!;
    expect(logGroup.retention_in_days).toBe(90);
    expect(server.structured_log_destinations).toEqual([`${ref(logGroup, "arn")}:*`]);
  });

  test("no logging_role: it would turn on Transfer's legacy logging, which needs no role here (Transfer user guide, server logging)", () => {
    // LoggingRole and StructuredLogDestinations are configured and controlled separately; a
    // logging role is needed only for workflows, which this server has none of.
    for (const config of [configWith(), configWith({ provider: { protocols: ["FTP", "FTPS", "SFTP"], certificateArn: "arn:aws:acm:ap-northeast-1:123456789012:certificate/0b6e2f8a-3c1d-4e5f-8a9b-0c1d2e3f4a5b" } })]) {
      const server = onlyResource(synthStacks(config).provider, "aws_transfer_server");
      expect(server.logging_role).toBeUndefined();
      expect(server.workflow_details).toBeUndefined();
    }
    // And so no role that Transfer may assume for a server (it would have to trust server/*).
    const trusts = resourcesOf(provider, "aws_iam_role").map((r) => String(r.assume_role_policy));
    expect(trusts.filter((trust) => trust.includes("transfer.amazonaws.com") && trust.includes(":server/"))).toEqual([]);
  });
});

describe("alarms (single AZ, no topic)", () => {
  const { provider } = synthStacks(configWith());
  const alarms = resourcesOf(provider, "aws_cloudwatch_metric_alarm");
  const lb = onlyResource(provider, "aws_lb");
  const controlGroup = resourcesOf(provider, "aws_lb_target_group").find((g) => g.port === 21)!;
  const [subnet] = dataSourcesOf(provider, "aws_subnet");
  const fn = onlyResource(provider, "aws_lambda_function");

  test("unhealthy Transfer endpoint: port-21 target group, per AZ, at least 1 unhealthy for 2 of 3 minutes", () => {
    expect(provider).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
      alarm_name: `tf-ftp-ftp-unhealthy-endpoint-${ref(subnet, "availability_zone")}`,
      namespace: "AWS/NetworkELB",
      metric_name: "UnHealthyHostCount",
      dimensions: {
        LoadBalancer: ref(lb, "arn_suffix"),
        TargetGroup: ref(controlGroup, "arn_suffix"),
        AvailabilityZone: ref(subnet, "availability_zone"),
      },
      statistic: "Maximum",
      period: 60,
      evaluation_periods: 3,
      datapoints_to_alarm: 2,
      threshold: 1,
      comparison_operator: "GreaterThanOrEqualToThreshold",
      treat_missing_data: "notBreaching",
    });
  });

  test("identity-provider errors and throttles: any in 5 minutes", () => {
    for (const metric of ["Errors", "Throttles"]) {
      expect(provider).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
        namespace: "AWS/Lambda",
        metric_name: metric,
        dimensions: { FunctionName: ref(fn, "function_name") },
        statistic: "Sum",
        period: 300,
        evaluation_periods: 1,
        threshold: 1,
        comparison_operator: "GreaterThanOrEqualToThreshold",
      });
    }
  });

  test("broken identity provider: a metric filter on its decision log, and an alarm on any match in 5 minutes", () => {
    const logGroup = resourcesOf(provider, "aws_cloudwatch_log_group").find((g) => g.name === "/aws/lambda/tf-ftp-identity-provider")!;
    const filter = resourcesOf(provider, "aws_cloudwatch_log_metric_filter").find((f) => f.name === "tf-ftp-ftp-identity-provider-broken");
    expect(filter).toMatchObject({
      name: "tf-ftp-ftp-identity-provider-broken",
      log_group_name: ref(logGroup, "name"),
      pattern: deniedForReasonsPattern(BROKEN_IDENTITY_PROVIDER_REASONS),
      metric_transformation: { namespace: "tf-ftp/ftp", name: "IdentityProviderBrokenDecisions", value: "1", unit: "Count" },
    });
    expect(provider).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
      alarm_name: "tf-ftp-ftp-identity-provider-broken",
      namespace: "tf-ftp/ftp",
      metric_name: "IdentityProviderBrokenDecisions",
      statistic: "Sum",
      period: 300,
      evaluation_periods: 1,
      threshold: 1,
      comparison_operator: "GreaterThanOrEqualToThreshold",
      treat_missing_data: "notBreaching",
    });
  });

  test("login denials: a metric filter on the decision log's outcome, alarm above the threshold in 5 minutes", () => {
    const logGroup = resourcesOf(provider, "aws_cloudwatch_log_group").find((g) => g.name === "/aws/lambda/tf-ftp-identity-provider")!;
    const filters = resourcesOf(provider, "aws_cloudwatch_log_metric_filter");
    const denials = filters.find((f) => f.name === "tf-ftp-ftp-login-denials")!;
    expect(denials).toMatchObject({
      log_group_name: ref(logGroup, "name"),
      pattern: '{ $.outcome = "denied" }',
      metric_transformation: { name: "tf-ftp-ftp-login-denials", namespace: "TransferFtp/IdentityProvider", value: "1", default_value: "0" },
    });
    expect(provider).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
      alarm_name: "tf-ftp-ftp-login-denials",
      namespace: "TransferFtp/IdentityProvider",
      metric_name: "tf-ftp-ftp-login-denials",
      statistic: "Sum",
      period: 300,
      threshold: 20,
      comparison_operator: "GreaterThanThreshold",
    });
    const { provider: custom } = synthStacks(configWith({ provider: { monitoring: { loginDenialThreshold: 200 } } }));
    expect(resourcesOf(custom, "aws_cloudwatch_metric_alarm").find((a) => a.alarm_name === "tf-ftp-ftp-login-denials")!.threshold).toBe(200);
  });

  test("the filter pattern matches the handler's denial lines as Lambda stores them, and nothing else", async () => {
    // The handler writes each decision to stdout directly: Lambda stores the line itself as the event.
    const pattern = compileFilterPattern(LOGIN_DENIAL_PATTERN);
    const { handler } = await import("../functions/identity-provider/handler");
    const spy = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      delete process.env.USER_SECRET_PREFIX; // misconfigured: every login is refused and logged
      await handler({ username: "alice", password: "x", protocol: "FTP", serverId: "s-1", sourceIp: "10.0.0.1" });
      // A user name cannot forge the outcome: it is another field.
      await handler({ username: 'x","outcome":"allowed', password: "x", protocol: "FTP", serverId: "s-1", sourceIp: "10.0.0.1" });
      const lines = spy.mock.calls.map((c) => String(c[0]).replace(/\n$/, ""));
      expect(lines).toHaveLength(2);
      expect(lines.map((line) => JSON.parse(line).outcome)).toEqual(["denied", "denied"]);
      expect(lines.map((line) => pattern.matches(line))).toEqual([true, true]);
      const allowed = JSON.stringify({ user: "denied", outcome: "allowed", reason: "authenticated", note: 'x","outcome":"denied' });
      expect(pattern.matches(allowed)).toBe(false);
    } finally {
      spy.mockRestore();
    }
  });

  test("five alarms, none with actions when no topic is configured", () => {
    expect(alarms).toHaveLength(5);
    expect(alarms.every((a) => a.alarm_actions === undefined)).toBe(true);
    expect(resourcesOf(provider, "aws_sns_topic")).toHaveLength(0);
  });
});

describe("alarms across two AZs, notifications", () => {
  test("one unhealthy-endpoint alarm per AZ", () => {
    const { provider } = synthStacks(configWith(TWO_AZ));
    const subnets = dataSourcesOf(provider, "aws_subnet");
    const unhealthy = resourcesOf(provider, "aws_cloudwatch_metric_alarm").filter((a) => a.metric_name === "UnHealthyHostCount");
    expect(unhealthy.map((a) => (a.dimensions as Record<string, string>).AvailabilityZone).sort()).toEqual(
      subnets.map((s) => ref(s, "availability_zone")).sort(),
    );
  });

  test("an existing topic receives alarm and OK notifications", () => {
    const topicArn = "arn:aws:sns:ap-northeast-1:123456789012:ops-alarms";
    const { provider } = synthStacks(configWith({ provider: { monitoring: { alarmTopicArn: topicArn } } }));
    const alarms = resourcesOf(provider, "aws_cloudwatch_metric_alarm");
    expect(alarms.every((a) => JSON.stringify(a.alarm_actions) === JSON.stringify([topicArn]))).toBe(true);
    expect(alarms.every((a) => JSON.stringify(a.ok_actions) === JSON.stringify([topicArn]))).toBe(true);
  });

  test("createAlarmTopic makes a topic and points the alarms at it", () => {
    const { provider } = synthStacks(configWith({ provider: { monitoring: { createAlarmTopic: true } } }));
    expect(provider).toHaveResourceWithProperties(SnsTopic, { name: "tf-ftp-ftp-alarms" });
    const topic = onlyResource(provider, "aws_sns_topic");
    const alarms = resourcesOf(provider, "aws_cloudwatch_metric_alarm");
    expect(alarms.every((a) => JSON.stringify(a.alarm_actions) === JSON.stringify([ref(topic, "arn")]))).toBe(true);
  });

  test("alarms can be turned off", () => {
    const { provider } = synthStacks(configWith({ provider: { monitoring: { alarms: false } } }));
    expect(resourcesOf(provider, "aws_cloudwatch_metric_alarm")).toHaveLength(0);
    expect(resourcesOf(provider, "aws_cloudwatch_log_metric_filter")).toHaveLength(0);
  });
});

describe("default tags", () => {
  test("the config's tags become both AWS providers' default tags", () => {
    const { provider, consumer } = synthStacks(configWith({ tags: { Team: "platform", CostCenter: "42" } }));
    expect(JSON.parse(provider).provider.aws[0].default_tags).toEqual([{ tags: { Project: "transfer-privatelink-ftp", Team: "platform", CostCenter: "42" } }]);
    for (const aws of JSON.parse(consumer).provider.aws) {
      expect(aws.default_tags[0].tags.Team).toBe("platform");
    }
  });
});

/**
 * The metric filter's pattern against the lines the real handler writes, one
 * scenario per refusal reason (SDK mocked as in identity-provider.test.ts).
 */
describe("the broken-identity-provider filter pattern on the handler's real decision lines", () => {
  const secrets = mockClient(SecretsManagerClient);
  const ssm = mockClient(SSMClient);
  const dynamodb = mockClient(DynamoDBClient);
  const SERVER_ID = "s-0123456789abcdef0";
  const KEY_ARN = "arn:aws:kms:ap-northeast-1:123456789012:key/0b6e2f8a-3c1d-4e5f-8a9b-0c1d2e3f4a5b";
  const PASSWORD = "Wonderland-42!";
  const ENV = {
    USER_SECRET_PREFIX: "tf-ftp/users/",
    BUCKET_NAME: "tf-ftp-example-bucket",
    TRANSFER_ROLE_ARN: "arn:aws:iam::123456789012:role/tf-ftp-transfer-s3-access",
    SERVER_ID_PARAMETER: "/tf-ftp/transfer-server-id",
    USER_HOME_ROOT: "/tf-ftp-example-bucket/home/",
    USER_SECRETS_KEY_ARN: KEY_ARN,
    LOGIN_ATTEMPTS_TABLE: "tf-ftp-login-attempts",
    USER_ADMINISTRATOR_ARNS: JSON.stringify(["arn:aws:iam::123456789012:role/ftp-user-admin"]),
  };
  const PROTECTED = JSON.stringify(userSecretPolicy(["arn:aws:iam::123456789012:role/ftp-user-admin"]));
  let scrypt: ScryptRecorder;
  const pattern = jsonFilterPattern(deniedForReasonsPattern(BROKEN_IDENTITY_PROVIDER_REASONS));
  const savedEnv = { ...process.env };
  let hash: PasswordHash;
  const lines = new Map<string, string>();

  function reset(): void {
    secrets.reset();
    ssm.reset();
    dynamodb.reset();
    resetCachesForTests();
    Object.assign(process.env, ENV);
    ssm.on(GetParameterCommand, { Name: ENV.SERVER_ID_PARAMETER }).resolves({ Parameter: { Value: SERVER_ID } });
    const notFound = () => Object.assign(new Error("not found"), { name: "ResourceNotFoundException" });
    secrets.on(GetSecretValueCommand).rejects(notFound());
    secrets.on(DescribeSecretCommand).rejects(notFound());
    secrets.on(GetResourcePolicyCommand).rejects(notFound());
    dynamodb.on(GetItemCommand).resolves({});
    dynamodb.on(UpdateItemCommand).resolves({ Attributes: { failures: { N: "1" } } });
    dynamodb.on(DeleteItemCommand).resolves({});
  }
  const user = (name: string, record: unknown, kmsKeyId = KEY_ARN, resourcePolicy: string | null = PROTECTED) => {
    secrets.on(DescribeSecretCommand, { SecretId: `${ENV.USER_SECRET_PREFIX}${name}` }).resolves({ Name: `${ENV.USER_SECRET_PREFIX}${name}`, KmsKeyId: kmsKeyId });
    secrets.on(GetResourcePolicyCommand, { SecretId: `${ENV.USER_SECRET_PREFIX}${name}` }).resolves(resourcePolicy === null ? {} : { ResourcePolicy: resourcePolicy });
    secrets.on(GetSecretValueCommand, { SecretId: `${ENV.USER_SECRET_PREFIX}${name}` }).resolves({ SecretString: JSON.stringify(record) });
  };

  /** Runs the handler once and returns the one line it wrote. */
  async function decisionLine(setup: () => void, event: Record<string, unknown> = {}): Promise<string> {
    reset();
    setup();
    const write = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      await handler({ username: "alice", password: PASSWORD, protocol: "FTP", serverId: SERVER_ID, sourceIp: "10.0.3.119", ...event } as never);
      expect(write).toHaveBeenCalledTimes(1);
      return String(write.mock.calls[0][0]).replace(/\n$/, "");
    } finally {
      write.mockRestore();
    }
  }

  beforeAll(async () => {
    scrypt = recordScrypt("fast");
    hash = await hashPassword(PASSWORD);
    const valid = { passwordHash: hash };
    const scenarios: [string, () => void, Record<string, unknown>?][] = [
      ["authenticated", () => user("alice", valid)],
      ["wrong-password", () => user("alice", valid), { password: "not-it" }],
      ["unknown-user", () => undefined],
      ["invalid-username", () => undefined, { username: "../etc" }],
      ["missing-password", () => undefined, { password: "" }],
      // An SFTP key lookup for a user who may use SFTP but has no keys.
      ["no-public-keys", () => user("alice", { ...valid, allowedProtocols: ["SFTP"] }), { protocol: "SFTP", password: "" }],
      ["password-too-long", () => undefined, { password: "x".repeat(2000) }],
      ["unsupported-protocol", () => undefined, { protocol: "SCP" }],
      ["protocol-not-allowed", () => user("alice", { ...valid, allowedProtocols: ["FTPS"] })],
      ["misconfigured", () => delete process.env.TRANSFER_ROLE_ARN],
      ["server-id-unavailable", () => ssm.on(GetParameterCommand).rejects(Object.assign(new Error("denied"), { name: "AccessDeniedException" }))],
      ["wrong-server", () => user("alice", valid), { serverId: "s-0fedcba9876543210" }],
      ["secret-unavailable", () => {
        user("alice", valid);
        secrets
          .on(GetSecretValueCommand, { SecretId: `${ENV.USER_SECRET_PREFIX}alice` })
          .rejects(Object.assign(new Error("kms"), { name: "KMSAccessDeniedException" }));
      }],
      ["malformed-record", () => user("alice", { passwordHash: "plain-text" })],
      ["home-outside-bucket", () => user("alice", { ...valid, homeDirectory: "/another-bucket/home/alice" })],
      ["home-outside-root", () => user("alice", { ...valid, homeDirectory: "/tf-ftp-example-bucket/partners/alice" })],
      ["wrong-encryption-key", () => user("alice", valid, "arn:aws:kms:ap-northeast-1:123456789012:alias/aws/secretsmanager")],
      // Created by other means than `npm run users` (no resource policy against restores and rollbacks).
      ["unprotected-record", () => user("alice", valid, KEY_ARN, null)],
      ["throttle-unavailable", () => dynamodb.on(UpdateItemCommand).rejects(Object.assign(new Error("denied"), { name: "AccessDeniedException" }))],
      // Failed 9 times, the last a moment ago: the reservation finds the window closed.
      ["throttled", () => {
        user("alice", valid);
        const Item = { username: { S: "alice" }, failures: { N: "9" }, lastFailureAt: { N: String(Date.now()) }, expiresAt: { N: String(Math.floor(Date.now() / 1000) + 86400) } };
        dynamodb.on(UpdateItemCommand).rejects(new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {}, Item }));
      }],
      ["internal-error", () => {
        user("alice", valid);
        (checkPasswordWithFixedWork as jest.Mock).mockImplementationOnce(() => { throw new TypeError("a bug"); });
      }],
    ];
    for (const [reason, setup, event] of scenarios) lines.set(reason, await decisionLine(setup, event));
  });
  afterAll(() => {
    scrypt.restore();
    process.env = savedEnv;
    secrets.restore();
    ssm.restore();
    dynamodb.restore();
  });

  test("every scenario produced the reason it was meant to (so the cases below are real)", () => {
    for (const [reason, line] of lines) expect(JSON.parse(line).reason).toBe(reason);
    expect([...lines.keys()].sort()).toEqual(["authenticated", ...BROKEN_IDENTITY_PROVIDER_REASONS, ...USER_ERROR_REASONS].sort());
  });

  test.each([...BROKEN_IDENTITY_PROVIDER_REASONS])("%s is counted", (reason) => {
    expect(pattern.matches(lines.get(reason)!)).toBe(true);
  });

  test.each(["authenticated", ...USER_ERROR_REASONS])("%s is not counted", (reason) => {
    expect(pattern.matches(lines.get(reason)!)).toBe(false);
  });

  test("a user named after a broken reason, failing their password, is not counted", async () => {
    const line = await decisionLine(() => user("internal-error", { passwordHash: hash }), { username: "internal-error", password: "wrong" });
    expect(JSON.parse(line)).toMatchObject({ user: "internal-error", reason: "wrong-password" });
    expect(pattern.matches(line)).toBe(false);
  });

  test("the same line behind the prefix console.log gets in Lambda would not be counted (why the handler writes to stdout)", () => {
    const line = lines.get("internal-error")!;
    expect(pattern.matches(`2026-12-01T20:00:00.000Z\t3f1c3f6a-0000-4000-8000-000000000000\tINFO\t${line}`)).toBe(false);
  });

  test("the evaluator refuses what it does not implement, rather than guess", () => {
    expect(() => jsonFilterPattern("ERROR")).toThrow("only JSON patterns");
    expect(() => compileFilterPattern("[ip, user, status_code = 4*]")).toThrow("only regex");
    expect(() => compileFilterPattern('{ $.reason = %throttle.*% }').matches('{"reason":"throttled"}')).toThrow("not implemented");
  });

  test("the denial-count pattern counts every refusal and no success, whatever the reason", () => {
    const denials = compileFilterPattern(LOGIN_DENIAL_PATTERN);
    for (const [reason, line] of lines) expect({ reason, counted: denials.matches(line) }).toEqual({ reason, counted: reason !== "authenticated" });
  });
});

/**
 * CloudWatch Logs' filter-pattern grammar (CloudWatch Logs user guide, "Filter
 * pattern syntax"; the checker in ./support/cloudwatch-filter-pattern.ts):
 * every pattern the stacks emit must be one PutMetricFilter accepts.
 */
describe("CloudWatch Logs filter patterns", () => {
  const variants = {
    default: configWith(),
    "two AZs, created topic": configWith({ ...TWO_AZ, provider: { ...TWO_AZ.provider, monitoring: { createAlarmTopic: true } } }),
    "lambda restart, FTPS and SFTP": configWith({
      provider: {
        restartResource: "lambda",
        protocols: ["FTP", "FTPS", "SFTP"],
        certificateArn: "arn:aws:acm:ap-northeast-1:123456789012:certificate/0b6e2f8a-3c1d-4e5f-8a9b-0c1d2e3f4a5b",
      },
      consumer: { dnsName: "ftp.corp.internal" },
    }),
  };

  test.each(Object.entries(variants))("every metric filter pattern of the %s stacks is valid CloudWatch syntax", (_, config) => {
    const { provider, consumer } = synthStacks(config);
    const patterns = [provider, consumer].flatMap((stack) => resourcesOf(stack, "aws_cloudwatch_log_metric_filter").map((f) => String(f.pattern)));
    expect(patterns.length).toBeGreaterThanOrEqual(2);
    expect(patterns.map((pattern) => ({ pattern, problems: filterPatternProblems(pattern) }))).toEqual(patterns.map((pattern) => ({ pattern, problems: [] })));
  });

  test("regex patterns: the guide's examples are accepted, a character outside the dialect is refused with how to write it", () => {
    for (const accepted of ["%AUTHORIZED%", "%\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}%", "%[Ee]rror|[Ff]ail%", "%colou?r%", "%\\x22outcome\\x22:\\x22denied\\x22%"]) {
      expect({ accepted, problems: filterPatternProblems(accepted) }).toEqual({ accepted, problems: [] });
    }
    expect(filterPatternProblems("%something!%")).toEqual([expect.stringContaining('"!" at 9 is not allowed in a CloudWatch regex')]);
    // What the login-denial filter was: PutMetricFilter refuses it (the quotes).
    expect(filterPatternProblems('%"outcome":"denied"%')).toEqual([
      expect.stringContaining('"\\"" at 0 is not allowed in a CloudWatch regex: only letters, digits, : _ # = @ / ; , - and the operators ^ $ ? [ ] { } | \\ * + . (write it as \\x22)'),
      expect.stringContaining('at 8'),
      expect.stringContaining('at 10'),
      expect.stringContaining('at 17'),
    ]);
    expect(filterPatternProblems("%(gray|grey)%")).toEqual([expect.stringContaining("parentheses are not supported"), expect.stringContaining("parentheses are not supported")]);
    expect(filterPatternProblems("%a b%")).toEqual([expect.stringContaining("\\x20")]);
    expect(filterPatternProblems("%caf\u00e9%")).toEqual([expect.stringContaining("U+00E9")]);
    expect(filterPatternProblems("%\\q%")).toEqual([expect.stringContaining("is not one CloudWatch documents")]);
  });

  test("a regex pattern matches anywhere in the event, as the guide's %AUTHORIZED% example", () => {
    const authorized = compileFilterPattern("%AUTHORIZED%");
    expect(authorized.matches("[ERROR 401] UNAUTHORIZED REQUEST")).toBe(true);
    expect(authorized.matches("[SUCCESS 200] AUTHORIZED REQUEST")).toBe(true);
    expect(authorized.matches("[SUCCESS 200] OK")).toBe(false);
    expect(compileFilterPattern("%\\x22outcome\\x22:\\x22denied\\x22%").matches('{"outcome":"denied"}')).toBe(true);
  });

  test("JSON patterns: the guide's compound examples match or not as it says (&& before ||, parentheses)", () => {
    const event = JSON.stringify({
      user: { id: 1, email: "John.Stiles@example.com" },
      users: [{ id: 2, email: "John.Doe@example.com" }, { id: 3, email: "Jane.Doe@example.com" }],
      actions: ["GET", "PUT", "DELETE"],
      coordinates: [[0, 1, 2], [4, 5, 6], [7, 8, 9]],
    });
    const cases: [string, boolean][] = [
      ['{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }', true],
      ['{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }', false],
      ['{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }', true],
      ['{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }', false],
    ];
    for (const [pattern, expected] of cases) expect({ pattern, matches: compileFilterPattern(pattern).matches(event) }).toEqual({ pattern, matches: expected });
  });

  test("JSON patterns: values, wildcards at the ends only, numbers, IS and NOT EXISTS as the guide describes them", () => {
    const event = JSON.stringify({ eventType: "UpdateTrail", sourceIPAddress: "111.111.111.111", arrayKey: ["value", "another value"], SomeObject: null, ThisFlag: true, latency: 600, users: [1, 2, 3] });
    const cases: [string, boolean][] = [
      ['{ $.eventType = "UpdateTrail" }', true],
      ["{ $.sourceIPAddress != 123.123.* }", true],
      ['{ $.arrayKey[0] = "value" }', true],
      ["{ $.SomeObject IS NULL }", true],
      ["{ $.SomeOtherObject NOT EXISTS }", true],
      ["{ $.ThisFlag IS TRUE }", true],
      ["{ $.eventType = *Trail }", true],
      ["{ $.eventType = Update* }", true],
      ["{ $.eventType = Upd*Trail }", false],
      ["{ $.latency >= 500 }", true],
      ["{ $.latency < 10e2 }", true],
      ["{ $.users = 1 }", false],
      ["{ $.users != 1 }", false],
      ['{ $.missing != "x" }', false],
    ];
    for (const [pattern, expected] of cases) expect({ pattern, matches: compileFilterPattern(pattern).matches(event) }).toEqual({ pattern, matches: expected });
    expect(compileFilterPattern('{ $.eventType = "UpdateTrail" }').matches("2026-12-01T20:00:00.000Z\tINFO\t" + event)).toBe(false);
  });

  test("JSON patterns CloudWatch refuses are refused, each with its reason", () => {
    expect(filterPatternProblems('{ $.a = "x"')).toEqual(["a JSON pattern must be enclosed in { ... }"]);
    expect(filterPatternProblems("{ $.a = x@y }")).toEqual([expect.stringContaining("must be quoted")]);
    expect(filterPatternProblems('{ $.a < "x" }')).toEqual([expect.stringContaining("compares numbers only")]);
    expect(filterPatternProblems('{ a = "x" }')).toEqual([expect.stringContaining("expected a selector")]);
    expect(filterPatternProblems('{ ($.a = "x" }')).toEqual([expect.stringContaining("not closed")]);
    expect(filterPatternProblems("{ $.a = %x% || $.b = %y% || $.c = %z% }")).toEqual([expect.stringContaining("at most 2")]);
    expect(filterPatternProblems('{ $.a = %"x"% }')).toEqual([expect.stringContaining("is not allowed in a CloudWatch regex")]);
    expect(filterPatternProblems(`{ $.a = "${"x".repeat(1100)}" }`)).toEqual([expect.stringContaining("at most 1024")]);
  });
});
