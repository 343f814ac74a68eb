"""What the patch modules share: fail-fast helpers for moto internals, the call log
the tests read (GET /_launcher/calls), and small moto look-ups."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any, Callable

# The service name moto's EC2 backend gets for a Transfer server's own endpoint (AWS's
# is not documented; nothing in the stacks reads it).
TRANSFER_SERVICE_NAME = "com.amazonaws.{region}.transfer.server"
# Names of the patches applied, in order (GET /_launcher/health lists them).
PATCHES: list[str] = []


class LauncherError(Exception):
    pass


def moto_version() -> str:
    try:
        import moto

        return moto.__version__
    except Exception:  # pragma: no cover - moto missing entirely
        return "not installed"


def need(owner: Any, *names: str) -> None:
    """Fail fast when moto's internals moved (a different moto version)."""
    for name in names:
        if not hasattr(owner, name):
            raise LauncherError(
                f"moto {moto_version()}: expected {getattr(owner, '__name__', owner)}.{name}, "
                "which this launcher patches; it was written against moto 5.2."
            )


def wrap(owner: Any, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    need(owner, name)
    original = getattr(owner, name)
    setattr(owner, name, make(original))

class CallLog:
    def __init__(self, path: str | None) -> None:
        self._lock = threading.Lock()
        self._calls: list[dict[str, Any]] = []
        self._path = path

    def record(self, action: str, **fields: Any) -> None:
        now = time.time()
        entry = {
            "action": action,
            **fields,
            "time": datetime.fromtimestamp(now, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "epochMs": int(now * 1000),
        }
        with self._lock:
            self._calls.append(entry)
            if self._path:
                with open(self._path, "a", encoding="utf-8") as handle:
                    handle.write(json.dumps(entry) + "\n")

    def all(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._calls)

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()


# Launcher-wide state the patches read at call time; moto_launcher.main() sets it from its
# command line (--calls-file, --state-delay, --lenient, --iam-propagation-seconds) before serving.
STATE = SimpleNamespace(calls=CallLog(None), state_delay=0.0, lenient=False, iam_propagation_seconds=0.0)

# Extra /_launcher/ paths a patch serves: each handler takes (method, path, body bytes) and
# returns (HTTP status, JSON-able body), or None when the path is not its own.
ROUTES: list[Callable[[str, str, bytes], "tuple[int, Any] | None"]] = []


def ec2(account_id: str, region: str) -> Any:
    from moto.ec2.models import ec2_backends

    return ec2_backends[account_id][region]

def drop_eni(backend: Any, eni_id: str) -> None:
    eni = backend.enis.pop(eni_id, None)
    if eni is not None:
        for address in eni.private_ip_addresses:
            eni.subnet.del_subnet_ip(address.get("PrivateIpAddress"))


def service_config_for(backend: Any, service_name: str) -> Any:
    for config in getattr(backend, "configurations", {}).values():
        if config.service_name == service_name:
            return config
    return None

def snake(name: str) -> str:
    from moto.core.utils import camelcase_to_underscores

    return camelcase_to_underscores(name)


def prune(value: Any) -> Any:
    """Drop None values (AWS omits absent members rather than sending null)."""
    if isinstance(value, dict):
        return {k: prune(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [prune(v) for v in value]
    return value
