import { Construct } from "constructs";
import { Fn, Op } from "cdktf";
import { DataAwsRoute53Zone } from "@cdktf/provider-aws/lib/data-aws-route53-zone";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { Route53Zone } from "@cdktf/provider-aws/lib/route53-zone";

export interface FtpHostNameOptions {
  /** The name clients type, e.g. "ftp.corp.internal". */
  readonly dnsName: string;
  /** Consumer VPC the private zone is associated with (when this construct creates the zone). */
  readonly vpcId: string;
  /** An existing private hosted zone for the record; without it a zone named `dnsName` is created. */
  readonly hostedZoneId?: string;
  /** The endpoint's regional DNS name and its Route 53 zone (`dns_entry[0]`). */
  readonly endpointDnsName: string;
  readonly endpointHostedZoneId: string;
}

/**
 * A host name people can type for the consumer endpoint: an alias A record
 * to the endpoint's regional DNS name, in a Route 53 private hosted zone that
 * the consumer VPC resolves.
 *
 * Without `hostedZoneId` the zone is named after the host itself (the record
 * is its apex), not after the parent domain: a private zone "corp.internal"
 * associated with the VPC would answer for every corp.internal name there, and
 * a name it lacks gets NXDOMAIN instead of being forwarded to whoever serves
 * corp.internal today (Route 53 developer guide, "Considerations when working
 * with a private hosted zone": overlapping namespaces). The VPC needs
 * enableDnsSupport and enableDnsHostnames (same page).
 */
export class FtpHostName extends Construct {
  readonly record: Route53Record;
  readonly zone?: Route53Zone;

  constructor(scope: Construct, id: string, options: FtpHostNameOptions) {
    super(scope, id);
    let zoneId: string;
    if (options.hostedZoneId) {
      zoneId = options.hostedZoneId;
    } else {
      this.zone = new Route53Zone(this, "zone", {
        name: options.dnsName,
        comment: `FTP host name of the PrivateLink endpoint (transfer-privatelink-ftp consumer stack)`,
        // A vpc block makes the zone private and associates it with the VPC.
        vpc: [{ vpcId: options.vpcId }],
      });
      zoneId = this.zone.zoneId;
    }
    this.record = new Route53Record(this, "alias", {
      zoneId,
      name: options.dnsName,
      type: "A",
      // Alias to the endpoint's regional name: it follows the endpoint's ENI
      // addresses (one per AZ), which a plain A record would have to copy.
      alias: {
        name: options.endpointDnsName,
        zoneId: options.endpointHostedZoneId,
        evaluateTargetHealth: false,
      },
    });
    if (options.hostedZoneId) {
      // A given zone must be private (this name resolves only inside VPCs) and
      // must be the name's own zone or a parent of it, or Route 53 refuses the
      // record only at apply time.
      const zone = new DataAwsRoute53Zone(this, "given-zone", { zoneId: options.hostedZoneId });
      const zoneName = Fn.trimsuffix(zone.name, ".");
      this.record.lifecycle = {
        precondition: [
          {
            condition: Op.eq(zone.privateZone, true),
            errorMessage: `consumer.hostedZoneId ${options.hostedZoneId} is not a private hosted zone.`,
          },
          {
            condition: Op.or(Op.eq(zoneName, options.dnsName), Fn.endswith(options.dnsName, `.${zoneName}`)),
            errorMessage: `consumer.dnsName ${options.dnsName} is not inside the domain of consumer.hostedZoneId ${options.hostedZoneId}.`,
          },
        ],
      };
    }
  }
}
