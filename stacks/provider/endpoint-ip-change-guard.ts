import { Construct } from "constructs";
import { Fn, Op } from "cdktf";
import { DataAwsSsmParametersByPath } from "@cdktf/provider-aws/lib/data-aws-ssm-parameters-by-path";
import { markerParameterPath, RESTART_IN_PROGRESS } from "../../functions/passive-ip-restart/marker";

export interface EndpointIpChangeGuardOptions {
  readonly namePrefix: string;
  /** consumer.endpointIp: the PassiveIp passiveIpMode "consumer-endpoint" hands out. */
  readonly endpointIp: string;
}

/**
 * passiveIpMode "consumer-endpoint": refuses, at plan time, a provider apply
 * that would make the server hand out a PassiveIp the consumer endpoint does
 * not have yet.
 *
 * The PassiveIp is the consumer endpoint's own address, and the two stacks
 * change it in turn: the provider stack restarts the server with the new
 * address first, the consumer stack moves the endpoint after (ModifyVpcEndpoint
 * with SubnetConfigurations, in place). In between - seconds, or as long as
 * the consumer apply takes, fails, or waits for another team - every PASV reply
 * names an address no endpoint answers. The other order fails too (the old
 * address would be gone while the server still hands it out), and one endpoint
 * cannot hold both addresses. So the change is refused unless the operator has
 * taken the server out of service first: stopped it and recorded the new
 * address as the one its next start applies (the restart marker, see
 * PassiveIpRestart), which the restart step then honours by leaving the
 * server stopped. README "Day-2 changes" gives the procedure.
 *
 * The addresses in effect are the restart markers (one SSM parameter per
 * server under /<namePrefix>/transfer, read at plan time: the data source
 * depends on nothing the apply changes). No marker yet (the first deploy), the
 * new address already recorded, or a restart in progress: nothing to refuse.
 */
export class EndpointIpChangeGuard extends Construct {
  /** The precondition to put on the Transfer server (checked before it is updated). */
  readonly precondition: { condition: unknown; errorMessage: string };

  constructor(scope: Construct, id: string, options: EndpointIpChangeGuardOptions) {
    super(scope, id);
    const markers = new DataAwsSsmParametersByPath(this, "passive-ip-in-effect", {
      path: markerParameterPath(options.namePrefix),
      recursive: true,
    });
    const inEffect = Fn.nonsensitive(markers.values);
    const others = Fn.setsubtract(Fn.toset(inEffect), [options.endpointIp, RESTART_IN_PROGRESS]);
    this.precondition = {
      // length(...) < 1, not == 0: cdktf 0.21 renders a falsy operand of Op.eq as undefined.
      condition: Op.lt(Fn.lengthOf(others), 1),
      errorMessage:
        `consumer.endpointIp changes the Transfer server's PassiveIp to ${options.endpointIp}, but the server hands out ` +
        `${Fn.join(", ", others)} (${Fn.join(", ", markers.names)}). This apply would restart it with the new address before the ` +
        `consumer stack moves its endpoint there, so FTP clients would be sent to an address no endpoint answers. Safe ` +
        `procedure (README "Day-2 changes"): stop the server (aws transfer stop-server --server-id <id>), record the new ` +
        `address as the one its next start applies (aws ssm put-parameter --overwrite --type String --name ` +
        `${markerParameterPath(options.namePrefix)}/<id>/passive-ip-in-effect --value ${options.endpointIp}), apply both stacks ` +
        `(the restart step leaves the stopped server stopped), then start it (aws transfer start-server --server-id <id>).`,
    };
  }
}
