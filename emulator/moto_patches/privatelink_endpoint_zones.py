"""An interface endpoint only in zones its endpoint service serves, compared by AZ ID (patch 19).

AWS: an endpoint service is available in the Availability Zones of its Network Load
Balancer, and an interface endpoint can only be created in those zones (PrivateLink
guide, "Create an endpoint service", considerations: "the service consumer must create
the endpoint in an Availability Zone that is supported by the endpoint service"; zone
names differ per account, so "the consumer must use the AZ IDs"). A subnet in any other
zone is refused: InvalidParameter "The VPC endpoint service <name> does not support the
availability zone of the subnet: <subnet-id>." (as reported for a cross-account
vpce-svc service in aws/aws-sdk-go-v2#1024, and for AWS services in
terraform-aws-modules/terraform-aws-vpc#462). moto creates the endpoint anyway.

Here the zones are compared by AZ ID (patch 17: the owner's subnets read with the
owner's mapping, the consumer's with the consumer's), for endpoint services the
emulator knows (patch 16 finds them in any account); other service names are left alone.
"""

from __future__ import annotations

from typing import Any, Callable

from . import common


def served_zone_ids(owner_account: str, region: str, config: Any) -> set[str]:
    from moto.elbv2.models import elbv2_backends

    load_balancers = elbv2_backends[owner_account][region].load_balancers
    zone_ids: set[str] = set()
    for arn in config.network_load_balancer_arns:
        lb = load_balancers.get(arn)
        for subnet in getattr(lb, "subnets", []) or []:
            zone_ids.add(subnet.availability_zone_id)
    return zone_ids


def patch_endpoint_zones() -> None:
    from moto.ec2.exceptions import EC2ClientError
    from moto.ec2.models.vpcs import VPCBackend

    from .privatelink_cross_account import find_service

    def check_zones(original: Callable[..., Any]) -> Callable[..., Any]:
        def create_vpc_endpoint(self: Any, *args: Any, **kwargs: Any) -> Any:
            service_name = kwargs.get("service_name") or (args[1] if len(args) > 1 else None)
            subnet_ids = kwargs.get("subnet_ids") or []
            endpoint_type = kwargs.get("endpoint_type") or (args[2] if len(args) > 2 else None)
            found = find_service(self.region_name, service_name) if service_name else None
            if found is not None and (endpoint_type or "").lower() == "interface":
                owner, config = found
                served = served_zone_ids(owner, self.region_name, config)
                for subnet_id in subnet_ids:
                    subnet = self.get_subnet(subnet_id)
                    if served and subnet.availability_zone_id not in served:
                        raise EC2ClientError(
                            "InvalidParameter",
                            f"The VPC endpoint service {service_name} does not support the availability zone of the subnet: {subnet_id}.",
                        )
            return original(self, *args, **kwargs)

        return create_vpc_endpoint

    common.wrap(VPCBackend, "create_vpc_endpoint", check_zones)
    common.PATCHES.append("privatelink-endpoint-zones")
