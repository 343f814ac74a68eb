"""Who signed a request, and the IAM policies that were in effect for them, delayed by IAM's propagation.

Principals judged:
- an assumed-role session (temporary ASIA... keys from STS AssumeRole, including the ones the
  Lambda runner takes for a function's execution role): principal
  arn:aws:sts::<account>:assumed-role/<role>/<session>, identity policies = the role's inline
  and attached managed policies, its permissions boundary, and the session policy passed to
  AssumeRole (IAM user guide, "Policy evaluation logic", session policies);
- an IAM user (AKIA... keys from CreateAccessKey): the user's inline and attached policies and
  those of its groups, its permissions boundary;
- an AWS service principal (credentials the launcher issues for tests, see
  iam_service_credentials.py): no identity policies; the resource's policy alone decides.
Any other key (the tests' and Terraform's default credentials, which moto treats as the
account's administrator) is not judged.

Propagation: IAM is eventually consistent ("Changes that I make are not always immediately
visible", IAM user guide, troubleshooting IAM). After every request that changes IAM (any
IAM operation but Get*/List*/Generate*/Simulate*), the emulator snapshots each role and user
of that account (trust policy, identity policies, boundary) and keeps each snapshot with the
time it becomes effective: the time of the change plus the propagation delay. A judgement uses
the latest snapshot already effective: a role created, a policy put, attached, changed or
deleted less than the delay ago is not yet seen (a new role does not exist yet for evaluation).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from . import common


class Unmapped(Exception):
    """The emulator cannot say what IAM evaluates for a request: it refuses the request."""


@dataclass(frozen=True)
class Snapshot:
    """One role's or user's IAM state at a moment (documents parsed)."""

    arn: str
    trust: Any
    identity: tuple[tuple[str, Any], ...]
    boundary: Any
    fingerprint: str


@dataclass
class Principal:
    kind: str  # "AssumedRole" | "User" | "Service"
    arn: str  # session ARN, user ARN, or the service principal ("transfer.amazonaws.com")
    account: str
    access_key: str
    # The role (assumed-role sessions) or the user ARN: aws:PrincipalArn, the key of the snapshots.
    principal_arn: str = ""
    session_policy: Any = None
    # Service principals: the context AWS gives their requests (aws:SourceArn, aws:SourceAccount).
    source_arn: str | None = None
    source_account: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_service(self) -> bool:
        return self.kind == "Service"


def parse_document(document: Any) -> Any:
    if document is None or document == "":
        return None
    if isinstance(document, (dict, list)):
        return document
    text = document.decode() if isinstance(document, bytes) else str(document)
    try:
        return json.loads(text)
    except ValueError:
        return json.loads(unquote(text))


def managed_document(policy: Any) -> Any:
    for version in policy.versions:
        if version.version_id == policy.default_version_id:
            return parse_document(version.document)
    return None


def _iam(account: str, partition: str = "aws") -> Any:
    from moto.iam.models import iam_backends

    return iam_backends[account][partition]


def _boundary(backend: Any, arn: str | None) -> Any:
    if not arn:
        return None
    try:
        return managed_document(backend.get_policy(arn))
    except Exception:
        return {"Version": "2012-10-17", "Statement": []}


def role_snapshot(backend: Any, role: Any) -> Snapshot:
    identity = [(f"inline:{name}", parse_document(doc)) for name, doc in sorted(role.policies.items())]
    identity += [(arn, managed_document(policy)) for arn, policy in sorted(role.managed_policies.items())]
    trust = parse_document(role.assume_role_policy_document)
    boundary = _boundary(backend, role.permissions_boundary_arn)
    arn = role.arn
    return Snapshot(arn, trust, tuple(identity), boundary, json.dumps([trust, identity, boundary], sort_keys=True, default=str))


def user_snapshot(backend: Any, user: Any) -> Snapshot:
    identity = [(f"inline:{name}", parse_document(doc)) for name, doc in sorted(user.policies.items())]
    identity += [(arn, managed_document(policy)) for arn, policy in sorted(user.managed_policies.items())]
    for group in backend.get_groups_for_user(user.name):
        identity += [(f"group:{group.name}:{name}", parse_document(doc)) for name, doc in sorted(group.policies.items())]
        identity += [(arn, managed_document(policy)) for arn, policy in sorted(group.managed_policies.items())]
    # moto 5.2 keeps no permissions boundary for users (only for roles).
    return Snapshot(user.arn, None, tuple(identity), None, json.dumps(identity, sort_keys=True, default=str))


def current_snapshot(arn: str) -> Snapshot | None:
    account = arn.split(":")[4]
    backend = _iam(account, arn.split(":")[1])
    if ":role/" in arn:
        try:
            return role_snapshot(backend, backend.get_role_by_arn(arn))
        except Exception:
            return None
    name = arn.rsplit("/", 1)[-1]
    for user in list(backend.users.values()):
        if user.name == name:
            return user_snapshot(backend, user)
    return None


class PolicyHistory:
    """Snapshots of each role and user with the time each becomes effective, for the propagation delay.

    A change becomes effective at the time it was made plus the delay in force then, so changing
    the delay while the emulator runs affects later changes only."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # arn -> [(effective at, snapshot or None when deleted)], in the order the changes were made.
        self._history: dict[str, list[tuple[float, Snapshot | None]]] = {}
        self.delay = 0.0

    def record_account(self, account: str, partition: str = "aws", at: float | None = None) -> None:
        """Snapshots every role and user of an account; keeps those that changed."""
        effective = (time.time() + self.delay) if at is None else at
        backend = _iam(account, partition)
        seen: dict[str, Snapshot] = {}
        for role in list(backend.roles.values()):
            snap = role_snapshot(backend, role)
            seen[snap.arn] = snap
        for user in list(backend.users.values()):
            snap = user_snapshot(backend, user)
            seen[snap.arn] = snap
        prefix = f"arn:{partition}:iam::{account}:"
        with self._lock:
            for arn, snap in seen.items():
                entries = self._history.setdefault(arn, [])
                if not entries or entries[-1][1] is None or entries[-1][1].fingerprint != snap.fingerprint:
                    entries.append((effective, snap))
            for arn, entries in self._history.items():
                if arn.startswith(prefix) and arn not in seen and entries and entries[-1][1] is not None:
                    entries.append((effective, None))

    def effective(self, arn: str, at: float | None = None) -> Snapshot | None:
        """The role's or user's state as evaluation sees it now (None: does not exist yet / any more)."""
        now = time.time() if at is None else at
        with self._lock:
            entries = self._history.get(arn)
            if entries is not None:
                found: Snapshot | None = None
                for when, snap in entries:
                    if when <= now:
                        found = snap
                return found
        # Never seen changing (made before the launcher watched, or in-process): as it is.
        return current_snapshot(arn)

    def visible_after(self, arn: str) -> float | None:
        """When the role's or user's latest change becomes effective (for messages and tests)."""
        with self._lock:
            entries = self._history.get(arn) or []
            return entries[-1][0] if entries else None


HISTORY = PolicyHistory()

# Credentials issued by the launcher to act as an AWS service (iam_service_credentials.py):
# access key id -> Principal.
SERVICE_KEYS: dict[str, Principal] = {}


def resolve(access_key: str, account: str, partition: str = "aws") -> Principal | None:
    """The judged principal behind an access key, or None for the default (unchecked) credentials."""
    service = SERVICE_KEYS.get(access_key)
    if service is not None:
        return service
    backend = _iam(account, partition)
    key = backend.access_keys.get(access_key)
    if key is None:
        return None
    if key.role_arn:
        from moto.sts.models import sts_backends

        session = sts_backends[account][partition].get_assumed_role_from_access_key(access_key)
        session_name = session.session_name if session is not None else "session"
        role_name = key.role_arn.rsplit("/", 1)[-1]
        return Principal(
            kind="AssumedRole",
            arn=f"arn:{partition}:sts::{account}:assumed-role/{role_name}/{session_name}",
            account=account,
            access_key=access_key,
            principal_arn=key.role_arn,
            session_policy=parse_document(session.policy) if session is not None else None,
        )
    if key.user_name:
        user = backend.get_user(key.user_name)
        return Principal(kind="User", arn=user.arn, account=account, access_key=access_key, principal_arn=user.arn)
    return None


ADMINISTRATOR = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def account_principal(account: str, partition: str = "aws") -> Principal:
    """The default credentials, as the account they act for (only their AssumeRole is judged: trust and existence)."""
    root = f"arn:{partition}:iam::{account}:root"
    return Principal(kind="Account", arn=root, account=account, access_key="", principal_arn=root)


def snapshot_for(principal: Principal) -> Snapshot | None:
    if principal.is_service:
        return None
    if principal.kind == "Account":
        return Snapshot(principal.arn, None, (("administrator", ADMINISTRATOR),), None, "")
    return HISTORY.effective(principal.principal_arn)
