import { Construct } from "constructs";
import { DataResource, LocalExecProvisioner, TerraformResource } from "cdktf";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import { NullProvider } from "@cdktf/provider-null/lib/provider";
import { Resource as NullResource } from "@cdktf/provider-null/lib/resource";
import { assumeRoleEnvironment, assumeRoleShell } from "../../lib/aws-cli-role";

export interface PassiveIpRestartOptions {
  readonly namePrefix: string;
  readonly serverId: string;
  /** The server's protocol_details.passive_ip (what it was created with, then what it is updated to). */
  readonly passiveIp: string;
  readonly region: string;
  /**
   * Role to act with (provider.assumeRoleArn): the restart assumes it, as the
   * AWS provider does, instead of using the runner's own credentials.
   */
  readonly assumeRoleArn?: string;
  /** `null_resource` (hashicorp/null) or `terraform_data` (built into Terraform >= 1.4). */
  readonly resourceType: "null_resource" | "terraform_data";
  readonly timeoutSeconds: number;
  readonly pollSeconds?: number;
}

/** What the marker parameter holds while a restart is under way (not an IP address). */
export const RESTART_IN_PROGRESS = "restart-in-progress";

/**
 * Stops and starts the Transfer server when a new PassiveIp must take effect,
 * and only then.
 *
 * Why a restart: AWS applies a new PassiveIp only after the server is stopped
 * and started again, and the AWS provider's update of
 * protocol_details.passive_ip only calls UpdateServer (it stops and starts a
 * server only for an endpoint-type or address-allocation change:
 * hashicorp/aws internal/service/transfer/server.go, resourceServerUpdate,
 * `offlineUpdate`). The article did this by hand in the console. A value set
 * when the server is created is in effect from its first start.
 *
 * Why a marker: the trigger map (server ID, PassiveIp) cannot tell a new
 * server from a changed PassiveIp (both create the restart resource), and
 * AWS cannot say which PassiveIp a running server started with. So an SSM
 * parameter per server records the PassiveIp in effect: Terraform creates it
 * with the value the server was created with (its name carries the server
 * ID, so a replaced server gets a new one) and then ignores its value; this
 * command rewrites it. It lives in AWS, not in Terraform state, so it
 * survives an interrupted apply and a refresh:
 * - marker = the new PassiveIp: nothing to do (the first deploy, a replaced
 *   server, a re-run): no stop, no start.
 * - otherwise the command first writes RESTART_IN_PROGRESS, then stops,
 *   starts, and writes the new PassiveIp. A run killed in between leaves
 *   RESTART_IN_PROGRESS, and the next run (the restart resource is tainted or
 *   missing, so Terraform runs it again) finishes the restart instead of
 *   taking the stopped server for one an operator stopped.
 * - a server that is OFFLINE with no restart in progress was stopped on
 *   purpose: it is left stopped and the marker says the new PassiveIp, which
 *   applies at its next start.
 *
 * The command is inline (no script file in the repo): it must also run in a
 * Terraform Cloud run's working directory. It needs the AWS CLI wherever
 * Terraform runs, and says so plainly when it is missing. It is POSIX sh and
 * avoids `${`, which Terraform would read as an interpolation. With
 * provider.assumeRoleArn it first assumes that role (sts assume-role) and
 * acts with its temporary credentials, as the stack's AWS provider does; a
 * failed assume-role stops it before anything is stopped.
 */
export const RESTART_COMMAND = `set -e
fail() { echo "passive-ip restart: $*" >&2; exit 1; }
command -v aws >/dev/null 2>&1 || fail "the AWS CLI (aws) is not installed where Terraform runs. Install it (Terraform Cloud: use an agent with the AWS CLI), or stop and start Transfer server $SERVER_ID by hand so that PassiveIp $PASSIVE_IP takes effect."
${assumeRoleShell("passive-ip restart", "passive-ip-restart-$SERVER_ID", "Transfer server $SERVER_ID was not stopped: stop and start it by hand so that PassiveIp $PASSIVE_IP takes effect")}set -u
state() { aws transfer describe-server --region "$AWS_REGION" --server-id "$SERVER_ID" --query Server.State --output text; }
mark() { aws ssm put-parameter --region "$AWS_REGION" --name "$MARKER_PARAMETER" --type String --overwrite --value "$1" >/dev/null || fail "cannot write $MARKER_PARAMETER (the PassiveIp in effect on Transfer server $SERVER_ID)"; }
wait_for() {
  deadline=$(( $(date +%s) + TIMEOUT_SECONDS ))
  while :; do
    current=$(state) || fail "cannot describe Transfer server $SERVER_ID in $AWS_REGION"
    [ "$current" = "$1" ] && return 0
    case "$current" in START_FAILED|STOP_FAILED) fail "Transfer server $SERVER_ID is $current (wanted $1); see its events in the AWS console";; esac
    [ "$(date +%s)" -lt "$deadline" ] || fail "Transfer server $SERVER_ID is still $current after $TIMEOUT_SECONDS s of waiting for $1"
    sleep "$POLL_SECONDS"
  done
}
in_effect=$(aws ssm get-parameter --region "$AWS_REGION" --name "$MARKER_PARAMETER" --query Parameter.Value --output text) || fail "cannot read $MARKER_PARAMETER (the PassiveIp in effect on Transfer server $SERVER_ID)"
if [ "$in_effect" = "$PASSIVE_IP" ]; then
  echo "passive-ip restart: PassiveIp $PASSIVE_IP is already in effect on Transfer server $SERVER_ID (it was created or last started with it); no restart"
  exit 0
fi
current=$(state) || fail "cannot describe Transfer server $SERVER_ID in $AWS_REGION"
case "$current" in
  STARTING) wait_for ONLINE; current=ONLINE ;;
  STOPPING) wait_for OFFLINE; current=OFFLINE ;;
esac
case "$current" in
  ONLINE) ;;
  OFFLINE)
    if [ "$in_effect" != "${RESTART_IN_PROGRESS}" ]; then
      mark "$PASSIVE_IP"
      echo "passive-ip restart: server is OFFLINE; leaving it stopped (PassiveIp $PASSIVE_IP applies when it is started)"
      exit 0
    fi
    echo "passive-ip restart: finishing a restart that was interrupted" ;;
  *) fail "Transfer server $SERVER_ID is $current; stop and start it by hand so that PassiveIp $PASSIVE_IP takes effect" ;;
esac
echo "passive-ip restart: Transfer server $SERVER_ID, PassiveIp $in_effect -> $PASSIVE_IP"
[ "$in_effect" = "${RESTART_IN_PROGRESS}" ] || mark "${RESTART_IN_PROGRESS}"
if [ "$current" = ONLINE ]; then
  aws transfer stop-server --region "$AWS_REGION" --server-id "$SERVER_ID"
  wait_for OFFLINE
  echo "passive-ip restart: server is OFFLINE, starting it"
fi
aws transfer start-server --region "$AWS_REGION" --server-id "$SERVER_ID"
wait_for ONLINE
mark "$PASSIVE_IP"
echo "passive-ip restart: server is ONLINE with PassiveIp $PASSIVE_IP"
`;

export class PassiveIpRestart extends Construct {
  readonly resource: TerraformResource;
  /** The PassiveIp in effect on the server (see RESTART_COMMAND). */
  readonly marker: SsmParameter;

  constructor(scope: Construct, id: string, options: PassiveIpRestartOptions) {
    super(scope, id);
    this.marker = new SsmParameter(this, "in-effect", {
      name: PassiveIpRestart.markerName(options.namePrefix, options.serverId),
      description: "PassiveIp the Transfer server was created or last restarted with (written by the passive-ip restart)",
      type: "String",
      value: options.passiveIp,
      // Set once, when the server (and so this name) is new; from then on the
      // restart command keeps it, and Terraform must not put it back.
      lifecycle: { ignoreChanges: ["value"] },
    });
    const triggers = { server_id: options.serverId, passive_ip: options.passiveIp };
    // `quiet = true` (Terraform >= 1.4) keeps the 50-line command out of every
    // apply log; its own "passive-ip restart: ..." lines still show. cdktf
    // 0.21's LocalExecProvisioner type lacks `quiet`, but cdktf writes every
    // property of a provisioner as given (snake_cased), so it is added here.
    const restart: LocalExecProvisioner & { readonly quiet: boolean } = {
      type: "local-exec",
      interpreter: ["/bin/sh", "-c"],
      command: RESTART_COMMAND,
      quiet: true,
      environment: {
        AWS_REGION: options.region,
        AWS_DEFAULT_REGION: options.region,
        SERVER_ID: options.serverId,
        PASSIVE_IP: options.passiveIp,
        MARKER_PARAMETER: this.marker.name,
        TIMEOUT_SECONDS: String(options.timeoutSeconds),
        POLL_SECONDS: String(options.pollSeconds ?? 10),
        ...assumeRoleEnvironment(options.assumeRoleArn),
      },
    };
    const provisioners = [restart];
    if (options.resourceType === "null_resource") {
      new NullProvider(this, "null");
      this.resource = new NullResource(this, "restart", { triggers, provisioners });
    } else {
      this.resource = new DataResource(this, "restart", { triggersReplace: triggers, provisioners });
    }
  }

  /** One parameter per server: a replaced server starts with its own, set to the PassiveIp it was created with. */
  static markerName(namePrefix: string, serverId: string): string {
    return `/${namePrefix}/transfer/${serverId}/passive-ip-in-effect`;
  }
}
