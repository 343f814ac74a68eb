"""Which IAM actions each assumed role called (patch 18; a recorder for tests, not an AWS behaviour).

moto does not enforce IAM, so a deploy through a role says nothing about the role's
policy. This records, for every request signed with assumed-role credentials, the role
and the IAM action the request needs (service prefix + API operation, which is how EC2
and STS name their actions: Service Authorization Reference), as a call
{"action": "RoleRequest", "roleArn", "account", "iamAction"}. The two-account test
evaluates each recorded action against the role's documented policy with an IAM policy
simulator: the README's permissions are then proven sufficient for what the deploy did.
"""

from __future__ import annotations

from typing import Any, Callable

from . import common

# moto service name -> IAM service prefix, where they differ.
IAM_PREFIX = {"elbv2": "elasticloadbalancing", "elb": "elasticloadbalancing", "events": "events", "logs": "logs"}


def assumed_role_arn(account_id: str, access_key: str) -> str | None:
    from moto.sts.models import sts_backends

    for partition_backend in list(sts_backends[account_id].values()):
        role = partition_backend.get_assumed_role_from_access_key(access_key)
        if role is not None:
            return str(role.role_arn)
    return None


def patch_role_request_log() -> None:
    from moto.core.responses import BaseResponse

    def record(original: Callable[..., Any]) -> Callable[..., Any]:
        def call_action(self: Any) -> Any:
            try:
                key = self.get_access_key()
                role = assumed_role_arn(self.current_account, key) if key.startswith("ASIA") else None
                if role is not None:
                    prefix = IAM_PREFIX.get(self.service_name or "", self.service_name or "")
                    common.STATE.calls.record("RoleRequest", roleArn=role, account=self.current_account, iamAction=f"{prefix}:{self._get_action()}")
            except Exception:  # a recorder never breaks a request
                pass
            return original(self)

        return call_action

    common.wrap(BaseResponse, "call_action", record)
    common.PATCHES.append("role-request-log")
