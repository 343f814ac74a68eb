import { Construct } from "constructs";
import { Fn, TerraformOutput, TerraformStack } from "cdktf";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { serverProtocols } from "../config/load";
import { TransferConfig } from "../config/schema";
import { portRangesFor } from "../lib/ftp-ports";
import { readClientFiles } from "../lib/client-user-data";
import { FtpConsumerEndpoint } from "./consumer/consumer-endpoint";
import { FtpClientInstance } from "./consumer/ftp-client-instance";
import { FtpHostName } from "./consumer/ftp-host-name";
import { CONSUMER_OUTPUTS, PROVIDER_OUTPUTS } from "../lib/stack-outputs";
import { awsProvider } from "../lib/aws-provider";
import { configureBackend, dynamicCredentialsConfigFiles, remoteStateOf, SERVICE_OWNER_CREDENTIALS_TAG } from "../lib/backend";

export interface ConsumerStackOptions {
  readonly config: TransferConfig;
  readonly projectRoot: string;
}

/**
 * The client side, possibly in another account and with an overlapping CIDR:
 * an interface endpoint to the provider's endpoint service (found through the
 * provider stack's remote state), its acceptance, and an optional EC2 client.
 */
export class ConsumerStack extends TerraformStack {
  constructor(scope: Construct, id: string, options: ConsumerStackOptions) {
    super(scope, id);
    const { config } = options;
    const side = config.consumer;
    const prefix = config.namePrefix;

    configureBackend(this, config.backend, "consumer");
    awsProvider(this, "aws", { region: config.region, tags: config.tags, assumeRoleArn: side.assumeRoleArn });
    // Accepting the connection is the service owner's call: through a role in
    // the provider account when one is configured (cross-account), else with
    // the provider side's own credentials.
    const serviceOwner = awsProvider(this, "service-owner", {
      alias: "service_owner",
      region: config.region,
      tags: config.tags,
      assumeRoleArn: side.serviceOwnerRoleArn ?? config.provider.assumeRoleArn,
      // backend.dynamicCredentials: HCP Terraform's credentials tagged SERVICE_OWNER (README
      // "Dynamic provider credentials"); the default provider above uses the run's default ones.
      sharedConfigFiles: dynamicCredentialsConfigFiles(this, config.backend, SERVICE_OWNER_CREDENTIALS_TAG),
    });

    // The same protocol set as the provider's server (one config file): FTP/FTPS 21 + 8192-8200, SFTP 22.
    const protocols = serverProtocols(config);
    const portRanges = portRangesFor(protocols);
    const providerState = remoteStateOf(this, "provider-state", config.backend, "provider");

    const endpoint = new FtpConsumerEndpoint(this, "privatelink-endpoint", {
      namePrefix: prefix,
      vpcId: side.vpcId,
      subnetIds: side.subnetIds,
      allowedCidrs: side.allowedCidrs,
      serviceName: providerState.getString(PROVIDER_OUTPUTS.endpointServiceName),
      serviceId: providerState.getString(PROVIDER_OUTPUTS.endpointServiceId),
      // try(): a provider state written before this output existed has no such
      // attribute; the AZ check is then skipped until the provider is applied
      // again (cdktf deploy provider consumer does that first).
      serviceAvailabilityZoneIds: Fn.try([providerState.get(PROVIDER_OUTPUTS.nlbAvailabilityZoneIds), ""]),
      serviceOwner,
      portRanges,
      // passiveIpMode "consumer-endpoint": the endpoint's one address is the
      // server's PassiveIp (the provider stack reads it from the same config).
      ...(side.endpointIp
        ? {
            pinnedAddress: { ip: side.endpointIp },
          }
        : {}),
    });

    // The host clients connect to: consumer.dnsName (an alias to the
    // endpoint) when set, else the endpoint's own regional DNS name.
    let ftpHost = endpoint.dnsName;
    if (side.dnsName) {
      new FtpHostName(this, "ftp-host-name", {
        dnsName: side.dnsName,
        vpcId: side.vpcId,
        hostedZoneId: side.hostedZoneId,
        endpointDnsName: endpoint.dnsName,
        endpointHostedZoneId: endpoint.dnsHostedZoneId,
      });
      ftpHost = side.dnsName;
    }

    let clientInstanceId = "";
    let smokePasswordKeyArn = "";
    if (side.client.enabled) {
      const account = new DataAwsCallerIdentity(this, "account");
      const partition = new DataAwsPartition(this, "partition");
      const client = new FtpClientInstance(this, "ftp-client", {
        namePrefix: prefix,
        vpcId: side.vpcId,
        subnetId: side.subnetIds[0],
        instanceType: side.client.instanceType,
        partition: partition.partition,
        accountId: account.accountId,
        region: config.region,
        ftpHost,
        endpointSecurityGroup: endpoint.securityGroup,
        clientFiles: readClientFiles(options.projectRoot),
        portRanges,
        protocols: {
          ftps: protocols.includes("FTPS"),
          // try(): a provider state from before SFTP was enabled has no such output yet.
          ...(protocols.includes("SFTP")
            ? { sftpHostKeyFingerprint: Fn.try([providerState.get(PROVIDER_OUTPUTS.sftpHostKeyFingerprint), ""]) }
            : {}),
        },
      });
      clientInstanceId = client.instance.id;
      smokePasswordKeyArn = client.smokePasswordKey.key.arn;
    }

    this.output(CONSUMER_OUTPUTS.vpcEndpointId, endpoint.endpoint.id, "Interface VPC endpoint to the FTP endpoint service");
    this.output(CONSUMER_OUTPUTS.vpcEndpointDnsName, endpoint.dnsName, "Host name FTP clients connect to (use EPSV)");
    this.output(CONSUMER_OUTPUTS.ftpHost, ftpHost, "Host name FTP clients connect to: consumer.dnsName when set, else the endpoint's DNS name");
    this.output(
      CONSUMER_OUTPUTS.clientInstanceId,
      clientInstanceId,
      "EC2 client instance ID (empty when consumer.client.enabled is false)"
    );
    this.output(
      CONSUMER_OUTPUTS.smokePasswordKeyArn,
      smokePasswordKeyArn,
      "KMS key npm run smoke encrypts its password parameter with (empty when consumer.client.enabled is false)"
    );
  }

  private output(name: string, value: string, description: string): void {
    new TerraformOutput(this, name, { value, description }).overrideLogicalId(name);
  }
}
