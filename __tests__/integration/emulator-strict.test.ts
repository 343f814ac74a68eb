// The emulator judges requests as AWS does (emulator/request_checks, patches 25 and 26): for every
// service the project uses, each rule once with a request AWS accepts and once with one it refuses,
// refused with AWS's error code and HTTP status and a message that names the member.
//
// The requests go over HTTP as the SDKs send them, without client-side checks: botocore serializes
// and signs them with its parameter validation off (__tests__/support/send_aws_requests.py, one
// process for the whole table), and the services the project's Lambdas call also go through the AWS
// SDK for JavaScript v3, which validates nothing before sending. One emulator for the file.
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateSecurityGroupCommand, EC2Client } from "@aws-sdk/client-ec2";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { CreateServerCommand, TransferClient } from "@aws-sdk/client-transfer";
import { Emulator, emulatorPrerequisites, startEmulator } from "../../emulator/client";
import { missingPrerequisites } from "../support/prerequisites";

const missing = missingPrerequisites("emulator (strict request checks)", emulatorPrerequisites);
const describeEmulator = missing.length ? describe.skip : describe;

const REGION = "us-east-1";
/** An emulated account with a new account's Lambda concurrency quota. */
const LOW_QUOTA_ACCOUNT = "111111111111";
const SENDER = path.join(__dirname, "..", "support", "send_aws_requests.py");
// An empty zip archive: enough for CreateFunction (the functions are never invoked here).
const EMPTY_ZIP = { __base64: "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==" };
// Lambda runs functions as the role; the accounts' own principals (the cases' default
// credentials) may assume it: the emulator judges both (IAM in the emulator).
const TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
    { Effect: "Allow", Principal: { AWS: ["arn:aws:iam::123456789012:root", `arn:aws:iam::${LOW_QUOTA_ACCOUNT}:root`] }, Action: "sts:AssumeRole" },
  ],
});

interface Refused {
  readonly code: string;
  /** HTTP status; 400 unless given. */
  readonly status?: number;
  /** The member the message must name, as AWS names it ('roleName', 'tags.1.member.key', GroupDescription, ...). */
  readonly member?: string;
  /** Text the message must contain. */
  readonly message?: string;
  /** Text the message must not contain (a sensitive value). */
  readonly hidden?: string;
}

interface Case {
  readonly id: string;
  readonly service: string;
  readonly operation: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly params: Record<string, any>;
  readonly account?: string;
  /** What the case shows; "setup" requests prepare later ones and must be accepted too. */
  readonly rule: string;
  readonly expect: "accepted" | Refused;
}

interface Answer {
  readonly id: string;
  readonly status: number;
  readonly code?: string;
  readonly message?: string;
}

const role = (name: string, extra: Record<string, unknown> = {}) => ({ RoleName: name, AssumeRolePolicyDocument: TRUST, ...extra });
const fn = (name: string, extra: Record<string, unknown> = {}) => ({
  FunctionName: name,
  Runtime: "nodejs22.x",
  Role: "${fn-role.Role.Arn}",
  Handler: "index.handler",
  Code: { ZipFile: EMPTY_ZIP },
  ...extra,
});
const alarm = (extra: Record<string, unknown> = {}) => ({
  AlarmName: "tf-ftp-identity-provider-errors",
  MetricName: "Errors",
  Namespace: "AWS/Lambda",
  Statistic: "Sum",
  Period: 300,
  EvaluationPeriods: 1,
  Threshold: 1,
  ComparisonOperator: "GreaterThanOrEqualToThreshold",
  ...extra,
});
const metricFilter = (pattern: string) => ({
  logGroupName: "/aws/lambda/tf-ftp-identity-provider",
  filterName: "tf-ftp-login-denials",
  filterPattern: pattern,
  metricTransformations: [{ metricName: "LoginDenials", metricNamespace: "TransferFtp", metricValue: "1" }],
});
const table = (name: string, keyType = "HASH") => ({
  TableName: name,
  BillingMode: "PAY_PER_REQUEST",
  AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
  KeySchema: [{ AttributeName: "pk", KeyType: keyType }],
});
const LONG = (n: number, c = "a") => c.repeat(n);

const CASES: Case[] = [
  // ---------------------------------------------------------------- IAM (query, ValidationError, no values echoed)
  { id: "iam-role-70", service: "iam", operation: "CreateRole", rule: "model: RoleName max 64", params: role(LONG(70)),
    expect: { code: "ValidationError", member: "'roleName'", message: "Value at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64" } },
  { id: "iam-role-charset", service: "iam", operation: "CreateRole", rule: "model: RoleName pattern [\\w+=,.@-]+", params: role("tf ftp!"),
    expect: { code: "ValidationError", member: "'roleName'", message: "Member must satisfy regular expression pattern: [\\w+=,.@-]+" } },
  { id: "iam-role-description-unicode", service: "iam", operation: "CreateRole", rule: "model: Description pattern (Latin-1, Java \\u escapes)", params: role("tf-ftp-described", { Description: "FTP ユーザー" }),
    expect: { code: "ValidationError", member: "'description'" } },
  { id: "iam-role-tag-key", service: "iam", operation: "CreateRole", rule: "model: tag key pattern \\p{L}\\p{Z}\\p{N}_.:/=+\\-@", params: role("tf-ftp-tagged", { Tags: [{ Key: "team!", Value: "x" }] }),
    expect: { code: "ValidationError", member: "'tags.1.member.key'" } },
  { id: "iam-role-session-duration", service: "iam", operation: "CreateRole", rule: "model: MaxSessionDuration 3600-43200", params: role("tf-ftp-long", { MaxSessionDuration: 50000 }),
    expect: { code: "ValidationError", member: "'maxSessionDuration'" } },
  { id: "fn-role", service: "iam", operation: "CreateRole", rule: "accepted: a valid name, a Unicode letter in a tag key (\\p{L})", params: role("tf-ftp-identity-provider", { Description: "Café role", Tags: [{ Key: "équipe", Value: "ftp" }] }), expect: "accepted" },
  { id: "iam-trust-too-long", service: "iam", operation: "CreateRole", rule: "limit: trust policy 2,048 characters",
    params: role("tf-ftp-big-trust", { AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: LONG(2100), Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] }) }),
    expect: { code: "LimitExceeded", status: 409, message: "ACLSizePerRole: 2048" } },
  { id: "iam-inline-ok", service: "iam", operation: "PutRolePolicy", rule: "accepted: an inline policy within 10,240 characters",
    params: { RoleName: "tf-ftp-identity-provider", PolicyName: "first", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: LONG(6000), Effect: "Allow", Action: "ssm:GetParameter", Resource: "*" }] }) }, expect: "accepted" },
  { id: "iam-inline-aggregate", service: "iam", operation: "PutRolePolicy", rule: "limit: a role's inline policies 10,240 characters in aggregate",
    params: { RoleName: "tf-ftp-identity-provider", PolicyName: "second", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: LONG(6000), Effect: "Allow", Action: "ssm:GetParameter", Resource: "*" }] }) },
    expect: { code: "LimitExceeded", status: 409, message: "Maximum policy size of 10240 bytes exceeded for role tf-ftp-identity-provider" } },
  // ---------------------------------------------------------------- STS
  { id: "sts-session-space", service: "sts", operation: "AssumeRole", rule: "model: RoleSessionName pattern", params: { RoleArn: "${fn-role.Role.Arn}", RoleSessionName: "ftp deploy" },
    expect: { code: "ValidationError", member: "'roleSessionName'", message: "Value 'ftp deploy' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*" } },
  { id: "sts-duration", service: "sts", operation: "AssumeRole", rule: "limit: DurationSeconds up to the role's MaxSessionDuration", params: { RoleArn: "${fn-role.Role.Arn}", RoleSessionName: "ftp-deploy", DurationSeconds: 7200 },
    expect: { code: "ValidationError", message: "exceeds the MaxSessionDuration set for this role" } },
  { id: "sts-ok", service: "sts", operation: "AssumeRole", rule: "accepted", params: { RoleArn: "${fn-role.Role.Arn}", RoleSessionName: "ftp-deploy", DurationSeconds: 3600 }, expect: "accepted" },
  // ---------------------------------------------------------------- EC2 (ec2 protocol: MissingParameter / InvalidParameterValue)
  { id: "vpc", service: "ec2", operation: "CreateVpc", rule: "accepted: a /16", params: { CidrBlock: "10.0.0.0/16" }, expect: "accepted" },
  { id: "vpc-8", service: "ec2", operation: "CreateVpc", rule: "limit: VPC netmask /16-/28", params: { CidrBlock: "10.0.0.0/8" }, expect: { code: "InvalidVpc.Range", message: "10.0.0.0/8" } },
  { id: "subnet", service: "ec2", operation: "CreateSubnet", rule: "accepted", params: { VpcId: "${vpc.Vpc.VpcId}", CidrBlock: "10.0.3.0/24", AvailabilityZone: "us-east-1a" }, expect: "accepted" },
  { id: "subnet-29", service: "ec2", operation: "CreateSubnet", rule: "limit: subnet netmask /16-/28", params: { VpcId: "${vpc.Vpc.VpcId}", CidrBlock: "10.0.4.0/29" }, expect: { code: "InvalidSubnet.Range" } },
  { id: "sg-missing-name", service: "ec2", operation: "CreateSecurityGroup", rule: "model: GroupName required", params: { Description: "FTP", VpcId: "${vpc.Vpc.VpcId}" },
    expect: { code: "MissingParameter", member: "GroupName", message: "The request must contain the parameter GroupName" } },
  { id: "sg-description-300", service: "ec2", operation: "CreateSecurityGroup", rule: "limit: GroupDescription 255 characters", params: { GroupName: "tf-ftp-nlb", Description: LONG(300, "d"), VpcId: "${vpc.Vpc.VpcId}" },
    expect: { code: "InvalidParameterValue", member: "GroupDescription" } },
  { id: "sg-description-unicode", service: "ec2", operation: "CreateSecurityGroup", rule: "limit: GroupDescription ASCII", params: { GroupName: "tf-ftp-nlb", Description: "FTP — passive ports", VpcId: "${vpc.Vpc.VpcId}" },
    expect: { code: "InvalidParameterValue", member: "GroupDescription", message: "Character sets beyond ASCII are not supported." } },
  { id: "sg-name-prefix", service: "ec2", operation: "CreateSecurityGroup", rule: "limit: GroupName not sg-*", params: { GroupName: "sg-ftp", Description: "FTP", VpcId: "${vpc.Vpc.VpcId}" },
    expect: { code: "InvalidParameterValue", member: "GroupName", message: "Group names may not be in the format sg-*." } },
  { id: "sg", service: "ec2", operation: "CreateSecurityGroup", rule: "accepted: name and description in EC2's character set", params: { GroupName: "tf-ftp-nlb", Description: "FTP control (21) and passive ports 8192-8200", VpcId: "${vpc.Vpc.VpcId}" }, expect: "accepted" },
  { id: "sg-rule-description", service: "ec2", operation: "AuthorizeSecurityGroupIngress", rule: "limit: rule description character set",
    params: { GroupId: "${sg.GroupId}", IpPermissions: [{ IpProtocol: "tcp", FromPort: 21, ToPort: 21, IpRanges: [{ CidrIp: "10.0.0.0/16", Description: "FTP <control>" }] }] },
    expect: { code: "InvalidParameterValue", message: "Invalid rule description." } },
  { id: "sg-rule-ports", service: "ec2", operation: "AuthorizeSecurityGroupIngress", rule: "limit: TCP port range 0-65535, from <= to",
    params: { GroupId: "${sg.GroupId}", IpPermissions: [{ IpProtocol: "tcp", FromPort: 8200, ToPort: 8192, IpRanges: [{ CidrIp: "10.0.0.0/16" }] }] },
    expect: { code: "InvalidParameterValue", message: "port range" } },
  { id: "sg-rule", service: "ec2", operation: "AuthorizeSecurityGroupIngress", rule: "accepted",
    params: { GroupId: "${sg.GroupId}", IpPermissions: [{ IpProtocol: "tcp", FromPort: 8192, ToPort: 8200, IpRanges: [{ CidrIp: "10.0.0.0/16", Description: "FTP passive 8192-8200" }] }] }, expect: "accepted" },
  { id: "ec2-tag-aws", service: "ec2", operation: "CreateTags", rule: "limit: tag keys starting aws: reserved", params: { Resources: ["${vpc.Vpc.VpcId}"], Tags: [{ Key: "aws:owner", Value: "x" }] },
    expect: { code: "InvalidParameterValue", message: "aws:" } },
  { id: "ec2-tag", service: "ec2", operation: "CreateTags", rule: "accepted", params: { Resources: ["${vpc.Vpc.VpcId}"], Tags: [{ Key: "Name", Value: "provider" }] }, expect: "accepted" },
  // ---------------------------------------------------------------- ELBv2 (query, ValidationError)
  { id: "tg-port-70000", service: "elbv2", operation: "CreateTargetGroup", rule: "model: Port 1-65535", params: { Name: "tf-ftp-21", Protocol: "TCP", Port: 70000, VpcId: "${vpc.Vpc.VpcId}", TargetType: "ip" },
    expect: { code: "ValidationError", member: "'port'", message: "Value '70000' at 'port' failed to satisfy constraint: Member must have value less than or equal to 65535" } },
  { id: "tg-protocol", service: "elbv2", operation: "CreateTargetGroup", rule: "model: Protocol enum", params: { Name: "tf-ftp-21", Protocol: "FTP", Port: 21, VpcId: "${vpc.Vpc.VpcId}", TargetType: "ip" },
    expect: { code: "ValidationError", member: "'protocol'", message: "Member must satisfy enum value set" } },
  { id: "tg-name-long", service: "elbv2", operation: "CreateTargetGroup", rule: "limit: target group name 32 characters", params: { Name: LONG(33, "t"), Protocol: "TCP", Port: 21, VpcId: "${vpc.Vpc.VpcId}", TargetType: "ip" },
    expect: { code: "ValidationError", message: "cannot be longer than '32' characters" } },
  { id: "tg-name-hyphen", service: "elbv2", operation: "CreateTargetGroup", rule: "limit: target group name not ending with a hyphen", params: { Name: "tf-ftp-21-", Protocol: "TCP", Port: 21, VpcId: "${vpc.Vpc.VpcId}", TargetType: "ip" },
    expect: { code: "ValidationError", message: "cannot begin or end with '-'" } },
  { id: "tg", service: "elbv2", operation: "CreateTargetGroup", rule: "accepted", params: { Name: "tf-ftp-21", Protocol: "TCP", Port: 21, VpcId: "${vpc.Vpc.VpcId}", TargetType: "ip", HealthCheckProtocol: "TCP", HealthCheckPort: "21" }, expect: "accepted" },
  { id: "tg-deregistration", service: "elbv2", operation: "ModifyTargetGroupAttributes", rule: "limit: deregistration delay 0-3600 s", params: { TargetGroupArn: "${tg.TargetGroups.0.TargetGroupArn}", Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "4000" }] },
    expect: { code: "ValidationError", message: "deregistration_delay.timeout_seconds" } },
  { id: "tg-deregistration-ok", service: "elbv2", operation: "ModifyTargetGroupAttributes", rule: "accepted", params: { TargetGroupArn: "${tg.TargetGroups.0.TargetGroupArn}", Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "30" }] }, expect: "accepted" },
  { id: "nlb-internal-prefix", service: "elbv2", operation: "CreateLoadBalancer", rule: "limit: load balancer name not internal-*", params: { Name: "internal-ftp-nlb", Type: "network", Scheme: "internal", Subnets: ["${subnet.Subnet.SubnetId}"] },
    expect: { code: "ValidationError", message: "cannot begin with 'internal-'" } },
  { id: "nlb-name-chars", service: "elbv2", operation: "CreateLoadBalancer", rule: "limit: load balancer name alphanumerics and hyphens", params: { Name: "tf_ftp_nlb", Type: "network", Scheme: "internal", Subnets: ["${subnet.Subnet.SubnetId}"] },
    expect: { code: "ValidationError", message: "alphanumeric characters or hyphens" } },
  { id: "nlb", service: "elbv2", operation: "CreateLoadBalancer", rule: "accepted", params: { Name: "tf-ftp-nlb-3-119", Type: "network", Scheme: "internal", Subnets: ["${subnet.Subnet.SubnetId}"] }, expect: "accepted" },
  { id: "listener", service: "elbv2", operation: "CreateListener", rule: "setup", params: { LoadBalancerArn: "${nlb.LoadBalancers.0.LoadBalancerArn}", Protocol: "TCP", Port: 21, DefaultActions: [{ Type: "forward", TargetGroupArn: "${tg.TargetGroups.0.TargetGroupArn}" }] }, expect: "accepted" },
  { id: "listener-idle-timeout", service: "elbv2", operation: "ModifyListenerAttributes", rule: "limit: TCP idle timeout 60-6000 s", params: { ListenerArn: "${listener.Listeners.0.ListenerArn}", Attributes: [{ Key: "tcp.idle_timeout.seconds", Value: "30" }] },
    expect: { code: "ValidationError", message: "tcp.idle_timeout.seconds" } },
  { id: "listener-idle-timeout-ok", service: "elbv2", operation: "ModifyListenerAttributes", rule: "accepted", params: { ListenerArn: "${listener.Listeners.0.ListenerArn}", Attributes: [{ Key: "tcp.idle_timeout.seconds", Value: "350" }] }, expect: "accepted" },
  // ---------------------------------------------------------------- Transfer (json)
  { id: "transfer-telnet", service: "transfer", operation: "CreateServer", rule: "model: Protocols enum", params: { Protocols: ["TELNET"] },
    expect: { code: "ValidationException", member: "'protocols'", message: "Member must satisfy enum value set: [SFTP, FTP, FTPS, AS2]" } },
  { id: "transfer-passive-ip", service: "transfer", operation: "CreateServer", rule: "limit: PassiveIp an IPv4 address, AUTO or 0.0.0.0", params: { Protocols: ["SFTP"], ProtocolDetails: { PassiveIp: "not-an-ip" } },
    expect: { code: "InvalidRequestException", member: "PassiveIp" } },
  { id: "transfer-ftp-public", service: "transfer", operation: "CreateServer", rule: "limit: FTP needs a VPC endpoint and a custom identity provider", params: { Protocols: ["FTP"] },
    expect: { code: "InvalidRequestException", message: "EndpointType VPC" } },
  { id: "transfer-server", service: "transfer", operation: "CreateServer", rule: "accepted: FTP, VPC endpoint, Lambda identity provider, PassiveIp an IPv4 address",
    params: { Protocols: ["FTP"], EndpointType: "VPC", EndpointDetails: { VpcId: "${vpc.Vpc.VpcId}", SubnetIds: ["${subnet.Subnet.SubnetId}"] }, IdentityProviderType: "AWS_LAMBDA",
      IdentityProviderDetails: { Function: "arn:aws:lambda:us-east-1:123456789012:function:tf-ftp-identity-provider" }, ProtocolDetails: { PassiveIp: "10.0.3.119" } }, expect: "accepted" },
  { id: "transfer-passive-ip-zero", service: "transfer", operation: "UpdateServer", rule: "accepted: PassiveIp 0.0.0.0", params: { ServerId: "${transfer-server.ServerId}", ProtocolDetails: { PassiveIp: "0.0.0.0" } }, expect: "accepted" },
  { id: "transfer-server-id", service: "transfer", operation: "DescribeServer", rule: "model: ServerId pattern", params: { ServerId: "server-1" }, expect: { code: "ValidationException", member: "'serverId'" } },
  // ---------------------------------------------------------------- Lambda (rest-json)
  { id: "lambda-timeout-5000", service: "lambda", operation: "CreateFunction", rule: "limit: Timeout 900 s", params: fn("tf-ftp-slow", { Timeout: 5000 }),
    expect: { code: "InvalidParameterValueException", member: "'timeout'", message: "Member must have value less than or equal to 900" } },
  { id: "lambda-memory", service: "lambda", operation: "CreateFunction", rule: "limit: MemorySize 128-10240 MB", params: fn("tf-ftp-big", { MemorySize: 20480 }),
    expect: { code: "InvalidParameterValueException", member: "'memorySize'" } },
  { id: "lambda-memory-model", service: "lambda", operation: "CreateFunction", rule: "model: MemorySize min 128", params: fn("tf-ftp-small", { MemorySize: 64 }),
    expect: { code: "ValidationException", member: "'memorySize'", message: "Member must have value greater than or equal to 128" } },
  { id: "lambda-runtime", service: "lambda", operation: "CreateFunction", rule: "model: Runtime enum", params: fn("tf-ftp-old", { Runtime: "nodejs99.x" }),
    expect: { code: "ValidationException", member: "'runtime'" } },
  { id: "lambda-environment", service: "lambda", operation: "CreateFunction", rule: "limit: environment variables 4 KB (values never echoed)", params: fn("tf-ftp-env", { Environment: { Variables: { TOKEN: LONG(5000, "s") } } }),
    expect: { code: "InvalidParameterValueException", message: "exceeded the 4KB limit", hidden: "sssssss" } },
  { id: "lambda-function", service: "lambda", operation: "CreateFunction", rule: "accepted: Timeout 900, MemorySize 10240", params: fn("tf-ftp-identity-provider", { Timeout: 900, MemorySize: 10240 }), expect: "accepted" },
  { id: "lambda-permission-sid", service: "lambda", operation: "AddPermission", rule: "model: StatementId pattern", params: { FunctionName: "tf-ftp-identity-provider", StatementId: "allow transfer", Action: "lambda:InvokeFunction", Principal: "transfer.amazonaws.com" },
    expect: { code: "ValidationException", member: "'statementId'" } },
  { id: "lambda-reserve-900", service: "lambda", operation: "PutFunctionConcurrency", rule: "quota: 1000 - 900 leaves 100 unreserved", params: { FunctionName: "tf-ftp-identity-provider", ReservedConcurrentExecutions: 900 }, expect: "accepted" },
  { id: "lambda-second", service: "lambda", operation: "CreateFunction", rule: "setup", params: fn("tf-ftp-restart"), expect: "accepted" },
  { id: "lambda-reserve-over", service: "lambda", operation: "PutFunctionConcurrency", rule: "quota: unreserved below 100", params: { FunctionName: "tf-ftp-restart", ReservedConcurrentExecutions: 1 },
    expect: { code: "InvalidParameterValueException", message: "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100]." } },
  { id: "lambda-settings", service: "lambda", operation: "GetAccountSettings", rule: "quota reported", params: {}, expect: "accepted" },
  { id: "low-role", account: LOW_QUOTA_ACCOUNT, service: "iam", operation: "CreateRole", rule: "setup", params: role("tf-ftp-identity-provider"), expect: "accepted" },
  { id: "low-function", account: LOW_QUOTA_ACCOUNT, service: "lambda", operation: "CreateFunction", rule: "setup", params: fn("tf-ftp-identity-provider", { Role: "${low-role.Role.Arn}" }), expect: "accepted" },
  { id: "low-reserve", account: LOW_QUOTA_ACCOUNT, service: "lambda", operation: "PutFunctionConcurrency", rule: "quota: a 10-concurrency account refuses any reservation", params: { FunctionName: "tf-ftp-identity-provider", ReservedConcurrentExecutions: 10 },
    expect: { code: "InvalidParameterValueException", message: "below its minimum value of [10]." } },
  { id: "low-settings", account: LOW_QUOTA_ACCOUNT, service: "lambda", operation: "GetAccountSettings", rule: "quota reported", params: {}, expect: "accepted" },
  // ---------------------------------------------------------------- S3 (rest-xml)
  { id: "s3-bucket-upper", service: "s3", operation: "CreateBucket", rule: "limit: bucket naming rules", params: { Bucket: "Transfer_Files" }, expect: { code: "InvalidBucketName", message: "The specified bucket is not valid." } },
  { id: "s3-bucket-ip", service: "s3", operation: "CreateBucket", rule: "limit: bucket name not an IP address", params: { Bucket: "192.168.5.4" }, expect: { code: "InvalidBucketName" } },
  { id: "s3-bucket", service: "s3", operation: "CreateBucket", rule: "accepted", params: { Bucket: "transfer-files-123456789012" }, expect: "accepted" },
  // A string payload (the policy is the body): the model's required member is the body itself.
  { id: "s3-bucket-policy", service: "s3", operation: "PutBucketPolicy", rule: "accepted: Policy is the body", expect: "accepted",
    params: { Bucket: "transfer-files-123456789012", Policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Principal: "*", Action: "s3:PutObject", Resource: "arn:aws:s3:::transfer-files-123456789012/home/x/*" }] }) } },
  // ---------------------------------------------------------------- KMS (json, ValidationException)
  { id: "kms-key", service: "kms", operation: "CreateKey", rule: "accepted", params: { Description: "FTP user secrets" }, expect: "accepted" },
  { id: "kms-description", service: "kms", operation: "CreateKey", rule: "model: Description max 8192", params: { Description: LONG(9000) }, expect: { code: "ValidationException", member: "'description'" } },
  { id: "kms-window-40", service: "kms", operation: "ScheduleKeyDeletion", rule: "limit: PendingWindowInDays 7-30", params: { KeyId: "${kms-key.KeyMetadata.KeyId}", PendingWindowInDays: 40 },
    expect: { code: "ValidationException", member: "'pendingWindowInDays'", message: "Member must have value less than or equal to 30" } },
  { id: "kms-window-3", service: "kms", operation: "ScheduleKeyDeletion", rule: "limit: PendingWindowInDays 7-30", params: { KeyId: "${kms-key.KeyMetadata.KeyId}", PendingWindowInDays: 3 },
    expect: { code: "ValidationException", member: "'pendingWindowInDays'", message: "greater than or equal to 7" } },
  { id: "kms-alias-reserved", service: "kms", operation: "CreateAlias", rule: "limit: alias/aws/ reserved", params: { AliasName: "alias/aws/ftp", TargetKeyId: "${kms-key.KeyMetadata.KeyId}" }, expect: { code: "NotAuthorizedException" } },
  { id: "kms-alias-prefix", service: "kms", operation: "CreateAlias", rule: "limit: alias names begin with alias/", params: { AliasName: "ftp-users", TargetKeyId: "${kms-key.KeyMetadata.KeyId}" },
    expect: { code: "ValidationException", message: 'Alias must start with the prefix "alias/".' } },
  { id: "kms-alias", service: "kms", operation: "CreateAlias", rule: "accepted", params: { AliasName: "alias/tf-ftp-user-secrets", TargetKeyId: "${kms-key.KeyMetadata.KeyId}" }, expect: "accepted" },
  { id: "kms-window-7", service: "kms", operation: "ScheduleKeyDeletion", rule: "accepted", params: { KeyId: "${kms-key.KeyMetadata.KeyId}", PendingWindowInDays: 7 }, expect: "accepted" },
  // ---------------------------------------------------------------- Secrets Manager (json, ValidationException; secret values never echoed)
  { id: "secret-name", service: "secretsmanager", operation: "CreateSecret", rule: "limit: name characters", params: { Name: "tf-ftp/users/al ice", SecretString: "{}" },
    expect: { code: "ValidationException", message: "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!" } },
  { id: "secret-too-long", service: "secretsmanager", operation: "CreateSecret", rule: "model: SecretString max 65536, sensitive", params: { Name: "tf-ftp/users/bob", SecretString: `hunter2-${LONG(65536, "x")}` },
    expect: { code: "ValidationException", member: "'secretString'", message: "Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to 65536", hidden: "hunter2" } },
  { id: "secret", service: "secretsmanager", operation: "CreateSecret", rule: "accepted", params: { Name: "tf-ftp/users/alice", SecretString: "{\"hash\":\"x\"}" }, expect: "accepted" },
  // ---------------------------------------------------------------- SSM (json, ValidationException)
  { id: "ssm-prefix-aws", service: "ssm", operation: "PutParameter", rule: "limit: not prefixed aws/ssm (case-insensitive)", params: { Name: "AWS-ftp-server-id", Value: "s-1", Type: "String" },
    expect: { code: "ValidationException", message: "can't be prefixed with \"aws\" or \"ssm\" (case-insensitive)" } },
  { id: "ssm-prefix-path", service: "ssm", operation: "PutParameter", rule: "limit: a path's first level not ssm*", params: { Name: "/SSMftp/server-id", Value: "s-1", Type: "String" },
    expect: { code: "ValidationException", message: "If formed as a path" } },
  { id: "ssm-reserved-aws", service: "ssm", operation: "PutParameter", rule: "limit: /aws/ reserved", params: { Name: "/aws/ftp/server-id", Value: "s-1", Type: "String" },
    expect: { code: "AccessDeniedException", message: "No access to reserved parameter name" } },
  { id: "ssm-charset", service: "ssm", operation: "PutParameter", rule: "limit: sub-path characters", params: { Name: "/tf-ftp/server id", Value: "s-1", Type: "String" },
    expect: { code: "ValidationException", message: "each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_" } },
  { id: "ssm-value-size", service: "ssm", operation: "PutParameter", rule: "limit: Standard values 4 KB (never echoed)", params: { Name: "/tf-ftp/smoke/password", Value: `topsecret-${LONG(4100)}`, Type: "SecureString" },
    expect: { code: "ValidationException", message: "Standard tier parameters support a maximum parameter value of 4096 characters", hidden: "topsecret" } },
  { id: "ssm-type", service: "ssm", operation: "PutParameter", rule: "model: Type enum", params: { Name: "/tf-ftp/server-id", Value: "s-1", Type: "Text" },
    expect: { code: "ValidationException", member: "'type'" } },
  { id: "ssm", service: "ssm", operation: "PutParameter", rule: "accepted: a path, an advanced value over 4 KB", params: { Name: "/tf-ftp/server-id", Value: LONG(5000), Type: "String", Tier: "Advanced" }, expect: "accepted" },
  // ---------------------------------------------------------------- DynamoDB (json 1.0, ValidationException)
  { id: "ddb-name-short", service: "dynamodb", operation: "CreateTable", rule: "limit: table names 3-255 characters", params: table("ab"),
    expect: { code: "ValidationException", member: "'tableName'", message: "Member must have length greater than or equal to 3" } },
  { id: "ddb-key-type", service: "dynamodb", operation: "CreateTable", rule: "model: KeyType enum, nested in a list", params: table("tf-ftp-login-attempts", "PRIMARY"),
    expect: { code: "ValidationException", member: "'keySchema.1.member.keyType'" } },
  { id: "ddb", service: "dynamodb", operation: "CreateTable", rule: "accepted", params: table("tf-ftp-login-attempts"), expect: "accepted" },
  // ---------------------------------------------------------------- CloudWatch (query, as Terraform sends it)
  { id: "alarm-period-45", service: "cloudwatch", operation: "PutMetricAlarm", rule: "limit: Period 10, 20, 30 or a multiple of 60", params: alarm({ Period: 45 }),
    expect: { code: "InvalidParameterValue", member: "Period" } },
  { id: "alarm-datapoints", service: "cloudwatch", operation: "PutMetricAlarm", rule: "limit: DatapointsToAlarm <= EvaluationPeriods", params: alarm({ EvaluationPeriods: 2, DatapointsToAlarm: 3 }),
    expect: { code: "ValidationError", member: "DatapointsToAlarm" } },
  { id: "alarm-operator", service: "cloudwatch", operation: "PutMetricAlarm", rule: "model: ComparisonOperator enum", params: alarm({ ComparisonOperator: "Above" }),
    expect: { code: "ValidationError", member: "'comparisonOperator'" } },
  { id: "alarm", service: "cloudwatch", operation: "PutMetricAlarm", rule: "accepted: Period 300", params: alarm(), expect: "accepted" },
  { id: "alarm-10", service: "cloudwatch", operation: "PutMetricAlarm", rule: "accepted: Period 10", params: alarm({ AlarmName: "tf-ftp-high-resolution", Period: 10 }), expect: "accepted" },
  // ---------------------------------------------------------------- CloudWatch Logs (json, InvalidParameterException)
  { id: "log-group-name", service: "logs", operation: "CreateLogGroup", rule: "model: logGroupName pattern", params: { logGroupName: "/aws/lambda/tf ftp" },
    expect: { code: "InvalidParameterException", member: "'logGroupName'" } },
  { id: "log-group", service: "logs", operation: "CreateLogGroup", rule: "accepted", params: { logGroupName: "/aws/lambda/tf-ftp-identity-provider" }, expect: "accepted" },
  { id: "log-retention-2", service: "logs", operation: "PutRetentionPolicy", rule: "limit: retention in the documented set", params: { logGroupName: "/aws/lambda/tf-ftp-identity-provider", retentionInDays: 2 },
    expect: { code: "InvalidParameterException", member: "'retentionInDays'", message: "Member must satisfy enum value set: [1, 3, 5, 7, 14, 30" } },
  { id: "log-retention", service: "logs", operation: "PutRetentionPolicy", rule: "accepted", params: { logGroupName: "/aws/lambda/tf-ftp-identity-provider", retentionInDays: 30 }, expect: "accepted" },
  { id: "metric-filter-regex", service: "logs", operation: "PutMetricFilter", rule: "limit: filter-pattern grammar (a quote in a %regex%)", params: metricFilter('%"outcome":"denied"%'),
    expect: { code: "InvalidParameterException", message: "Invalid metric filter pattern" } },
  { id: "metric-filter-json", service: "logs", operation: "PutMetricFilter", rule: "accepted: a JSON pattern", params: metricFilter('{ $.outcome = "denied" }'), expect: "accepted" },
  { id: "metric-filter-escaped", service: "logs", operation: "PutMetricFilter", rule: "accepted: the regex with \\xhh escapes", params: metricFilter("%\\x22outcome\\x22:\\x22denied\\x22%"), expect: "accepted" },
  // ---------------------------------------------------------------- SNS (query)
  { id: "sns-topic-name", service: "sns", operation: "CreateTopic", rule: "limit: topic names", params: { Name: "tf ftp alarms" }, expect: { code: "InvalidParameter", message: "Invalid parameter: Topic Name" } },
  { id: "sns-topic", service: "sns", operation: "CreateTopic", rule: "accepted", params: { Name: "tf-ftp-alarms" }, expect: "accepted" },
  // ---------------------------------------------------------------- Route 53 (rest-xml, InvalidInput)
  { id: "zone", service: "route53", operation: "CreateHostedZone", rule: "accepted", params: { Name: "ftp.corp.internal", CallerReference: "tf-ftp-1", VPC: { VPCRegion: REGION, VPCId: "${vpc.Vpc.VpcId}" } }, expect: "accepted" },
  { id: "zone-id", service: "route53", operation: "GetHostedZone", rule: "model: Id max 32", params: { Id: `Z${LONG(40, "X")}` },
    expect: { code: "InvalidInput", member: "'id'", message: "Member must have length less than or equal to 32" } },
  { id: "zone-caller-reference", service: "route53", operation: "CreateHostedZone", rule: "model: CallerReference max 128", params: { Name: "other.corp.internal", CallerReference: LONG(200) },
    expect: { code: "InvalidInput", member: "'callerReference'" } },
];

// Each row of the documented-limits table (emulator/request_checks/documented_limits.py) and the
// cases above that exercise it: at least one accepted and one refused.
const LIMIT_CASES: Record<string, string[]> = {
  "transfer-passive-ip": ["transfer-passive-ip", "transfer-server", "transfer-passive-ip-zero"],
  "transfer-protocols": ["transfer-ftp-public", "transfer-server"],
  "lambda-timeout": ["lambda-timeout-5000", "lambda-function"],
  "lambda-memory": ["lambda-memory", "lambda-function"],
  "lambda-environment-size": ["lambda-environment", "lambda-function"],
  "ec2-security-group": ["sg-description-300", "sg-description-unicode", "sg-name-prefix", "sg"],
  "ec2-rule-descriptions": ["sg-rule-description", "sg-rule"],
  "ec2-port-ranges": ["sg-rule-ports", "sg-rule"],
  "ec2-vpc-cidr": ["vpc-8", "vpc"],
  "ec2-subnet-cidr": ["subnet-29", "subnet"],
  "ec2-tags": ["ec2-tag-aws", "ec2-tag"],
  "elb-load-balancer-name": ["nlb-internal-prefix", "nlb-name-chars", "nlb"],
  "elb-target-group-name": ["tg-name-long", "tg-name-hyphen", "tg"],
  "elb-listener-attributes": ["listener-idle-timeout", "listener-idle-timeout-ok"],
  "elb-target-group-attributes": ["tg-deregistration", "tg-deregistration-ok"],
  "kms-pending-window": ["kms-window-40", "kms-window-3", "kms-window-7"],
  "kms-alias-name": ["kms-alias-reserved", "kms-alias-prefix", "kms-alias"],
  "logs-retention": ["log-retention-2", "log-retention"],
  "logs-filter-pattern": ["metric-filter-regex", "metric-filter-json", "metric-filter-escaped"],
  "cloudwatch-alarm-period": ["alarm-period-45", "alarm-datapoints", "alarm", "alarm-10"],
  "ssm-parameter-name": ["ssm-prefix-aws", "ssm-prefix-path", "ssm-reserved-aws", "ssm-charset", "ssm"],
  "ssm-parameter-value": ["ssm-value-size", "ssm"],
  "secrets-manager-name": ["secret-name", "secret"],
  "dynamodb-table-name": ["ddb-name-short", "ddb"],
  "iam-trust-policy-size": ["iam-trust-too-long", "fn-role"],
  "iam-role-inline-policy-size": ["iam-inline-aggregate", "iam-inline-ok"],
  "sts-duration": ["sts-duration", "sts-ok"],
  "sns-topic-name": ["sns-topic-name", "sns-topic"],
  "s3-bucket-name": ["s3-bucket-upper", "s3-bucket-ip", "s3-bucket"],
};
const LIMITS_TABLE = path.join(__dirname, "..", "..", "emulator", "request_checks", "documented_limits.py");

function send(emu: Emulator, requests: readonly Case[]): Promise<Answer[]> {
  const input = JSON.stringify({
    endpoint: emu.endpoint,
    region: REGION,
    requests: requests.map(({ id, service, operation, params, account }) => ({ id, service, operation, params, account })),
  });
  return new Promise((resolve, reject) => {
    const child = execFile("python3", [SENDER], { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${SENDER} failed: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout) as Answer[]);
    });
    child.stdin?.end(input);
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function sdkError(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("the request was accepted");
}

describeEmulator("the emulator refuses what AWS refuses (patches 25, 26)", () => {
  let emu: Emulator;
  let lenient: Emulator;
  const answers = new Map<string, Answer>();

  beforeAll(async () => {
    // The --lenient emulator (for its own test below) starts beside the strict one.
    [emu, lenient] = await Promise.all([
      // Not about IAM's timing: a role is usable as soon as it is made.
      startEmulator({ region: REGION, lambdaConcurrencyQuotas: { [LOW_QUOTA_ACCOUNT]: 10 }, iamPropagationSeconds: 0, startTimeoutMs: 120_000 }),
      startEmulator({ region: REGION, lenient: true, startTimeoutMs: 120_000 }),
    ]);
    for (const answer of await send(emu, CASES)) answers.set(answer.id, answer);
  }, 240_000);

  afterAll(async () => {
    await Promise.all([emu?.stop(), lenient?.stop()]);
  });

  test("--lenient (debugging only) turns the checks off: an invalid request reaches moto", async () => {
    const [answer] = await send(lenient, [
      { id: "telnet", service: "transfer", operation: "CreateServer", params: { Protocols: ["TELNET"] }, rule: "", expect: "accepted" },
    ]);
    expect(answer.status).toBe(200);
    expect((await lenient.health()).checks).toMatchObject({ apiModels: false, documentedLimits: false });
  });

  test("health reports the checks on and the quotas", async () => {
    const health = await emu.health();
    expect(health.patches).toEqual(expect.arrayContaining(["strict-requests", "lambda-concurrency-quota"]));
    expect(health.checks).toEqual({ apiModels: true, documentedLimits: true, lambdaConcurrencyQuota: { default: 1000, [LOW_QUOTA_ACCOUNT]: 10 } });
  });

  const services = [...new Set(CASES.map((c) => c.service))];
  describe.each(services)("%s", (service) => {
    const cases = CASES.filter((c) => c.service === service);
    test.each(cases.map((c) => [c.id, c.rule, c] as const))("%s (%s)", (_id, _rule, c) => {
      const answer = answers.get(c.id);
      expect(answer).toBeDefined();
      if (c.expect === "accepted") {
        expect({ id: c.id, status: answer?.status, code: answer?.code, message: answer?.message }).toEqual({ id: c.id, status: 200, code: undefined, message: undefined });
        return;
      }
      expect({ status: answer?.status, code: answer?.code }).toEqual({ status: c.expect.status ?? 400, code: c.expect.code });
      if (c.expect.member) expect(answer?.message).toContain(c.expect.member);
      if (c.expect.message) expect(answer?.message).toContain(c.expect.message);
      if (c.expect.hidden) expect(answer?.message).not.toContain(c.expect.hidden);
    });
  });

  test("every row of the documented-limits table has an accepted and a refused case", () => {
    const rows = [...fs.readFileSync(LIMITS_TABLE, "utf8").matchAll(/^\s*Rule\("([a-z0-9-]+)"/gm)].map((m) => m[1]);
    expect(rows.length).toBeGreaterThan(20);
    expect(Object.keys(LIMIT_CASES).sort()).toEqual([...rows].sort());
    for (const [row, ids] of Object.entries(LIMIT_CASES)) {
      const cases = ids.map((id) => CASES.find((c) => c.id === id));
      expect({ row, missing: ids.filter((_id, i) => !cases[i]) }).toEqual({ row, missing: [] });
      expect({ row, accepted: cases.some((c) => c?.expect === "accepted"), refused: cases.some((c) => c?.expect !== "accepted") }).toEqual({ row, accepted: true, refused: true });
    }
  });

  test("GetAccountSettings reports each account's concurrency quota and what is left unreserved", () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const limit = (id: string) => (answers.get(id) as any).response.AccountLimit;
    expect(limit("lambda-settings")).toMatchObject({ ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 100 });
    expect(limit("low-settings")).toMatchObject({ ConcurrentExecutions: 10, UnreservedConcurrentExecutions: 10 });
  });

  test("each refusal is logged on the emulator's stderr, never with a sensitive value", () => {
    const log = emu.log();
    expect(log).toContain(
      "moto_launcher: refused secretsmanager CreateSecret: ValidationException: 1 validation error detected: Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to 65536",
    );
    expect(log).toContain("moto_launcher: refused logs PutMetricFilter: InvalidParameterException: Invalid metric filter pattern");
    const refusals = log.split("\n").filter((line) => line.startsWith("moto_launcher: refused "));
    expect(refusals.length).toBe(CASES.filter((c) => c.expect !== "accepted").length);
    for (const secret of ["hunter2", "topsecret", "sssssss"]) expect(log).not.toContain(secret);
  });

  // The services the project's Lambdas and CLI call, through the AWS SDK for JavaScript v3.
  describe("through the AWS SDK for JavaScript v3 (what the Lambdas and cli/ send)", () => {
    const config = () => ({ region: REGION, endpoint: emu.endpoint, credentials: { accessKeyId: "test", secretAccessKey: "test" } });

    test("SSM PutParameter with a reserved prefix", async () => {
      const error = await sdkError(new SSMClient(config()).send(new PutParameterCommand({ Name: "ssm-smoke", Value: "x", Type: "String" })));
      expect({ name: error.name, status: error.$metadata?.httpStatusCode }).toEqual({ name: "ValidationException", status: 400 });
    });

    test("Secrets Manager CreateSecret with a space in the name", async () => {
      const error = await sdkError(new SecretsManagerClient(config()).send(new CreateSecretCommand({ Name: "users/al ice", SecretString: "{}" })));
      expect({ name: error.name, status: error.$metadata?.httpStatusCode }).toEqual({ name: "ValidationException", status: 400 });
    });

    test("Transfer CreateServer with protocol TELNET and a PassiveIp that is no address", async () => {
      const client = new TransferClient(config());
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const telnet = await sdkError(client.send(new CreateServerCommand({ Protocols: ["TELNET" as any] })));
      expect({ name: telnet.name, status: telnet.$metadata?.httpStatusCode }).toEqual({ name: "ValidationException", status: 400 });
      const passive = await sdkError(client.send(new CreateServerCommand({ Protocols: ["SFTP"], ProtocolDetails: { PassiveIp: "not-an-ip" } })));
      expect({ name: passive.name, status: passive.$metadata?.httpStatusCode }).toEqual({ name: "InvalidRequestException", status: 400 });
    });

    test("DynamoDB CreateTable with a two-character name", async () => {
      const error = await sdkError(new DynamoDBClient(config()).send(new CreateTableCommand({ ...table("ab"), BillingMode: "PAY_PER_REQUEST" } as never)));
      expect({ name: error.name, status: error.$metadata?.httpStatusCode }).toEqual({ name: "ValidationException", status: 400 });
      expect(error.message).toContain("'tableName'");
    });

    test("EC2 CreateSecurityGroup named sg-*", async () => {
      const error = await sdkError(new EC2Client(config()).send(new CreateSecurityGroupCommand({ GroupName: "sg-ftp", Description: "FTP" })));
      expect({ name: error.name, status: error.$metadata?.httpStatusCode }).toEqual({ name: "InvalidParameterValue", status: 400 });
    });
  });
});

