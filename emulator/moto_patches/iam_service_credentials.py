"""Launcher endpoints for the IAM enforcement (not AWS APIs; for tests and stand-ins).

POST /_launcher/iam/service-credentials
    {"service": "transfer.amazonaws.com", "account": "<account>", "sourceArn": "...", "sourceAccount": "..."}
    -> {"accessKeyId", "secretAccessKey", "sessionToken", "principal"}
  Credentials that act as an AWS service principal, the way a service calls other services for
  a resource of yours (e.g. Transfer Family invoking a custom identity provider, or assuming a
  user's role "in the context of a Transfer Family user ARN": Transfer user guide,
  "Cross-service confused deputy prevention"). Requests signed with them are judged as that
  service principal: no identity policies, the resource's policy (a function's policy, a role's
  trust policy) alone decides, with aws:SourceArn and aws:SourceAccount as given. An AssumeRole
  made with them hands out an ordinary role session (with the session policy passed as Policy).
GET /_launcher/iam/stats  -> {"requests", "judged", "seconds"}
  How many requests the enforcement saw, how many it judged, and the seconds it spent on them.
GET|PUT /_launcher/iam/propagation  {"seconds": N}
  The IAM propagation delay (moto_launcher --iam-propagation-seconds), readable and changeable
  while running so one emulator can serve tests that need different delays.
"""

from __future__ import annotations

import json
from typing import Any

from . import common, iam_principals


def _issue(body: dict[str, Any]) -> dict[str, Any]:
    service = str(body.get("service") or "")
    if not service.endswith(".amazonaws.com"):
        raise ValueError('"service" must be a service principal such as "transfer.amazonaws.com"')
    account = str(body.get("account") or "123456789012")
    backend = iam_principals._iam(account)
    key = backend.create_temp_access_key()
    principal = iam_principals.Principal(
        kind="Service",
        arn=service,
        account=account,
        access_key=key.access_key_id,
        source_arn=body.get("sourceArn"),
        source_account=body.get("sourceAccount"),
    )
    iam_principals.SERVICE_KEYS[key.access_key_id] = principal
    from moto.sts.utils import random_session_token

    return {
        "accessKeyId": key.access_key_id,
        "secretAccessKey": key.secret_access_key,
        "sessionToken": random_session_token(),
        "principal": service,
    }


def handle(method: str, path: str, raw: bytes) -> tuple[int, Any] | None:
    """(status, JSON body) for the paths above, or None for any other path."""
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        return 400, {"error": "the body must be JSON"}
    if path == "/_launcher/iam/service-credentials" and method == "POST":
        try:
            return 200, _issue(body)
        except ValueError as problem:
            return 400, {"error": str(problem)}
    if path == "/_launcher/iam/stats" and method == "GET":
        from .iam_enforcement import STATS

        return 200, STATS.as_dict()
    if path == "/_launcher/iam/propagation":
        if method == "PUT":
            seconds = body.get("seconds")
            if not isinstance(seconds, (int, float)) or seconds < 0:
                return 400, {"error": '"seconds" must be a number >= 0'}
            iam_principals.HISTORY.delay = float(seconds)
        if method in ("GET", "PUT"):
            return 200, {"seconds": iam_principals.HISTORY.delay}
    return None


def register() -> None:
    common.ROUTES.append(handle)
