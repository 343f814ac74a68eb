import { Construct } from "constructs";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { FTP_PORT_RANGES, PortRange } from "../../lib/ftp-ports";

/** Anything with a security group ID. */
export interface SecurityGroupRef {
  readonly id: string;
}

export interface FtpSecurityGroupOptions {
  /** Readable name: the group's `name_prefix` (AWS appends a unique suffix) and its Name tag. */
  readonly name: string;
  readonly description: string;
  readonly vpcId: string;
  /** CIDR blocks admitted on 21 and 8192-8200. */
  readonly ingressCidrs?: readonly string[];
  /** Port ranges of every rule (lib/ftp-ports.ts portRangesFor); default FTP's 21 and 8192-8200. */
  readonly portRanges?: readonly PortRange[];
}

/**
 * A security group that admits FTP (TCP 21 and 8192-8200) only from the
 * sources it is told about: CIDR blocks from the config, or other groups
 * (`allowFtpFrom`). It has no egress unless `allowFtpTo` adds some, so nothing
 * leaves through it that was not asked for.
 */
export class FtpSecurityGroup extends Construct implements SecurityGroupRef {
  readonly group: SecurityGroup;
  private readonly ranges: readonly PortRange[];

  constructor(scope: Construct, id: string, options: FtpSecurityGroupOptions) {
    super(scope, id);
    this.ranges = options.portRanges ?? FTP_PORT_RANGES;
    this.group = new SecurityGroup(this, "group", {
      // name_prefix, not name: name, description and vpc_id are ForceNew, and
      // with create_before_destroy the new group is created while the old one
      // lives; a fixed name would fail with InvalidGroup.Duplicate (group names
      // are unique per VPC: EC2 API, CreateSecurityGroup). Terraform appends a
      // unique suffix; the Name tag keeps the readable name.
      namePrefix: `${options.name}-`,
      description: options.description,
      vpcId: options.vpcId,
      tags: { Name: options.name },
      // Rules live in separate resources (below) so that one change is one
      // line in the plan, and the AWS default allow-all egress is removed.
      lifecycle: { createBeforeDestroy: true },
    });
    (options.ingressCidrs ?? []).forEach((cidr) => {
      for (const range of this.ranges) {
        new VpcSecurityGroupIngressRule(this, `${range.name}-from-${cidr.replace(/[./]/g, "_")}`, {
          securityGroupId: this.group.id,
          ipProtocol: "tcp",
          fromPort: range.from,
          toPort: range.to,
          cidrIpv4: cidr,
          description: `${range.description} from ${cidr}`,
        });
      }
    });
  }

  get id(): string {
    return this.group.id;
  }

  /** Admit FTP from another security group (e.g. the Transfer endpoint admits the NLB). */
  allowFtpFrom(source: SecurityGroupRef, sourceName: string): void {
    for (const range of this.ranges) {
      new VpcSecurityGroupIngressRule(this, `${range.name}-from-${sourceName}`, {
        securityGroupId: this.group.id,
        ipProtocol: "tcp",
        fromPort: range.from,
        toPort: range.to,
        referencedSecurityGroupId: source.id,
        description: `${range.description} from the ${sourceName}`,
      });
    }
  }

  /** Let FTP leave towards another security group (e.g. the NLB forwards to the Transfer endpoint). */
  allowFtpTo(destination: SecurityGroupRef, destinationName: string): void {
    for (const range of this.ranges) {
      new VpcSecurityGroupEgressRule(this, `${range.name}-to-${destinationName}`, {
        securityGroupId: this.group.id,
        ipProtocol: "tcp",
        fromPort: range.from,
        toPort: range.to,
        referencedSecurityGroupId: destination.id,
        description: `${range.description} to the ${destinationName}`,
      });
    }
  }
}
