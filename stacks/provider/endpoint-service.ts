import { Construct } from "constructs";
import { VpcEndpointService } from "@cdktf/provider-aws/lib/vpc-endpoint-service";

export interface FtpEndpointServiceOptions {
  readonly name: string;
  readonly networkLoadBalancerArn: string;
  /** IAM principals (account root, users, roles) allowed to create endpoints. */
  readonly allowedPrincipals: readonly string[];
}

/**
 * The PrivateLink endpoint service on the NLB (provider side). Every
 * connection must be accepted; the consumer stack accepts its own endpoint.
 */
export class FtpEndpointService extends Construct {
  readonly service: VpcEndpointService;

  constructor(scope: Construct, id: string, options: FtpEndpointServiceOptions) {
    super(scope, id);
    this.service = new VpcEndpointService(this, "service", {
      acceptanceRequired: true,
      networkLoadBalancerArns: [options.networkLoadBalancerArn],
      allowedPrincipals: [...options.allowedPrincipals],
      supportedIpAddressTypes: ["ipv4"],
      tags: { Name: options.name },
    });
  }
}
