import { Construct } from "constructs";
import { DataResource, Fn, ITerraformDependable, Op, TerraformResource } from "cdktf";
import { LambdaInvocation } from "@cdktf/provider-aws/lib/lambda-invocation";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import { NullProvider } from "@cdktf/provider-null/lib/provider";
import { Resource as NullResource } from "@cdktf/provider-null/lib/resource";
import { markerParameterName, RESTART_IN_PROGRESS } from "../../functions/passive-ip-restart/marker";
import { assumeRoleShell, awsCliProvisioner } from "../../lib/aws-cli-role";

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
  /**
   * `null_resource` (hashicorp/null) or `terraform_data` (built into Terraform
   * >= 1.4): local-exec with the AWS CLI. `lambda`: an aws_lambda_invocation
   * of a restart function, nothing needed beside Terraform.
   */
  readonly resourceType: "null_resource" | "terraform_data" | "lambda";
  /** For `lambda`: the restart function (./restart-function.ts). */
  readonly restartFunctionName?: string;
  /** For `lambda`: what the invocation must wait for beside the function (RestartFunction.permissions). */
  readonly restartFunctionDependsOn?: readonly ITerraformDependable[];
  readonly timeoutSeconds: number;
  readonly pollSeconds?: number;
}

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
 *   starts, and writes the new PassiveIp. The command runs in its own
 *   session (see RESTART_COMMAND), so a killed Terraform does not stop it. A
 *   run that still dies in between (the machine) leaves RESTART_IN_PROGRESS,
 *   and the next run (the restart resource is tainted, missing, or replaced by
 *   its marker_state trigger) finishes the restart instead of taking the
 *   stopped server for one an operator stopped.
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
const RESTART_BODY = `set -e
trap "" HUP INT TERM PIPE
say() { echo "passive-ip restart: $*" 2>/dev/null || :; }
fail() { echo "passive-ip restart: $*" >&2 2>/dev/null || :; exit 1; }
command -v aws >/dev/null 2>&1 || fail "the AWS CLI (aws) is not installed where Terraform runs. Install it (Terraform Cloud: use an agent with the AWS CLI, or provider.restartResource lambda), or stop and start Transfer server $SERVER_ID by hand so that PassiveIp $PASSIVE_IP takes effect."
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
  say "PassiveIp $PASSIVE_IP is already in effect on Transfer server $SERVER_ID (it was created or last started with it); no restart"
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
      say "server is OFFLINE; leaving it stopped (PassiveIp $PASSIVE_IP applies when it is started)"
      exit 0
    fi
    say "finishing a restart that was interrupted" ;;
  *) fail "Transfer server $SERVER_ID is $current; stop and start it by hand so that PassiveIp $PASSIVE_IP takes effect" ;;
esac
say "Transfer server $SERVER_ID, PassiveIp $in_effect -> $PASSIVE_IP"
[ "$in_effect" = "${RESTART_IN_PROGRESS}" ] || mark "${RESTART_IN_PROGRESS}"
if [ "$current" = ONLINE ]; then
  aws transfer stop-server --region "$AWS_REGION" --server-id "$SERVER_ID" >/dev/null
  wait_for OFFLINE
  say "server is OFFLINE, starting it"
fi
aws transfer start-server --region "$AWS_REGION" --server-id "$SERVER_ID" >/dev/null
wait_for ONLINE
mark "$PASSIVE_IP"
say "server is ONLINE with PassiveIp $PASSIVE_IP"
`;

if (RESTART_BODY.includes("'")) throw new Error("RESTART_BODY must not contain a single quote: it is quoted with them below");

/**
 * The restart runs in a session of its own (`setsid -w`, util-linux) when the
 * machine has it, and ignores HUP/INT/TERM/PIPE: once it has stopped the
 * server it finishes the restart even if Terraform is killed (Ctrl-C, a
 * cancelled CI job, SIGKILL of Terraform's process group), instead of leaving
 * the server OFFLINE. Terraform still waits for it and shows its lines.
 * Without setsid (macOS, busybox) it runs inline.
 */
export const RESTART_COMMAND = `body='${RESTART_BODY}'
if setsid -w /bin/sh -c : >/dev/null 2>&1; then exec setsid -w /bin/sh -c "$body"; fi
eval "$body"
`;

export class PassiveIpRestart extends Construct {
  readonly resource: TerraformResource;
  /** The PassiveIp in effect on the server (see RESTART_COMMAND). */
  readonly marker: SsmParameter;

  constructor(scope: Construct, id: string, options: PassiveIpRestartOptions) {
    super(scope, id);
    this.marker = new SsmParameter(this, "in-effect", {
      name: markerParameterName(options.namePrefix, options.serverId),
      description: "PassiveIp the Transfer server was created or last restarted with (written by the passive-ip restart)",
      type: "String",
      // Not a secret: insecure_value keeps it readable in plans.
      insecureValue: options.passiveIp,
      // Set once, when the server (and so this name) is new; from then on the
      // restart command keeps it, and Terraform must not put it back.
      lifecycle: { ignoreChanges: ["insecure_value"] },
    });
    // marker_state: the marker as Terraform refreshed it. A restart whose
    // machine died mid-way (the marker stuck at RESTART_IN_PROGRESS, the
    // restart step already in state) makes it "interrupted", so the next
    // apply runs the restart again and finishes it.
    const triggers = {
      server_id: options.serverId,
      passive_ip: options.passiveIp,
      marker_state: Fn.conditional(Op.eq(this.marker.insecureValue, RESTART_IN_PROGRESS), "interrupted", "settled"),
    };
    if (options.resourceType === "lambda") {
      this.resource = this.invokeRestartFunction(options, triggers);
      return;
    }
    const restart = awsCliProvisioner(RESTART_COMMAND, options.region, options.assumeRoleArn, {
      SERVER_ID: options.serverId,
      PASSIVE_IP: options.passiveIp,
      MARKER_PARAMETER: this.marker.name,
      TIMEOUT_SECONDS: String(options.timeoutSeconds),
      POLL_SECONDS: String(options.pollSeconds ?? 10),
    });
    const provisioners = [restart];
    if (options.resourceType === "null_resource") {
      new NullProvider(this, "null");
      this.resource = new NullResource(this, "restart", { triggers, provisioners });
    } else {
      this.resource = new DataResource(this, "restart", { triggersReplace: triggers, provisioners });
    }
  }

  /**
   * The "lambda" form: the restart function (./restart-function.ts, the same
   * marker protocol as RESTART_COMMAND), invoked by aws_lambda_invocation on
   * creation and whenever the triggers change. It runs through the stack's
   * AWS provider (so with provider.assumeRoleArn and HCP Terraform's dynamic
   * credentials alike). A thrown error fails the invocation, and so the
   * apply, with the function's message.
   */
  private invokeRestartFunction(options: PassiveIpRestartOptions, triggers: Record<string, string>): LambdaInvocation {
    if (!options.restartFunctionName) throw new Error('PassiveIpRestart: resourceType "lambda" needs restartFunctionName');
    return new LambdaInvocation(this, "restart", {
      functionName: options.restartFunctionName,
      input: Fn.jsonencode({
        action: "restart",
        serverId: options.serverId,
        passiveIp: options.passiveIp,
        markerParameter: this.marker.name,
        timeoutSeconds: options.timeoutSeconds,
        pollSeconds: options.pollSeconds ?? 10,
      }),
      triggers,
      // The function's policy, or its first calls race IAM's propagation (RestartFunction.permissions).
      dependsOn: [...(options.restartFunctionDependsOn ?? [])],
    });
  }
}
