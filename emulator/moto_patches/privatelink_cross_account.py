"""PrivateLink across AWS accounts in one region (patch 16).

moto keeps one EC2 backend per account, so an interface endpoint created in account B
to an endpoint service owned by account A never found the service: it became
"available" at once (no acceptance), the owner never saw it, and any caller could
connect. AWS behaves like this instead:

- Allowed principals. "By default, your endpoint service is not available to service
  consumers. You must add permissions that allow specific AWS principals to create an
  interface VPC endpoint to connect to your endpoint service": arn:aws:iam::<account>:root
  ("includes all principals in the account"), a role, a user, or "*" (PrivateLink guide,
  "Configure an endpoint service", Manage permissions;
  https://docs.aws.amazon.com/vpc/latest/privatelink/configure-endpoint-service.html#add-remove-permissions).
  A principal that is not allowed cannot even see the service: CreateVpcEndpoint (and
  DescribeVpcEndpointServices) answer InvalidServiceName "The Vpc Endpoint Service
  '<name>' does not exist" (seen by users: aws/aws-cdk#28851 quotes that message for a
  cross-account service; cloud-custodian/cloud-custodian#10741 notes DescribeVpcEndpointServices
  raising InvalidServiceName for cross-account vpce-svc services the caller cannot access).
  Here: CreateVpcEndpoint from another account than the owner's is refused that way unless
  the service's allowed principals admit the caller (its account root, the role behind
  its assumed-role credentials, its IAM user, or "*"). The owner's own account is not
  checked (the single-account tests always list it anyway). A service name of the form
  com.amazonaws.vpce.<region>.vpce-svc-... that no account owns is refused the same way.
- Acceptance. Endpoints to a service with acceptance required start pendingAcceptance
  whichever account creates them, with the service's DNS names (patch 7, now across
  accounts); the owner lists them with DescribeVpcEndpointConnections, VpcEndpointOwner =
  the endpoint's account, and accepts or rejects them from its own account; the endpoint's
  state in the consumer account follows (patch 8, now across accounts: PrivateLink guide,
  "Accept or reject connection requests").

The caller's principal comes from moto's own bookkeeping: moto attributes a request to
the account of its access key, and STS AssumeRole hands out keys that belong to the
role's account (moto/sts/models.py assume_role, moto/iam/models.py get_account_id_from).
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterator

from . import common

VPCE_SERVICE_NAME = re.compile(r"^com\.amazonaws\.vpce\.[a-z0-9-]+\.vpce-svc-[0-9a-f]+$")


def ec2_backends_in_region(region: str) -> Iterator[tuple[str, Any]]:
    """(account ID, EC2 backend of `region`) for every account the emulator has seen."""
    from moto.ec2.models import ec2_backends

    for account_id in list(ec2_backends.keys()):
        yield account_id, ec2_backends[account_id][region]


def find_service(region: str, service_name: str) -> tuple[str, Any] | None:
    """The endpoint service called `service_name` in any account: (owner account, its configuration)."""
    for account_id, backend in ec2_backends_in_region(region):
        config = common.service_config_for(backend, service_name)
        if config is not None:
            return account_id, config
    return None


def endpoints_in_region(region: str) -> Iterator[tuple[str, Any]]:
    """(owner account, endpoint) for every VPC endpoint of every account in `region`."""
    for account_id, backend in ec2_backends_in_region(region):
        for endpoint in list(backend.vpc_end_points.values()):
            yield account_id, endpoint


def caller_principals(account_id: str, access_key: str) -> set[str]:
    """The principal ARNs that name the caller: its account root, plus its role or user."""
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends

    names = {f"arn:aws:iam::{account_id}:root"}
    for partition_backend in sts_backends[account_id].values():
        role = partition_backend.get_assumed_role_from_access_key(access_key)
        if role is not None:
            names.add(role.role_arn)
    for partition_backend in iam_backends[account_id].values():
        key = partition_backend.access_keys.get(access_key)
        if key is not None and key.user_name:
            names.add(f"arn:aws:iam::{account_id}:user/{key.user_name}")
    return names


def not_found(service_name: str) -> Exception:
    from moto.ec2.exceptions import EC2ClientError

    return EC2ClientError("InvalidServiceName", f"The Vpc Endpoint Service '{service_name}' does not exist")


def patch_cross_account_privatelink() -> None:
    from moto.ec2.models.vpcs import VPCBackend
    from moto.ec2.responses.vpcs import VPCs

    from . import ec2_vpc_endpoints

    def check_principals(original: Callable[..., Any]) -> Callable[..., Any]:
        def create_vpc_endpoint(self: Any) -> Any:
            service_name = self._get_param("ServiceName") or ""
            found = find_service(self.region, service_name)
            if found is None:
                if VPCE_SERVICE_NAME.match(service_name):
                    raise not_found(service_name)
            else:
                owner, config = found
                if owner != self.current_account:
                    allowed = set(config.principals or [])
                    if "*" not in allowed and not allowed & caller_principals(self.current_account, self.get_access_key()):
                        raise not_found(service_name)
            return original(self)

        return create_vpc_endpoint

    def pending_across_accounts(original: Callable[..., Any]) -> Callable[..., Any]:
        def create_vpc_endpoint(self: Any, *args: Any, **kwargs: Any) -> Any:
            endpoint = original(self, *args, **kwargs)
            if (endpoint.vpc_endpoint_type or "").lower() == "interface" and common.service_config_for(self, endpoint.service_name) is None:
                found = find_service(self.region_name, endpoint.service_name)
                if found is not None:
                    _, config = found
                    if str(config.acceptance_required).lower() == "true":
                        endpoint.state = "pendingAcceptance"
                    endpoint.dns_entries = ec2_vpc_endpoints.privatelink_dns_entries(self, endpoint, config)
            return endpoint

        return create_vpc_endpoint

    common.wrap(VPCs, "create_vpc_endpoint", check_principals)
    common.wrap(VPCBackend, "create_vpc_endpoint", pending_across_accounts)
    common.PATCHES.append("privatelink-cross-account")
