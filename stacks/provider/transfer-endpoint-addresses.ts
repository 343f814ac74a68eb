import { Construct } from "constructs";
import { DataAwsNetworkInterface } from "@cdktf/provider-aws/lib/data-aws-network-interface";

export interface TransferEndpointAddressesOptions {
  readonly subnetIds: readonly string[];
  /** The server's VPC endpoint ID (known only after the server exists). */
  readonly vpcEndpointId: string;
}

export interface EndpointAddress {
  readonly subnetId: string;
  readonly privateIp: string;
}

/**
 * Finds the private IP of the Transfer server's VPC endpoint in each
 * configured subnet (the article read 10.0.3.225 off the console).
 *
 * One lookup per configured subnet, not a for_each over the endpoint's
 * network_interface_ids: those IDs are unknown at the first plan and
 * Terraform cannot for_each over unknown keys. The subnets are known, and AWS
 * describes an interface endpoint's ENI as "VPC Endpoint Interface <vpce-id>".
 */
export class TransferEndpointAddresses extends Construct {
  readonly addresses: readonly EndpointAddress[];

  constructor(scope: Construct, id: string, options: TransferEndpointAddressesOptions) {
    super(scope, id);
    this.addresses = options.subnetIds.map((subnetId) => {
      const eni = new DataAwsNetworkInterface(this, subnetId, {
        filter: [
          { name: "subnet-id", values: [subnetId] },
          { name: "description", values: [`VPC Endpoint Interface ${options.vpcEndpointId}`] },
        ],
      });
      return { subnetId, privateIp: eni.privateIp };
    });
  }
}
