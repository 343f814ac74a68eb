"""ELBv2 + PrivateLink: an NLB an endpoint service uses, and switching NLBs (patch 11)."""

from __future__ import annotations

from typing import Any, Callable

from . import common


def patch_endpoint_service_load_balancers() -> None:
    """Patch 11: an NLB an endpoint service uses cannot be deleted; switching NLBs.

    AWS refuses DeleteLoadBalancer (ResourceInUse) while a VPC endpoint service lists the
    load balancer, so a new NLB must be added to the service (and the old one removed)
    before the old NLB goes. moto deletes it anyway, which would let a wrong order pass.
    ModifyVpcEndpointServiceConfiguration's Add/RemoveNetworkLoadBalancerArns exists in
    moto 5.2 but takes any string (and fails with HTTP 500 removing an absent one).
    """
    from moto.ec2.exceptions import EC2ClientError
    from moto.ec2.models.vpc_service_configuration import VPCServiceConfigurationBackend
    from moto.elbv2.exceptions import ResourceInUseError
    from moto.elbv2.models import ELBv2Backend

    def delete(original: Callable[..., Any]) -> Callable[..., Any]:
        def delete_load_balancer(self: Any, arn: str) -> Any:
            ec2 = self.ec2_backend
            for config in getattr(ec2, "configurations", {}).values():
                if arn in config.network_load_balancer_arns:
                    raise ResourceInUseError(
                        f"Load balancer '{arn}' cannot be deleted because it is currently associated "
                        f"with another service ({config.id})"
                    )
            return original(self, arn)

        return delete_load_balancer

    def modify(original: Callable[..., Any]) -> Callable[..., Any]:
        def modify_vpc_endpoint_service_configuration(self: Any, service_id: str, *args: Any, **kwargs: Any) -> Any:
            config = self.describe_vpc_endpoint_service_configurations([service_id])[0]
            add = list(dict.fromkeys(kwargs.get("add_network_lbs") or []))
            remove = list(dict.fromkeys(kwargs.get("remove_network_lbs") or []))
            elbv2 = self.elbv2_backend
            for arn in add:
                lb = elbv2.load_balancers.get(arn)
                if lb is None or lb.type != "network":
                    raise EC2ClientError("InvalidParameter", f"Network load balancer '{arn}' does not exist")
            for arn in remove:
                if arn not in config.network_load_balancer_arns:
                    raise EC2ClientError("InvalidParameter", f"Network load balancer '{arn}' is not associated with {service_id}")
            if set(remove) >= set(config.network_load_balancer_arns) | set(add) and (add or remove):
                raise EC2ClientError("InvalidParameter", f"Service {service_id} needs at least one load balancer")
            kwargs["add_network_lbs"] = [a for a in add if a not in config.network_load_balancer_arns]
            kwargs["remove_network_lbs"] = remove
            result = original(self, service_id, *args, **kwargs)
            if add or remove:
                zones: list[str] = []
                for arn in config.network_load_balancer_arns:
                    lb = elbv2.load_balancers.get(arn)
                    for subnet in lb.subnets if lb is not None else []:
                        if subnet.availability_zone not in zones:
                            zones.append(subnet.availability_zone)
                config.availability_zones = zones
                common.STATE.calls.record(
                    "ModifyVpcEndpointServiceConfiguration",
                    serviceId=service_id,
                    addNetworkLoadBalancerArns=add,
                    removeNetworkLoadBalancerArns=remove,
                )
            return result

        return modify_vpc_endpoint_service_configuration

    common.wrap(ELBv2Backend, "delete_load_balancer", delete)
    common.wrap(VPCServiceConfigurationBackend, "modify_vpc_endpoint_service_configuration", modify)
    common.PATCHES.append("privatelink-nlb-in-use")
