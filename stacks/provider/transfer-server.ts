import { Construct } from "constructs";
import { TransferServer } from "@cdktf/provider-aws/lib/transfer-server";

export interface FtpTransferServerOptions {
  readonly name: string;
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
  readonly identityProviderFunctionArn: string;
  /** The address Transfer puts in PASV replies (NLB IP, or 0.0.0.0). */
  readonly passiveIp: string;
  readonly loggingRoleArn?: string;
  readonly structuredLogDestinations?: readonly string[];
}

/**
 * The Transfer Family server: FTP, S3 domain, a VPC (internal) endpoint in
 * the provider subnets, passwords checked by the Lambda identity provider.
 * FTP is only offered on internal VPC endpoints and only with a custom
 * identity provider.
 */
export class FtpTransferServer extends Construct {
  readonly server: TransferServer;

  constructor(scope: Construct, id: string, options: FtpTransferServerOptions) {
    super(scope, id);
    this.server = new TransferServer(this, "server", {
      protocols: ["FTP"],
      domain: "S3",
      endpointType: "VPC",
      endpointDetails: {
        vpcId: options.vpcId,
        subnetIds: [...options.subnetIds],
        securityGroupIds: [...options.securityGroupIds],
      },
      identityProviderType: "AWS_LAMBDA",
      function: options.identityProviderFunctionArn,
      // Changing passive_ip only calls UpdateServer; the server must be
      // stopped and started for it to take effect (see PassiveIpRestart).
      protocolDetails: { passiveIp: options.passiveIp },
      loggingRole: options.loggingRoleArn,
      structuredLogDestinations: options.structuredLogDestinations ? [...options.structuredLogDestinations] : undefined,
      tags: { Name: options.name },
    });
  }

  get id(): string {
    return this.server.id;
  }

  get arn(): string {
    return this.server.arn;
  }

  /** The interface VPC endpoint AWS created for the server. */
  get vpcEndpointId(): string {
    return this.server.endpointDetails.vpcEndpointId;
  }
}
