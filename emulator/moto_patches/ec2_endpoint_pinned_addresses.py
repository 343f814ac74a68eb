"""EC2 interface endpoints pinned to an address (patch 20).

AWS: CreateVpcEndpoint and ModifyVpcEndpoint take SubnetConfigurations, each a SubnetId and
an Ipv4: "The IPv4 address to assign to the endpoint network interface in the subnet. ... If
you specify an IPv4 address when modifying a VPC endpoint, we replace the existing endpoint
network interface with a new endpoint network interface with this IP address" (EC2 API
reference, SubnetConfiguration). The address must be a free one of that subnet: not outside
its CIDR block, not one of the five addresses AWS reserves in every subnet (VPC user guide,
"Subnet CIDR blocks"), not in use by another network interface (EC2 error code
InvalidIPAddress.InUse). Terraform's aws_vpc_endpoint sends them from subnet_configuration
and reads them back from the endpoint's ENIs (their PrivateIpAddress).

moto 5.2 ignores SubnetConfigurations: the ENI gets any address, and Terraform would see a
different ipv4 than configured. This patch validates the request as AWS does (refusing it
before anything is created) and gives the endpoint's ENI in that subnet the requested address;
on modify it replaces the ENI with a new one holding the address. It wraps the response
methods, so patch 6 (the endpoint's ENIs) has run inside them by the time it re-addresses.
"""

from __future__ import annotations

import ipaddress
import threading
from typing import Any, Callable

from . import common

_LOCK = threading.Lock()


def _pinned(params: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(c.get("SubnetId") or "", c["Ipv4"]) for c in params or [] if c.get("Ipv4")]


def _address_users(backend: Any, subnet: Any, ip: str, endpoint_id: str | None) -> list[str]:
    """Who holds `ip` in the subnet: network interfaces (other than this endpoint's) or moto's own allocation."""
    users = [
        eni.id
        for eni in backend.enis.values()
        if getattr(eni.subnet, "id", None) == subnet.id
        and (endpoint_id is None or eni.description != f"VPC Endpoint Interface {endpoint_id}")
        and ip in [a.get("PrivateIpAddress") for a in eni.private_ip_addresses] + [eni.private_ip_address]
    ]
    holder = subnet._subnet_ips.get(ip)
    if not users and holder is not None and holder != endpoint_id:
        users.append(str(getattr(holder, "id", holder)))
    return users


def _validate(backend: Any, pinned: list[tuple[str, str]], subnet_ids: list[str] | None, endpoint_id: str | None) -> None:
    from moto.ec2.exceptions import EC2ClientError

    seen: set[str] = set()
    for subnet_id, ip_text in pinned:
        if not subnet_id:
            raise EC2ClientError("InvalidParameter", "SubnetConfiguration needs a SubnetId with its Ipv4.")
        if subnet_ids is not None and subnet_id not in subnet_ids:
            raise EC2ClientError("InvalidParameter", f"Subnet {subnet_id} of a SubnetConfiguration is not one of the endpoint's subnets.")
        if subnet_id in seen:
            raise EC2ClientError("InvalidParameter", f"Subnet {subnet_id} is given twice in SubnetConfigurations.")
        seen.add(subnet_id)
        subnet = backend.get_subnet(subnet_id)  # InvalidSubnetID.NotFound
        try:
            ip = ipaddress.IPv4Address(ip_text)
        except ValueError:
            raise EC2ClientError("InvalidParameterValue", f"Ipv4 {ip_text} is not an IPv4 address.") from None
        network = ipaddress.IPv4Network(subnet.cidr_block)
        if ip not in network:
            raise EC2ClientError("InvalidParameterValue", f"Address {ip} is not in subnet {subnet_id} ({network}).")
        offset = int(ip) - int(network.network_address)
        if offset < 4 or ip == network.broadcast_address:
            raise EC2ClientError("InvalidParameterValue", f"Address {ip} is reserved by AWS in subnet {subnet_id} ({network}).")
        users = _address_users(backend, subnet, str(ip), endpoint_id)
        if users:
            raise EC2ClientError("InvalidIPAddress.InUse", f"Address {ip} is in use in subnet {subnet_id} ({', '.join(users)}).")


def _pin(backend: Any, endpoint: Any, pinned: list[tuple[str, str]]) -> None:
    """Gives the endpoint's ENI in each pinned subnet its address (a new ENI when it differs)."""
    description = f"VPC Endpoint Interface {endpoint.id}"
    ids = list(endpoint.network_interface_ids)
    for subnet_id, ip in pinned:
        current = next((backend.enis[i] for i in ids if i in backend.enis and backend.enis[i].subnet.id == subnet_id), None)
        if current is not None and current.private_ip_address == ip:
            continue
        subnet = backend.get_subnet(subnet_id)
        groups = [g.id for g in current.group_set] if current is not None else list(endpoint.security_group_ids or [])
        if current is not None:
            common.drop_eni(backend, current.id)
        subnet.request_ip(ip, endpoint.id)
        eni = backend.create_network_interface(subnet, ip, group_ids=groups, description=description)
        eni.interface_type = "vpc_endpoint"
        eni.requester_managed = True
        eni.status = "in-use"
        ids = [eni.id if current is not None and i == current.id else i for i in ids]
        if current is None:
            ids.append(eni.id)
    endpoint.network_interface_ids = ids


def patch_vpc_endpoint_pinned_addresses() -> None:
    from moto.ec2.responses.vpcs import VPCs as Response

    def create(original: Callable[..., Any]) -> Callable[..., Any]:
        def create_vpc_endpoint(self: Any) -> Any:
            pinned = _pinned(self._get_param("SubnetConfigurations", []))
            if not pinned:
                return original(self)
            with _LOCK:
                _validate(self.ec2_backend, pinned, self._get_param("SubnetIds", []), None)
                result = original(self)
                _pin(self.ec2_backend, result.result["VpcEndpoint"], pinned)
            return result

        return create_vpc_endpoint

    def modify(original: Callable[..., Any]) -> Callable[..., Any]:
        def modify_vpc_endpoint(self: Any) -> Any:
            pinned = _pinned(self._get_param("SubnetConfigurations", []))
            if not pinned:
                return original(self)
            with _LOCK:
                endpoint = self.ec2_backend.get_vpc_end_point(self._get_param("VpcEndpointId"))
                subnets = [s for s in endpoint.subnet_ids or [] if s not in self._get_param("RemoveSubnetIds", [])]
                subnets += self._get_param("AddSubnetIds", [])
                _validate(self.ec2_backend, pinned, subnets, endpoint.id)
                result = original(self)
                _pin(self.ec2_backend, self.ec2_backend.get_vpc_end_point(endpoint.id), pinned)
            return result

        return modify_vpc_endpoint

    common.wrap(Response, "create_vpc_endpoint", create)
    common.wrap(Response, "modify_vpc_endpoint", modify)
    common.PATCHES.append("ec2-vpc-endpoint-pinned-addresses")
