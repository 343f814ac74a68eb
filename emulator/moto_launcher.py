#!/usr/bin/env python3
"""Local AWS emulator for this project: moto's server plus a few in-process patches.

Usage:
    python3 emulator/moto_launcher.py [--host 127.0.0.1] [--port 0] [--calls-file calls.jsonl]
                                      [--state-delay SECONDS]

Binds to 127.0.0.1 only (any other --host is refused). With --port 0 (the default) the
operating system picks a free port; either way the first line on stdout is
    moto_launcher: listening on http://127.0.0.1:<port>
and from then on the emulator answers AWS API calls on that endpoint (point the AWS CLI
or Terraform's AWS provider at it with AWS_ENDPOINT_URL). Stop it with SIGTERM/SIGINT.

Extra HTTP paths on the same port (not AWS APIs; for tests):
    GET    /_launcher/health  -> {"moto": "<version>", "patches": [...]}  (readiness probe)
    GET    /_launcher/calls   -> JSON array of recorded calls, oldest first
    DELETE /_launcher/calls   -> forget recorded calls
A recorded call is {"action", "serverId" | "serviceId", "time" (ISO 8601 UTC, ms),
"epochMs", ...}: "fromState" for Transfer StopServer/StartServer, "params" for
UpdateServer, "vpcEndpointIds" for Accept/RejectVpcEndpointConnections, the added and
removed ARNs for ModifyVpcEndpointServiceConfiguration. With
--calls-file each record is also appended to that file as one JSON line.

Transfer state changes take --state-delay seconds (default: env
MOTO_TRANSFER_STATE_DELAY_SECONDS, else 0): StopServer shows STOPPING for that long,
then OFFLINE; StartServer shows STARTING, then ONLINE. With 0 the change is immediate,
which keeps `aws transfer wait server-offline|server-online` (30 s poll interval) fast.

Patches (each imitates real AWS behaviour that moto 5.2 lacks and this project needs):
 1. Transfer servers of EndpointType VPC get a VPC endpoint in moto's EC2 backend
    (Interface type, one ENI per EndpointDetails.SubnetIds, the server's security
    groups); DescribeServer returns EndpointDetails.VpcEndpointId; DeleteServer deletes
    the endpoint and its ENIs. Our stacks look the endpoint IPs up by ENI description.
 2. Transfer StopServer / StartServer with ONLINE -> STOPPING -> OFFLINE and
    OFFLINE -> STARTING -> ONLINE, recorded for tests (the PassiveIp restart step). A
    call in any other state is recorded (with fromState) and changes nothing.
 3. Transfer UpdateServer (ProtocolDetails merge, Protocols, IdentityProviderDetails,
    EndpointDetails subnets, LoggingRole, SecurityPolicyName, banners, ...), recorded.
 4. Transfer DescribeServer/ListServers answer like AWS: server defaults filled in at
    create (Protocols [SFTP], Domain S3, PassiveIp AUTO, ...), absent fields omitted
    rather than null, no HostKeyFingerprint echoing the private key, security groups
    of a VPC endpoint read from the endpoint, and ResourceNotFoundException for an
    unknown server id (moto builds the error but never raises it).
 5. Transfer TagResource / UntagResource / ListTagsForResource for servers.
 6. EC2 interface VPC endpoint ENIs look like AWS's: description
    "VPC Endpoint Interface <vpce-id>", a free private IP inside their subnet, the
    endpoint's security groups, InterfaceType vpc_endpoint, requester-managed; they
    follow ModifyVpcEndpoint subnet/security-group changes and free their IPs on delete.
    Terraform's `data aws_network_interface` (filters subnet-id + description) finds them.
 7. EC2 interface endpoints to a PrivateLink service created with AcceptanceRequired
    start in state pendingAcceptance instead of available, and endpoints to such a
    service get AWS-shaped DNS names (<vpce-id>-<rand>.<vpce-svc-id>.<region>.vpce.amazonaws.com
    plus one zonal name per subnet) instead of moto's "<vpce-id>-<rand>.<service name>".
 8. EC2 DescribeVpcEndpointConnections / AcceptVpcEndpointConnections /
    RejectVpcEndpointConnections (missing in moto), so aws_vpc_endpoint_connection_accepter
    moves the consumer endpoint from pendingAcceptance to available.
 9. ELBv2 keeps SubnetMappings' PrivateIPv4Address and returns it in
    AvailabilityZones[].LoadBalancerAddresses, and gives a network load balancer one ENI
    per subnet with description "ELB net/<name>/<id>" and that address (deleted with the
    load balancer), so aws_lb.subnet_mapping.private_ipv4_address reads back as configured;
    a network load balancer's ARN reads loadbalancer/net/... as on AWS (moto says app).
10. EC2 RunInstances: a block device mapping for the AMI's root device with neither
    VolumeSize nor SnapshotId (what aws_instance.root_block_device sends when it sets
    only encryption/volume type) takes the AMI's root snapshot and size, as on AWS;
    moto refuses it with MissingParameter.
11. ELBv2 DeleteLoadBalancer is refused with ResourceInUse while an endpoint service
    still lists the load balancer (as on AWS; moto deletes it and leaves a dangling ARN),
    and EC2 ModifyVpcEndpointServiceConfiguration Add/RemoveNetworkLoadBalancerArns (which
    moto 5.2 has) is checked like AWS: unknown or non-network ARNs and removing one the
    service does not list are refused, no duplicates, the service's AvailabilityZones
    follow its load balancers; recorded for tests ("serviceId", "addNetworkLoadBalancerArns",
    "removeNetworkLoadBalancerArns").
12. ELBv2 network load balancers with security groups report
    EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic (default "on", as on AWS; set by
    SetSecurityGroups, which returns it) in DescribeLoadBalancers; moto drops it, so
    aws_lb planned an update of that attribute on every run.
13. EC2 VPC endpoint services report SupportedIpAddressTypes (default ["ipv4"], or what
    CreateVpcEndpointServiceConfiguration was given; Add/RemoveSupportedIpAddressTypes on
    modify), which moto omits, so aws_vpc_endpoint_service planned an update on every run.
14. EC2 security group rules that reference another group keep their description in
    DescribeSecurityGroupRules (moto only reads it from CIDR rules), so
    aws_vpc_security_group_ingress/egress_rule do not plan "+ description" on every run.
15. EC2 instances launched with NetworkInterfaces (what aws_instance sends when
    associate_public_ip_address is set) read back like AWS: no Association on an
    interface without a public IP (moto returns {}, which Terraform reads as
    associate_public_ip_address = true and so replaced the instance on every run), and
    the instance's SecurityGroups are its primary interface's (moto returns none).

Settings: MOTO_IAM_LOAD_MANAGED_POLICIES defaults to true here (AWS-managed policies such
as arn:aws:iam::aws:policy/AmazonS3FullAccess exist, as on AWS).

The launcher fails fast (exit status 3, message naming the moto version) when a moto
internal it patches is not where it expects it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import sys
import threading
import time
from datetime import datetime, timezone
from typing import Any, Callable

LOOPBACK = "127.0.0.1"
TRANSFER_SERVICE_NAME = "com.amazonaws.{region}.transfer.server"  # placeholder name
PATCHES: list[str] = []


class LauncherError(Exception):
    pass


def _moto_version() -> str:
    try:
        import moto

        return moto.__version__
    except Exception:  # pragma: no cover - moto missing entirely
        return "not installed"


def _need(owner: Any, *names: str) -> None:
    """Fail fast when moto's internals moved (a different moto version)."""
    for name in names:
        if not hasattr(owner, name):
            raise LauncherError(
                f"moto {_moto_version()}: expected {getattr(owner, '__name__', owner)}.{name}, "
                "which this launcher patches; it was written against moto 5.2."
            )


def _wrap(owner: Any, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    _need(owner, name)
    original = getattr(owner, name)
    setattr(owner, name, make(original))


# --------------------------------------------------------------------------- call log
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


CALLS = CallLog(None)
STATE_DELAY = 0.0


def _ec2(account_id: str, region: str) -> Any:
    from moto.ec2.models import ec2_backends

    return ec2_backends[account_id][region]


# ------------------------------------------------------------------ EC2: endpoint ENIs
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
                _drop_eni(backend, eni_id)
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
                config = _service_config_for(self, endpoint.service_name)
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
                        _drop_eni(self, eni_id)
                    endpoint.network_interface_ids = []
            return original(self, vpce_ids)

        return delete_vpc_endpoints

    _need(VPCBackend, "get_vpc_end_point")
    _wrap(VPCBackend, "create_vpc_endpoint", create)
    _wrap(VPCBackend, "modify_vpc_endpoint", modify)
    _wrap(VPCBackend, "delete_vpc_endpoints", delete)
    PATCHES.append("ec2-interface-endpoint-enis")


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


def _drop_eni(backend: Any, eni_id: str) -> None:
    eni = backend.enis.pop(eni_id, None)
    if eni is not None:
        for address in eni.private_ip_addresses:
            eni.subnet.del_subnet_ip(address.get("PrivateIpAddress"))


def _service_config_for(backend: Any, service_name: str) -> Any:
    for config in getattr(backend, "configurations", {}).values():
        if config.service_name == service_name:
            return config
    return None


# ------------------------------------------------------- EC2: endpoint connections
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
        pairs = []
        for config in backend.configurations.values():
            if service_id and config.id != service_id:
                continue
            for endpoint in backend.vpc_end_points.values():
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
                "VpcEndpointOwner": self.ec2_backend.account_id,
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
        CALLS.record(
            "AcceptVpcEndpointConnections" if accept else "RejectVpcEndpointConnections",
            serviceId=service_id,
            vpcEndpointIds=list(wanted),
        )
        return ActionResult({"Unsuccessful": unsuccessful})

    def accept_vpc_endpoint_connections(self: Any) -> Any:
        return decide(self, True)

    def reject_vpc_endpoint_connections(self: Any) -> Any:
        return decide(self, False)

    _need(Response, "create_vpc_endpoint_service_configuration")
    Response.describe_vpc_endpoint_connections = describe_vpc_endpoint_connections
    Response.accept_vpc_endpoint_connections = accept_vpc_endpoint_connections
    Response.reject_vpc_endpoint_connections = reject_vpc_endpoint_connections
    PATCHES.append("ec2-vpc-endpoint-connections")


# ---------------------------------------------------------------- ELBv2 addresses
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
                _drop_eni(self.ec2_backend, eni_id)
            return original(self, arn)

        return delete_load_balancer

    _need(elbv2_models, "AvailabilityZone")
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

    _need(FakeLoadBalancer, "availability_zones")
    FakeLoadBalancer.availability_zones = property(zones)  # type: ignore[assignment]
    _wrap(elbv2_models, "make_arn_for_load_balancer", make_arn)
    _wrap(ELBv2Backend, "create_load_balancer", create)
    _wrap(ELBv2Backend, "delete_load_balancer", delete)
    PATCHES.append("elbv2-subnet-addresses")


# ------------------------------------------------- ELBv2 + PrivateLink: NLBs in use
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
                CALLS.record(
                    "ModifyVpcEndpointServiceConfiguration",
                    serviceId=service_id,
                    addNetworkLoadBalancerArns=add,
                    removeNetworkLoadBalancerArns=remove,
                )
            return result

        return modify_vpc_endpoint_service_configuration

    _wrap(ELBv2Backend, "delete_load_balancer", delete)
    _wrap(VPCServiceConfigurationBackend, "modify_vpc_endpoint_service_configuration", modify)
    PATCHES.append("privatelink-nlb-in-use")


# ------------------------------------------------------------------------ Transfer
def patch_transfer() -> None:
    """Patches 1-5: the Transfer Family server lifecycle this project drives."""
    from moto.transfer import models as transfer_models
    from moto.transfer.exceptions import TransferError
    from moto.transfer.models import TransferBackend
    from moto.transfer.responses import TransferResponse
    from moto.transfer.types import Server, ServerState

    _need(TransferBackend, "create_server", "describe_server", "delete_server", "list_servers")
    _need(Server, "to_dict", "to_short_dict")
    _need(transfer_models, "transfer_backends")

    class ResourceNotFound(TransferError):
        def __init__(self, server_id: str) -> None:
            super().__init__("ResourceNotFoundException", f"Unknown server: {server_id}")

    class InvalidRequest(TransferError):
        def __init__(self, message: str) -> None:
            super().__init__("InvalidRequestException", message)

    def settle(server: Any) -> None:
        pending = getattr(server, "_launcher_pending", None)
        if pending and time.monotonic() >= pending[1]:
            server.state = pending[0]
            server._launcher_pending = None

    def get(backend: Any, server_id: str) -> Any:
        server = backend.servers.get(server_id)
        if server is None:
            raise ResourceNotFound(server_id)
        settle(server)
        return server

    def describe_server(self: Any, server_id: str) -> Any:
        """Patch 4: AWS answers ResourceNotFoundException for an unknown id; Terraform's
        delete waiter and refresh rely on it (moto builds ServerNotFound, never raises it,
        and fails with a KeyError, HTTP 500)."""
        return get(self, server_id)

    def list_servers(self: Any) -> list[Any]:
        for server in self.servers.values():
            settle(server)
        return list(self.servers.values())

    def create(original: Callable[..., Any]) -> Callable[..., Any]:
        def create_server(self: Any, **kwargs: Any) -> str:
            """Patch 4 defaults + patch 1: the server's own VPC endpoint."""
            kwargs["protocols"] = kwargs.get("protocols") or ["SFTP"]
            kwargs["domain"] = kwargs.get("domain") or "S3"
            kwargs["endpoint_type"] = kwargs.get("endpoint_type") or "PUBLIC"
            kwargs["identity_provider_type"] = kwargs.get("identity_provider_type") or "SERVICE_MANAGED"
            kwargs["security_policy_name"] = kwargs.get("security_policy_name") or "TransferSecurityPolicy-2018-11"
            details = dict(kwargs.get("protocol_details") or {})
            details.setdefault("PassiveIp", "AUTO")
            details.setdefault("TlsSessionResumptionMode", "ENFORCED")
            details.setdefault("SetStatOption", "DEFAULT")
            kwargs["protocol_details"] = details
            host_key = kwargs.get("host_key")
            if kwargs["endpoint_type"] == "VPC":
                endpoint = kwargs.get("endpoint_details") or {}
                if not endpoint.get("SubnetIds"):
                    raise InvalidRequest("SubnetIds are required for EndpointType VPC")
            server_id = original(self, **kwargs)
            server = self.servers[server_id]
            server.host_key_fingerprint = (
                "SHA256:" + hashlib.sha256((host_key or server_id).encode()).hexdigest()[:43]
            )
            if server.endpoint_type == "VPC":
                create_server_endpoint(self, server)
            return server_id

        return create_server

    def create_server_endpoint(backend: Any, server: Any) -> None:
        """Patch 1: AWS creates an interface endpoint in the customer's VPC for the server."""
        ec2 = _ec2(backend.account_id, backend.region_name)
        details = server.endpoint_details
        subnets = list(details.get("subnet_ids") or [])
        vpc_id = details.get("vpc_id") or ec2.get_subnet(subnets[0]).vpc_id
        details["vpc_id"] = vpc_id
        endpoint = ec2.create_vpc_endpoint(
            vpc_id=vpc_id,
            service_name=TRANSFER_SERVICE_NAME.format(region=backend.region_name),
            endpoint_type="Interface",
            policy_document=None,
            route_table_ids=[],
            subnet_ids=subnets,
            security_group_ids=list(details.get("security_group_ids") or []),
            private_dns_enabled=False,
        )
        details["vpc_endpoint_id"] = endpoint.id

    def delete_server(self: Any, server_id: str) -> None:
        server = get(self, server_id)
        vpce_id = (server.endpoint_details or {}).get("vpc_endpoint_id")
        if server.endpoint_type == "VPC" and vpce_id:
            _ec2(self.account_id, self.region_name).delete_vpc_endpoints([vpce_id])
        del self.servers[server_id]

    def to_dict(original: Callable[..., Any]) -> Callable[..., Any]:
        def server_to_dict(self: Any) -> dict[str, Any]:
            """Patch 4: omit absent fields like AWS; a VPC endpoint's groups live on the endpoint."""
            data = _prune(original(self))
            endpoint = data.get("EndpointDetails") or {}
            if self.endpoint_type == "VPC":
                endpoint.pop("SecurityGroupIds", None)
            if not endpoint.get("AddressAllocationIds"):
                endpoint.pop("AddressAllocationIds", None)
            if not endpoint:
                data.pop("EndpointDetails", None)
            workflows = data.get("WorkflowDetails") or {}
            if not workflows.get("OnUpload") and not workflows.get("OnPartialUpload"):
                data.pop("WorkflowDetails", None)
            return data

        return server_to_dict

    def change_state(self: Any, action: str) -> str:
        """Patch 2: AWS StopServer/StartServer return at once and the server passes through
        STOPPING/STARTING; the PassiveIp restart step polls describe-server for OFFLINE then
        ONLINE. A call from another state is recorded and changes nothing (lenient)."""
        server_id = json.loads(self.body).get("ServerId")
        server = get(self.transfer_backend, server_id)
        before = str(getattr(server.state, "value", server.state))
        if action == "StopServer":
            transitional, final, allowed = "STOPPING", "OFFLINE", ("ONLINE", "STOP_FAILED", "START_FAILED")
        else:
            transitional, final, allowed = "STARTING", "ONLINE", ("OFFLINE", "START_FAILED", "STOP_FAILED")
        CALLS.record(action, serverId=server_id, fromState=before)
        if before in allowed:
            if STATE_DELAY > 0:
                server.state = ServerState(transitional)
                server._launcher_pending = (ServerState(final), time.monotonic() + STATE_DELAY)
            else:
                server.state = ServerState(final)
        return json.dumps({})

    def stop_server(self: Any) -> str:
        return change_state(self, "StopServer")

    def start_server(self: Any) -> str:
        return change_state(self, "StartServer")

    def update_server(self: Any) -> str:
        """Patch 3: AWS UpdateServer changes only the members sent (ProtocolDetails members
        merge into the current ones). aws_transfer_server's update path sends ProtocolDetails
        (PassiveIp, TlsSessionResumptionMode, SetStatOption), Protocols, IdentityProviderDetails,
        EndpointDetails, StructuredLogDestinations ([] when unset), ...; security groups of a
        VPC server change through EC2 ModifyVpcEndpoint, as on AWS."""
        params = json.loads(self.body)
        server_id = params.get("ServerId")
        server = get(self.transfer_backend, server_id)
        if params.get("EndpointType") and params["EndpointType"] != server.endpoint_type:
            raise InvalidRequest("Changing EndpointType is not supported by this emulator")
        CALLS.record("UpdateServer", serverId=server_id, params={k: v for k, v in params.items() if k != "HostKey"})
        if "ProtocolDetails" in params:
            for key, value in (params["ProtocolDetails"] or {}).items():
                server.protocol_details[_snake(key)] = value
        if params.get("Protocols"):
            server.protocols = params["Protocols"]
        if "IdentityProviderDetails" in params:
            server.identity_provider_details = {
                _snake(k): v for k, v in (params["IdentityProviderDetails"] or {}).items()
            }
        for key in ("Certificate", "LoggingRole", "SecurityPolicyName", "PostAuthenticationLoginBanner",
                    "PreAuthenticationLoginBanner", "StructuredLogDestinations"):
            if key in params:
                setattr(server, _snake(key), params[key] or None)
        if params.get("HostKey"):
            server.host_key_fingerprint = "SHA256:" + hashlib.sha256(params["HostKey"].encode()).hexdigest()[:43]
        if "WorkflowDetails" in params:
            workflows = params["WorkflowDetails"] or {}
            server.workflow_details = {
                "on_upload": [{"workflow_id": w.get("WorkflowId"), "execution_role": w.get("ExecutionRole")}
                              for w in workflows.get("OnUpload") or []],
                "on_partial_upload": [{"workflow_id": w.get("WorkflowId"), "execution_role": w.get("ExecutionRole")}
                                      for w in workflows.get("OnPartialUpload") or []],
            }
        if "S3StorageOptions" in params:
            server.s3_storage_options = {
                "directory_listing_optimization": (params["S3StorageOptions"] or {}).get("DirectoryListingOptimization")
            }
        if params.get("EndpointDetails") is not None:
            update_endpoint_details(self.transfer_backend, server, params["EndpointDetails"])
        return json.dumps({"ServerId": server_id})

    def update_endpoint_details(backend: Any, server: Any, details: dict[str, Any]) -> None:
        current = server.endpoint_details
        if "AddressAllocationIds" in details:
            current["address_allocation_ids"] = details["AddressAllocationIds"] or None
        if details.get("SubnetIds") is not None and server.endpoint_type == "VPC":
            old, new = set(current.get("subnet_ids") or []), set(details["SubnetIds"])
            current["subnet_ids"] = list(details["SubnetIds"])
            if current.get("vpc_endpoint_id") and old != new:
                _ec2(backend.account_id, backend.region_name).modify_vpc_endpoint(
                    current["vpc_endpoint_id"], None, sorted(new - old), sorted(old - new), None, None, None, None
                )
        if details.get("SecurityGroupIds"):
            if server.endpoint_type == "VPC":
                raise InvalidRequest("Changing Security Group is not supported")
            current["security_group_ids"] = details["SecurityGroupIds"]

    # Patch 5: AWS Transfer tags servers by ARN; the provider's tag updates call
    # TagResource/UntagResource (tags are read back from DescribeServer).
    def find_by_arn(backend: Any, arn: str) -> Any:
        for server in backend.servers.values():
            if server.arn == arn:
                return server
        raise TransferError("ResourceNotFoundException", f"Unknown resource: {arn}")

    def tag_resource(self: Any) -> str:
        params = json.loads(self.body)
        server = find_by_arn(self.transfer_backend, params.get("Arn"))
        tags = {t["Key"]: t["Value"] for t in server.tags}
        tags.update({t["Key"]: t["Value"] for t in params.get("Tags") or []})
        server.tags = [{"Key": k, "Value": v} for k, v in tags.items()]
        return json.dumps({})

    def untag_resource(self: Any) -> str:
        params = json.loads(self.body)
        server = find_by_arn(self.transfer_backend, params.get("Arn"))
        drop = set(params.get("TagKeys") or [])
        server.tags = [t for t in server.tags if t["Key"] not in drop]
        return json.dumps({})

    def list_tags_for_resource(self: Any) -> str:
        params = json.loads(self.body)
        server = find_by_arn(self.transfer_backend, params.get("Arn"))
        return json.dumps({"Arn": server.arn, "Tags": list(server.tags)})

    TransferBackend.describe_server = describe_server
    TransferBackend.list_servers = list_servers
    TransferBackend.delete_server = delete_server
    _wrap(TransferBackend, "create_server", create)
    _wrap(Server, "to_dict", to_dict)
    _wrap(Server, "to_short_dict", lambda original: lambda self: _prune(original(self)))
    TransferResponse.stop_server = stop_server
    TransferResponse.start_server = start_server
    TransferResponse.update_server = update_server
    TransferResponse.tag_resource = tag_resource
    TransferResponse.untag_resource = untag_resource
    TransferResponse.list_tags_for_resource = list_tags_for_resource
    PATCHES.extend(["transfer-vpc-endpoint", "transfer-start-stop", "transfer-update-server",
                    "transfer-describe-like-aws", "transfer-tags"])


def _snake(name: str) -> str:
    from moto.core.utils import camelcase_to_underscores

    return camelcase_to_underscores(name)


def _prune(value: Any) -> Any:
    """Drop None values (AWS omits absent members rather than sending null)."""
    if isinstance(value, dict):
        return {k: _prune(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


# ------------------------------------------------------- EC2: root volume defaults
def patch_ec2_root_volume_defaults() -> None:
    """Patch 10: a root block device without size or snapshot gets the AMI's, as on AWS."""
    from moto.ec2.responses.instances import InstanceResponse

    request = threading.local()

    def parse(original: Callable[..., Any]) -> Callable[..., Any]:
        def _parse_block_device_mapping(self: Any) -> Any:
            image_id = self._get_param("ImageId")
            images = self.ec2_backend.describe_images(filters={"image-id": image_id}) if image_id else []
            request.image = images[0] if images else None
            try:
                return original(self)
            finally:
                request.image = None

        return _parse_block_device_mapping

    def validate(original: Callable[..., Any]) -> Any:
        def _validate_block_device_mapping(device_mapping: dict[str, Any]) -> Any:
            image = getattr(request, "image", None)
            ebs = device_mapping.get("Ebs")
            if (
                image is not None
                and isinstance(ebs, dict)
                and device_mapping.get("DeviceName") == image.root_device_name
                and not ebs.get("VolumeSize")
                and not ebs.get("SnapshotId")
            ):
                root = image.block_device_mappings[0]["Ebs"]
                ebs["SnapshotId"] = root["SnapshotId"]
                ebs["VolumeSize"] = root["VolumeSize"]
            return original(device_mapping)

        return staticmethod(_validate_block_device_mapping)

    _wrap(InstanceResponse, "_parse_block_device_mapping", parse)
    _wrap(InstanceResponse, "_validate_block_device_mapping", validate)
    PATCHES.append("ec2-root-volume-defaults")


# ------------------------------------------------ read-back like AWS (patches 12-15)
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
    _wrap(ELBV2Response, "set_security_groups", set_groups)
    PATCHES.append("elbv2-private-link-enforcement")


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
    _wrap(Response, "create_vpc_endpoint_service_configuration", create)
    _wrap(Response, "modify_vpc_endpoint_service_configuration", modify)
    PATCHES.append("ec2-endpoint-service-ip-address-types")


def patch_security_group_rule_descriptions() -> None:
    """Patch 14: a rule that references a group keeps its description (UserIdGroupPairs[].Description)."""
    from moto.ec2.models.security_groups import SecurityGroupRule

    _need(SecurityGroupRule, "description")

    def description(self: Any) -> str | None:
        return self.ip_range.get("Description") or (self.source_group or {}).get("Description")

    SecurityGroupRule.description = property(description)  # type: ignore[assignment]
    PATCHES.append("ec2-group-rule-descriptions")


def patch_instance_network_interfaces() -> None:
    """Patch 15: an instance launched with NetworkInterfaces reads back like AWS."""
    from moto.ec2.models.elastic_network_interfaces import NetworkInterface
    from moto.ec2.models.instances import Instance

    _need(NetworkInterface, "association")
    original_association = NetworkInterface.association

    def association(self: Any) -> dict[str, Any] | None:
        # AWS omits Association on an interface without a public IP; moto returns {}.
        return original_association.fget(self) or None  # type: ignore[union-attr]

    def get_groups(self: Any) -> list[Any]:
        explicit = self.__dict__.get("_launcher_security_groups") or []
        if explicit:
            return explicit
        # AWS: an instance's security groups are its primary interface's.
        primary = (self.__dict__.get("nics") or {}).get(0)
        return list(primary.__dict__.get("_group_set") or []) if primary is not None else []

    def set_groups(self: Any, value: Any) -> None:
        self.__dict__["_launcher_security_groups"] = list(value or [])

    NetworkInterface.association = property(association)  # type: ignore[assignment]
    Instance.security_groups = property(get_groups, set_groups)  # type: ignore[attr-defined]
    PATCHES.append("ec2-instance-network-interfaces")


def apply_patches() -> None:
    import moto

    if not moto.__version__.startswith("5."):
        raise LauncherError(f"moto {moto.__version__}: this launcher was written against moto 5.2")
    patch_vpc_endpoint_enis()
    patch_vpc_endpoint_connections()
    patch_elbv2_subnet_addresses()
    patch_endpoint_service_load_balancers()
    patch_transfer()
    patch_ec2_root_volume_defaults()
    patch_elbv2_private_link_enforcement()
    patch_endpoint_service_ip_address_types()
    patch_security_group_rule_descriptions()
    patch_instance_network_interfaces()


# --------------------------------------------------------------------------- server
def launcher_app(inner: Any) -> Callable[..., Any]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/_launcher/"):
            return inner(environ, start_response)
        method = environ.get("REQUEST_METHOD")
        if path == "/_launcher/health" and method == "GET":
            body: Any = {"moto": _moto_version(), "patches": PATCHES, "stateDelaySeconds": STATE_DELAY}
        elif path == "/_launcher/calls" and method == "GET":
            body = CALLS.all()
        elif path == "/_launcher/calls" and method == "DELETE":
            CALLS.clear()
            body = {}
        else:
            start_response("404 Not Found", [("Content-Type", "application/json")])
            return [b'{"error": "unknown launcher path"}']
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]

    return app


def main(argv: list[str] | None = None) -> int:
    global CALLS, STATE_DELAY
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=LOOPBACK, help="only 127.0.0.1 is allowed")
    parser.add_argument("--port", type=int, default=0, help="0 = pick a free port (default)")
    parser.add_argument("--calls-file", default=None, help="also append recorded calls here (JSON lines)")
    parser.add_argument(
        "--state-delay",
        type=float,
        default=float(os.environ.get("MOTO_TRANSFER_STATE_DELAY_SECONDS", "0") or 0),
        help="seconds a Transfer server stays STOPPING/STARTING (env MOTO_TRANSFER_STATE_DELAY_SECONDS)",
    )
    args = parser.parse_args(argv)
    if args.host != LOOPBACK:
        print(f"moto_launcher: refusing to bind {args.host}: only {LOOPBACK} is allowed", file=sys.stderr)
        return 2
    # AWS-managed IAM policies (arn:aws:iam::aws:policy/...) exist on AWS; moto loads them on request.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    CALLS = CallLog(args.calls_file)
    STATE_DELAY = max(0.0, args.state_delay)
    try:
        apply_patches()
    except LauncherError as error:
        print(f"moto_launcher: {error}", file=sys.stderr)
        return 3
    except (ImportError, AttributeError, KeyError) as error:
        print(
            f"moto_launcher: moto {_moto_version()}: an internal this launcher patches moved ({error!r}); "
            "it was written against moto 5.2.",
            file=sys.stderr,
        )
        return 3

    from werkzeug.serving import make_server
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    inner = DomainDispatcherApplication(create_backend_app)
    server = make_server(LOOPBACK, args.port, launcher_app(inner), threaded=True)
    port = server.server_port
    os.environ["MOTO_PORT"] = str(port)

    def stop(_signum: int, _frame: Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"moto_launcher: listening on http://{LOOPBACK}:{port}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
