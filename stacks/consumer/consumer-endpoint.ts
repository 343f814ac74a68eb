import { Construct } from "constructs";
import { Fn, Op, TerraformProvider } from "cdktf";
import { DataAwsSubnet } from "@cdktf/provider-aws/lib/data-aws-subnet";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcEndpointConnectionAccepter } from "@cdktf/provider-aws/lib/vpc-endpoint-connection-accepter";
import { FtpSecurityGroup } from "../shared/ftp-security-group";
import { PortRange } from "../../lib/ftp-ports";

export interface FtpConsumerEndpointOptions {
  readonly namePrefix: string;
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  readonly allowedCidrs: readonly string[];
  /** From the provider stack's outputs (remote state). */
  readonly serviceName: string;
  readonly serviceId: string;
  /**
   * Comma-separated AZ IDs the provider's NLB serves (provider output
   * nlb_availability_zone_ids); "" when the provider's state predates that
   * output, which skips the check.
   */
  readonly serviceAvailabilityZoneIds: string;
  /** AWS provider with the service owner's credentials, used to accept the connection. */
  readonly serviceOwner: TerraformProvider;
  /**
   * passiveIpMode "consumer-endpoint": the endpoint's IPv4 address in its one
   * subnet, pinned, with that subnet's CIDR block (a Terraform expression) to
   * check it at plan time.
   */
  readonly pinnedAddress?: { readonly ip: string };
  /** Port ranges the endpoint admits (portRangesFor the server's protocols); default FTP's. */
  readonly portRanges?: readonly PortRange[];
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
      portRanges: options.portRanges,
    });
    // An interface endpoint can only be created in AZs where the service's
    // NLB has a node (PrivateLink guide, "Create an endpoint service",
    // considerations); elsewhere CreateVpcEndpoint fails mid-apply. Checked at
    // plan time by AZ ID: AZ names are mapped per account, so
    // "ap-northeast-1a" may be different zones for provider and consumer.
    const serviceZones = options.serviceAvailabilityZoneIds;
    const subnets = new Map(options.subnetIds.map((subnetId) => [subnetId, new DataAwsSubnet(this, `subnet-${subnetId}`, { id: subnetId })]));
    const subnetChecks = options.subnetIds.map((subnetId) => {
      const subnet = subnets.get(subnetId)!;
      return {
        // length(...) < 1, not == "" or == 0: cdktf 0.21 renders a falsy operand
        // of Op.eq as `undefined` (x == undefined).
        condition: Op.or(Op.lt(Fn.lengthOf(serviceZones), 1), Fn.contains(Fn.split(",", serviceZones), subnet.availabilityZoneId)),
        errorMessage:
          `consumer.subnetIds: subnet ${subnetId} is in AZ ID ${subnet.availabilityZoneId}, ` +
          `but the provider's NLB (and so its endpoint service) serves only AZ IDs ${serviceZones}. ` +
          "Use consumer subnets in those AZs, or add a provider subnet in this AZ (provider.subnetIds). " +
          "AZ IDs are compared, not names: names differ between accounts.",
      };
    });
    this.endpoint = new VpcEndpoint(this, "endpoint", {
      vpcId: options.vpcId,
      serviceName: options.serviceName,
      vpcEndpointType: "Interface",
      subnetIds: [...options.subnetIds],
      securityGroupIds: [this.securityGroup.id],
      privateDnsEnabled: false,
      tags: { Name: `${options.namePrefix}-ftp` },
      lifecycle: { precondition: subnetChecks },
    });
    if (options.pinnedAddress) {
      const subnetId = options.subnetIds[0];
      this.pinAddress(subnetId, { ip: options.pinnedAddress.ip, subnetCidrBlock: subnets.get(subnetId)!.cidrBlock });
    }
    // The service requires acceptance; accepting it here (as the service
    // owner) replaces the article's manual click in the provider's console.
    new VpcEndpointConnectionAccepter(this, "acceptance", {
      provider: options.serviceOwner,
      vpcEndpointServiceId: options.serviceId,
      vpcEndpointId: this.endpoint.id,
    });
  }

  /**
   * Pins the endpoint's ENI to one address (EC2 CreateVpcEndpoint
   * SubnetConfiguration.Ipv4: "The IPv4 address to assign to the endpoint
   * network interface in the subnet", API_SubnetConfiguration; the provider's
   * subnet_configuration needs its subnet in subnet_ids too). The server hands
   * this address out as PassiveIp, so the plan checks it against the real
   * subnet: inside it, and not one of the five addresses AWS reserves in every
   * subnet (VPC user guide, "Subnet CIDR blocks"). The preconditions are added
   * to whatever lifecycle the endpoint already has.
   */
  private pinAddress(subnetId: string, pinned: { readonly ip: string; readonly subnetCidrBlock: string }): void {
    this.endpoint.putSubnetConfiguration([{ subnetId, ipv4: pinned.ip }]);
    const cidrBlock = pinned.subnetCidrBlock;
    const prefixLength = Fn.element(Fn.split("/", cidrBlock), 1);
    const reserved = [0, 1, 2, 3, -1].map((host) => Fn.cidrhost(cidrBlock, host));
    const lifecycle = this.endpoint.lifecycle ?? {};
    this.endpoint.lifecycle = {
      ...lifecycle,
      precondition: [
        ...(lifecycle.precondition ?? []),
        {
          condition: Op.eq(Fn.cidrhost(`${pinned.ip}/${prefixLength}`, 0), Fn.cidrhost(cidrBlock, 0)),
          errorMessage: `consumer.endpointIp ${pinned.ip} is not inside subnet ${subnetId}.`,
        },
        {
          condition: Op.not(Fn.contains(reserved, pinned.ip)),
          errorMessage: `consumer.endpointIp ${pinned.ip} is one of the five addresses AWS reserves in subnet ${subnetId} (the first four and the last).`,
        },
      ],
    };
  }

  /** The endpoint's regional DNS name: the host FTP clients connect to. */
  get dnsName(): string {
    return this.endpoint.dnsEntry.get(0).dnsName;
  }

  /** Route 53 zone of the regional DNS name (for an alias record to the endpoint). */
  get dnsHostedZoneId(): string {
    return this.endpoint.dnsEntry.get(0).hostedZoneId;
  }
}
