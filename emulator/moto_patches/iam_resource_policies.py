"""The resource-based policy that takes part in judging a request on a resource (IAM user guide,
"Policy evaluation logic": identity-based and resource-based policies).

- S3 bucket: the bucket policy (PutBucketPolicy).
- KMS key: the key policy. A KMS key is usable only if its key policy allows it, directly or
  by delegating to the account's IAM policies through the account root principal (KMS
  developer guide, "Key policies in AWS KMS"); without a key policy nobody may use it.
- AWS managed keys (alias aws/<service>): the policy AWS sets and nobody can change, from
  lib/aws-managed-key-policies.json (each with its source: every principal of the account may use
  the key only through the service, kms:ViaService = <service>.<region>.amazonaws.com and
  kms:CallerAccount = the account; the account root may read its metadata). An AWS managed key
  that file does not describe is not judged but refused (Unmapped).
- Lambda function: its resource policy (AddPermission).
- Secrets Manager secret: its resource policy (PutResourcePolicy).
- IAM role, for sts:AssumeRole: the role's trust policy, as IAM sees it after the propagation
  delay (iam_principals.HISTORY).
Other resources have no resource policy here.
"""

from __future__ import annotations

import json
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import iam_principals

# The documented policies of AWS managed keys: one data file the IAM evaluation tests read too.
MANAGED_KEY_POLICIES = Path(__file__).resolve().parents[2] / "lib" / "aws-managed-key-policies.json"


@lru_cache(maxsize=None)
def _managed_key_entries() -> dict[str, Any]:
    return json.loads(MANAGED_KEY_POLICIES.read_text())["keys"]


def managed_key_policy(service: str, account: str, region: str, partition: str = "aws") -> Any:
    """The documented policy of the AWS managed key aws/<service> (see the module docstring)."""
    entry = _managed_key_entries().get(f"aws/{service}")
    if entry is None:
        raise iam_principals.Unmapped(f"no documented key policy for the AWS managed key aws/{service} in {MANAGED_KEY_POLICIES.name}")
    text = json.dumps(entry["policy"]).replace("{{partition}}", partition).replace("{{region}}", region).replace("{{account}}", account)
    return json.loads(text)


def kms_key(account: str, region: str, key_id: str) -> Any:
    """moto's key for any form of key id (id, ARN, alias name, alias ARN), or None."""
    from moto.kms.models import kms_backends

    backend = kms_backends[account][region]
    try:
        return backend.describe_key(key_id)
    except Exception:
        alias = key_id.split(":", 5)[-1] if key_id.startswith("arn:") and ":alias/" in key_id else key_id
        if alias.startswith("alias/aws/"):
            # AWS creates an AWS managed key the first time a service needs it.
            resolved = backend.get_key_id_from_alias(alias)
            if resolved:
                return backend.keys.get(resolved)
        return None


def managed_service_of(key: Any) -> str | None:
    """The service whose AWS managed key this is (its alias aws/<service>), else None."""
    for alias in getattr(key, "aliases", {}) or {}:
        if alias.startswith("alias/aws/"):
            return alias[len("alias/aws/") :]
    return None


def key_policy(key: Any) -> Any:
    service = managed_service_of(key)
    if service is not None:
        return managed_key_policy(service, key.account_id, key.region)
    return iam_principals.parse_document(key.policy)


def policy_for(arn: str, action: str) -> tuple[bool, Any]:
    """(has a resource policy that takes part, the document or None) for an action on a resource."""
    if arn == "*" or not arn.startswith("arn:"):
        return False, None
    parts = arn.split(":", 5)
    service, region, account, rest = parts[2], parts[3], parts[4], parts[5]
    try:
        if service == "s3":
            from moto.s3.models import s3_backends

            bucket_name = rest.split("/", 1)[0]
            backend = s3_backends[account]["aws"]
            bucket = backend.buckets.get(bucket_name)
            if bucket is None:
                bucket = _any_account_bucket(bucket_name)
            return (True, iam_principals.parse_document(bucket.policy)) if bucket is not None and bucket.policy else (False, None)
        if service == "kms" and rest.startswith("key/"):
            key = kms_key(account, region, arn)
            # A key always has a key policy; none at all (not found) allows nothing.
            return True, key_policy(key) if key is not None else {"Version": "2012-10-17", "Statement": []}
        if service == "lambda" and rest.startswith("function:"):
            from moto.awslambda.models import lambda_backends

            name = rest.split(":")[1]
            fn = lambda_backends[account][region].get_function(name)
            statements = list(fn.policy.statements) if fn.policy is not None else []
            document = {"Version": "2012-10-17", "Id": "default", "Statement": statements}
            return (True, document) if statements else (False, None)
        if service == "secretsmanager":
            from moto.secretsmanager.models import secretsmanager_backends

            backend = secretsmanager_backends[account][region]
            secret = backend.secrets.get(arn) if arn in backend.secrets else None
            policy = getattr(secret, "policy", None) if secret is not None else None
            return (True, iam_principals.parse_document(policy)) if policy else (False, None)
        if service == "iam" and rest.startswith("role/") and action.startswith("sts:AssumeRole"):
            snapshot = iam_principals.HISTORY.effective(arn)
            # A role not (yet) visible to IAM trusts nobody.
            return True, snapshot.trust if snapshot is not None else {"Version": "2012-10-17", "Statement": []}
    except iam_principals.Unmapped:
        raise
    except Exception as problem:
        # Reported, not hidden: a lost resource policy changes decisions.
        print(f"moto_launcher: IAM: the resource policy of {arn} could not be read: {problem!r}", file=sys.stderr, flush=True)
        return False, None
    return False, None


def _any_account_bucket(name: str) -> Any:
    from moto.s3.models import s3_backends

    for account in list(s3_backends.keys()):
        bucket = s3_backends[account]["aws"].buckets.get(name)
        if bucket is not None:
            return bucket
    return None


def bucket_account(name: str, default: str) -> str:
    bucket = _any_account_bucket(name)
    return getattr(bucket, "account_id", default) if bucket is not None else default
