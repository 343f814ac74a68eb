import { Construct } from "constructs";
import { DataAwsSsmParameter } from "@cdktf/provider-aws/lib/data-aws-ssm-parameter";
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { FtpSecurityGroup } from "../shared/ftp-security-group";
import { PortRange } from "../../lib/ftp-ports";
import { assumeRolePolicy, policyDocument } from "../../lib/iam-policies";
import { ClientFiles, ClientProtocols, renderClientUserData } from "../../lib/client-user-data";
import { SmokePasswordKey, smokeParameterArnPattern } from "./smoke-password-key";

export interface FtpClientInstanceOptions {
  readonly namePrefix: string;
  readonly vpcId: string;
  readonly subnetId: string;
  readonly instanceType: string;
  readonly partition: string;
  readonly accountId: string;
  readonly region: string;
  /** The consumer endpoint's host name, written to the client for ftp-smoke. */
  readonly ftpHost: string;
  readonly endpointSecurityGroup: FtpSecurityGroup;
  readonly clientFiles: ClientFiles;
  /** Port ranges the client may reach the endpoint on (the server's protocols); default FTP's. */
  readonly portRanges?: readonly PortRange[];
  /** FTPS/SFTP on: what the client gets beside the FTP client (lib/client-user-data.ts). */
  readonly protocols?: ClientProtocols;
}

/** Graviton families (t4g, m7g, c7gn, ...) need the arm64 image. */
export function architectureOf(instanceType: string): "arm64" | "x86_64" {
  return /^[a-z]+\d+[a-z]*g[a-z]*\./.test(instanceType) ? "arm64" : "x86_64";
}

/**
 * An optional Amazon Linux 2023 instance in the consumer VPC to prove the
 * path: lftp set up for EPSV, the `ftp-smoke` script, reachable only through
 * SSM (no public IP, no SSH key, no inbound rules).
 */
export class FtpClientInstance extends Construct {
  readonly instance: Instance;
  /** The KMS key `npm run smoke` encrypts the password parameter with (only this instance's role decrypts). */
  readonly smokePasswordKey: SmokePasswordKey;

  constructor(scope: Construct, id: string, options: FtpClientInstanceOptions) {
    super(scope, id);
    const name = `${options.namePrefix}-ftp-client`;
    const ami = new DataAwsSsmParameter(this, "ami", {
      name: `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${architectureOf(options.instanceType)}`,
    });

    const role = new IamRole(this, "role", {
      name,
      description: "FTP client instance: SSM-managed, reads its smoke-test password parameters",
      assumeRolePolicy: assumeRolePolicy("ec2.amazonaws.com"),
    });
    // What the SSM agent needs for Run Command and Session Manager, instead of
    // AmazonSSMManagedInstanceCore (which also allows ssm:GetParameter(s) on
    // every parameter, so any left-over password would be readable):
    // - ssm:UpdateInstanceInformation and the four ssmmessages actions: the
    //   agent's registration and its control/data channels (Systems Manager
    //   User Guide, "Create a custom IAM role for Session Manager", the
    //   policy for Session Manager only);
    // - the six ec2messages actions: the message delivery Run Command uses
    //   (the ec2messages statement of AmazonSSMManagedInstanceCore, AWS managed
    //   policy reference).
    // None of these actions has resource-level permissions.
    // Left out: State Manager, Inventory, Patch Manager, Distributor
    // (ssm:ListAssociations, PutInventory, GetDeployablePatchSnapshotForInstance, ...).
    new IamRolePolicy(this, "ssm-agent", {
      name: "ssm-agent",
      role: role.id,
      policy: policyDocument([
        {
          Sid: "AgentRegistrationAndSessionChannels",
          Effect: "Allow",
          Action: [
            "ssm:UpdateInstanceInformation",
            "ssmmessages:CreateControlChannel",
            "ssmmessages:CreateDataChannel",
            "ssmmessages:OpenControlChannel",
            "ssmmessages:OpenDataChannel",
          ],
          Resource: "*",
        },
        {
          Sid: "RunCommandMessages",
          Effect: "Allow",
          Action: [
            "ec2messages:AcknowledgeMessage",
            "ec2messages:DeleteMessage",
            "ec2messages:FailMessage",
            "ec2messages:GetEndpoint",
            "ec2messages:GetMessages",
            "ec2messages:SendReply",
          ],
          Resource: "*",
        },
      ]),
    });
    this.smokePasswordKey = new SmokePasswordKey(this, "smoke-password-key", {
      namePrefix: options.namePrefix,
      partition: options.partition,
      accountId: options.accountId,
      region: options.region,
      clientRoleArn: role.arn,
    });
    // `npm run smoke` hands the FTP password over as a short-lived SecureString
    // parameter under this path, encrypted with the key above, so it never
    // appears in command parameters.
    const smokeParameters = smokeParameterArnPattern(options);
    new IamRolePolicy(this, "smoke-password", {
      name: "read-smoke-password",
      role: role.id,
      policy: policyDocument([
        { Sid: "ReadSmokePasswordParameters", Effect: "Allow", Action: "ssm:GetParameter", Resource: smokeParameters },
        {
          Sid: "DecryptSmokePasswordsThroughParameterStore",
          Effect: "Allow",
          Action: "kms:Decrypt",
          Resource: this.smokePasswordKey.key.arn,
          Condition: {
            StringEquals: { "kms:ViaService": `ssm.${options.region}.amazonaws.com` },
            StringLike: { "kms:EncryptionContext:PARAMETER_ARN": smokeParameters },
          },
        },
      ]),
    });
    const profile = new IamInstanceProfile(this, "profile", { name, role: role.name });

    // No inbound rules at all: the instance is reached through SSM only.
    const securityGroup = new FtpSecurityGroup(this, "security-group", {
      name,
      description: "FTP client: no inbound; HTTPS out (SSM, package repositories) and FTP to the endpoint",
      vpcId: options.vpcId,
      portRanges: options.portRanges,
    });
    securityGroup.allowFtpTo(options.endpointSecurityGroup, "consumer-endpoint");
    options.endpointSecurityGroup.allowFtpFrom(securityGroup, "client");
    new VpcSecurityGroupEgressRule(this, "https-out", {
      securityGroupId: securityGroup.id,
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
      description: "HTTPS to SSM and the Amazon Linux package repositories",
    });

    this.instance = new Instance(this, "instance", {
      ami: ami.insecureValue,
      instanceType: options.instanceType,
      subnetId: options.subnetId,
      vpcSecurityGroupIds: [securityGroup.id],
      iamInstanceProfile: profile.name,
      associatePublicIpAddress: false,
      metadataOptions: { httpTokens: "required", httpEndpoint: "enabled" },
      rootBlockDevice: { encrypted: true, volumeType: "gp3" },
      userData: renderClientUserData(options.clientFiles, options.ftpHost, options.protocols),
      userDataReplaceOnChange: true,
      tags: { Name: name },
      lifecycle: { ignoreChanges: ["ami"] },
    });
  }
}
