import { Construct } from "constructs";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";

export interface FtpAlarmsOptions {
  readonly namePrefix: string;
  /** ARN suffixes (`net/...`, `targetgroup/...`) as CloudWatch dimensions want them. */
  readonly loadBalancerArnSuffix: string;
  readonly controlTargetGroupArnSuffix: string;
  /** The provider subnets with their availability zones (the NLB and the endpoint span them). */
  readonly zones: readonly { readonly subnetId: string; readonly availabilityZone: string }[];
  readonly identityProviderFunctionName: string;
  /** Existing SNS topic for alarm notifications. */
  readonly alarmTopicArn?: string;
  /** Create a topic for the alarms (subscribe to it yourself). */
  readonly createAlarmTopic: boolean;
}

/**
 * CloudWatch alarms that tell the operators the path broke before its users
 * do: an unhealthy Transfer endpoint behind the NLB (per AZ, on the port-21
 * target group every health check probes), and identity-provider failures
 * (errors, throttles), which show up to users as refused logins.
 */
export class FtpAlarms extends Construct {
  readonly topic?: SnsTopic;
  readonly alarms: CloudwatchMetricAlarm[] = [];

  constructor(scope: Construct, id: string, options: FtpAlarmsOptions) {
    super(scope, id);
    if (options.createAlarmTopic) {
      // Not KMS-encrypted: CloudWatch cannot publish to a topic encrypted
      // with the AWS-managed SNS key.
      this.topic = new SnsTopic(this, "topic", { name: `${options.namePrefix}-ftp-alarms` });
    }
    const topicArn = this.topic?.arn ?? options.alarmTopicArn;
    const actions = topicArn ? { alarmActions: [topicArn], okActions: [topicArn] } : {};

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
  }
}
