// The "lambda" form of the stacks' local-exec steps (provider.restartResource
// "lambda"), invoked by aws_lambda_invocation, with the AWS SDK the Lambda
// runtime provides, so nothing needs to be installed beside Terraform:
// - action "restart" (when the server ID or its PassiveIp changes): what the
//   shell form does. Nothing when the marker says the PassiveIp is already in
//   effect; otherwise mark the restart in progress, stop, wait for OFFLINE,
//   start, wait for ONLINE, mark the new PassiveIp. See
//   stacks/provider/passive-ip-restart.ts for why a restart, and why the marker.
// - action "wait-for-endpoint" (a new server): wait until its VPC endpoint is
//   available, as stacks/provider/transfer-endpoint-addresses.ts explains.
import { DescribeVpcEndpointsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { DescribeServerCommand, StartServerCommand, StopServerCommand, TransferClient } from "@aws-sdk/client-transfer";
import { GetParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { RESTART_IN_PROGRESS } from "./marker";

export interface RestartEvent {
  readonly action?: "restart";
  readonly serverId: string;
  readonly passiveIp: string;
  readonly markerParameter: string;
  /** Bound of each wait (for OFFLINE, for ONLINE), as in the shell form. */
  readonly timeoutSeconds: number;
  readonly pollSeconds?: number;
}

export interface RestartResult {
  readonly serverId: string;
  readonly passiveIp: string;
  /** "already-in-effect" | "left-stopped" | "restarted" */
  readonly outcome: string;
}

interface Context {
  getRemainingTimeInMillis?: () => number;
}

export interface EndpointWaitEvent {
  readonly action: "wait-for-endpoint";
  readonly vpcEndpointId: string;
  readonly timeoutSeconds: number;
  readonly pollSeconds?: number;
}

export interface Clients {
  readonly transfer: Pick<TransferClient, "send">;
  readonly ssm: Pick<SSMClient, "send">;
  readonly ec2: Pick<EC2Client, "send">;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
}

let defaultClients: Clients | undefined;
function clients(): Clients {
  defaultClients ??= {
    transfer: new TransferClient({}),
    ssm: new SSMClient({}),
    ec2: new EC2Client({}),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => Date.now(),
  };
  return defaultClients;
}

function check(event: RestartEvent): void {
  const problems = [
    typeof event?.serverId === "string" && /^s-[0-9a-f]{17}$/.test(event.serverId) ? "" : "serverId (s-<17 hex>)",
    typeof event?.passiveIp === "string" && event.passiveIp.length > 0 ? "" : "passiveIp",
    typeof event?.markerParameter === "string" && event.markerParameter.startsWith("/") ? "" : "markerParameter",
    Number.isInteger(event?.timeoutSeconds) && event.timeoutSeconds > 0 ? "" : "timeoutSeconds (a positive integer)",
  ].filter(Boolean);
  if (problems.length) throw new Error(`passive-ip restart: the event lacks ${problems.join(", ")}`);
}

export async function restart(event: RestartEvent, context: Context = {}, io: Clients = clients()): Promise<RestartResult> {
  check(event);
  const { serverId, passiveIp, markerParameter } = event;
  const poll = (event.pollSeconds ?? 10) * 1000;
  const log = (message: string) => console.log(`passive-ip restart: ${message}`);
  const fail = (message: string): never => {
    throw new Error(`passive-ip restart: ${message}`);
  };
  const state = async () => {
    const { Server } = await io.transfer.send(new DescribeServerCommand({ ServerId: serverId }));
    return Server?.State ?? "UNKNOWN";
  };
  const mark = (value: string) =>
    io.ssm.send(new PutParameterCommand({ Name: markerParameter, Type: "String", Overwrite: true, Value: value }));
  const waitFor = async (wanted: string) => {
    const deadline = io.now() + event.timeoutSeconds * 1000;
    for (;;) {
      const current = await state();
      if (current === wanted) return;
      if (current === "START_FAILED" || current === "STOP_FAILED") {
        fail(`Transfer server ${serverId} is ${current} (wanted ${wanted}); see its events in the AWS console`);
      }
      const left = context.getRemainingTimeInMillis?.() ?? Infinity;
      if (io.now() >= deadline || left < poll + 5000) {
        fail(`Transfer server ${serverId} is still ${current} after ${event.timeoutSeconds} s of waiting for ${wanted}`);
      }
      await io.sleep(poll);
    }
  };

  const { Parameter } = await io.ssm.send(new GetParameterCommand({ Name: markerParameter }));
  const inEffect = Parameter?.Value ?? "";
  if (inEffect === passiveIp) {
    log(`PassiveIp ${passiveIp} is already in effect on Transfer server ${serverId} (it was created or last started with it); no restart`);
    return { serverId, passiveIp, outcome: "already-in-effect" };
  }
  let current = await state();
  if (current === "STARTING") {
    await waitFor("ONLINE");
    current = "ONLINE";
  } else if (current === "STOPPING") {
    await waitFor("OFFLINE");
    current = "OFFLINE";
  }
  if (current === "OFFLINE" && inEffect !== RESTART_IN_PROGRESS) {
    await mark(passiveIp);
    log(`server is OFFLINE; leaving it stopped (PassiveIp ${passiveIp} applies when it is started)`);
    return { serverId, passiveIp, outcome: "left-stopped" };
  }
  if (current !== "ONLINE" && current !== "OFFLINE") {
    fail(`Transfer server ${serverId} is ${current}; stop and start it by hand so that PassiveIp ${passiveIp} takes effect`);
  }
  if (current === "OFFLINE") log("finishing a restart that was interrupted");
  log(`Transfer server ${serverId}, PassiveIp ${inEffect} -> ${passiveIp}`);
  if (inEffect !== RESTART_IN_PROGRESS) await mark(RESTART_IN_PROGRESS);
  if (current === "ONLINE") {
    await io.transfer.send(new StopServerCommand({ ServerId: serverId }));
    await waitFor("OFFLINE");
    log("server is OFFLINE, starting it");
  }
  await io.transfer.send(new StartServerCommand({ ServerId: serverId }));
  await waitFor("ONLINE");
  await mark(passiveIp);
  log(`server is ONLINE with PassiveIp ${passiveIp}`);
  return { serverId, passiveIp, outcome: "restarted" };
}

/** Waits until the VPC endpoint is `available`; fails at once on a state it cannot leave, or at the deadline. */
export async function waitForEndpoint(event: EndpointWaitEvent, context: Context = {}, io: Clients = clients()): Promise<{ vpcEndpointId: string; state: string }> {
  if (typeof event?.vpcEndpointId !== "string" || !/^vpce-[0-9a-f]+$/.test(event.vpcEndpointId) || !Number.isInteger(event.timeoutSeconds) || event.timeoutSeconds <= 0) {
    throw new Error("transfer endpoint wait: the event lacks vpcEndpointId (vpce-...) or timeoutSeconds (a positive integer)");
  }
  const poll = (event.pollSeconds ?? 5) * 1000;
  const deadline = io.now() + event.timeoutSeconds * 1000;
  for (;;) {
    const { VpcEndpoints } = await io.ec2.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [event.vpcEndpointId] }));
    const state = String(VpcEndpoints?.[0]?.State ?? "unknown").toLowerCase();
    if (state === "available") {
      console.log(`transfer endpoint wait: VPC endpoint ${event.vpcEndpointId} is available`);
      return { vpcEndpointId: event.vpcEndpointId, state };
    }
    if (["failed", "rejected", "deleting", "deleted", "expired"].includes(state)) {
      throw new Error(`transfer endpoint wait: VPC endpoint ${event.vpcEndpointId} of the Transfer server is ${state}`);
    }
    const left = context.getRemainingTimeInMillis?.() ?? Infinity;
    if (io.now() >= deadline || left < poll + 5000) {
      throw new Error(`transfer endpoint wait: VPC endpoint ${event.vpcEndpointId} is still ${state} after ${event.timeoutSeconds} s`);
    }
    console.log(`transfer endpoint wait: VPC endpoint ${event.vpcEndpointId} is ${state}; waiting`);
    await io.sleep(poll);
  }
}

/** Lambda entry point (index.handler). A thrown error fails the aws_lambda_invocation with its message. */
export const handler = (event: RestartEvent | EndpointWaitEvent, context: Context): Promise<unknown> =>
  event?.action === "wait-for-endpoint" ? waitForEndpoint(event, context) : restart(event as RestartEvent, context);
