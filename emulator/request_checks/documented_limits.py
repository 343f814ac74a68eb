"""Limits AWS documents but its API models do not carry: one table, each row with its source.

A row names the service and operations it judges, the rule, the error AWS answers and where AWS
documents the rule. The API reference texts quoted here are also the `documentation` of the
member in botocore's service model (what the AWS CLI shows in `help`), so a reader can check a
row against the installed model too. Where AWS's exact error text is known (seen in an AWS
answer, see errors.py for the sources), it is used; otherwise the message states the
documented rule, in the service's usual error code.

Stateful rows (an IAM role's aggregate inline policy size, a role's MaxSessionDuration, the
Lambda concurrency quota in lambda_concurrency.py) read moto's backends of the calling
account.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass
from typing import Any, Callable

from . import logs_filter_pattern
from .errors import Refusal


@dataclass(frozen=True)
class Context:
    account: str
    region: str


@dataclass(frozen=True)
class Rule:
    name: str
    service: str  # botocore service name
    operations: tuple[str, ...]
    check: Callable[[dict[str, Any], Context], Refusal | None]
    source: str
    # True where the message is this emulator's wording of the documented rule (no AWS answer
    # with the exact text was found); the error code is the service's either way.
    own_words: bool = False


def _get(params: dict[str, Any], *path: str) -> Any:
    value: Any = params
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def coral(code: str, value: Any, member: str, constraint: str, echo: bool = True) -> Refusal:
    shown = f"Value '{value}'" if echo else "Value"
    return Refusal(code, f"1 validation error detected: {shown} at '{member}' failed to satisfy constraint: {constraint}")


# --------------------------------------------------------------------------- Transfer
def transfer_passive_ip(params: dict[str, Any], _: Context) -> Refusal | None:
    value = _get(params, "ProtocolDetails", "PassiveIp")
    if value is None or value == "AUTO":
        return None
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return Refusal(
            "InvalidRequestException",
            f"Invalid PassiveIp '{value}': enter a single IPv4 address, AUTO, or 0.0.0.0",
        )
    return None


def transfer_protocol_requirements(params: dict[str, Any], _: Context) -> Refusal | None:
    protocols = params.get("Protocols")
    if not protocols:
        return None
    endpoint_type = params.get("EndpointType") or "PUBLIC"
    idp = params.get("IdentityProviderType") or "SERVICE_MANAGED"
    if any(p in ("FTP", "FTPS") for p in protocols):
        if endpoint_type != "VPC":
            return Refusal("InvalidRequestException", "FTP and FTPS protocols require EndpointType VPC")
        if idp not in ("AWS_DIRECTORY_SERVICE", "AWS_LAMBDA", "API_GATEWAY"):
            return Refusal(
                "InvalidRequestException",
                "FTP and FTPS protocols require IdentityProviderType AWS_DIRECTORY_SERVICE, AWS_LAMBDA or API_GATEWAY",
            )
    if "FTPS" in protocols and not params.get("Certificate"):
        return Refusal("InvalidRequestException", "A certificate is required for the FTPS protocol")
    if "FTP" in protocols and _get(params, "EndpointDetails", "AddressAllocationIds"):
        return Refusal("InvalidRequestException", "AddressAllocationIds cannot be associated with the FTP protocol")
    return None


# --------------------------------------------------------------------------- Lambda
def lambda_timeout(params: dict[str, Any], _: Context) -> Refusal | None:
    value = params.get("Timeout")
    if value is not None and value > 900:
        return Refusal(
            "InvalidParameterValueException",
            f"1 validation error detected: Value '{value}' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900",
        )
    return None


def lambda_memory(params: dict[str, Any], _: Context) -> Refusal | None:
    value = params.get("MemorySize")
    if value is not None and value > 10240:
        return Refusal(
            "InvalidParameterValueException",
            f"1 validation error detected: Value '{value}' at 'memorySize' failed to satisfy constraint: Member must have value less than or equal to 10240",
        )
    return None


def lambda_environment_size(params: dict[str, Any], _: Context) -> Refusal | None:
    variables = _get(params, "Environment", "Variables")
    if not variables:
        return None
    size = len(json.dumps(variables, separators=(",", ":")).encode())
    if size > 4096:
        # AWS appends "String measured: <the variables>"; they are sensitive, so not here.
        return Refusal(
            "InvalidParameterValueException",
            "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit.",
        )
    return None


# --------------------------------------------------------------------------- EC2
# CreateSecurityGroup: "Constraints: Up to 255 characters in length. Can't start with sg-.
# Valid characters: a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*"
GROUP_CHARS = re.compile(r"[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]*")
# IpRange/UserIdGroupPair/... Description: "Constraints: Up to 255 characters in length.
# Allowed characters are a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*"
RULE_DESCRIPTION = re.compile(r"[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]{0,255}")


def ec2_invalid(value: Any, parameter: str, reason: str) -> Refusal:
    return Refusal("InvalidParameterValue", f"Value ({value}) for parameter {parameter} is invalid. {reason}")


def ec2_security_group(params: dict[str, Any], _: Context) -> Refusal | None:
    name = params.get("GroupName")
    description = params.get("Description")
    if isinstance(name, str):
        if name.lower().startswith("sg-"):
            return ec2_invalid(name, "GroupName", "Group names may not be in the format sg-*.")
        if len(name) > 255:
            return ec2_invalid(name, "GroupName", "Length exceeds maximum of 255.")
        if not GROUP_CHARS.fullmatch(name):
            return ec2_invalid(name, "GroupName", "Character sets beyond ASCII are not supported." if not name.isascii() else "Invalid characters.")
    if isinstance(description, str):
        if len(description) > 255:
            return ec2_invalid(description, "GroupDescription", "Length exceeds maximum of 255.")
        if not description.isascii():
            return ec2_invalid(description, "GroupDescription", "Character sets beyond ASCII are not supported.")
        if not GROUP_CHARS.fullmatch(description):
            return ec2_invalid(description, "GroupDescription", "Invalid characters.")
    return None


def _rule_descriptions(params: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for permission in params.get("IpPermissions") or []:
        for key in ("IpRanges", "Ipv6Ranges", "PrefixListIds", "UserIdGroupPairs"):
            for entry in permission.get(key) or []:
                if isinstance(entry, dict) and isinstance(entry.get("Description"), str):
                    out.append(entry["Description"])
    for update in params.get("SecurityGroupRules") or []:
        rule = update.get("SecurityGroupRule") or {}
        if isinstance(rule.get("Description"), str):
            out.append(rule["Description"])
    return out


def ec2_rule_descriptions(params: dict[str, Any], _: Context) -> Refusal | None:
    for description in _rule_descriptions(params):
        if not RULE_DESCRIPTION.fullmatch(description):
            return Refusal(
                "InvalidParameterValue",
                "Invalid rule description. Valid descriptions are strings less than 256 characters from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*",
            )
    return None


def ec2_port_ranges(params: dict[str, Any], _: Context) -> Refusal | None:
    for permission in params.get("IpPermissions") or []:
        protocol = str(permission.get("IpProtocol", "")).lower()
        low, high = permission.get("FromPort"), permission.get("ToPort")
        if protocol in ("tcp", "udp", "6", "17") and low is not None and high is not None:
            if not (0 <= low <= 65535 and 0 <= high <= 65535) or low > high:
                return Refusal("InvalidParameterValue", f"Invalid {protocol.upper()} port range: {low}-{high}")
    return None


def ec2_cidr_netmask(kind: str) -> Callable[[dict[str, Any], Context], Refusal | None]:
    def check(params: dict[str, Any], _: Context) -> Refusal | None:
        cidr = params.get("CidrBlock")
        if not cidr:
            return None
        try:
            network = ipaddress.IPv4Network(cidr, strict=False)
        except ValueError:
            return Refusal("InvalidParameterValue", f"Value ({cidr}) for parameter cidrBlock is invalid. This is not a valid CIDR block.")
        if not 16 <= network.prefixlen <= 28:
            return Refusal(f"Invalid{kind}.Range", f"The CIDR '{cidr}' is invalid.")
        return None

    return check


def _tag_lists(params: dict[str, Any]) -> list[list[dict[str, Any]]]:
    lists = [spec.get("Tags") or [] for spec in params.get("TagSpecifications") or []]
    if isinstance(params.get("Tags"), list):
        lists.append(params["Tags"])
    return lists


def ec2_tags(params: dict[str, Any], _: Context) -> Refusal | None:
    for tags in _tag_lists(params):
        if len(tags) > 50:
            return Refusal("TagLimitExceeded", "The maximum number of Tags for a resource has been reached.")
        for tag in tags:
            key, value = str(tag.get("Key", "")), tag.get("Value")
            if key.lower().startswith("aws:"):
                return Refusal("InvalidParameterValue", f"Value ( {key} ) for parameter key is invalid. Tag keys starting with 'aws:' are reserved for internal use")
            if len(key) > 128:
                return Refusal("InvalidParameterValue", "Tag key exceeds the maximum length of 128 characters")
            if isinstance(value, str) and len(value) > 256:
                return Refusal("InvalidParameterValue", "Tag value exceeds the maximum length of 256 characters")
    return None


# --------------------------------------------------------------------------- ELBv2
ELB_NAME = re.compile(r"[a-zA-Z0-9-]+")


def elb_name(kind: str) -> Callable[[dict[str, Any], Context], Refusal | None]:
    label = "The load balancer name" if kind == "load balancer" else "Target group name"

    def check(params: dict[str, Any], _: Context) -> Refusal | None:
        name = params.get("Name")
        if not isinstance(name, str):
            return None
        if len(name) > 32:
            return Refusal("ValidationError", f"{label} '{name}' cannot be longer than '32' characters")
        if not ELB_NAME.fullmatch(name):
            return Refusal("ValidationError", f"{label} '{name}' can only contain characters that are alphanumeric characters or hyphens(-)")
        if name.startswith("-") or name.endswith("-"):
            return Refusal("ValidationError", f"{label} '{name}' cannot begin or end with '-'")
        if kind == "load balancer" and name.startswith("internal-"):
            return Refusal("ValidationError", f"{label} '{name}' cannot begin with 'internal-'")
        return None

    return check


def _attribute_ranges(ranges: dict[str, tuple[int, int]]) -> Callable[[dict[str, Any], Context], Refusal | None]:
    def check(params: dict[str, Any], _: Context) -> Refusal | None:
        for attribute in params.get("Attributes") or []:
            key, value = attribute.get("Key"), attribute.get("Value")
            if key in ranges:
                low, high = ranges[key]
                try:
                    number = int(str(value))
                except ValueError:
                    return Refusal("ValidationError", f"'{key}' must be an integer, not '{value}'")
                if not low <= number <= high:
                    return Refusal("ValidationError", f"'{key}' value '{value}' must be between '{low}' and '{high}'")
        return None

    return check


# --------------------------------------------------------------------------- KMS
def kms_pending_window(params: dict[str, Any], _: Context) -> Refusal | None:
    value = params.get("PendingWindowInDays")
    if value is None:
        return None
    if value > 30:
        return coral("ValidationException", value, "pendingWindowInDays", "Member must have value less than or equal to 30")
    if value < 7:
        return coral("ValidationException", value, "pendingWindowInDays", "Member must have value greater than or equal to 7")
    return None


def kms_alias_name(params: dict[str, Any], _: Context) -> Refusal | None:
    name = params.get("AliasName")
    if not isinstance(name, str):
        return None
    if not name.startswith("alias/"):
        return Refusal(
            "ValidationException",
            'Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html',
        )
    if name.startswith("alias/aws/"):
        return Refusal("NotAuthorizedException", "Cannot create alias with prefix 'alias/aws/'")
    return None


# --------------------------------------------------------------------------- CloudWatch Logs
RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]


def logs_retention(params: dict[str, Any], _: Context) -> Refusal | None:
    value = params.get("retentionInDays")
    if value is not None and value not in RETENTION_DAYS:
        return coral(
            "InvalidParameterException",
            value,
            "retentionInDays",
            "Member must satisfy enum value set: [" + ", ".join(str(d) for d in RETENTION_DAYS) + "]",
        )
    return None


def logs_filter_pattern_grammar(params: dict[str, Any], _: Context) -> Refusal | None:
    pattern = params.get("filterPattern")
    if pattern is None:
        return None
    try:
        logs_filter_pattern.parse(pattern)
    except logs_filter_pattern.FilterPatternError:
        return Refusal("InvalidParameterException", "Invalid metric filter pattern")
    return None


# --------------------------------------------------------------------------- CloudWatch
def cloudwatch_alarm_period(params: dict[str, Any], _: Context) -> Refusal | None:
    period = params.get("Period")
    if period is not None and period not in (10, 20, 30) and period % 60 != 0:
        return Refusal("InvalidParameterValue", "The parameter Period must be 10, 20, 30, or a multiple of 60.")
    evaluations = params.get("EvaluationPeriods")
    datapoints = params.get("DatapointsToAlarm")
    if datapoints is not None and evaluations is not None and datapoints > evaluations:
        return Refusal("ValidationError", "DatapointsToAlarm must be less than or equal to EvaluationPeriods.")
    if period is not None and evaluations is not None and period * evaluations > 7 * 86400:
        return Refusal("ValidationError", "The evaluation period (Period * EvaluationPeriods) cannot be more than seven days.")
    return None


# --------------------------------------------------------------------------- SSM
SSM_SEGMENT = re.compile(r"[a-zA-Z0-9_.\-]+")


def ssm_parameter_name(params: dict[str, Any], _: Context) -> Refusal | None:
    name = params.get("Name")
    if not isinstance(name, str):
        return None
    # AWS's answers: a plain name gets the short message; a path (reserved /aws/... aside) the
    # long one, which AWS also gives for a sub-path with another character (an AWS answer
    # quoted in aws-amplify/amplify-backend#2352; moto's ssm/models.py words them the same).
    path_rule = (
        'Parameter name: can\'t be prefixed with "ssm" (case-insensitive). If formed as a path, it can consist of '
        "sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following "
        "3 symbols .-_"
    )
    if "/" in name and not name.startswith("/"):
        return Refusal("ValidationException", "Parameter name must be a fully qualified name.")
    is_path = name.count("/") > 1
    lowered = name.lower().lstrip("/")
    if lowered.startswith(("aws", "ssm")):
        if is_path and name.lower().startswith("/aws"):
            return Refusal("AccessDeniedException", f"No access to reserved parameter name: {name}.")
        if not is_path:
            return Refusal("ValidationException", 'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive).')
        return Refusal("ValidationException", path_rule)
    segments = name.lstrip("/").split("/")
    if not all(SSM_SEGMENT.fullmatch(segment) for segment in segments):
        return Refusal("ValidationException", path_rule)
    if len(name) > 1011:
        return Refusal("ValidationException", "Parameter name: the maximum length of a parameter name is 1011 characters.")
    if len(segments) > 15:
        return Refusal("HierarchyLevelLimitExceededException", "A parameter name hierarchy can have a maximum of 15 levels.")
    return None


def ssm_parameter_value(params: dict[str, Any], _: Context) -> Refusal | None:
    value = params.get("Value")
    if not isinstance(value, str):
        return None
    tier = params.get("Tier") or "Standard"
    limit = 8192 if tier in ("Advanced", "Intelligent-Tiering") else 4096
    if len(value) > limit:
        if limit == 4096:
            return Refusal(
                "ValidationException",
                "Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter "
                "value, upgrade the parameter to use the advanced-parameter tier. For more information, see "
                "https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html",
            )
        return Refusal("ValidationException", "Advanced tier parameters support a maximum parameter value of 8192 characters.")
    return None


# --------------------------------------------------------------------------- Secrets Manager
SECRET_NAME = re.compile(r"[a-zA-Z0-9/_+=.@!\-]+")


def secret_name(params: dict[str, Any], _: Context) -> Refusal | None:
    name = params.get("Name")
    if isinstance(name, str) and not SECRET_NAME.fullmatch(name):
        return Refusal(
            "ValidationException",
            "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!",
        )
    return None


# --------------------------------------------------------------------------- DynamoDB
TABLE_NAME = re.compile(r"[a-zA-Z0-9_.\-]+")


def dynamodb_table_name(params: dict[str, Any], _: Context) -> Refusal | None:
    name = params.get("TableName")
    if not isinstance(name, str) or name.startswith("arn:"):
        return None
    if len(name) < 3:
        return coral("ValidationException", name, "tableName", "Member must have length greater than or equal to 3")
    if len(name) > 255:
        return coral("ValidationException", name, "tableName", "Member must have length less than or equal to 255")
    if not TABLE_NAME.fullmatch(name):
        return coral("ValidationException", name, "tableName", "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
    return None


# --------------------------------------------------------------------------- IAM / STS
def _whitespace_free_length(document: str) -> int:
    return len(re.sub(r"\s", "", document))


def iam_trust_policy_size(params: dict[str, Any], _: Context) -> Refusal | None:
    document = params.get("AssumeRolePolicyDocument") or params.get("PolicyDocument")
    if isinstance(document, str) and _whitespace_free_length(document) > 2048:
        return Refusal("LimitExceeded", "Cannot exceed quota for ACLSizePerRole: 2048")
    return None


def iam_role_inline_policy_size(params: dict[str, Any], ctx: Context) -> Refusal | None:
    document, role_name, policy_name = params.get("PolicyDocument"), params.get("RoleName"), params.get("PolicyName")
    if not isinstance(document, str) or not isinstance(role_name, str):
        return None
    total = _whitespace_free_length(document)
    try:
        from moto.iam.models import iam_backends

        role = iam_backends[ctx.account]["global"].get_role(role_name)
        for name, other in (role.policies or {}).items():
            if name != policy_name:
                total += _whitespace_free_length(other if isinstance(other, str) else json.dumps(other))
    except Exception:  # an unknown role is moto's NoSuchEntity to answer
        return None
    if total > 10240:
        return Refusal("LimitExceeded", f"Maximum policy size of 10240 bytes exceeded for role {role_name}")
    return None


def sts_duration(params: dict[str, Any], ctx: Context) -> Refusal | None:
    duration, role_arn = params.get("DurationSeconds"), params.get("RoleArn")
    if duration is None or not isinstance(role_arn, str):
        return None
    try:
        from moto.iam.models import iam_backends

        account = role_arn.split(":")[4]
        role_name = role_arn.split("/")[-1]
        role = iam_backends[account]["global"].get_role(role_name)
        maximum = int(role.max_session_duration or 3600)
    except Exception:
        return None
    if duration > maximum:
        return Refusal(
            "ValidationError",
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        )
    return None


# --------------------------------------------------------------------------- SNS
TOPIC_NAME = re.compile(r"[A-Za-z0-9_-]{1,256}")


def sns_topic_name(params: dict[str, Any], _: Context) -> Refusal | None:
    name = params.get("Name")
    if not isinstance(name, str):
        return None
    base = name[:-5] if name.endswith(".fifo") else name
    if not TOPIC_NAME.fullmatch(base) or len(name) > 256:
        return Refusal("InvalidParameter", "Invalid parameter: Topic Name")
    return None


# --------------------------------------------------------------------------- S3
BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


def s3_bucket_name(params: dict[str, Any], _: Context) -> Refusal | None:
    name = params.get("Bucket")
    if not isinstance(name, str):
        return None
    bad = (
        not BUCKET_NAME.fullmatch(name)
        or ".." in name
        or re.fullmatch(r"\d+\.\d+\.\d+\.\d+", name) is not None
        or name.startswith(("xn--", "sthree-", "amzn-s3-demo-"))
        or name.endswith(("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"))
    )
    if bad:
        refusal = Refusal("InvalidBucketName", "The specified bucket is not valid.")
        refusal.bucket_name = name  # type: ignore[attr-defined]
        return refusal
    return None


ELB_DOCS = "ELB API reference, CreateLoadBalancer/CreateTargetGroup, Name"
RULES: list[Rule] = [
    Rule("transfer-passive-ip", "transfer", ("CreateServer", "UpdateServer"), transfer_passive_ip,
         "Transfer API reference, ProtocolDetails.PassiveIp: \"Enter a single IPv4 address ... Special values: AUTO and 0.0.0.0\"", own_words=True),
    Rule("transfer-protocols", "transfer", ("CreateServer",), transfer_protocol_requirements,
         "Transfer API reference, CreateServer, Protocols: FTP/FTPS need EndpointType VPC and a Lambda, API Gateway or Directory Service identity provider; FTPS needs a Certificate; FTP no AddressAllocationIds", own_words=True),
    Rule("lambda-timeout", "lambda", ("CreateFunction", "UpdateFunctionConfiguration"), lambda_timeout,
         "Lambda API reference, CreateFunction, Timeout: \"The maximum allowed value is 900 seconds\"; Lambda developer guide, Lambda quotas (function timeout 900 s)"),
    Rule("lambda-memory", "lambda", ("CreateFunction", "UpdateFunctionConfiguration"), lambda_memory,
         "Lambda developer guide, Lambda quotas: function memory allocation 128 MB to 10,240 MB"),
    Rule("lambda-environment-size", "lambda", ("CreateFunction", "UpdateFunctionConfiguration"), lambda_environment_size,
         "Lambda developer guide, Lambda quotas: function environment variables 4 KB in aggregate"),
    Rule("ec2-security-group", "ec2", ("CreateSecurityGroup",), ec2_security_group,
         "EC2 API reference, CreateSecurityGroup, GroupName/GroupDescription: up to 255 characters, can't start with sg-, valid characters a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*"),
    Rule("ec2-rule-descriptions", "ec2", ("AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "UpdateSecurityGroupRuleDescriptionsIngress", "UpdateSecurityGroupRuleDescriptionsEgress", "ModifySecurityGroupRules"), ec2_rule_descriptions,
         "EC2 API reference, IpRange/UserIdGroupPair/PrefixListId Description: up to 255 characters, a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*"),
    Rule("ec2-port-ranges", "ec2", ("AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress"), ec2_port_ranges,
         "EC2 API reference, IpPermission FromPort/ToPort: TCP/UDP ports 0-65535, start of the range not above its end", own_words=True),
    Rule("ec2-vpc-cidr", "ec2", ("CreateVpc",), ec2_cidr_netmask("Vpc"),
         "Amazon VPC user guide, VPC CIDR blocks: \"The allowed block size is between a /16 netmask and /28 netmask\"; EC2 error codes InvalidVpc.Range"),
    Rule("ec2-subnet-cidr", "ec2", ("CreateSubnet",), ec2_cidr_netmask("Subnet"),
         "Amazon VPC user guide, subnet CIDR blocks: /16 to /28; EC2 error codes InvalidSubnet.Range"),
    Rule("ec2-tags", "ec2", ("CreateTags", "RunInstances", "CreateVpc", "CreateSubnet", "CreateSecurityGroup", "CreateVpcEndpoint", "CreateVpcEndpointServiceConfiguration", "AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress"), ec2_tags,
         "EC2 user guide, tag restrictions: 50 tags per resource, key up to 128 characters, value up to 256, the aws: prefix reserved", own_words=True),
    Rule("elb-load-balancer-name", "elbv2", ("CreateLoadBalancer",), elb_name("load balancer"),
         "ELB API reference, CreateLoadBalancer, Name: \"a maximum of 32 characters, must contain only alphanumeric characters or hyphens, must not begin or end with a hyphen, and must not begin with internal-\""),
    Rule("elb-target-group-name", "elbv2", ("CreateTargetGroup",), elb_name("target group"),
         "ELB API reference, CreateTargetGroup, Name: \"a maximum of 32 characters, must contain only alphanumeric characters or hyphens, and must not begin or end with a hyphen\""),
    Rule("elb-listener-attributes", "elbv2", ("ModifyListenerAttributes",), _attribute_ranges({"tcp.idle_timeout.seconds": (60, 6000)}),
         "ELB user guide for Network Load Balancers, listeners, TCP idle timeout: \"The range for the idle timeout value is 60-6000 seconds\"", own_words=True),
    Rule("elb-target-group-attributes", "elbv2", ("ModifyTargetGroupAttributes",), _attribute_ranges({"deregistration_delay.timeout_seconds": (0, 3600)}),
         "ELB API reference, TargetGroupAttribute: deregistration_delay.timeout_seconds \"The range is 0-3600 seconds\"", own_words=True),
    Rule("kms-pending-window", "kms", ("ScheduleKeyDeletion",), kms_pending_window,
         "KMS API reference, ScheduleKeyDeletion, PendingWindowInDays: \"it must be between 7 and 30, inclusive\""),
    Rule("kms-alias-name", "kms", ("CreateAlias", "UpdateAlias", "DeleteAlias"), kms_alias_name,
         "KMS API reference, CreateAlias, AliasName: \"must begin with alias/ ... The alias name cannot begin with alias/aws/. The alias/aws/ prefix is reserved for AWS managed keys\"", own_words=True),
    Rule("logs-retention", "logs", ("PutRetentionPolicy",), logs_retention,
         "CloudWatch Logs API reference, PutRetentionPolicy, retentionInDays: \"Possible values are: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, and 3653\""),
    Rule("logs-filter-pattern", "logs", ("PutMetricFilter", "TestMetricFilter"), logs_filter_pattern_grammar,
         "CloudWatch Logs user guide, \"Filter pattern syntax for metric filters, subscription filters, filter log events, and Live Tail\" (logs_filter_pattern.py)"),
    Rule("cloudwatch-alarm-period", "cloudwatch", ("PutMetricAlarm",), cloudwatch_alarm_period,
         "CloudWatch API reference, PutMetricAlarm: Period \"Valid values are 10, 20, 30, and any multiple of 60\"; DatapointsToAlarm is the M of \"M out of N\" (N = EvaluationPeriods); CloudWatch user guide, alarm evaluation: at most seven days of periods", own_words=True),
    Rule("ssm-parameter-name", "ssm", ("PutParameter",), ssm_parameter_name,
         "SSM API reference, PutParameter, Name: \"can't be prefixed with aws or ssm (case-insensitive)\", only a-zA-Z0-9_.- and / for hierarchies, a leading / for a hierarchy, 1011 characters, 15 levels"),
    Rule("ssm-parameter-value", "ssm", ("PutParameter",), ssm_parameter_value,
         "SSM API reference, PutParameter, Value: \"Standard parameters have a value limit of 4 KB. Advanced parameters have a value limit of 8 KB\""),
    Rule("secrets-manager-name", "secretsmanager", ("CreateSecret",), secret_name,
         "Secrets Manager API reference, CreateSecret, Name: ASCII letters, numbers, and /_+=.@-"),
    Rule("dynamodb-table-name", "dynamodb", ("CreateTable",), dynamodb_table_name,
         "DynamoDB developer guide, naming rules: table names 3-255 characters of a-z, A-Z, 0-9, _, -, ."),
    Rule("iam-trust-policy-size", "iam", ("CreateRole", "UpdateAssumeRolePolicy"), iam_trust_policy_size,
         "IAM user guide, IAM and STS quotas: role trust policy length 2,048 characters"),
    Rule("iam-role-inline-policy-size", "iam", ("PutRolePolicy",), iam_role_inline_policy_size,
         "IAM user guide, IAM and STS quotas: role inline policies, aggregate size 10,240 characters (whitespace not counted)"),
    Rule("sts-duration", "sts", ("AssumeRole",), sts_duration,
         "STS API reference, AssumeRole, DurationSeconds: \"up to the maximum session duration set for the role\""),
    Rule("sns-topic-name", "sns", ("CreateTopic",), sns_topic_name,
         "SNS API reference, CreateTopic, Name: ASCII letters, numbers, underscores and hyphens, 1-256 characters, .fifo for FIFO topics"),
    Rule("s3-bucket-name", "s3", ("CreateBucket",), s3_bucket_name,
         "S3 user guide, general purpose bucket naming rules: 3-63 characters, lowercase letters, numbers, dots and hyphens, begin and end with a letter or number, no two adjacent periods, not an IP address, reserved prefixes and suffixes"),
]

_BY_OPERATION: dict[tuple[str, str], list[Rule]] = {}
for _rule in RULES:
    for _operation in _rule.operations:
        _BY_OPERATION.setdefault((_rule.service, _operation), []).append(_rule)


def check(service: str, operation: str, params: dict[str, Any], ctx: Context) -> Refusal | None:
    for rule in _BY_OPERATION.get((service, operation), []):
        refusal = rule.check(params, ctx)
        if refusal is not None:
            return refusal
    return None
