import "cdktf/lib/testing/adapters/jest";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { LOGIN_DENIAL_PATTERN } from "../stacks/provider/ftp-alarms";
import { configWith, TWO_AZ } from "./support/config";
import { dataSourcesOf, onlyResource, ref, resourcesOf, synthStacks } from "./support/synth";

describe("Transfer structured logging", () => {
  const { provider } = synthStacks(configWith({ provider: { logRetentionDays: 90 } }));

  test("the server logs to its own log group with the configured retention, through a scoped role", () => {
    const server = onlyResource(provider, "aws_transfer_server");
    const logGroup = resourcesOf(provider, "aws_cloudwatch_log_group").find((g) => g.name === "/aws/transfer/tf-ftp-ftp")!;
    const role = resourcesOf(provider, "aws_iam_role").find((r) => r.name === "tf-ftp-transfer-logging")!;
    expect(logGroup.retention_in_days).toBe(90);
    expect(server.structured_log_destinations).toEqual([`${ref(logGroup, "arn")}:*`]);
    expect(server.logging_role).toBe(ref(role, "arn"));
    expect(JSON.parse(role.assume_role_policy as string).Statement[0]).toMatchObject({
      Principal: { Service: "transfer.amazonaws.com" },
      Condition: { StringEquals: { "aws:SourceAccount": "${data.aws_caller_identity.account.account_id}" } },
    });
    const policy = resourcesOf(provider, "aws_iam_role_policy").find((p) => p.role === ref(role, "id"))!;
    expect(JSON.parse(policy.policy as string).Statement).toEqual([
      {
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
        Resource: `${ref(logGroup, "arn")}:*`,
      },
    ]);
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

  test("login denials: a metric filter on the decision log's outcome, alarm above the threshold in 5 minutes (issue 18, finding 6)", () => {
    const logGroup = resourcesOf(provider, "aws_cloudwatch_log_group").find((g) => g.name === "/aws/lambda/tf-ftp-identity-provider")!;
    const filters = resourcesOf(provider, "aws_cloudwatch_log_metric_filter");
    const denials = filters.find((f) => f.name === "tf-ftp-ftp-login-denials")!;
    expect(denials).toMatchObject({
      log_group_name: ref(logGroup, "name"),
      pattern: '%"outcome":"denied"%',
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

  test("the filter pattern matches the handler's denial lines as Lambda writes them, and nothing else", async () => {
    // The regex between the %s, applied to the event as CloudWatch Logs stores it with Lambda's text
    // log format: "<timestamp>\t<request id>\tINFO\t<the console.log line>".
    const regex = new RegExp(/^%(.*)%$/.exec(LOGIN_DENIAL_PATTERN)![1]);
    const asLambdaWrites = (line: string) => `2026-12-01T20:00:00.000Z\t6f7c3bde-0000-4000-8000-000000000000\tINFO\t${line}`;
    const { handler } = await import("../functions/identity-provider/handler");
    const spy = jest.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      delete process.env.USER_SECRET_PREFIX; // misconfigured: every login is refused and logged
      await handler({ username: "alice", password: "x", protocol: "FTP", serverId: "s-1", sourceIp: "10.0.0.1" });
      // A user name cannot forge the literal: its quotes are escaped.
      await handler({ username: 'x","outcome":"denied', password: "x", protocol: "FTP", serverId: "s-1", sourceIp: "10.0.0.1" });
      const lines = spy.mock.calls.map((c) => c[0] as string);
      expect(lines).toHaveLength(2);
      expect(lines.every((line) => regex.test(asLambdaWrites(line)))).toBe(true);
      expect(lines[1].match(new RegExp(regex.source, "g"))).toHaveLength(1);
      expect(regex.test(asLambdaWrites(JSON.stringify({ user: "denied", outcome: "allowed", reason: "authenticated", note: 'x","outcome":"denied' })))).toBe(false);
    } finally {
      spy.mockRestore();
    }
  });

  test("four alarms, none with actions when no topic is configured", () => {
    expect(alarms).toHaveLength(4);
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
