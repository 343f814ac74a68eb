"""EC2 interface endpoints and endpoint services as AWS runs them (patches 6, 7, 8, 13)."""

from __future__ import annotations

from typing import Any, Callable

from . import common


def patch_vpc_endpoint_enis() -> None:
    """Patch 6: interface endpoint ENIs as AWS makes them.

    AWS gives each interface endpoint one requester-managed ENI per subnet, described
    "VPC Endpoint Interface <vpce-id>", with an address from the subnet and the
    endpoint's security groups. moto uses a random 10.x address outside the subnet, no
    description and the default group, so the ENI lookup our stacks do finds nothing.
    """
    from moto.ec2.models.vpcs import VPCBackend

    def sync_enis(backend: Any, endpoint: Any) -> None:
        wanted = list(endpoint.subnet_ids or [])
        have = {}
        for eni_id in list(endpoint.network_interface_ids):
            eni = backend.enis.get(eni_id)
            if eni is None or eni.description != f"VPC Endpoint Interface {endpoint.id}" or eni.subnet.id not in wanted or eni.subnet.id in have:
                common.drop_eni(backend, eni_id)
                continue
            have[eni.subnet.id] = eni
        groups = endpoint.security_group_ids or [backend.get_default_security_group(endpoint.vpc_id).id]
        for subnet_id in wanted:
            eni = have.get(subnet_id)
            if eni is None:
                subnet = backend.get_subnet(subnet_id)
                ip = subnet.get_available_subnet_ip(endpoint.id)
                eni = backend.create_network_interface(
                    subnet, ip, group_ids=groups, description=f"VPC Endpoint Interface {endpoint.id}"
                )
                eni.interface_type = "vpc_endpoint"
                eni.requester_managed = True
                eni.status = "in-use"
                have[subnet_id] = eni
            else:
                eni._group_set = [backend.get_security_group_from_id(g) for g in groups]
        endpoint.network_interface_ids = [have[s].id for s in wanted]

    def create(original: Callable[..., Any]) -> Callable[..., Any]:
        def create_vpc_endpoint(self: Any, *args: Any, **kwargs: Any) -> Any:
            endpoint = original(self, *args, **kwargs)
            if (endpoint.vpc_endpoint_type or "").lower() == "interface":
                sync_enis(self, endpoint)
                config = common.service_config_for(self, endpoint.service_name)
                if config is not None:  # patch 7
                    if str(config.acceptance_required).lower() == "true":
                        endpoint.state = "pendingAcceptance"
                    endpoint.dns_entries = privatelink_dns_entries(self, endpoint, config)
            return endpoint

        return create_vpc_endpoint

    def modify(original: Callable[..., Any]) -> Callable[..., Any]:
        def modify_vpc_endpoint(self: Any, vpc_id: str, *args: Any, **kwargs: Any) -> Any:
            result = original(self, vpc_id, *args, **kwargs)
            endpoint = self.get_vpc_end_point(vpc_id)
            if (endpoint.vpc_endpoint_type or "").lower() == "interface":
                sync_enis(self, endpoint)
            return result

        return modify_vpc_endpoint

    def delete(original: Callable[..., Any]) -> Callable[..., Any]:
        def delete_vpc_endpoints(self: Any, vpce_ids: list[str] | None = None) -> Any:
            for vpce_id in vpce_ids or []:
                endpoint = self.vpc_end_points.get(vpce_id)
                if endpoint is not None and (endpoint.vpc_endpoint_type or "").lower() == "interface":
                    for eni_id in list(endpoint.network_interface_ids):
                        common.drop_eni(self, eni_id)
                    endpoint.network_interface_ids = []
            return original(self, vpce_ids)

        return delete_vpc_endpoints

    common.need(VPCBackend, "get_vpc_end_point")
    common.wrap(VPCBackend, "create_vpc_endpoint", create)
    common.wrap(VPCBackend, "modify_vpc_endpoint", modify)
    common.wrap(VPCBackend, "delete_vpc_endpoints", delete)
    common.PATCHES.append("ec2-interface-endpoint-enis")


def privatelink_dns_entries(backend: Any, endpoint: Any, config: Any) -> list[dict[str, str]]:
    """AWS names: <vpce-id>-<rand>[-<az>].<vpce-svc-id>.<region>.vpce.amazonaws.com."""
    first = (endpoint.dns_entries or [{}])[0]
    prefix = (first.get("dns_name") or endpoint.id).split(".")[0]
    zone_id = first.get("hosted_zone_id") or "ZVPCEEMULATOR"
    domain = f"{config.id}.{backend.region_name}.vpce.amazonaws.com"
    entries = [{"dns_name": f"{prefix}.{domain}", "hosted_zone_id": zone_id}]
    for subnet_id in endpoint.subnet_ids or []:
        zone = backend.get_subnet(subnet_id).availability_zone
        entries.append({"dns_name": f"{prefix}-{zone}.{domain}", "hosted_zone_id": zone_id})
    return entries

def patch_vpc_endpoint_connections() -> None:
    """Patch 8: the service owner's view of endpoint connections, and accepting them.

    AWS lists the endpoints connected to an endpoint service (DescribeVpcEndpointConnections)
    and lets the owner accept or reject those in pendingAcceptance. moto has none of
    the three actions; aws_vpc_endpoint_connection_accepter uses all of them.
    """
    from moto.core.responses import ActionResult
    from moto.ec2.exceptions import EC2ClientError
    from moto.ec2.responses.vpc_service_configuration import VPCEndpointServiceConfiguration as Response

    def connections(backend: Any, service_id: str | None) -> list[tuple[Any, Any]]:
        # Endpoints of every account in the region (patch 16: consumers in other accounts).
        from .privatelink_cross_account import endpoints_in_region

        pairs = []
        for config in backend.configurations.values():
            if service_id and config.id != service_id:
                continue
            for _, endpoint in endpoints_in_region(backend.region_name):
                if endpoint.service_name == config.service_name and endpoint.state != "deleted":
                    pairs.append((config, endpoint))
        return pairs

    def describe_vpc_endpoint_connections(self: Any) -> Any:
        filters = {f["Name"]: f.get("Values", []) for f in self._get_param("Filters", [])}
        result = []
        for config, endpoint in connections(self.ec2_backend, None):
            item = {
                "ServiceId": config.id,
                "VpcEndpointId": endpoint.id,
                "VpcEndpointOwner": endpoint.ec2_backend.account_id,
                "VpcEndpointState": endpoint.state,
                "CreationTimestamp": endpoint.creation_timestamp,
                "DnsEntries": [
                    {"DnsName": e.get("dns_name"), "HostedZoneId": e.get("hosted_zone_id")}
                    for e in (endpoint.dns_entries or [])
                ],
                "NetworkLoadBalancerArns": list(config.network_load_balancer_arns),
                "GatewayLoadBalancerArns": list(config.gateway_load_balancer_arns),
                "IpAddressType": "ipv4",
                "VpcEndpointConnectionId": f"vpce-con-{endpoint.id[5:]}",
                "VpcEndpointRegion": self.region,
            }
            keys = {
                "service-id": item["ServiceId"],
                "vpc-endpoint-id": item["VpcEndpointId"],
                "vpc-endpoint-owner": item["VpcEndpointOwner"],
                "vpc-endpoint-state": item["VpcEndpointState"],
                "ip-address-type": item["IpAddressType"],
                "vpc-endpoint-region": item["VpcEndpointRegion"],
            }
            if all(keys.get(name) in values for name, values in filters.items()):
                result.append(item)
        return ActionResult({"VpcEndpointConnections": result})

    def decide(self: Any, accept: bool) -> Any:
        service_id = self._get_param("ServiceId")
        wanted = self._get_param("VpcEndpointIds", [])
        if service_id not in self.ec2_backend.configurations:
            raise EC2ClientError(
                "InvalidVpcEndpointServiceId.NotFound", f"The Vpc Endpoint Service Id '{service_id}' does not exist"
            )
        connected = {endpoint.id: endpoint for _, endpoint in connections(self.ec2_backend, service_id)}
        unsuccessful = []
        for vpce_id in wanted:
            endpoint = connected.get(vpce_id)
            if endpoint is None:
                error = {"Code": "InvalidVpcEndpoint.NotFound", "Message": f"The VPC endpoint '{vpce_id}' does not exist"}
            elif endpoint.state not in ("pendingAcceptance", "pending") and not (not accept and endpoint.state == "available"):
                error = {"Code": "InvalidState", "Message": f"Endpoint {vpce_id} is in state {endpoint.state}"}
            else:
                endpoint.state = "available" if accept else "rejected"
                continue
            unsuccessful.append({"Error": error, "ResourceId": vpce_id})
        common.STATE.calls.record(
            "AcceptVpcEndpointConnections" if accept else "RejectVpcEndpointConnections",
            serviceId=service_id,
            vpcEndpointIds=list(wanted),
        )
        return ActionResult({"Unsuccessful": unsuccessful})

    def accept_vpc_endpoint_connections(self: Any) -> Any:
        return decide(self, True)

    def reject_vpc_endpoint_connections(self: Any) -> Any:
        return decide(self, False)

    common.need(Response, "create_vpc_endpoint_service_configuration")
    Response.describe_vpc_endpoint_connections = describe_vpc_endpoint_connections
    Response.accept_vpc_endpoint_connections = accept_vpc_endpoint_connections
    Response.reject_vpc_endpoint_connections = reject_vpc_endpoint_connections
    common.PATCHES.append("ec2-vpc-endpoint-connections")

def patch_endpoint_service_ip_address_types() -> None:
    """Patch 13: SupportedIpAddressTypes of a VPC endpoint service (AWS default: ipv4)."""
    from moto.ec2.models.vpc_service_configuration import VPCServiceConfiguration as Model
    from moto.ec2.responses.vpc_service_configuration import VPCEndpointServiceConfiguration as Response

    def types(self: Any) -> list[str]:
        return list(self.__dict__.get("_launcher_ip_types") or ["ipv4"])

    def create(original: Callable[..., Any]) -> Callable[..., Any]:
        def create_vpc_endpoint_service_configuration(self: Any) -> Any:
            result = original(self)
            wanted = self._get_param("SupportedIpAddressTypes", [])
            if wanted:
                result.result["ServiceConfiguration"]._launcher_ip_types = list(dict.fromkeys(wanted))
            return result

        return create_vpc_endpoint_service_configuration

    def modify(original: Callable[..., Any]) -> Callable[..., Any]:
        def modify_vpc_endpoint_service_configuration(self: Any) -> Any:
            add = self._get_param("AddSupportedIpAddressTypes", [])
            remove = self._get_param("RemoveSupportedIpAddressTypes", [])
            result = original(self)
            if add or remove:
                config = self.ec2_backend.describe_vpc_endpoint_service_configurations([self._get_param("ServiceId")])[0]
                current = [t for t in types(config) + list(add) if t not in remove]
                config._launcher_ip_types = list(dict.fromkeys(current)) or ["ipv4"]
            return result

        return modify_vpc_endpoint_service_configuration

    Model.supported_ip_address_types = property(types)  # type: ignore[attr-defined]
    common.wrap(Response, "create_vpc_endpoint_service_configuration", create)
    common.wrap(Response, "modify_vpc_endpoint_service_configuration", modify)
    common.PATCHES.append("ec2-endpoint-service-ip-address-types")
