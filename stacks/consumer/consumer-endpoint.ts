import { Construct } from "constructs";
import { TerraformProvider } from "cdktf";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcEndpointConnectionAccepter } from "@cdktf/provider-aws/lib/vpc-endpoint-connection-accepter";
import { FtpSecurityGroup } from "../shared/ftp-security-group";

export interface FtpConsumerEndpointOptions {
  readonly namePrefix: string;
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  readonly allowedCidrs: readonly string[];
  /** From the provider stack's outputs (remote state). */
  readonly serviceName: string;
  readonly serviceId: string;
  /** AWS provider with the service owner's credentials, used to accept the connection. */
  readonly serviceOwner: TerraformProvider;
}

/**
 * The consumer side of PrivateLink: an interface endpoint to the provider's
 * endpoint service in the consumer VPC (whose CIDR may overlap the
 * provider's: PrivateLink does not route between the VPCs, so it doesn't
 * matter), and the acceptance of that connection by the service owner.
 */
export class FtpConsumerEndpoint extends Construct {
  readonly securityGroup: FtpSecurityGroup;
  readonly endpoint: VpcEndpoint;

  constructor(scope: Construct, id: string, options: FtpConsumerEndpointOptions) {
    super(scope, id);
    this.securityGroup = new FtpSecurityGroup(this, "security-group", {
      name: `${options.namePrefix}-consumer-endpoint`,
      description: "FTP (21, 8192-8200) into the PrivateLink endpoint from the configured CIDRs",
      vpcId: options.vpcId,
      ingressCidrs: options.allowedCidrs,
    });
    this.endpoint = new VpcEndpoint(this, "endpoint", {
      vpcId: options.vpcId,
      serviceName: options.serviceName,
      vpcEndpointType: "Interface",
      subnetIds: [...options.subnetIds],
      securityGroupIds: [this.securityGroup.id],
      privateDnsEnabled: false,
      tags: { Name: `${options.namePrefix}-ftp` },
    });
    // The service requires acceptance; accepting it here (as the service
    // owner) replaces the article's manual click in the provider's console.
    new VpcEndpointConnectionAccepter(this, "acceptance", {
      provider: options.serviceOwner,
      vpcEndpointServiceId: options.serviceId,
      vpcEndpointId: this.endpoint.id,
    });
  }

  /** The endpoint's regional DNS name: the host FTP clients connect to. */
  get dnsName(): string {
    return this.endpoint.dnsEntry.get(0).dnsName;
  }
}
