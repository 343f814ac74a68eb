"""ELBv2 network load balancers as AWS runs them (patches 9, 12, 23 and 24)."""

from __future__ import annotations

import threading
from typing import Any, Callable

from . import common


def patch_elbv2_subnet_addresses() -> None:
    """Patch 9: a network load balancer's fixed private addresses and its ENIs.

    AWS honours SubnetMappings[].PrivateIPv4Address for internal NLBs, reports it in
    AvailabilityZones[].LoadBalancerAddresses and creates one ENI per subnet described
    "ELB net/<name>/<id>" (the ARN after "loadbalancer/"; an NLB's ARN says "net", not
    "app"). moto drops the address (so Terraform plans a replacement of aws_lb on every
    run), creates no ENI and names every load balancer ".../loadbalancer/app/...".
    """
    from moto.elbv2 import models as elbv2_models
    from moto.elbv2.models import ELBv2Backend, FakeLoadBalancer

    creating = threading.local()

    def make_arn(original: Callable[..., Any]) -> Callable[..., Any]:
        def make_arn_for_load_balancer(*args: Any, **kwargs: Any) -> str:
            arn = original(*args, **kwargs)
            if getattr(creating, "type", None) == "network":  # AWS: loadbalancer/net/<name>/<id>
                arn = arn.replace(":loadbalancer/app/", ":loadbalancer/net/")
            return arn

        return make_arn_for_load_balancer

    def create(original: Callable[..., Any]) -> Callable[..., Any]:
        def create_load_balancer(self: Any, *args: Any, **kwargs: Any) -> Any:
            creating.type = kwargs.get("loadbalancer_type")
            try:
                lb = original(self, *args, **kwargs)
            finally:
                creating.type = None
            mappings = {m["SubnetId"]: m for m in (kwargs.get("subnet_mappings") or [])}
            lb._launcher_addresses = {}
            lb._launcher_enis = []
            if lb.type == "network":
                ec2 = self.ec2_backend
                suffix = lb.arn.split(":loadbalancer/")[-1]
                for subnet in lb.subnets:
                    ip = (mappings.get(subnet.id) or {}).get("PrivateIPv4Address")
                    if ip:
                        subnet.request_ip(ip, lb.arn)
                    else:
                        ip = subnet.get_available_subnet_ip(lb.arn)
                    eni = ec2.create_network_interface(
                        subnet, ip, group_ids=list(lb.security_groups or []) or None, description=f"ELB {suffix}"
                    )
                    eni.interface_type = "network_load_balancer"
                    eni.requester_managed = True
                    eni.status = "in-use"
                    lb._launcher_enis.append(eni.id)
                    if mappings.get(subnet.id, {}).get("PrivateIPv4Address"):
                        lb._launcher_addresses[subnet.id] = ip
            return lb

        return create_load_balancer

    def delete(original: Callable[..., Any]) -> Callable[..., Any]:
        def delete_load_balancer(self: Any, arn: str) -> Any:
            lb = self.load_balancers.get(arn)
            for eni_id in getattr(lb, "_launcher_enis", []) if lb is not None else []:
                common.drop_eni(self.ec2_backend, eni_id)
            return original(self, arn)

        return delete_load_balancer

    common.need(elbv2_models, "AvailabilityZone")
    zone_class = elbv2_models.AvailabilityZone

    def zones(self: Any) -> list[Any]:
        result = []
        for subnet in self.subnets:
            zone = zone_class(subnet)
            ip = getattr(self, "_launcher_addresses", {}).get(subnet.id)
            if ip:
                zone.load_balancer_addresses = [{"PrivateIPv4Address": ip}]
            result.append(zone)
        return result

    common.need(FakeLoadBalancer, "availability_zones")
    FakeLoadBalancer.availability_zones = property(zones)  # type: ignore[assignment]
    common.wrap(elbv2_models, "make_arn_for_load_balancer", make_arn)
    common.wrap(ELBv2Backend, "create_load_balancer", create)
    common.wrap(ELBv2Backend, "delete_load_balancer", delete)
    common.PATCHES.append("elbv2-subnet-addresses")

def patch_elbv2_private_link_enforcement() -> None:
    """Patch 12: EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic of an NLB with security groups."""
    from moto.elbv2.models import FakeLoadBalancer
    from moto.elbv2.responses import ELBV2Response

    def enforcement(self: Any) -> str | None:
        if self.type != "network" or not self.security_groups:
            return None  # AWS omits it then
        return self.__dict__.get("_launcher_enforce_private_link") or "on"

    def set_groups(original: Callable[..., Any]) -> Callable[..., Any]:
        def set_security_groups(self: Any) -> Any:
            result = original(self)
            arn = self._get_param("LoadBalancerArn")
            value = self._get_param("EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic")
            lb = self.elbv2_backend.load_balancers.get(arn)
            if lb is not None:
                if value:
                    lb._launcher_enforce_private_link = str(value)
                current = enforcement(lb)
                if current is not None:
                    result.result["EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic"] = current
            return result

        return set_security_groups

    FakeLoadBalancer.enforce_security_group_inbound_rules_on_private_link_traffic = property(enforcement)  # type: ignore[attr-defined]
    common.wrap(ELBV2Response, "set_security_groups", set_groups)
    common.PATCHES.append("elbv2-private-link-enforcement")


def patch_elbv2_unique_load_balancer_names() -> None:
    """Patch 23: one load balancer of a name per account and region, as AWS enforces.

    ELB API reference, CreateLoadBalancer, Errors: "DuplicateLoadBalancerName: A load
    balancer with the specified name already exists" (HTTP 400). moto checks the new ARN,
    which carries a random ID, so a second NLB of the same name was accepted; the stacks'
    create-before-destroy replacement of the NLB depends on the names differing. (Target
    group names, CreateTargetGroup DuplicateTargetGroupName, and security group names per
    VPC, CreateSecurityGroup InvalidGroup.Duplicate, are refused by moto already; a target
    group a listener uses cannot be deleted, DeleteTargetGroup ResourceInUse: likewise.
    __tests__/integration/emulator.test.ts checks all four.)
    """
    from moto.elbv2.exceptions import DuplicateLoadBalancerName
    from moto.elbv2.models import ELBv2Backend

    def create(original: Callable[..., Any]) -> Callable[..., Any]:
        def create_load_balancer(self: Any, *args: Any, **kwargs: Any) -> Any:
            name = kwargs.get("name", args[0] if args else None)
            if any(lb.name == name for lb in self.load_balancers.values()):
                raise DuplicateLoadBalancerName()
            return original(self, *args, **kwargs)

        return create_load_balancer

    common.wrap(ELBv2Backend, "create_load_balancer", create)
    common.PATCHES.append("elbv2-unique-load-balancer-names")


def patch_elbv2_network_set_subnets() -> None:
    """Patch 24: SetSubnets on a network load balancer, as AWS does it.

    ELB API reference, SetSubnets: "When you specify subnets for a Network Load Balancer
    ... you must include all subnets that were enabled previously, with their existing
    configurations, plus any additional subnets." An NLB may serve a single AZ. Each subnet
    added gets the NLB's network interface there ("ELB net/<name>/<id>"), as in patch 9, so
    the stacks' address lookup finds it. moto requires two AZs (the ALB rule), drops
    nothing and adds no interface; a removed subnet is refused here (Terraform plans a new
    NLB for that: hashicorp/aws internal/service/elbv2/load_balancer.go,
    customizeDiffLoadBalancerNLB).
    """
    from moto.elbv2.exceptions import ELBClientError
    from moto.elbv2.models import AvailabilityZone, ELBv2Backend

    def set_subnets_(original: Callable[..., Any]) -> Callable[..., Any]:
        def set_subnets(self: Any, arn: str, subnets: list[str], subnet_mappings: list[dict[str, Any]]) -> Any:
            lb = self.load_balancers.get(arn)
            if lb is None or lb.type != "network":
                return original(self, arn, subnets, subnet_mappings)
            wanted = list(subnets or []) + [m["SubnetId"] for m in subnet_mappings or []]
            before = {s.id for s in lb.subnets}
            removed = sorted(before - set(wanted))
            if removed:
                raise ELBClientError(
                    "InvalidConfigurationRequest",
                    f"A Network Load Balancer's subnets cannot be removed with SetSubnets: {', '.join(removed)}",
                )
            objects = []
            zones: set[str] = set()
            for subnet_id in wanted:
                subnet = self.ec2_backend.get_subnet(subnet_id)
                if subnet.availability_zone in zones:
                    raise ELBClientError("InvalidConfigurationRequest", "More than 1 subnet cannot be specified for 1 availability zone")
                zones.add(subnet.availability_zone)
                objects.append(subnet)
            suffix = lb.arn.split(":loadbalancer/")[-1]
            for subnet in objects:
                if subnet.id in before:
                    continue
                ip = subnet.get_available_subnet_ip(lb.arn)
                eni = self.ec2_backend.create_network_interface(
                    subnet, ip, group_ids=list(lb.security_groups or []) or None, description=f"ELB {suffix}"
                )
                eni.interface_type = "network_load_balancer"
                eni.requester_managed = True
                eni.status = "in-use"
                lb._launcher_enis = [*getattr(lb, "_launcher_enis", []), eni.id]
            lb.subnets = objects
            return [AvailabilityZone(subnet) for subnet in objects]

        return set_subnets

    common.wrap(ELBv2Backend, "set_subnets", set_subnets_)
    common.PATCHES.append("elbv2-network-set-subnets")
