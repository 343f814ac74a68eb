"""IAM judged on every request signed with a role's, a user's or a service's credentials.

Wraps moto's request dispatch (BaseResponse.call_action for every service but S3, whose
requests enter through S3Response.bucket_response / key_response). For a request whose access
key belongs to an assumed-role session, an IAM user or an AWS service principal
(iam_principals.py), before moto acts:
  1. the operation is mapped to IAM action(s), resource ARN(s) and context keys
     (iam_request_map.py; an operation it cannot map is refused with UnmappedIamOperation,
     never allowed);
  2. each (action, resource) is evaluated by AWS's policy evaluation logic
     (@cloud-copilot/iam-simulate in a Node.js process, iam_sidecar.py) with the principal's
     identity policies, session policy and permissions boundary as IAM sees them after the
     propagation delay, and the resource's policy (iam_resource_policies.py);
  3. the KMS calls the service makes with the caller's permissions are evaluated the same way
     (iam_on_behalf.py);
  4. a refusal answers AccessDenied in the protocol's shape with AWS's wording
     (iam_denials.py), and moto does nothing.
Every decision is recorded in the call log: {"action": "IamDecision", "principal",
"principalArn", "operation", "iamAction", "resource", "decision", "via" (on-behalf calls),
"reason" (refusals)}.

Also, as AWS does:
- AssumeRole (by anyone) of a role IAM does not know yet, or whose trust policy does not admit
  the caller, is refused; a judged principal needs sts:AssumeRole from its identity policies too
  unless the trust policy names it (same account) or its account (IAM user guide, "How IAM
  roles differ from resource-based policies"; evaluated by the simulator).
- Lambda CreateFunction / UpdateFunctionConfiguration with a role Lambda cannot assume (its
  trust policy, after the propagation delay, does not admit lambda.amazonaws.com) is refused
  with InvalidParameterValueException "The role defined for the function cannot be assumed by
  Lambda." (Lambda API reference, CreateFunction, InvalidParameterValueException; the AWS
  provider for Terraform retries it while IAM propagates), and the Lambda runner's own
  AssumeRole of the execution role at each invocation is judged by the trust policy.
- Passing a role to a service (Lambda's Role, Transfer's LoggingRole, ...) needs iam:PassRole
  on it with iam:PassedToService (IAM user guide, "Grant a user permissions to pass a role to
  an AWS service").
- Every account other than the emulator's default one is a member account of an organization
  the default account manages: AssumeRole of OrganizationAccountAccessRole in it finds that
  role (AdministratorAccess, trusting the management account), which AWS Organizations creates
  in every account it creates (Organizations user guide, "Accessing a member account that has
  a management account access role").

Requests signed with any other key, e.g. the tests' and Terraform's default credentials (moto
treats them as the account's administrator), are not judged. --lenient (env MOTO_LENIENT=1)
turns all of this off, for debugging only.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
import time
from typing import Any, Callable

from werkzeug.datastructures import MultiDict

from . import common, iam_denials, iam_on_behalf, iam_principals, iam_request_map, iam_resource_policies
from .iam_request_map import Check, Request, Unmapped
from .iam_sidecar import SIDECAR

# Operations that never change IAM: no snapshot needed after them.
READ_ONLY_IAM = ("Get", "List", "Generate", "Simulate")
# Role parameters of operations that pass a role to a service, and that service's principal.
PASSED_ROLES: dict[tuple[str, str], tuple[str, str]] = {
    ("lambda", "CreateFunction"): ("Role", "lambda.amazonaws.com"),
    ("lambda", "UpdateFunctionConfiguration"): ("Role", "lambda.amazonaws.com"),
    ("transfer", "CreateServer"): ("LoggingRole", "transfer.amazonaws.com"),
    ("transfer", "UpdateServer"): ("LoggingRole", "transfer.amazonaws.com"),
    ("transfer", "CreateUser"): ("Role", "transfer.amazonaws.com"),
    ("transfer", "UpdateUser"): ("Role", "transfer.amazonaws.com"),
}
ORGANIZATION_ROLE = "OrganizationAccountAccessRole"
DEFAULT_ACCOUNT = "123456789012"

# MOTO_IAM_DEBUG=1 prints each refused simulation (policies, context) to stderr.
DEBUG = os.environ.get("MOTO_IAM_DEBUG", "") == "1"


class Settings:
    lenient = False


SETTINGS = Settings()


class Stats:
    """What judging costs (GET /_launcher/iam/stats): requests seen, judged, and the time spent."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = 0
        self.judged = 0
        self.seconds = 0.0

    def add(self, judged: bool, seconds: float) -> None:
        with self.lock:
            self.requests += 1
            self.judged += int(judged)
            self.seconds += seconds

    def as_dict(self) -> dict[str, Any]:
        with self.lock:
            return {"requests": self.requests, "judged": self.judged, "seconds": round(self.seconds, 3)}


STATS = Stats()


# ---------------------------------------------------------------- request parameters
def request_params(resp: Any, operation: str) -> dict[str, Any]:
    """The request's parameters as the API model names them (moto's own protocol parsers)."""
    from moto.core.parse import PROTOCOL_PARSERS
    from moto.core.request import determine_request_protocol
    from moto.core.utils import get_service_model

    try:
        service_model = get_service_model(resp.boto3_service_name)
        operation_model = service_model.operation_model(operation)
        protocol = determine_request_protocol(service_model, resp.headers.get("Content-Type", ""))
        parser = PROTOCOL_PARSERS[protocol](operation_model, map_type=dict)
        values = MultiDict([(k, v) for k, vs in (resp.querystring or {}).items() for v in (vs if isinstance(vs, list) else [vs])])
        raw = resp.raw_body if isinstance(resp.raw_body, (bytes, str)) else b""
        parsed = parser.parse(
            {
                "method": resp.method,
                "values": values,
                "headers": resp.headers,
                "body": raw,
                "url_path": resp.path,
                "url_params": resp.uri_match.groupdict() if getattr(resp, "uri_match", None) else {},
            }
        )
        return dict(parsed or {})
    except Exception:
        # Fall back to what moto itself read: a JSON body or the query string.
        try:
            body = json.loads(resp.body) if resp.body else {}
            if isinstance(body, dict):
                return body
        except Exception:
            pass
        return {k: (v[0] if isinstance(v, list) and len(v) == 1 else v) for k, v in (resp.querystring or {}).items()}


def _query_compatible(resp: Any) -> bool:
    from moto.core.utils import get_service_model

    try:
        return get_service_model(resp.boto3_service_name).metadata.get("awsQueryCompatible") is not None
    except Exception:
        return False


def _protocol(resp: Any) -> str:
    from moto.core.request import determine_request_protocol
    from moto.core.utils import get_service_model

    try:
        model = get_service_model(resp.boto3_service_name)
        return determine_request_protocol(model, resp.headers.get("Content-Type", ""))
    except Exception:
        return "json"


# ---------------------------------------------------------------- judging
# The simulator (0.1.173) does not resolve condition keys whose variable part follows a colon,
# kms:EncryptionContext:<key> (it maps them onto the key's spec name, so no condition sees them;
# __tests__/client-instance-iam.test.ts shows it). They are evaluated under a stand-in key it does
# resolve, renamed alike in every policy and in the request: aws:RequestTag/kms:EncryptionContext:<key>,
# a single-valued string key, on which String* conditions behave as on the original.
ENCRYPTION_CONTEXT = re.compile(r"^kms:encryptioncontext:(.+)$", re.IGNORECASE)
STAND_IN = "aws:RequestTag/kms:EncryptionContext:"


def _stand_in(key: str) -> str:
    match = ENCRYPTION_CONTEXT.match(key)
    return f"{STAND_IN}{match.group(1)}" if match else key


def _rename_conditions(document: Any) -> Any:
    if isinstance(document, list):
        return [_rename_conditions(item) for item in document]
    if not isinstance(document, dict):
        return document
    out = {}
    for key, value in document.items():
        if key == "Condition" and isinstance(value, dict):
            out[key] = {op: {_stand_in(k): v for k, v in block.items()} if isinstance(block, dict) else block for op, block in value.items()}
        else:
            out[key] = _rename_conditions(value)
    return out


# AWS-owned resources (a public SSM parameter, /aws/service/...) have ARNs without an account,
# which the simulator cannot place in a resource type. Both the request's ARN and every policy
# ARN without an account are given this account that no one has, which keeps how they match:
# an empty account field matches only an empty one or a wildcard.
NO_ACCOUNT = "000000000000"


def _arn_with_account(value: Any) -> Any:
    if isinstance(value, str):
        parts = value.split(":", 5)
        if len(parts) == 6 and parts[0] == "arn" and parts[4] == "":
            parts[4] = NO_ACCOUNT
            return ":".join(parts)
        return value
    if isinstance(value, list):
        return [_arn_with_account(v) for v in value]
    return value


def _accountless(document: Any) -> Any:
    if isinstance(document, list):
        return [_accountless(d) for d in document]
    if not isinstance(document, dict):
        return document
    return {k: (_arn_with_account(v) if k in ("Resource", "NotResource") else _accountless(v)) for k, v in document.items()}


def _accountless_variant(simulation: dict[str, Any], principal: iam_principals.Principal) -> dict[str, Any] | None:
    """The same simulation with NO_ACCOUNT in every ARN without an account, or None when the
    request's resource has an account."""
    resource = simulation["request"]["resource"]["resource"]
    if not (resource.startswith("arn:") and resource.split(":", 5)[4:5] == [""]):
        return None
    out = dict(simulation)
    # Public to every account: the identity policy alone decides, as for a resource of one's own.
    out["request"] = {**simulation["request"], "resource": {"resource": _arn_with_account(resource), "accountId": principal.account}}
    for key in ("identityPolicies", "permissionBoundaryPolicies"):
        if key in out:
            out[key] = [{**entry, "policy": _accountless(entry["policy"])} for entry in out[key]]
    for key in ("sessionPolicy", "resourcePolicy"):
        if key in out:
            out[key] = _accountless(out[key])
    return out


def _evaluate(principal: iam_principals.Principal, simulation: dict[str, Any]) -> dict[str, Any]:
    try:
        return SIDECAR.evaluate(simulation)
    except Unmapped:
        # An ARN without an account where the resource type's format has one (a public SSM
        # parameter): judged again with the stand-in account.
        variant = _accountless_variant(simulation, principal)
        if variant is None:
            raise
        return SIDECAR.evaluate(variant)


def _simulation(principal: iam_principals.Principal, check: Check, snapshot: iam_principals.Snapshot | None) -> tuple[dict[str, Any], bool]:
    simulation: dict[str, Any] = {
        "request": {
            "principal": principal.arn,
            "action": check.action,
            "resource": {"resource": check.resource, "accountId": check.resource_account or principal.account},
            "contextVariables": check.context,
        },
        "identityPolicies": [],
    }
    has_identity = not principal.is_service
    if snapshot is not None and has_identity:
        simulation["identityPolicies"] = [{"name": name, "policy": doc} for name, doc in snapshot.identity if doc]
        if snapshot.boundary is not None:
            simulation["permissionBoundaryPolicies"] = [{"name": "permissions-boundary", "policy": snapshot.boundary}]
    if principal.session_policy is not None:
        simulation["sessionPolicy"] = principal.session_policy
    present, document = iam_resource_policies.policy_for(check.resource, check.action)
    if present:
        simulation["resourcePolicy"] = document
    if any(ENCRYPTION_CONTEXT.match(key) for key in check.context):
        simulation = _rename_conditions(simulation)
        simulation["request"]["contextVariables"] = {_stand_in(k): v for k, v in check.context.items()}
    return simulation, has_identity


def judge(principal: iam_principals.Principal, operation: str, checks: list[Check]) -> str | None:
    """None when every check is allowed, else AWS's denial message for the first refused one."""
    snapshot = iam_principals.snapshot_for(principal)
    for check in checks:
        simulation, has_identity = _simulation(principal, check, snapshot)
        answer = _evaluate(principal, simulation)
        decision = answer["result"]
        fields: dict[str, Any] = {
            "principal": principal.arn,
            "principalArn": principal.principal_arn or principal.arn,
            "account": principal.account,
            "operation": operation,
            "iamAction": check.action,
            "resource": check.resource,
            "decision": decision,
        }
        if check.via:
            fields["via"] = check.via
        if decision != "Allowed":
            if DEBUG:
                print(f"moto_launcher: IAM refused: {json.dumps(simulation)} -> {json.dumps(answer)}", file=sys.stderr, flush=True)
            why = iam_denials.reason(answer, has_identity)
            if snapshot is None and has_identity:
                why = "because no identity-based policy allows"
            fields["reason"] = why
            common.STATE.calls.record("IamDecision", **fields)
            return iam_denials.message(principal.arn, check.action, check.resource, why)
        common.STATE.calls.record("IamDecision", **fields)
    return None


def _record_unmapped(principal: iam_principals.Principal, operation: str, problem: str) -> None:
    common.STATE.calls.record(
        "IamDecision", principal=principal.arn, principalArn=principal.principal_arn or principal.arn, account=principal.account,
        operation=operation, decision="Unmapped", reason=problem,
    )


def _extra_checks(principal: iam_principals.Principal, request: Request) -> list[Check]:
    """Checks beyond the operation's own action: iam:PassRole for a role handed to a service, and
    EC2's ec2:CreateTags on a resource tagged as it is created."""
    if principal.is_service:
        return []
    if request.service == "ec2" and request.operation != "CreateTags":
        return _ec2_tags_on_create(principal, request)
    passed = PASSED_ROLES.get((request.service, request.operation))
    if passed is None:
        return []
    role = request.params.get(passed[0])
    if not role:
        return []
    context = iam_request_map.base_context(principal, request)
    for name in [k for k in context if k.startswith("aws:RequestTag/") or k == "aws:TagKeys"]:
        context.pop(name)
    context["iam:PassedToService"] = passed[1]
    return [Check(action="iam:PassRole", resource=str(role), context=context, resource_account=str(role).split(":")[4])]


def _ec2_tags_on_create(principal: iam_principals.Principal, request: Request) -> list[Check]:
    """EC2 authorizes tags given at creation (TagSpecifications) as ec2:CreateTags on the new resource,
    with ec2:CreateAction = the creating operation (EC2 user guide, "Grant permission to tag Amazon EC2
    resources during creation")."""
    specs = request.params.get("TagSpecifications") or request.params.get("TagSpecification") or []
    tagged = [spec.get("ResourceType") for spec in specs if isinstance(spec, dict) and (spec.get("Tags") or spec.get("Tag"))]
    if not tagged:
        return []
    context = iam_request_map.base_context(principal, request)
    context["ec2:CreateAction"] = request.operation
    checks = []
    for resource_type in dict.fromkeys(tagged):
        kind = str(resource_type or "").lower()
        template = iam_request_map.resource_arn_format("ec2", kind)
        if template is None:
            raise Unmapped(f"ec2 {request.operation}: tags for a resource type the reference does not know ({resource_type})")
        arn = re.sub(r"\$\{(?!Partition|Region|Account)[^}]+\}", "*", template)
        arn = arn.replace("${Partition}", request.partition).replace("${Region}", request.region).replace("${Account}", request.account)
        checks.append(Check(action="ec2:CreateTags", resource=arn, context=dict(context), resource_account=request.account))
    return checks


# ---------------------------------------------------------------- trust, as services assume roles
def service_may_assume(role_arn: str, service: str, context: dict[str, Any] | None = None) -> tuple[bool, str]:
    """A service principal assuming a role: the trust policy (after the propagation delay) decides."""
    principal = iam_principals.Principal(kind="Service", arn=service, account=role_arn.split(":")[4], access_key="")
    check = Check(action="sts:AssumeRole", resource=role_arn, context=dict(context or {}), resource_account=role_arn.split(":")[4])
    refusal = judge(principal, "sts:AssumeRole", [check])
    return refusal is None, refusal or ""


def _ensure_organization_role(role_arn: str) -> None:
    """AWS Organizations' OrganizationAccountAccessRole in a member account (see the module docstring)."""
    parts = role_arn.split(":")
    if len(parts) < 6 or parts[5] != f"role/{ORGANIZATION_ROLE}" or parts[4] == DEFAULT_ACCOUNT:
        return
    backend = iam_principals._iam(parts[4], parts[1])
    try:
        backend.get_role(ORGANIZATION_ROLE)
        return
    except Exception:
        pass
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:{parts[1]}:iam::{DEFAULT_ACCOUNT}:root"}, "Action": "sts:AssumeRole"}],
    }
    backend.create_role(
        role_name=ORGANIZATION_ROLE, assume_role_policy_document=json.dumps(trust), path="/", permissions_boundary=None,
        description="Created by AWS Organizations for the management account", tags=[], max_session_duration="3600",
    )
    backend.attach_role_policy(f"arn:{parts[1]}:iam::aws:policy/AdministratorAccess", ORGANIZATION_ROLE)
    # It existed since the account was created: visible at once.
    iam_principals.HISTORY.record_account(parts[4], parts[1], at=0.0)


# ---------------------------------------------------------------- the hooks
def _judge_response(resp: Any) -> tuple[int, dict[str, str], str] | None:
    """The refusal to send instead of moto's answer, or None to let moto act."""
    operation = resp._get_action()
    service = iam_request_map.PREFIX.get(resp.service_name or "", resp.service_name or "")
    params: dict[str, Any] | None = None

    def parsed() -> dict[str, Any]:
        nonlocal params
        if params is None:
            params = request_params(resp, operation) if operation else {}
        return params

    if service == "sts" and operation == "AssumeRole":
        _ensure_organization_role(str(parsed().get("RoleArn") or ""))
    if SETTINGS.lenient:
        return None
    protocol = _protocol(resp)
    principal = iam_principals.resolve(resp.get_access_key(), resp.current_account, resp.partition)
    if principal is None:
        if service == "sts" and operation == "AssumeRole":
            # The default credentials act as the account itself: the role must exist for IAM and trust the account.
            principal = iam_principals.account_principal(resp.current_account, resp.partition)
        else:
            return _lambda_role_check(service, operation, parsed)
    label = f"{service}:{operation}"
    resp._iam_judged = True
    try:
        if not operation:
            raise Unmapped(f"the emulator could not tell which {service} operation this {resp.method} {resp.path} is")
        request = Request(service=service, operation=operation, params=parsed(), region=resp.region, account=resp.current_account, partition=resp.partition, api=resp.service_name or "")
        checks = iam_request_map.checks_for(principal, request) + _extra_checks(principal, request)
        refusal = judge(principal, label, checks)
        if refusal is None:
            on_behalf = iam_on_behalf.checks_for(principal, request)
            if on_behalf:
                refusal = judge(principal, label, on_behalf)
                if refusal is not None and service == "secretsmanager":
                    # Secrets Manager reports a refused KMS call so (user guide, troubleshooting: "Access to KMS is not allowed").
                    refusal = f"Access to KMS is not allowed. {refusal}"
    except Unmapped as problem:
        _record_unmapped(principal, label, str(problem))
        text = f"The emulator cannot judge {label} under IAM: {problem}. Map it in emulator/moto_patches/iam_request_map.py."
        return iam_denials.response(protocol, service, text, code="UnmappedIamOperation", status=400, query_compatible=_query_compatible(resp))
    if refusal is None:
        return _lambda_role_check(service, operation, parsed)
    return iam_denials.response(protocol, service, refusal, query_compatible=_query_compatible(resp))


def _lambda_role_check(service: str, operation: str, parsed: Callable[[], dict[str, Any]]) -> tuple[int, dict[str, str], str] | None:
    if service == "lambda" and operation in ("CreateFunction", "UpdateFunctionConfiguration") and parsed().get("Role"):
        allowed, _ = service_may_assume(str(parsed()["Role"]), "lambda.amazonaws.com")
        if not allowed:
            return iam_denials.response(
                "rest-json", "lambda", "The role defined for the function cannot be assumed by Lambda.", code="InvalidParameterValueException", status=400
            )
    return None


def _after_iam_change(resp: Any, status: int) -> None:
    if resp.service_name != "iam" or status >= 300:
        return
    operation = resp._get_action() or ""
    if operation.startswith(READ_ONLY_IAM):
        return
    iam_principals.HISTORY.record_account(resp.current_account, resp.partition)


def patch_call_action() -> None:
    from moto.core.responses import BaseResponse

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def call_action(self: Any) -> Any:
            started = time.perf_counter()
            refusal = _judge_response(self)
            STATS.add(getattr(self, "_iam_judged", False), time.perf_counter() - started)
            if refusal is not None:
                return refusal
            result = original(self)
            try:
                _after_iam_change(self, int(result[0]))
            except Exception as problem:  # the history must not break a request that succeeded
                print(f"moto_launcher: IAM history: {problem!r}", flush=True)
            return result

        return call_action

    common.wrap(BaseResponse, "call_action", make)


def patch_s3() -> None:
    from moto.s3.responses import S3Response

    def make(original: Callable[..., Any], is_key: bool) -> Callable[..., Any]:
        def entry(self: Any, request: Any, full_url: str, headers: Any) -> Any:
            if not SETTINGS.lenient:
                started = time.perf_counter()
                self.setup_class(request, full_url, headers)
                principal = iam_principals.resolve(self.get_access_key(), self.current_account, self.partition)
                refusal = _judge_s3(self, principal, request, full_url, is_key) if principal is not None else None
                STATS.add(principal is not None, time.perf_counter() - started)
                if refusal is not None:
                    return refusal
            return original(self, request, full_url, headers)

        return entry

    common.need(S3Response, "bucket_response", "key_response", "parse_bucket_name_from_url", "parse_key_name")
    bucket_original = S3Response.bucket_response
    key_original = S3Response.key_response
    S3Response.bucket_response = make(bucket_original, False)  # type: ignore[method-assign]
    S3Response.key_response = make(key_original, True)  # type: ignore[method-assign]


def _judge_s3(resp: Any, principal: iam_principals.Principal, request: Any, full_url: str, is_key: bool) -> Any:
    from urllib.parse import parse_qs, urlparse

    bucket = resp.parse_bucket_name_from_url(request, full_url)
    key = resp.parse_key_name() if is_key else None
    query = parse_qs(urlparse(full_url).query, keep_blank_values=True)
    operation = "s3:?"
    try:
        operation, checks = iam_request_map.s3_request_checks(
            principal, request.method, resp.region, resp.current_account, bucket, key, query, request.headers, resp.body
        )
        refusal = judge(principal, f"s3:{operation}", checks)
    except Unmapped as problem:
        _record_unmapped(principal, f"s3:{operation}", str(problem))
        return iam_denials.response("rest-xml", "s3", f"The emulator cannot judge S3 {request.method} {full_url} under IAM: {problem}", code="UnmappedIamOperation", status=400, method=request.method)
    if refusal is None:
        return None
    return iam_denials.response("rest-xml", "s3", refusal, method=request.method)


def patch_lambda_runner_trust() -> None:
    """The Lambda runner's AssumeRole of a function's execution role, judged by the trust policy."""
    from . import lambda_node_runtime

    common.need(lambda_node_runtime, "_role_credentials")
    original = lambda_node_runtime._role_credentials

    def role_credentials(fn: Any) -> dict[str, str]:
        if not SETTINGS.lenient:
            allowed, refusal = service_may_assume(str(fn.role), "lambda.amazonaws.com")
            if not allowed:
                raise common.LauncherError(f"Lambda could not assume the execution role {fn.role}: {refusal}")
        return original(fn)

    lambda_node_runtime._role_credentials = role_credentials  # type: ignore[assignment]


def apply() -> None:
    """Installs the enforcement with the launcher's settings (common.STATE: lenient, IAM propagation delay)."""
    from . import iam_service_credentials

    SETTINGS.lenient = bool(common.STATE.lenient)
    iam_principals.HISTORY.delay = max(0.0, float(common.STATE.iam_propagation_seconds))
    iam_request_map.check_data_present()
    iam_service_credentials.register()
    if not SETTINGS.lenient:
        SIDECAR.start()
    patch_call_action()
    patch_s3()
    patch_lambda_runner_trust()
    common.PATCHES.append("iam-enforcement" + (" (off: lenient)" if SETTINGS.lenient else ""))
