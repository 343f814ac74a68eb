"""The KMS calls a service makes with the caller's permissions while serving a request.

Each is judged like a request of the caller's own (identity policies, session policy, the key's
policy as resource policy), with kms:ViaService = <service>.<region>.amazonaws.com,
kms:CallerAccount = the caller's account and the service's encryption context; so an explicit
Deny of kms:Decrypt in the caller's policy applies to them, as on AWS.

- DynamoDB, a table encrypted with a KMS key (the AWS managed key aws/dynamodb or a customer
  managed key; not the default AWS owned key): "When you access an encrypted table, DynamoDB
  needs to decrypt the table key ... DynamoDB sends a Decrypt request to AWS KMS" on behalf of
  the user accessing the table, with encryption context aws:dynamodb:tableName and
  aws:dynamodb:subscriberId (KMS developer guide, "How Amazon DynamoDB uses AWS KMS"). DynamoDB
  caches the table key per connection for up to five minutes; the emulator judges every item
  operation (each Lambda invocation here is a new connection anyway).
- Secrets Manager: GetSecretValue decrypts with kms:Decrypt; CreateSecret with a value,
  PutSecretValue and UpdateSecret with a value encrypt with kms:GenerateDataKey; encryption
  context SecretARN and SecretVersionId; the key is the secret's KmsKeyId or the AWS managed
  key aws/secretsmanager (Secrets Manager user guide, "Secret encryption and decryption in AWS
  Secrets Manager").
- SSM Parameter Store, SecureString: GetParameter(s)/GetParametersByPath WithDecryption call
  kms:Decrypt; PutParameter calls kms:Encrypt (standard tier) or kms:GenerateDataKey (advanced
  tier); encryption context PARAMETER_ARN; the key is the parameter's KeyId or aws/ssm (Systems
  Manager user guide, "How AWS Systems Manager Parameter Store uses AWS KMS").
Not judged: Lambda decrypting its environment variables with aws/lambda ("Lambda doesn't need
any permissions from the function's execution role": Lambda developer guide, "Securing
environment variables"), CloudWatch Logs encrypting a log group (the logs service principal uses
the key under the key policy, not the caller).
"""

from __future__ import annotations

from typing import Any

from . import iam_principals, iam_request_map, iam_resource_policies
from .iam_request_map import Check, Request

DYNAMODB_ITEM_OPERATIONS = {
    "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem", "BatchWriteItem",
    "TransactGetItems", "TransactWriteItems", "ExecuteStatement", "BatchExecuteStatement",
}


def _kms_check(principal: iam_principals.Principal, request: Request, action: str, key: Any, via: str, encryption_context: dict[str, str]) -> Check:
    context = iam_request_map.base_context(principal, request)
    context.pop("aws:TagKeys", None)
    for name in [k for k in context if k.startswith("aws:RequestTag/")]:
        context.pop(name)
    service_host = f"{via}.{request.region}.amazonaws.com"
    context.update(
        {
            "kms:ViaService": service_host,
            "kms:CallerAccount": principal.account,
            "aws:ViaAWSService": "true",
            "aws:CalledVia": [f"{via}.amazonaws.com"],
            "aws:CalledViaFirst": f"{via}.amazonaws.com",
            "aws:CalledViaLast": f"{via}.amazonaws.com",
        }
    )
    for name, value in encryption_context.items():
        context[f"kms:EncryptionContext:{name}"] = value
    if encryption_context:
        context["kms:EncryptionContextKeys"] = sorted(encryption_context)
    return Check(action=action, resource=key.arn, context=context, resource_account=key.account_id, via=service_host)


def checks_for(principal: iam_principals.Principal, request: Request) -> list[Check]:
    """The on-behalf KMS checks a request causes (empty for most requests)."""
    if principal.is_service:
        return []
    service, op, p = request.service, request.operation, request.params
    try:
        if service == "dynamodb" and op in DYNAMODB_ITEM_OPERATIONS:
            return _dynamodb(principal, request)
        if service == "secretsmanager":
            return _secretsmanager(principal, request)
        if service == "ssm":
            return _ssm(principal, request)
    except iam_request_map.Unmapped:
        raise
    return []


def _dynamodb(principal: iam_principals.Principal, request: Request) -> list[Check]:
    from moto.dynamodb.models import dynamodb_backends

    p = request.params
    names = iam_request_map._strings(p.get("TableName")) + list((p.get("RequestItems") or {}).keys())
    for item in (p.get("TransactItems") or []):
        for inner in (item or {}).values():
            if isinstance(inner, dict) and inner.get("TableName"):
                names.append(str(inner["TableName"]))
    checks = []
    backend = dynamodb_backends[request.account][request.region]
    for name in dict.fromkeys(names):
        table_name = name.rsplit("/", 1)[-1] if name.startswith("arn:") else name
        table = backend.tables.get(table_name)
        sse = getattr(table, "sse_specification", None) if table is not None else None
        if not sse or not sse.get("Enabled") or not sse.get("KMSMasterKeyId"):
            continue  # the AWS owned key: no KMS call in the caller's account
        key = iam_resource_policies.kms_key(request.account, request.region, str(sse["KMSMasterKeyId"]))
        if key is None:
            continue
        checks.append(
            _kms_check(principal, request, "kms:Decrypt", key, "dynamodb", {"aws:dynamodb:tableName": table_name, "aws:dynamodb:subscriberId": request.account})
        )
    return checks


def _secretsmanager(principal: iam_principals.Principal, request: Request) -> list[Check]:
    from moto.secretsmanager.models import secretsmanager_backends

    p, op = request.params, request.operation
    backend = secretsmanager_backends[request.account][request.region]
    has_value = p.get("SecretString") is not None or p.get("SecretBinary") is not None
    if op == "GetSecretValue":
        action = "kms:Decrypt"
    elif op in ("PutSecretValue",) or (op in ("CreateSecret", "UpdateSecret") and has_value):
        action = "kms:GenerateDataKey"
    else:
        return []
    secret_id = str(p.get("SecretId") or p.get("Name") or "")
    secret = backend.secrets[secret_id] if secret_id and secret_id in backend.secrets else None
    key_id = str(p.get("KmsKeyId") or getattr(secret, "kms_key_id", None) or "alias/aws/secretsmanager")
    key = iam_resource_policies.kms_key(request.account, request.region, key_id)
    if key is None:
        return []
    secret_arn = str(secret.arn) if secret is not None else iam_request_map._secret_arn(secret_id, request)
    version = str(p.get("VersionId") or p.get("ClientRequestToken") or (getattr(secret, "default_version_id", None) or ""))
    context = {"SecretARN": secret_arn}
    if version:
        context["SecretVersionId"] = version
    return [_kms_check(principal, request, action, key, "secretsmanager", context)]


def _ssm(principal: iam_principals.Principal, request: Request) -> list[Check]:
    from moto.ssm.models import ssm_backends

    p, op = request.params, request.operation
    backend = ssm_backends[request.account][request.region]
    checks = []
    if op in ("GetParameter", "GetParameters", "GetParametersByPath") and str(p.get("WithDecryption")).lower() == "true":
        if op == "GetParametersByPath":
            path = str(p.get("Path") or "/")
            params = [prm for name, versions in list(backend._parameters.items()) if name.startswith(path) for prm in versions[-1:]]
        else:
            names = iam_request_map._strings(p.get("Name")) + iam_request_map._strings(p.get("Names"))
            params = [backend.get_parameter(n.split(":")[0]) for n in names]
        for prm in params:
            if prm is None or getattr(prm, "parameter_type", None) != "SecureString":
                continue
            key = iam_resource_policies.kms_key(request.account, request.region, str(prm.keyid or "alias/aws/ssm"))
            if key is not None:
                arn = f"arn:{request.partition}:ssm:{request.region}:{request.account}:parameter/{prm.name.lstrip('/')}"
                checks.append(_kms_check(principal, request, "kms:Decrypt", key, "ssm", {"PARAMETER_ARN": arn}))
    elif op == "PutParameter" and p.get("Type") == "SecureString":
        key = iam_resource_policies.kms_key(request.account, request.region, str(p.get("KeyId") or "alias/aws/ssm"))
        if key is not None:
            name = str(p.get("Name"))
            arn = f"arn:{request.partition}:ssm:{request.region}:{request.account}:parameter/{name.lstrip('/')}"
            action = "kms:GenerateDataKey" if p.get("Tier") == "Advanced" else "kms:Encrypt"
            checks.append(_kms_check(principal, request, action, key, "ssm", {"PARAMETER_ARN": arn}))
    return checks
