"""Transfer Family servers as this project drives them (patches 1-5)."""

from __future__ import annotations

import json
import time
from typing import Any, Callable

from . import common


def patch_transfer() -> None:
    """Patches 1-5: the Transfer Family server lifecycle this project drives."""
    from moto.transfer import models as transfer_models
    from moto.transfer.exceptions import TransferError
    from moto.transfer.models import TransferBackend
    from moto.transfer.responses import TransferResponse
    from moto.transfer.types import Server, ServerState

    common.need(TransferBackend, "create_server", "describe_server", "delete_server", "list_servers")
    common.need(Server, "to_dict", "to_short_dict")
    common.need(transfer_models, "transfer_backends")

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
            # DirectoryListingOptimization: "If using the API or CLI, this is disabled by default"
            # (Transfer API reference, S3StorageOptions); DescribeServer reports it either way.
            storage = dict(kwargs.get("s3_storage_options") or {})
            storage.setdefault("DirectoryListingOptimization", "DISABLED")
            kwargs["s3_storage_options"] = storage
            if kwargs["endpoint_type"] == "VPC":
                endpoint = kwargs.get("endpoint_details") or {}
                if not endpoint.get("SubnetIds"):
                    raise InvalidRequest("SubnetIds are required for EndpointType VPC")
            server_id = original(self, **kwargs)
            server = self.servers[server_id]
            if server.endpoint_type == "VPC":
                create_server_endpoint(self, server)
            return server_id

        return create_server

    def create_server_endpoint(backend: Any, server: Any) -> None:
        """Patch 1: AWS creates an interface endpoint in the customer's VPC for the server."""
        ec2 = common.ec2(backend.account_id, backend.region_name)
        details = server.endpoint_details
        subnets = list(details.get("subnet_ids") or [])
        vpc_id = details.get("vpc_id") or ec2.get_subnet(subnets[0]).vpc_id
        details["vpc_id"] = vpc_id
        endpoint = ec2.create_vpc_endpoint(
            vpc_id=vpc_id,
            service_name=common.TRANSFER_SERVICE_NAME.format(region=backend.region_name),
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
            common.ec2(self.account_id, self.region_name).delete_vpc_endpoints([vpce_id])
        del self.servers[server_id]

    def to_dict(original: Callable[..., Any]) -> Callable[..., Any]:
        def server_to_dict(self: Any) -> dict[str, Any]:
            """Patch 4: omit absent fields like AWS; a VPC endpoint's groups live on the endpoint."""
            data = common.prune(original(self))
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
        common.STATE.calls.record(action, serverId=server_id, fromState=before)
        if before in allowed:
            if common.STATE.state_delay > 0:
                server.state = ServerState(transitional)
                server._launcher_pending = (ServerState(final), time.monotonic() + common.STATE.state_delay)
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
        common.STATE.calls.record("UpdateServer", serverId=server_id, params={k: v for k, v in params.items() if k != "HostKey"})
        if "ProtocolDetails" in params:
            for key, value in (params["ProtocolDetails"] or {}).items():
                server.protocol_details[common.snake(key)] = value
        if params.get("Protocols"):
            server.protocols = params["Protocols"]
        if "IdentityProviderDetails" in params:
            server.identity_provider_details = {
                common.snake(k): v for k, v in (params["IdentityProviderDetails"] or {}).items()
            }
        for key in ("Certificate", "LoggingRole", "SecurityPolicyName", "PostAuthenticationLoginBanner",
                    "PreAuthenticationLoginBanner", "StructuredLogDestinations"):
            if key in params:
                setattr(server, common.snake(key), params[key] or None)
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
                common.ec2(backend.account_id, backend.region_name).modify_vpc_endpoint(
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
    common.wrap(TransferBackend, "create_server", create)
    common.wrap(Server, "to_dict", to_dict)
    common.wrap(Server, "to_short_dict", lambda original: lambda self: common.prune(original(self)))
    TransferResponse.stop_server = stop_server
    TransferResponse.start_server = start_server
    TransferResponse.update_server = update_server
    TransferResponse.tag_resource = tag_resource
    TransferResponse.untag_resource = untag_resource
    TransferResponse.list_tags_for_resource = list_tags_for_resource
    common.PATCHES.extend(["transfer-vpc-endpoint", "transfer-start-stop", "transfer-update-server",
                    "transfer-describe-like-aws", "transfer-tags"])
