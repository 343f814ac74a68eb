"""The patches moto_launcher.py applies to moto 5.2, one module per AWS service area.

Each patch imitates real AWS behaviour that moto 5.2 lacks and this project needs; its
docstring names the behaviour. A patch is a claim about AWS: keep the claim next to the
code, with where AWS documents it, so a reader can check it.

Patches (by number, as the README and the tests refer to them):
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

16. PrivateLink across accounts: an endpoint service is found by name from any account in
    the region; CreateVpcEndpoint from another account than the owner's needs the
    service's allowed principals to admit the caller (else InvalidServiceName, as on
    AWS); the owner sees and accepts/rejects connections from every account
    (VpcEndpointOwner = the endpoint's account) and the endpoint's state follows.
17. AZ names map to AZ IDs differently per account (moto's table for the default
    account, rotated for any other): DescribeAvailabilityZones, subnets'
    AvailabilityZoneId and CreateSubnet --availability-zone-id.
18. (A recorder, not AWS behaviour.) Every request signed with assumed-role credentials
    is recorded as {"action": "RoleRequest", "roleArn", "account", "iamAction"}, so a test
    can evaluate what a role did against the role's documented policy.
19. CreateVpcEndpoint (interface) to a known endpoint service is refused with InvalidParameter
    ("The VPC endpoint service <name> does not support the availability zone of the subnet:
    <subnet-id>.") for a subnet whose AZ ID none of the service's NLB subnets has, as on AWS.
20. EC2 CreateVpcEndpoint / ModifyVpcEndpoint SubnetConfigurations (Ipv4): the request is
    refused like AWS for an address outside the subnet, one of the five AWS reserves, or one
    in use (InvalidIPAddress.InUse); otherwise the endpoint's ENI in that subnet has that
    address (a new ENI on modify, as AWS replaces it), so aws_vpc_endpoint.subnet_configuration
    reads back as configured.
21. Route 53 CreateHostedZone with a VPC creates a private hosted zone associated with it, as on
    AWS (moto does so only when HostedZoneConfig.PrivateZone is also true, which aws_route53_zone
    does not send).
22. Lambda Invoke of a function with a nodejs* runtime runs its uploaded zip with the local
    `node` (no Docker): handler "<file>.<export>", event and context, the function's
    environment plus the emulator's endpoint and its execution role's credentials, the AWS
    SDK v3 resolvable as in Lambda's runtime, the Timeout enforced; the result, or Lambda's
    error payload with X-Amz-Function-Error: Unhandled; recorded as {"action": "Invoke", ...}.
23. ELBv2 CreateLoadBalancer refuses a name already in use in the account and region
    (DuplicateLoadBalancerName), as on AWS (moto compared ARNs, which carry a random ID).
24. ELBv2 SetSubnets on a network load balancer: one AZ is enough, every subnet enabled before
    must stay (as AWS documents), and each added subnet gets the NLB's ENI "ELB net/<name>/<id>".
25. Lambda runtimes: a nodejs22.x function runs on Node.js 22, nodejs24.x on 24 (binaries given
    with --lambda-node), never on another version; CreateFunction and UpdateFunctionConfiguration
    refuse a Runtime outside Lambda's enum (ValidationException) and the deprecated Node.js
    runtimes (InvalidParameterValueException, Lambda's "no longer supported" message), and a
    Node.js runtime the emulator has no binary for.
26. DynamoDB PutItem, UpdateItem, DeleteItem and TransactWriteItems apply their condition and
    their write atomically (moto checked, then wrote, with other requests' threads in between).
27. Transfer servers have a real SSH host key (the HostKey sent, else a new RSA 2048-bit key) and
    report its `ssh-keygen -l` fingerprint; the Transfer stand-in reads the key and the FTPS
    certificate's private key (from the emulator's ACM) at GET /_launcher/transfer/service-keys.
28. Every request is judged as AWS judges it before moto acts: against its operation's input
    shape in AWS's API models and against the documented limits the models lack, refused with
    the service's error code in the protocol's error shape (the rules: emulator/request_checks);
    off with the launcher's --lenient.
29. Lambda PutFunctionConcurrency against each emulated account's concurrency quota (1000
    unless the launcher's --lambda-concurrency-quota says otherwise), and GetAccountSettings.

Modules: transfer (1-5), ec2_vpc_endpoints (6, 7, 8, 13), elbv2_load_balancers (9, 12, 23, 24),
privatelink_nlb_in_use (11), ec2_instances (10, 15), ec2_security_groups (14), privatelink_cross_account (16),
ec2_availability_zone_ids (17), role_request_log (18), privatelink_endpoint_zones (19),
ec2_endpoint_pinned_addresses (20), route53_private_zones (21), lambda_node_runtime (22,
with its runner lambda_node_runner.js), lambda_runtimes (25), dynamodb_conditional_writes (26), transfer_service_keys (27),
transfer_endpoint_pending (a Transfer server's endpoint pending for a while after CreateServer;
off unless MOTO_TRANSFER_ENDPOINT_PENDING_SECONDS is set), strict_requests (28, the hook; the rules
live in emulator/request_checks), lambda_concurrency_quota (29); common holds the shared helpers and
the call log.

IAM enforcement (not numbered: it judges every request rather than imitating one behaviour):
iam_enforcement wraps the dispatch just inside strict_requests (28), so a request is judged by IAM after the API models and limits and before moto serves it; its parts are iam_principals (who
signed, their policies after the propagation delay), iam_request_map (request -> IAM actions,
resources, context), iam_resource_policies, iam_on_behalf (KMS calls services make for the
caller), iam_denials (AWS's refusals per protocol), iam_sidecar with iam_evaluator.js (the policy
evaluator) and iam_service_credentials (launcher endpoints).
"""

from __future__ import annotations

from . import (
    common,
    dynamodb_conditional_writes,
    ec2_availability_zone_ids,
    ec2_endpoint_pinned_addresses,
    ec2_instances,
    ec2_security_groups,
    ec2_vpc_endpoints,
    elbv2_load_balancers,
    iam_enforcement,
    lambda_concurrency_quota,
    lambda_node_runtime,
    lambda_runtimes,
    privatelink_cross_account,
    privatelink_endpoint_zones,
    privatelink_nlb_in_use,
    role_request_log,
    route53_private_zones,
    strict_requests,
    transfer,
    transfer_endpoint_pending,
    transfer_service_keys,
)


def apply_all() -> None:
    """Applies every patch, in an order that matters where two wrap the same moto method:
    the NLB-in-use refusal (11) wraps DeleteLoadBalancer outside the ENI clean-up (9)."""
    import moto

    if not moto.__version__.startswith("5."):
        raise common.LauncherError(f"moto {moto.__version__}: this launcher was written against moto 5.2")
    ec2_vpc_endpoints.patch_vpc_endpoint_enis()
    ec2_vpc_endpoints.patch_vpc_endpoint_connections()
    elbv2_load_balancers.patch_elbv2_subnet_addresses()
    privatelink_nlb_in_use.patch_endpoint_service_load_balancers()
    transfer.patch_transfer()
    transfer_service_keys.patch_transfer_service_keys()
    ec2_instances.patch_ec2_root_volume_defaults()
    elbv2_load_balancers.patch_elbv2_private_link_enforcement()
    ec2_vpc_endpoints.patch_endpoint_service_ip_address_types()
    ec2_security_groups.patch_security_group_rule_descriptions()
    ec2_instances.patch_instance_network_interfaces()
    privatelink_cross_account.patch_cross_account_privatelink()
    ec2_availability_zone_ids.patch_availability_zone_ids()
    role_request_log.patch_role_request_log()
    privatelink_endpoint_zones.patch_endpoint_zones()
    transfer_endpoint_pending.apply()
    common.PATCHES.append("transfer-endpoint-pending")
    ec2_endpoint_pinned_addresses.patch_vpc_endpoint_pinned_addresses()
    route53_private_zones.patch_route53_private_zones()
    lambda_node_runtime.patch_lambda_node_runtime()
    lambda_runtimes.patch_lambda_runtimes()
    elbv2_load_balancers.patch_elbv2_unique_load_balancer_names()
    elbv2_load_balancers.patch_elbv2_network_set_subnets()
    dynamodb_conditional_writes.patch_dynamodb_conditional_writes()
    lambda_concurrency_quota.patch_lambda_concurrency_quota()
    # Wrapped in this order, a request is judged against the API models and limits first (the
    # outermost wrapper), then by IAM, then served by moto.
    iam_enforcement.apply()
    strict_requests.patch_strict_requests()
