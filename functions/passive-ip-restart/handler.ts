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

/**
 * How the AWS SDK names an authorization failure: AccessDenied /
 * AccessDeniedException (Transfer, SSM and most JSON and REST services),
 * UnauthorizedOperation (EC2's query API), and the two that say the
 * credentials themselves are not (yet) known, UnrecognizedClientException and
 * InvalidClientTokenId. Right after the function's role or its inline policy
 * was created or changed - the same apply invokes the function - IAM may not
 * show the change yet: "Changes that I make are not always immediately
 * visible" (IAM user guide, troubleshooting; IAM is eventually consistent).
 */
const AUTHORIZATION_ERRORS = /^(AccessDenied\w*|UnauthorizedOperation|UnrecognizedClientException|InvalidClientTokenId)$/;
/**
 * How long one invocation waits, in all, for its permissions to appear. One
 * minute fits beside both waits of a restart: restartTimeoutSeconds is at
 * most 420 with this form (2 x 420 + 60 = 900 s, Lambda's limit).
 */
export const AUTHORIZATION_RETRY_SECONDS = 60;

/** True for the errors an IAM change that has not propagated yet produces. */
export function isAuthorizationError(error: unknown): boolean {
  const name = (error as { name?: unknown; Code?: unknown })?.name ?? (error as { Code?: unknown })?.Code;
  return typeof name === "string" && AUTHORIZATION_ERRORS.test(name);
}

/**
 * The clients, each call retried while it fails for authorization, with
 * exponential backoff (1, 2, 4, 8, then 15 s), for at most
 * AUTHORIZATION_RETRY_SECONDS in all and never past Lambda's own deadline.
 * Any other error, and an authorization error after that, is thrown as is.
 */
export function retryingAuthorization(io: Clients, context: Context, label: string): Clients {
  let waitedMs = 0;
  const wrap = <C extends { send: (command: never) => Promise<unknown> }>(client: C): C =>
    ({
      send: async (command: never) => {
        for (let attempt = 0; ; attempt++) {
          try {
            return await client.send(command);
          } catch (error) {
            const delay = Math.min(1000 * 2 ** attempt, 15_000);
            const left = context.getRemainingTimeInMillis?.() ?? Infinity;
            if (!isAuthorizationError(error) || waitedMs + delay > AUTHORIZATION_RETRY_SECONDS * 1000 || left < delay + 10_000) throw error;
            const name = (error as { name?: string }).name;
            console.log(`${label}: ${(command as object).constructor.name} was refused (${name}); IAM changes take a while to show, retrying in ${delay / 1000} s`);
            waitedMs += delay;
            await io.sleep(delay);
          }
        }
      },
    }) as unknown as C;
  return { ...io, transfer: wrap(io.transfer), ssm: wrap(io.ssm), ec2: wrap(io.ec2) };
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

export async function restart(event: RestartEvent, context: Context = {}, clientsToUse: Clients = clients()): Promise<RestartResult> {
  check(event);
  const io = retryingAuthorization(clientsToUse, context, "passive-ip restart");
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
export async function waitForEndpoint(
  event: EndpointWaitEvent,
  context: Context = {},
  clientsToUse: Clients = clients(),
): Promise<{ vpcEndpointId: string; state: string }> {
  if (typeof event?.vpcEndpointId !== "string" || !/^vpce-[0-9a-f]+$/.test(event.vpcEndpointId) || !Number.isInteger(event.timeoutSeconds) || event.timeoutSeconds <= 0) {
    throw new Error("transfer endpoint wait: the event lacks vpcEndpointId (vpce-...) or timeoutSeconds (a positive integer)");
  }
  const io = retryingAuthorization(clientsToUse, context, "transfer endpoint wait");
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
