import { Construct } from "constructs";
import { CloudwatchLogMetricFilter } from "@cdktf/provider-aws/lib/cloudwatch-log-metric-filter";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { BROKEN_IDENTITY_PROVIDER_REASONS, deniedForReasonsPattern } from "../../lib/identity-provider-decisions";

export interface FtpAlarmsOptions {
  readonly namePrefix: string;
  /** ARN suffixes (`net/...`, `targetgroup/...`) as CloudWatch dimensions want them. */
  readonly loadBalancerArnSuffix: string;
  readonly controlTargetGroupArnSuffix: string;
  /** The provider subnets with their availability zones (the NLB and the endpoint span them). */
  readonly zones: readonly { readonly subnetId: string; readonly availabilityZone: string }[];
  readonly identityProviderFunctionName: string;
  /** The identity provider's log group (one JSON line per login decision). */
  readonly identityProviderLogGroupName: string;
  /** Existing SNS topic for alarm notifications. */
  readonly alarmTopicArn?: string;
  /** Create a topic for the alarms (subscribe to it yourself). */
  readonly createAlarmTopic: boolean;
}

/**
 * CloudWatch alarms that tell the operators the path broke before its users
 * do: an unhealthy Transfer endpoint behind the NLB (per AZ, on the port-21
 * target group every health check probes), and identity-provider failures
 * (errors, throttles, and refusals its decision log says are faults), which
 * show up to users as refused logins.
 */
export class FtpAlarms extends Construct {
  readonly topic?: SnsTopic;
  readonly alarms: CloudwatchMetricAlarm[] = [];
  readonly logMetricFilters: CloudwatchLogMetricFilter[] = [];
  /** Namespace of the metrics counted from log lines (metric filters). */
  readonly logMetricNamespace: string;
  private readonly namePrefix: string;
  private readonly actions: { alarmActions?: string[]; okActions?: string[] };

  constructor(scope: Construct, id: string, options: FtpAlarmsOptions) {
    super(scope, id);
    this.logMetricNamespace = `${options.namePrefix}/ftp`;
    if (options.createAlarmTopic) {
      // Not KMS-encrypted: CloudWatch cannot publish to a topic encrypted
      // with the AWS-managed SNS key.
      this.topic = new SnsTopic(this, "topic", { name: `${options.namePrefix}-ftp-alarms` });
    }
    const topicArn = this.topic?.arn ?? options.alarmTopicArn;
    const actions = topicArn ? { alarmActions: [topicArn], okActions: [topicArn] } : {};
    this.namePrefix = options.namePrefix;
    this.actions = actions;

    for (const { subnetId, availabilityZone: zone } of options.zones) {
      this.alarms.push(
        new CloudwatchMetricAlarm(this, `unhealthy-endpoint-${subnetId}`, {
          alarmName: `${options.namePrefix}-ftp-unhealthy-endpoint-${zone}`,
          alarmDescription: `The Transfer endpoint in ${zone} fails the NLB's port-21 health check: FTP sessions through that AZ fail.`,
          namespace: "AWS/NetworkELB",
          metricName: "UnHealthyHostCount",
          dimensions: {
            LoadBalancer: options.loadBalancerArnSuffix,
            TargetGroup: options.controlTargetGroupArnSuffix,
            AvailabilityZone: zone,
          },
          statistic: "Maximum",
          period: 60,
          evaluationPeriods: 3,
          datapointsToAlarm: 2,
          threshold: 1,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          treatMissingData: "notBreaching",
          ...actions,
        })
      );
    }
    const lambdaAlarm = (metric: "Errors" | "Throttles", what: string) =>
      new CloudwatchMetricAlarm(this, `identity-provider-${metric.toLowerCase()}`, {
        alarmName: `${options.namePrefix}-ftp-identity-provider-${metric.toLowerCase()}`,
        alarmDescription: `The identity-provider Lambda ${what}: FTP logins are refused while this lasts.`,
        namespace: "AWS/Lambda",
        metricName: metric,
        dimensions: { FunctionName: options.identityProviderFunctionName },
        statistic: "Sum",
        period: 300,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "notBreaching",
        ...actions,
      });
    this.alarms.push(lambdaAlarm("Errors", "fails"), lambdaAlarm("Throttles", "is throttled"));

    // The handler catches every error and returns {} (as Transfer expects), so
    // Errors never counts these: count them from its decision log instead.
    this.logMetricAlarm({
      id: "identity-provider-broken",
      logGroupName: options.identityProviderLogGroupName,
      metricName: "IdentityProviderBrokenDecisions",
      filterPattern: deniedForReasonsPattern(BROKEN_IDENTITY_PROVIDER_REASONS),
      alarmName: `${options.namePrefix}-ftp-identity-provider-broken`,
      alarmDescription:
        `The identity provider refused logins for a reason that needs an operator (${BROKEN_IDENTITY_PROVIDER_REASONS.join(", ")}); ` +
        "see the reason and detail fields of its log lines. Wrong passwords and unknown users are not counted.",
      threshold: 1,
      periodSeconds: 300,
    });
  }

  /**
   * A metric counted from matching log lines (1 per line) and an alarm on its
   * sum per period. Add further log-based alarms through this.
   */
  logMetricAlarm(spec: {
    readonly id: string;
    readonly logGroupName: string;
    readonly metricName: string;
    readonly filterPattern: string;
    readonly alarmName: string;
    readonly alarmDescription: string;
    readonly threshold: number;
    readonly periodSeconds: number;
  }): CloudwatchMetricAlarm {
    const filter = new CloudwatchLogMetricFilter(this, `${spec.id}-filter`, {
      name: spec.alarmName,
      logGroupName: spec.logGroupName,
      pattern: spec.filterPattern,
      metricTransformation: { namespace: this.logMetricNamespace, name: spec.metricName, value: "1", unit: "Count" },
    });
    this.logMetricFilters.push(filter);
    const alarm = new CloudwatchMetricAlarm(this, spec.id, {
      alarmName: spec.alarmName,
      alarmDescription: spec.alarmDescription,
      // An alarm may watch a metric before its first data point exists.
      namespace: this.logMetricNamespace,
      metricName: spec.metricName,
      statistic: "Sum",
      period: spec.periodSeconds,
      evaluationPeriods: 1,
      threshold: spec.threshold,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      // No matching line is no data: nothing broke.
      treatMissingData: "notBreaching",
      ...this.actions,
    });
    this.alarms.push(alarm);
    return alarm;
  }

  // ---- login denials: a brute-force or credential-stuffing run ----

  /**
   * Counts the identity provider's refusals from its decision log (one JSON
   * line per login, `outcome` "denied" for every refusal) and alarms when
   * more than `threshold` arrive in 5 minutes: behind the NLB every client
   * has the same source IP, so the rate of refusals is what shows an attack.
   */
  alarmOnLoginDenials(options: LoginDenialAlarmOptions): CloudwatchMetricAlarm {
    const metricName = `${this.namePrefix}-ftp-login-denials`;
    new CloudwatchLogMetricFilter(this, "login-denials", {
      name: metricName,
      logGroupName: options.identityProviderLogGroupName,
      pattern: LOGIN_DENIAL_PATTERN,
      metricTransformation: { name: metricName, namespace: LOGIN_METRICS_NAMESPACE, value: "1", defaultValue: "0", unit: "Count" },
    });
    const alarm = new CloudwatchMetricAlarm(this, "login-denials-alarm", {
      alarmName: metricName,
      alarmDescription: `More than ${options.threshold} FTP logins refused in 5 minutes: someone may be guessing passwords (or a client is misconfigured).`,
      namespace: LOGIN_METRICS_NAMESPACE,
      metricName,
      statistic: "Sum",
      period: 300,
      evaluationPeriods: 1,
      threshold: options.threshold,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      ...this.actions,
    });
    this.alarms.push(alarm);
    return alarm;
  }
}

export const LOGIN_METRICS_NAMESPACE = "TransferFtp/IdentityProvider";

/**
 * A JSON filter pattern (CloudWatch Logs user guide, "Filter pattern syntax",
 * JSON log events: `{ $.field = "value" }`) for decision lines whose `outcome`
 * is "denied". The handler writes each decision as one JSON line to stdout,
 * which Lambda stores as the event itself. A JSON pattern compares the one
 * field: no user name can forge it, and no regex is needed - CloudWatch's
 * regex dialect allows only letters, digits and `: _ # = @ / ; , -` besides
 * its operators, so the literal `"outcome":"denied"` (quotes) is refused by
 * PutMetricFilter and would fail the first deploy.
 */
export const LOGIN_DENIAL_PATTERN = '{ $.outcome = "denied" }';

export interface LoginDenialAlarmOptions {
  readonly identityProviderLogGroupName: string;
  /** Refusals in 5 minutes above which the alarm fires. */
  readonly threshold: number;
}
