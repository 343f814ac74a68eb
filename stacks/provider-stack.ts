import { Construct } from "constructs";
import { Fn, TerraformOutput, TerraformStack } from "cdktf";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsSubnet } from "@cdktf/provider-aws/lib/data-aws-subnet";
import { securityPolicyName, serverProtocols, userHomeRoot, userSecretPrefix } from "../config/load";
import { TransferConfig } from "../config/schema";
import { awsProvider } from "../lib/aws-provider";
import { configureBackend } from "../lib/backend";
import { healthCheckPortFor, listenerPortsFor, portRangesFor, usesFtpPorts } from "../lib/ftp-ports";
import { PROVIDER_OUTPUTS } from "../lib/stack-outputs";
import { FtpSecurityGroup } from "./shared/ftp-security-group";
import { FtpEndpointService } from "./provider/endpoint-service";
import { EndpointIpChangeGuard } from "./provider/endpoint-ip-change-guard";
import { FtpAlarms } from "./provider/ftp-alarms";
import { FtpLoadBalancer } from "./provider/ftp-load-balancer";
import { IdentityProviderFunction } from "./provider/identity-provider-function";
import { LoginAttemptsTable } from "./provider/login-attempts-table";
import { PassiveIpRestart } from "./provider/passive-ip-restart";
import { RestartFunction } from "./provider/restart-function";
import { TransferEndpointAddresses } from "./provider/transfer-endpoint-addresses";
import { TransferLogging } from "./provider/transfer-logging";
import { TransferS3AccessRole } from "./provider/transfer-s3-access-role";
import { FtpTransferServer } from "./provider/transfer-server";

export interface ProviderStackOptions {
  readonly config: TransferConfig;
  /** Absolute project root; Lambda sources and the build cache are found from it. */
  readonly projectRoot: string;
}

/**
 * The Transfer side: the FTP server with its identity provider and S3 role,
 * an internal NLB in front of its VPC endpoint, and a PrivateLink endpoint
 * service on that NLB.
 */
export class ProviderStack extends TerraformStack {
  constructor(scope: Construct, id: string, options: ProviderStackOptions) {
    super(scope, id);
    const { config } = options;
    const side = config.provider;
    const prefix = config.namePrefix;
    // FTP, FTPS and SFTP on one server behind the same NLB and
    // endpoint service. FTP/FTPS use 21 + 8192-8200, SFTP 22.
    const protocols = serverProtocols(config);
    const ftpPorts = usesFtpPorts(protocols);
    const portRanges = portRangesFor(protocols);

    configureBackend(this, config.backend, "provider");
    awsProvider(this, "aws", { region: config.region, tags: config.tags, assumeRoleArn: side.assumeRoleArn });
    const account = new DataAwsCallerIdentity(this, "account");
    const partition = new DataAwsPartition(this, "partition");

    // Security groups: clients (configured CIDRs) -> NLB -> Transfer endpoint.
    const nlbSecurityGroup = new FtpSecurityGroup(this, "nlb-security-group", {
      name: `${prefix}-nlb`,
      description: "FTP (21, 8192-8200) into the Transfer NLB from the configured CIDRs",
      vpcId: side.vpcId,
      ingressCidrs: side.allowedCidrs,
      portRanges,
    });
    const endpointSecurityGroup = new FtpSecurityGroup(this, "transfer-endpoint-security-group", {
      name: `${prefix}-transfer-endpoint`,
      description: "FTP (21, 8192-8200) into the Transfer VPC endpoint from the NLB only",
      vpcId: side.vpcId,
      portRanges,
    });
    endpointSecurityGroup.allowFtpFrom(nlbSecurityGroup, "nlb");
    nlbSecurityGroup.allowFtpTo(endpointSecurityGroup, "transfer-endpoint");

    // The user role trusts this server's users, and the server references the
    // function that hands out the role: the function gets the role's ARN from
    // its name (see TransferS3AccessRole), the role is made after the server.
    const s3AccessRoleName = `${prefix}-transfer-s3-access`;
    const s3AccessScope = { partition: partition.partition, accountId: account.accountId, region: config.region };

    const loginAttempts = new LoginAttemptsTable(this, "login-attempts", { namePrefix: prefix });
    const identityProvider = new IdentityProviderFunction(this, "identity-provider", {
      projectRoot: options.projectRoot,
      namePrefix: prefix,
      partition: partition.partition,
      accountId: account.accountId,
      region: config.region,
      bucketName: side.bucketName,
      userHomeRoot: userHomeRoot(config),
      userSecretPrefix: userSecretPrefix(config),
      transferRoleArn: TransferS3AccessRole.arnOf({ ...s3AccessScope, name: s3AccessRoleName }),
      logRetentionDays: side.logRetentionDays,
      reservedConcurrency: side.identityProvider.reservedConcurrency,
      loginAttemptsTable: loginAttempts.table,
      userAdministratorArns: side.userAdministratorArns,
    });

    // The provider subnets as AWS describes them: CIDR (to check a pinned NLB
    // IP at plan time), availability zone (one health alarm per AZ) and AZ ID
    // (published for the consumer's plan-time AZ check).
    const subnets = side.subnetIds.map((id) => new DataAwsSubnet(this, `subnet-${id}`, { id }));

    const loadBalancer = new FtpLoadBalancer(this, "ftp-load-balancer", {
      firstSubnetCidrBlock: subnets[0].cidrBlock,
      namePrefix: prefix,
      vpcId: side.vpcId,
      subnetIds: side.subnetIds,
      securityGroupId: nlbSecurityGroup.id,
      privateIp: side.nlbPrivateIp,
      controlIdleTimeoutSeconds: side.controlIdleTimeoutSeconds,
      ports: listenerPortsFor(protocols),
      healthCheckPort: healthCheckPortFor(protocols),
    });

    // PassiveIp: the address Transfer hands out in PASV replies. "nlb" (the
    // article): the NLB's private IP, single-AZ only. "control-connection":
    // 0.0.0.0 tells clients to reuse the control connection's address.
    // "consumer-endpoint": the consumer endpoint's pinned IP (same config
    // file, so no cross-stack write), which every client can reach.
    // SFTP only: no PassiveIp (config validation refuses passiveIpMode then).
    const passiveIp = ftpPorts ? passiveIpFor(side.passiveIpMode, loadBalancer.privateIps[0], config.consumer.endpointIp) : undefined;

    const logging = new TransferLogging(this, "transfer-logging", { namePrefix: prefix, retentionDays: side.logRetentionDays });

    // consumer-endpoint: a new endpoint address needs the server out of service first (see the guard).
    const endpointIpGuard =
      ftpPorts && side.passiveIpMode === "consumer-endpoint" && config.consumer.endpointIp
        ? new EndpointIpChangeGuard(this, "endpoint-ip-change-guard", { namePrefix: prefix, endpointIp: config.consumer.endpointIp })
        : undefined;

    const server = new FtpTransferServer(this, "transfer-server", {
      preconditions: endpointIpGuard ? [endpointIpGuard.precondition] : undefined,
      structuredLogDestinations: [logging.destination],
      name: `${prefix}-ftp`,
      vpcId: side.vpcId,
      subnetIds: side.subnetIds,
      securityGroupIds: [endpointSecurityGroup.id],
      identityProviderFunctionArn: identityProvider.function.arn,
      passiveIp,
      protocols,
      certificateArn: side.certificateArn,
      securityPolicyName: securityPolicyName(config),
      // AWS's default is ENFORCED; written out so the plan shows it.
      tlsSessionResumptionMode: protocols.includes("FTPS") ? (side.tlsSessionResumptionMode ?? "ENFORCED") : undefined,
      sftpAuthenticationMethods: protocols.includes("SFTP") ? (side.sftpAuthenticationMethods ?? "PUBLIC_KEY_OR_PASSWORD") : undefined,
    });
    identityProvider.trustServer(server);
    new TransferS3AccessRole(this, "transfer-s3-access", {
      ...s3AccessScope,
      name: s3AccessRoleName,
      bucketName: side.bucketName,
      serverId: server.id,
    });

    // restartResource "lambda": one function does what the local-exec steps do with the AWS CLI.
    const restart =
      side.restartResource === "lambda"
        ? new RestartFunction(this, "restart-function", {
            projectRoot: options.projectRoot,
            namePrefix: prefix,
            partition: partition.partition,
            accountId: account.accountId,
            region: config.region,
            serverId: server.id,
            serverArn: server.arn,
            logRetentionDays: side.logRetentionDays,
          })
        : undefined;
    const restartFunction = restart?.function.functionName;

    const endpointAddresses = new TransferEndpointAddresses(this, "transfer-endpoint-addresses", {
      waitFunctionName: restartFunction,
      waitFunctionDependsOn: restart ? [restart.permissions] : undefined,
      subnetIds: side.subnetIds,
      vpcEndpointId: server.vpcEndpointId,
      region: config.region,
      assumeRoleArn: side.assumeRoleArn,
      timeoutSeconds: side.restartTimeoutSeconds,
    });
    loadBalancer.registerTargets(endpointAddresses.addresses, server.server);

    // PassiveIp exists for FTP and FTPS only.
    if (ftpPorts) {
      new PassiveIpRestart(this, "passive-ip-restart", {
        namePrefix: prefix,
        serverId: server.id,
        passiveIp: server.server.protocolDetails.passiveIp,
        region: config.region,
        assumeRoleArn: side.assumeRoleArn,
        resourceType: side.restartResource,
        timeoutSeconds: side.restartTimeoutSeconds,
        restartFunctionName: restartFunction,
        restartFunctionDependsOn: restart ? [restart.permissions] : undefined,
      });
    }

    if (side.monitoring.alarms) {
      const alarms = new FtpAlarms(this, "alarms", {
        namePrefix: prefix,
        loadBalancerArnSuffix: loadBalancer.loadBalancer.arnSuffix,
        controlTargetGroupArnSuffix: loadBalancer.controlTargetGroup.arnSuffix,
        zones: side.subnetIds.map((subnetId, i) => ({ subnetId, availabilityZone: subnets[i].availabilityZone })),
        identityProviderFunctionName: identityProvider.function.functionName,
        identityProviderLogGroupName: identityProvider.logGroup.name,
        alarmTopicArn: side.monitoring.alarmTopicArn,
        createAlarmTopic: side.monitoring.createAlarmTopic,
      });
      alarms.alarmOnLoginDenials({
        identityProviderLogGroupName: identityProvider.logGroup.name,
        threshold: side.monitoring.loginDenialThreshold,
      });
    }

    const endpointService = new FtpEndpointService(this, "endpoint-service", {
      name: `${prefix}-ftp`,
      networkLoadBalancerArn: loadBalancer.loadBalancer.arn,
      allowedPrincipals: side.allowedPrincipals,
    });

    this.output(
      PROVIDER_OUTPUTS.endpointServiceName,
      endpointService.service.serviceName,
      "Service name consumers create their interface endpoint for"
    );
    this.output(PROVIDER_OUTPUTS.endpointServiceId, endpointService.service.id, "Endpoint service ID (for accepting connections)");
    this.output(
      PROVIDER_OUTPUTS.nlbPrivateIp,
      loadBalancer.privateIps.length === 1 ? loadBalancer.privateIps[0] : loadBalancer.privateIps.join(","),
      "Private IP of the internal NLB (comma-separated when it spans several AZs)"
    );
    this.output(PROVIDER_OUTPUTS.transferServerId, server.id, "Transfer Family server ID");
    if (protocols.includes("SFTP")) {
      // Consumers pin it (the client instance writes it into known_hosts), so
      // the first SFTP connection is verified too (no trust on first use).
      this.output(
        PROVIDER_OUTPUTS.sftpHostKeyFingerprint,
        server.hostKeyFingerprint,
        "SHA256 fingerprint of the Transfer server's SSH host key (SFTP clients pin it)"
      );
    }
    // AZ IDs, not names: names are mapped per account (us-east-1a is not the
    // same zone in two accounts), IDs name the physical zone everywhere. An
    // interface endpoint can only be created in AZs the service's NLB serves
    // (PrivateLink guide, "Create an endpoint service", considerations).
    this.output(
      PROVIDER_OUTPUTS.nlbAvailabilityZoneIds,
      Fn.join(",", subnets.map((subnet) => subnet.availabilityZoneId)),
      "AZ IDs the NLB (and so the endpoint service) serves, comma-separated; the consumer's subnets must be in these"
    );
    this.output(
      PROVIDER_OUTPUTS.userSecretsKeyArn,
      identityProvider.userSecretsKey.key.arn,
      "KMS key FTP user secrets are encrypted with (npm run users -- add reads it)"
    );
  }

  private output(name: string, value: string, description: string): void {
    const output = new TerraformOutput(this, name, { value, description });
    output.overrideLogicalId(name);
  }
}

/** The server's PassiveIp for each passiveIpMode (Transfer API, ProtocolDetails.PassiveIp: one IPv4 address or 0.0.0.0). */
export function passiveIpFor(mode: TransferConfig["provider"]["passiveIpMode"], nlbIp: string, consumerEndpointIp: string | undefined): string {
  switch (mode) {
    case "nlb":
      return nlbIp;
    case "control-connection":
      return "0.0.0.0";
    case "consumer-endpoint":
      // The config validator requires consumer.endpointIp in this mode.
      if (!consumerEndpointIp) throw new Error('passiveIpMode "consumer-endpoint" needs consumer.endpointIp');
      return consumerEndpointIp;
  }
}
