import { Construct } from "constructs";
import { DataResource, LocalExecProvisioner, TerraformResource } from "cdktf";
import { NullProvider } from "@cdktf/provider-null/lib/provider";
import { Resource as NullResource } from "@cdktf/provider-null/lib/resource";
import { assumeRoleEnvironment, assumeRoleShell } from "../../lib/aws-cli-role";

export interface PassiveIpRestartOptions {
  readonly serverId: string;
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

/**
 * Stops and starts the Transfer server whenever its ID or PassiveIp changes.
 *
 * Why: AWS applies a new PassiveIp only after the server is stopped and
 * started again, and the AWS provider's update of protocol_details.passive_ip
 * only calls UpdateServer (it stops/starts only for endpoint changes). The
 * article did this by hand in the console.
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
echo "passive-ip restart: Transfer server $SERVER_ID, PassiveIp $PASSIVE_IP"
current=$(state) || fail "cannot describe Transfer server $SERVER_ID in $AWS_REGION"
case "$current" in
  STARTING) wait_for ONLINE; current=ONLINE ;;
  STOPPING) wait_for OFFLINE; current=OFFLINE ;;
esac
if [ "$current" = OFFLINE ]; then
  echo "passive-ip restart: server is OFFLINE; leaving it stopped (the new PassiveIp applies when it is started)"
  exit 0
fi
aws transfer stop-server --region "$AWS_REGION" --server-id "$SERVER_ID"
wait_for OFFLINE
echo "passive-ip restart: server is OFFLINE, starting it"
aws transfer start-server --region "$AWS_REGION" --server-id "$SERVER_ID"
wait_for ONLINE
echo "passive-ip restart: server is ONLINE with PassiveIp $PASSIVE_IP"
`;

export class PassiveIpRestart extends Construct {
  readonly resource: TerraformResource;

  constructor(scope: Construct, id: string, options: PassiveIpRestartOptions) {
    super(scope, id);
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
}
