import { createHash } from "crypto";
import { Construct } from "constructs";
import { Fn, Op, TerraformLocal, TerraformResource } from "cdktf";
import { DataAwsNetworkInterface } from "@cdktf/provider-aws/lib/data-aws-network-interface";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { LbTargetGroupAttachment } from "@cdktf/provider-aws/lib/lb-target-group-attachment";
import { FTP_CONTROL_PORT, FTP_LISTENER_PORTS } from "../../lib/ftp-ports";
import { EndpointAddress } from "./transfer-endpoint-addresses";

export interface FtpLoadBalancerOptions {
  readonly namePrefix: string;
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupId: string;
  /** Pins the (single-AZ) NLB's private IP so the passive IP is known at plan time. */
  readonly privateIp?: string;
  /** CIDR block of the first subnet (a Terraform expression), to check `privateIp` at plan time. */
  readonly firstSubnetCidrBlock: string;
  /**
   * Idle timeout of the port-21 (control) listener. The control connection is
   * idle for as long as a data transfer lasts; AWS's default of 350 s would
   * drop it under a long upload and the client would never see the final 226.
   */
  readonly controlIdleTimeoutSeconds: number;
  /** Listener ports (lib/ftp-ports.ts listenerPortsFor); default FTP's 21 and 8192-8200. */
  readonly ports?: readonly number[];
  /** The port every health check probes (healthCheckPortFor); default 21. */
  readonly healthCheckPort?: number;
}

/**
 * The part of the NLB's and target groups' names that changes exactly when
 * the NLB must be replaced: 6 hex digits of SHA-256 over the subnet set
 * (order-free: `subnets` and `subnet_mapping` are sets) and the pinned IP.
 *
 * Why: the NLB and its groups are created before the old ones are destroyed
 * (an endpoint service's NLB cannot be deleted first), and ELB names are
 * unique per account and region (CreateLoadBalancer DuplicateLoadBalancerName,
 * CreateTargetGroup DuplicateTargetGroupName). Removing a subnet from a
 * network LB or changing a pinned IP forces a new NLB (hashicorp/aws
 * internal/service/elbv2/load_balancer.go, customizeDiffLoadBalancerNLB), so
 * the new one needs a name the old one does not have. Target groups follow
 * their NLB: an NLB target group can only be used by listeners of one load
 * balancer (ELB guide, "Create a target group for your Network Load
 * Balancer"). `name_prefix` is no option: aws_lb/aws_lb_target_group allow
 * only 6 characters of it, too few for a readable prefix.
 * Anything else (tags, health checks, listeners) leaves the name alone.
 */
export function loadBalancerGeneration(subnetIds: readonly string[], privateIp?: string): string {
  const key = JSON.stringify({ subnets: [...subnetIds].sort(), privateIp: privateIp ?? null });
  return createHash("sha256").update(key).digest("hex").slice(0, 6);
}

/**
 * The internal Network Load Balancer in front of the Transfer endpoint: one
 * TCP listener and one IP target group per FTP port (21 and 8192-8200), which
 * the article made with shell loops over the AWS CLI.
 */
export class FtpLoadBalancer extends Construct {
  readonly loadBalancer: Lb;
  readonly targetGroups: ReadonlyMap<number, LbTargetGroup>;
  /** The group of the health-check port (21, or 22 for SFTP only): every health check probes it, so its health is the endpoint's. */
  readonly controlTargetGroup: LbTargetGroup;
  /** The NLB's private IP in each subnet, in the order of `subnetIds`. */
  readonly privateIps: readonly string[];

  constructor(scope: Construct, id: string, options: FtpLoadBalancerOptions) {
    super(scope, id);

    // A pinned IP cannot be changed on an existing NLB (its subnet mappings
    // are fixed), a removed subnet forces a new NLB too, and an NLB an
    // endpoint service uses cannot be deleted first. So the NLB and its target
    // groups are created before the old ones are destroyed, under names that
    // carry what forced the replacement (see loadBalancerGeneration): the
    // endpoint service switches to the new NLB in place, then the old one goes.
    const generation = `-${loadBalancerGeneration(options.subnetIds, options.privateIp)}`;
    const lifecycle = { createBeforeDestroy: true };

    this.loadBalancer = new Lb(this, "nlb", {
      name: `${options.namePrefix}-nlb${generation}`,
      lifecycle,
      loadBalancerType: "network",
      internal: true,
      securityGroups: [options.securityGroupId],
      ...(options.privateIp
        ? { subnetMapping: [{ subnetId: options.subnetIds[0], privateIpv4Address: options.privateIp }] }
        : { subnets: [...options.subnetIds] }),
      // Off on purpose: an FTP session's control connection (21) and data
      // connections (8192-8200) are separate flows through separate target
      // groups. With cross-zone off, each NLB node forwards only to the
      // Transfer endpoint in its own AZ, so both land on the same endpoint.
      enableCrossZoneLoadBalancing: false,
      // PrivateLink traffic is filtered by the NLB's security group too.
      enforceSecurityGroupInboundRulesOnPrivateLinkTraffic: "on",
      tags: { Name: `${options.namePrefix}-nlb${generation}` },
    });

    if (options.privateIp) {
      // Plan-time check that the pinned IP is inside its subnet: same network
      // address when both are cut to the subnet's prefix length.
      const cidrBlock = options.firstSubnetCidrBlock;
      const prefixLength = Fn.element(Fn.split("/", cidrBlock), 1);
      this.loadBalancer.lifecycle = {
        ...lifecycle,
        precondition: [
          {
            condition: Op.eq(Fn.cidrhost(`${options.privateIp}/${prefixLength}`, 0), Fn.cidrhost(cidrBlock, 0)),
            errorMessage: `provider.nlbPrivateIp ${options.privateIp} is not inside subnet ${options.subnetIds[0]}.`,
          },
        ],
      };
      this.privateIps = [options.privateIp];
    } else {
      // The NLB's ENI in each subnet is described "ELB <arn suffix>". The
      // description goes through a local value on purpose: Terraform defers a
      // data source that references a managed resource directly to apply time
      // whenever that resource has any pending change (a tag, its security
      // groups), which would make the PassiveIp unknown, plan an update of the
      // server and a restart for a tag change. Through a local the read waits
      // only for what it needs: the ARN suffix, unknown only when the NLB is
      // new or replaced (and then its IP does change).
      const description = new TerraformLocal(this, "nlb-eni-description", `ELB ${this.loadBalancer.arnSuffix}`);
      this.privateIps = options.subnetIds.map(
        (subnetId) =>
          new DataAwsNetworkInterface(this, `nlb-address-${subnetId}`, {
            filter: [
              { name: "subnet-id", values: [subnetId] },
              { name: "description", values: [description.asString] },
            ],
          }).privateIp
      );
    }

    const targetGroups = new Map<number, LbTargetGroup>();
    const healthCheckPort = options.healthCheckPort ?? FTP_CONTROL_PORT;
    for (const port of options.ports ?? FTP_LISTENER_PORTS) {
      const targetGroup = new LbTargetGroup(this, `port-${port}`, {
        name: `${options.namePrefix}-${port}${generation}`,
        lifecycle,
        port,
        protocol: "TCP",
        targetType: "ip",
        vpcId: options.vpcId,
        // Health checks always probe port 21, as AWS advises for Transfer
        // behind an NLB: the passive ports only answer inside an FTP session.
        // SFTP only: 22, the one port that answers (healthCheckPortFor).
        healthCheck: {
          protocol: "TCP",
          port: String(healthCheckPort),
          interval: 10,
          healthyThreshold: 3,
          unhealthyThreshold: 3,
        },
        tags: { Name: `${options.namePrefix}-${port}${generation}` },
      });
      new LbListener(this, `listener-${port}`, {
        loadBalancerArn: this.loadBalancer.arn,
        port,
        protocol: "TCP",
        defaultAction: [{ type: "forward", targetGroupArn: targetGroup.arn }],
        // Only the control listener: a data connection is busy while it lives.
        // AWS: 60-6000 s, default 350 (ELB guide, NLB listeners, "Connection idle timeout").
        ...(port === FTP_CONTROL_PORT ? { tcpIdleTimeoutSeconds: options.controlIdleTimeoutSeconds } : {}),
      });
      targetGroups.set(port, targetGroup);
    }
    this.targetGroups = targetGroups;
    this.controlTargetGroup = targetGroups.get(healthCheckPort)!;
  }

  /**
   * Registers the Transfer endpoint's IP of every AZ in all ten target groups.
   *
   * The IPs come from data sources that depend on the server, and Terraform
   * defers such reads to apply time whenever the server has any pending
   * change: a PassiveIp update alone would make every target_id unknown and
   * replace all attachments (targets drained and re-registered mid-session).
   * So target_id changes are ignored, and the attachments are replaced only
   * when the server itself is (its ID changes, and with it the endpoint).
   */
  registerTargets(addresses: readonly EndpointAddress[], server: TerraformResource): void {
    for (const [port, targetGroup] of this.targetGroups) {
      for (const address of addresses) {
        new LbTargetGroupAttachment(this, `target-${port}-${address.subnetId}`, {
          targetGroupArn: targetGroup.arn,
          targetId: address.privateIp,
          port,
          // A bare reference: Terraform's JSON syntax does not take "${...}" here.
          lifecycle: {
            ignoreChanges: ["target_id"],
            replaceTriggeredBy: [`${server.terraformResourceType}.${server.friendlyUniqueId}.id`],
          },
        });
      }
    }
  }
}
