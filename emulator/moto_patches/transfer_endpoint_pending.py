"""A Transfer server's VPC endpoint stays `pending` for a while after CreateServer.

AWS behaviour imitated: for a server with endpoint type VPC, Transfer Family
creates an interface VPC endpoint in the customer's VPC and reports the server
ONLINE before that endpoint is `available` (hashicorp/terraform-provider-aws,
internal/service/transfer/server.go, comment in updateServer: "The Transfer API
will return a state of ONLINE for a server before the underlying VPC Endpoint
is available"). An interface endpoint goes pending -> available while AWS
provisions its network interfaces (AWS PrivateLink guide, "Interface endpoint
lifecycle"). So a Terraform read of the endpoint's ENIs right after the server
was created can find none.

What this module does, for endpoints to the Transfer server service only:
- CreateVpcEndpoint leaves them in state `pending` for PENDING_SECONDS;
- while pending, DescribeVpcEndpoints reports `pending` and
  DescribeNetworkInterfaces does not list their ENIs (they exist inside the
  emulator, so subnet address allocation still sees them);
- the first describe after the delay makes them `available`, ENIs listed.

The delay comes from MOTO_TRANSFER_ENDPOINT_PENDING_SECONDS (default 0: off,
so suites that expect an endpoint available at once keep working;
emulator/client.ts sets it from startEmulator's
transferEndpointPendingSeconds, and the deploy test asks for 8 s). Self-contained: it needs nothing from
moto_launcher.py and works whether it is applied before or after the
launcher's own patches (it wraps moto's EC2 methods, and matches the Transfer
endpoint by its service name, com.amazonaws.<region>.transfer.server...).
"""

from __future__ import annotations

import os
import re
import threading
import time
from typing import Any, Callable

PENDING_SECONDS_ENV = "MOTO_TRANSFER_ENDPOINT_PENDING_SECONDS"
DEFAULT_PENDING_SECONDS = 0.0
TRANSFER_SERVICE = re.compile(r"^com\.amazonaws\.[a-z0-9-]+\.transfer\.server")

_describing = threading.local()


def _pending_seconds() -> float:
    raw = os.environ.get(PENDING_SECONDS_ENV, "")
    try:
        return max(0.0, float(raw)) if raw else DEFAULT_PENDING_SECONDS
    except ValueError:
        return DEFAULT_PENDING_SECONDS


def _settle(backend: Any) -> set[str]:
    """Makes endpoints whose delay is over available; returns the ENI IDs of those still pending."""
    now = time.monotonic()
    hidden: set[str] = set()
    for endpoint in list(getattr(backend, "vpc_end_points", {}).values()):
        until = getattr(endpoint, "_transfer_pending_until", None)
        if until is None:
            continue
        if now >= until:
            endpoint._transfer_pending_until = None
            if endpoint.state == "pending":
                endpoint.state = "available"
        else:
            hidden.update(endpoint.network_interface_ids or [])
    return hidden


def apply() -> None:
    from moto.ec2.models.elastic_network_interfaces import NetworkInterfaceBackend
    from moto.ec2.models.vpcs import VPCBackend
    from moto.ec2.responses.elastic_network_interfaces import ElasticNetworkInterfaces

    for owner, name in (
        (VPCBackend, "create_vpc_endpoint"),
        (VPCBackend, "describe_vpc_endpoints"),
        (NetworkInterfaceBackend, "get_all_network_interfaces"),
        (ElasticNetworkInterfaces, "describe_network_interfaces"),
    ):
        if not callable(getattr(owner, name, None)):
            raise AttributeError(f"{owner.__name__}.{name}")

    delay = _pending_seconds()
    if delay <= 0:
        return

    def wrap(owner: Any, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
        setattr(owner, name, make(getattr(owner, name)))

    def create(original: Callable[..., Any]) -> Callable[..., Any]:
        def create_vpc_endpoint(self: Any, *args: Any, **kwargs: Any) -> Any:
            endpoint = original(self, *args, **kwargs)
            if TRANSFER_SERVICE.match(endpoint.service_name or ""):
                endpoint.state = "pending"
                endpoint._transfer_pending_until = time.monotonic() + delay
            return endpoint

        return create_vpc_endpoint

    def describe_endpoints(original: Callable[..., Any]) -> Callable[..., Any]:
        def describe_vpc_endpoints(self: Any, *args: Any, **kwargs: Any) -> Any:
            _settle(self)
            return original(self, *args, **kwargs)

        return describe_vpc_endpoints

    def all_enis(original: Callable[..., Any]) -> Callable[..., Any]:
        def get_all_network_interfaces(self: Any, *args: Any, **kwargs: Any) -> Any:
            enis = original(self, *args, **kwargs)
            # Hidden only from DescribeNetworkInterfaces callers, never from moto's own bookkeeping.
            if not getattr(_describing, "active", False):
                return enis
            hidden = _settle(self)
            return [eni for eni in enis if eni.id not in hidden]

        return get_all_network_interfaces

    def describe_enis(original: Callable[..., Any]) -> Callable[..., Any]:
        def describe_network_interfaces(self: Any) -> Any:
            _describing.active = True
            try:
                return original(self)
            finally:
                _describing.active = False

        return describe_network_interfaces

    wrap(VPCBackend, "create_vpc_endpoint", create)
    wrap(VPCBackend, "describe_vpc_endpoints", describe_endpoints)
    wrap(NetworkInterfaceBackend, "get_all_network_interfaces", all_enis)
    wrap(ElasticNetworkInterfaces, "describe_network_interfaces", describe_enis)
