import { Construct } from "constructs";
import { DataAwsSsmParameter } from "@cdktf/provider-aws/lib/data-aws-ssm-parameter";
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { FtpSecurityGroup } from "../shared/ftp-security-group";
import { assumeRolePolicy, policyDocument } from "../shared/iam-policies";
import { ClientFiles, renderClientUserData } from "./client-user-data";

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
    new IamRolePolicyAttachment(this, "ssm-managed", {
      role: role.name,
      policyArn: `arn:${options.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
    });
    // `npm run smoke` hands the FTP password over as a short-lived SecureString
    // parameter under this path, so it never appears in command parameters.
    // AmazonSSMManagedInstanceCore allows ssm:GetParameter(s) on "*" (any
    // parameter of the account, SecureStrings under the aws/ssm key included):
    // an explicit Deny caps parameter reads to the smoke path (IAM "Policy
    // evaluation logic": an explicit deny overrides any allow). Run Command
    // resolves {{ssm:...}} references on the sender's side, not the agent's.
    const smokeParameters = `arn:${options.partition}:ssm:${options.region}:${options.accountId}:parameter/${options.namePrefix}/smoke/*`;
    new IamRolePolicy(this, "smoke-password", {
      name: "read-smoke-password",
      role: role.id,
      policy: policyDocument([
        { Sid: "ReadSmokePassword", Effect: "Allow", Action: "ssm:GetParameter", Resource: smokeParameters },
        {
          Sid: "NoOtherParameters",
          Effect: "Deny",
          Action: ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:GetParameterHistory"],
          NotResource: smokeParameters,
        },
      ]),
    });
    const profile = new IamInstanceProfile(this, "profile", { name, role: role.name });

    // No inbound rules at all: the instance is reached through SSM only.
    const securityGroup = new FtpSecurityGroup(this, "security-group", {
      name,
      description: "FTP client: no inbound; HTTPS out (SSM, package repositories) and FTP to the endpoint",
      vpcId: options.vpcId,
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
      userData: renderClientUserData(options.clientFiles, options.ftpHost),
      userDataReplaceOnChange: true,
      tags: { Name: name },
      lifecycle: { ignoreChanges: ["ami"] },
    });
  }
}
