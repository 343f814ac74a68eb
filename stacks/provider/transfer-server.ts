import { Construct } from "constructs";
import { TransferServer } from "@cdktf/provider-aws/lib/transfer-server";
import { ServerProtocol, usesFtpPorts } from "../../lib/ftp-ports";

export interface FtpTransferServerOptions {
  readonly name: string;
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
  readonly identityProviderFunctionArn: string;
  /** FTP, FTPS, SFTP (default FTP only). */
  readonly protocols?: readonly ServerProtocol[];
  /** The address Transfer puts in PASV replies (NLB IP, or 0.0.0.0); FTP and FTPS only. */
  readonly passiveIp?: string;
  /** ACM certificate ARN: required by AWS for FTPS (CreateServer, Certificate). */
  readonly certificateArn?: string;
  /** Set only when FTPS or SFTP is on (TLS and SSH algorithms). */
  readonly securityPolicyName?: string;
  /** FTPS only: ProtocolDetails.TlsSessionResumptionMode. */
  readonly tlsSessionResumptionMode?: string;
  /** SFTP only: which credentials Transfer asks SFTP clients for. */
  readonly sftpAuthenticationMethods?: string;
  readonly structuredLogDestinations?: readonly string[];
  /** Plan-time checks on the server (lifecycle preconditions), e.g. EndpointIpChangeGuard's. */
  readonly preconditions?: readonly { condition: unknown; errorMessage: string }[];
}

/**
 * The Transfer Family server: FTP (and FTPS, SFTP when configured), S3 domain, a VPC (internal) endpoint in
 * the provider subnets, passwords checked by the Lambda identity provider.
 * FTP is only offered on internal VPC endpoints and only with a custom
 * identity provider.
 */
export class FtpTransferServer extends Construct {
  readonly server: TransferServer;

  constructor(scope: Construct, id: string, options: FtpTransferServerOptions) {
    super(scope, id);
    const protocols = [...(options.protocols ?? ["FTP"])];
    const ftps = protocols.includes("FTPS");
    if (ftps && !options.certificateArn) throw new Error("FTPS needs a certificate (config validation requires provider.certificateArn)");
    if (usesFtpPorts(protocols) && options.passiveIp === undefined) throw new Error("FTP and FTPS need a passive IP");
    this.server = new TransferServer(this, "server", {
      protocols,
      // Only what the protocol set uses: an FTP-only server synthesizes as it did when FTP was the only protocol.
      ...(ftps ? { certificate: options.certificateArn } : {}),
      ...(options.securityPolicyName ? { securityPolicyName: options.securityPolicyName } : {}),
      ...(protocols.includes("SFTP") && options.sftpAuthenticationMethods
        ? { sftpAuthenticationMethods: options.sftpAuthenticationMethods }
        : {}),
      domain: "S3",
      // Users' homes are LOGICAL directories. Without S3's directory listing optimization a
      // logical home's root folder "must exist on startup" (a zero-byte "<prefix>/" object:
      // Transfer user guide, "Implementing logical directories"), which nothing creates for a
      // new user; with it Transfer does without. The API's default is DISABLED (Transfer API
      // reference, S3StorageOptions), so it is set here; changing it needs no interruption.
      s3StorageOptions: { directoryListingOptimization: "ENABLED" },
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
      // TLS session resumption (FTPS): whether a data connection must resume
      // the control connection's TLS session (ENFORCED, AWS's default),
      // may (ENABLED) or never does (DISABLED) - Transfer API reference,
      // ProtocolDetails.TlsSessionResumptionMode.
      ...(usesFtpPorts(protocols)
        ? {
            protocolDetails: {
              passiveIp: options.passiveIp,
              ...(ftps && options.tlsSessionResumptionMode ? { tlsSessionResumptionMode: options.tlsSessionResumptionMode } : {}),
            },
          }
        : {}),
      // Structured logs only, no logging_role (see TransferLogging).
      structuredLogDestinations: options.structuredLogDestinations ? [...options.structuredLogDestinations] : undefined,
      tags: { Name: options.name },
      ...(options.preconditions?.length ? { lifecycle: { precondition: [...options.preconditions] } } : {}),
    });
  }

  get id(): string {
    return this.server.id;
  }

  get arn(): string {
    return this.server.arn;
  }

  /** SHA256 fingerprint of the server's SSH host key (SFTP), as Transfer reports it. */
  get hostKeyFingerprint(): string {
    return this.server.hostKeyFingerprint;
  }

  /** The interface VPC endpoint AWS created for the server. */
  get vpcEndpointId(): string {
    return this.server.endpointDetails.vpcEndpointId;
  }
}
