// The restart function (provider.restartResource "lambda") against stand-in
// Transfer and SSM clients: the same marker protocol and the same cases as
// the shell form's tests in passive-ip-restart.test.ts.
import { DescribeServerCommand, StartServerCommand, StopServerCommand } from "@aws-sdk/client-transfer";
import { GetParameterCommand, PutParameterCommand } from "@aws-sdk/client-ssm";
import { DescribeVpcEndpointsCommand } from "@aws-sdk/client-ec2";
import { AUTHORIZATION_RETRY_SECONDS, Clients, isAuthorizationError, restart, RestartEvent, waitForEndpoint } from "../functions/passive-ip-restart/handler";
import { RESTART_IN_PROGRESS } from "../functions/passive-ip-restart/marker";

const SERVER_ID = "s-0123456789abcdef0";
const MARKER = `/tf-ftp/transfer/${SERVER_ID}/passive-ip-in-effect`;
const EVENT: RestartEvent = { serverId: SERVER_ID, passiveIp: "10.0.3.119", markerParameter: MARKER, timeoutSeconds: 60, pollSeconds: 1 };

/**
 * A server whose state walks through a list on each describe ("STOPPING", "OFFLINE" ...),
 * stop/start set the next list, and a marker parameter. Every call is logged.
 */
function world(initial: string[], onStop: string[], onStart: string[], marker: string | null = "10.0.3.100") {
  let states = [...initial];
  const calls: string[] = [];
  const written: string[] = [];
  let clock = 0;
  const next = () => (states.length > 1 ? states.shift()! : states[0]);
  const io: Clients = {
    transfer: {
      send: async (command: unknown) => {
        if (command instanceof DescribeServerCommand) {
          calls.push("DescribeServer");
          return { Server: { State: next() } };
        }
        if (command instanceof StopServerCommand) {
          calls.push("StopServer");
          states = [...onStop];
          return {};
        }
        if (command instanceof StartServerCommand) {
          calls.push("StartServer");
          states = [...onStart];
          return {};
        }
        throw new Error(`unexpected ${String(command)}`);
      },
    } as Clients["transfer"],
    ssm: {
      send: async (command: unknown) => {
        if (command instanceof GetParameterCommand) {
          calls.push("GetParameter");
          if (marker === null) throw Object.assign(new Error("ParameterNotFound"), { name: "ParameterNotFound" });
          return { Parameter: { Value: marker } };
        }
        if (command instanceof PutParameterCommand) {
          calls.push("PutParameter");
          expect(command.input).toMatchObject({ Name: MARKER, Type: "String", Overwrite: true });
          marker = command.input.Value ?? null;
          written.push(String(marker));
          return {};
        }
        throw new Error(`unexpected ${String(command)}`);
      },
    } as Clients["ssm"],
    ec2: { send: async () => Promise.reject(new Error("no EC2 here")) } as Clients["ec2"],
    sleep: async (ms) => {
      clock += ms;
    },
    now: () => clock,
  };
  return { io, calls, written, marker: () => marker };
}

const notDescribe = (calls: string[]) => calls.filter((c) => c !== "DescribeServer");

describe("the restart function", () => {
  beforeEach(() => jest.spyOn(console, "log").mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  test("an older PassiveIp in effect: mark in progress, stop, wait for OFFLINE, start, wait for ONLINE, mark the new one", async () => {
    const w = world(["ONLINE"], ["STOPPING", "STOPPING", "OFFLINE"], ["STARTING", "ONLINE"]);
    await expect(restart(EVENT, {}, w.io)).resolves.toEqual({ serverId: SERVER_ID, passiveIp: "10.0.3.119", outcome: "restarted" });
    expect(notDescribe(w.calls)).toEqual(["GetParameter", "PutParameter", "StopServer", "StartServer", "PutParameter"]);
    expect(w.written).toEqual([RESTART_IN_PROGRESS, "10.0.3.119"]);
  });

  test("the PassiveIp already in effect (first deploy, a re-run): only the marker is read", async () => {
    const w = world(["ONLINE"], ["OFFLINE"], ["ONLINE"], "10.0.3.119");
    await expect(restart(EVENT, {}, w.io)).resolves.toMatchObject({ outcome: "already-in-effect" });
    expect(w.calls).toEqual(["GetParameter"]);
  });

  test("an OFFLINE server nobody is restarting is left stopped, marked with the PassiveIp its next start applies", async () => {
    const w = world(["OFFLINE"], ["OFFLINE"], ["ONLINE"]);
    await expect(restart(EVENT, {}, w.io)).resolves.toMatchObject({ outcome: "left-stopped" });
    expect(notDescribe(w.calls)).toEqual(["GetParameter", "PutParameter"]);
    expect(w.marker()).toBe("10.0.3.119");
  });

  test("a restart interrupted after the stop (marker in progress, server OFFLINE) is finished: start only", async () => {
    const w = world(["OFFLINE"], ["OFFLINE"], ["ONLINE"], RESTART_IN_PROGRESS);
    await expect(restart(EVENT, {}, w.io)).resolves.toMatchObject({ outcome: "restarted" });
    expect(notDescribe(w.calls)).toEqual(["GetParameter", "StartServer", "PutParameter"]);
  });

  test("a server still STARTING is waited for, then restarted", async () => {
    const w = world(["STARTING", "ONLINE"], ["OFFLINE"], ["ONLINE"]);
    await restart(EVENT, {}, w.io);
    expect(notDescribe(w.calls)).toEqual(["GetParameter", "PutParameter", "StopServer", "StartServer", "PutParameter"]);
  });

  test("the wait is bounded by timeoutSeconds, and the error names the server and the state", async () => {
    const w = world(["ONLINE"], ["STOPPING"], ["ONLINE"]);
    await expect(restart({ ...EVENT, timeoutSeconds: 5 }, {}, w.io)).rejects.toThrow(
      `passive-ip restart: Transfer server ${SERVER_ID} is still STOPPING after 5 s of waiting for OFFLINE`,
    );
    expect(w.calls).not.toContain("StartServer");
    expect(w.marker()).toBe(RESTART_IN_PROGRESS);
  });

  test("the wait also stops before Lambda's own time runs out", async () => {
    const w = world(["ONLINE"], ["STOPPING"], ["ONLINE"]);
    await expect(restart(EVENT, { getRemainingTimeInMillis: () => 3000 }, w.io)).rejects.toThrow(/still STOPPING/);
  });

  test("START_FAILED is reported, not waited out", async () => {
    const w = world(["ONLINE"], ["OFFLINE"], ["START_FAILED"]);
    await expect(restart(EVENT, {}, w.io)).rejects.toThrow(`Transfer server ${SERVER_ID} is START_FAILED (wanted ONLINE)`);
  });

  test("a missing marker fails before anything is stopped", async () => {
    const w = world(["ONLINE"], ["OFFLINE"], ["ONLINE"], null);
    await expect(restart(EVENT, {}, w.io)).rejects.toThrow(/ParameterNotFound/);
    expect(w.calls).toEqual(["GetParameter"]);
  });

  test("a malformed event is refused with what is missing", async () => {
    const w = world(["ONLINE"], ["OFFLINE"], ["ONLINE"]);
    await expect(restart({ serverId: "nope", passiveIp: "", markerParameter: "x", timeoutSeconds: 0 }, {}, w.io)).rejects.toThrow(
      "passive-ip restart: the event lacks serverId (s-<17 hex>), passiveIp, markerParameter, timeoutSeconds (a positive integer)",
    );
    expect(w.calls).toEqual([]);
  });
});

describe("the endpoint wait (action wait-for-endpoint)", () => {
  beforeEach(() => jest.spyOn(console, "log").mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  function endpoint(states: string[]) {
    let clock = 0;
    const asked: string[][] = [];
    const io = {
      ...world(["ONLINE"], ["OFFLINE"], ["ONLINE"]).io,
      ec2: {
        send: async (command: unknown) => {
          expect(command).toBeInstanceOf(DescribeVpcEndpointsCommand);
          asked.push((command as DescribeVpcEndpointsCommand).input.VpcEndpointIds ?? []);
          return { VpcEndpoints: [{ State: states.length > 1 ? states.shift() : states[0] }] };
        },
      } as Clients["ec2"],
      sleep: async (ms: number) => {
        clock += ms;
      },
      now: () => clock,
    };
    return { io, asked };
  }
  const WAIT = { action: "wait-for-endpoint" as const, vpcEndpointId: "vpce-0123456789abcdef0", timeoutSeconds: 30, pollSeconds: 5 };

  test("pendingAcceptance/pending, then Available (EC2 spells it either way): done", async () => {
    const e = endpoint(["pending", "pending", "Available"]);
    await expect(waitForEndpoint(WAIT, {}, e.io)).resolves.toEqual({ vpcEndpointId: WAIT.vpcEndpointId, state: "available" });
    expect(e.asked).toEqual([[WAIT.vpcEndpointId], [WAIT.vpcEndpointId], [WAIT.vpcEndpointId]]);
  });

  test("a state it cannot leave fails at once", async () => {
    const e = endpoint(["failed"]);
    await expect(waitForEndpoint(WAIT, {}, e.io)).rejects.toThrow(`VPC endpoint ${WAIT.vpcEndpointId} of the Transfer server is failed`);
    expect(e.asked).toHaveLength(1);
  });

  test("bounded by timeoutSeconds", async () => {
    const e = endpoint(["pending"]);
    await expect(waitForEndpoint(WAIT, {}, e.io)).rejects.toThrow(`VPC endpoint ${WAIT.vpcEndpointId} is still pending after 30 s`);
  });

  test("a malformed event is refused", async () => {
    const e = endpoint(["available"]);
    await expect(waitForEndpoint({ ...WAIT, vpcEndpointId: "nope" }, {}, e.io)).rejects.toThrow(/lacks vpcEndpointId/);
    expect(e.asked).toEqual([]);
  });
});

/**
 * IAM is eventually consistent ("Changes that I make are not always immediately
 * visible", IAM user guide, troubleshooting): the apply that creates or changes
 * the function's policy invokes the function right after, so its first calls
 * may be refused. Authorization errors, as the SDK names them, are retried with
 * backoff for a bounded time; nothing else is.
 */
describe("the restart function waits for its permissions to propagate", () => {
  beforeEach(() => jest.spyOn(console, "log").mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  const denied = (name: string) => Object.assign(new Error(`User is not authorized (${name})`), { name });

  /** The world above, whose first `failures` SSM calls are refused with `name`; the sleeps are recorded. */
  function deniedAtFirst(failures: number, name = "AccessDeniedException") {
    const w = world(["ONLINE"], ["OFFLINE"], ["ONLINE"]);
    const slept: number[] = [];
    let left = failures;
    const ssm = w.io.ssm;
    const io: Clients = {
      ...w.io,
      ssm: { send: async (command: never) => (left-- > 0 ? Promise.reject(denied(name)) : ssm.send(command)) } as Clients["ssm"],
      sleep: async (ms) => {
        slept.push(ms);
        await w.io.sleep(ms);
      },
    };
    return { ...w, io, slept };
  }

  test.each(["AccessDeniedException", "AccessDenied", "UnauthorizedOperation", "UnrecognizedClientException", "InvalidClientTokenId"])(
    "%s is an authorization error; ParameterNotFound, ThrottlingException and ValidationException are not",
    (name) => {
      expect(isAuthorizationError(denied(name))).toBe(true);
      for (const other of ["ParameterNotFound", "ThrottlingException", "ValidationException", "ResourceNotFoundException"]) expect(isAuthorizationError(denied(other))).toBe(false);
    },
  );

  test("a marker read refused three times succeeds on the fourth, after 1, 2 and 4 s; the restart goes on", async () => {
    const w = deniedAtFirst(3);
    await expect(restart(EVENT, {}, w.io)).resolves.toMatchObject({ outcome: "restarted" });
    expect(w.slept.slice(0, 3)).toEqual([1000, 2000, 4000]);
    expect(notDescribe(w.calls)).toEqual(["GetParameter", "PutParameter", "StopServer", "StartServer", "PutParameter"]);
    expect(console.log).toHaveBeenCalledWith(expect.stringContaining("GetParameterCommand was refused (AccessDeniedException); IAM changes take a while to show, retrying in 1 s"));
  });

  test(`a denial that lasts fails after at most ${AUTHORIZATION_RETRY_SECONDS} s of retries, with AWS's own error, before anything is stopped`, async () => {
    const w = deniedAtFirst(1000);
    await expect(restart(EVENT, {}, w.io)).rejects.toThrow("User is not authorized (AccessDeniedException)");
    const total = w.slept.reduce((sum, ms) => sum + ms, 0);
    expect(total).toBeLessThanOrEqual(AUTHORIZATION_RETRY_SECONDS * 1000);
    expect(total).toBeGreaterThanOrEqual((AUTHORIZATION_RETRY_SECONDS - 15) * 1000);
    expect(w.slept.every((ms) => ms <= 15_000)).toBe(true);
    expect(w.calls).toEqual([]);
  });

  test("no retry once Lambda's own time is nearly up", async () => {
    const w = deniedAtFirst(1);
    await expect(restart(EVENT, { getRemainingTimeInMillis: () => 5000 }, w.io)).rejects.toThrow(/not authorized/);
    expect(w.slept).toEqual([]);
  });

  test("other errors are not retried (a missing marker fails at once)", async () => {
    const w = world(["ONLINE"], ["OFFLINE"], ["ONLINE"], null);
    const slept: number[] = [];
    await expect(restart(EVENT, {}, { ...w.io, sleep: async (ms) => void slept.push(ms) })).rejects.toThrow(/ParameterNotFound/);
    expect(slept).toEqual([]);
  });

  test("the endpoint wait retries EC2's UnauthorizedOperation the same way", async () => {
    let refusals = 2;
    let clock = 0;
    const slept: number[] = [];
    const io: Clients = {
      ...world(["ONLINE"], ["OFFLINE"], ["ONLINE"]).io,
      ec2: {
        send: async () => (refusals-- > 0 ? Promise.reject(denied("UnauthorizedOperation")) : { VpcEndpoints: [{ State: "available" }] }),
      } as unknown as Clients["ec2"],
      sleep: async (ms) => {
        slept.push(ms);
        clock += ms;
      },
      now: () => clock,
    };
    const wait = { action: "wait-for-endpoint" as const, vpcEndpointId: "vpce-0123456789abcdef0", timeoutSeconds: 30, pollSeconds: 5 };
    await expect(waitForEndpoint(wait, {}, io)).resolves.toMatchObject({ state: "available" });
    expect(slept).toEqual([1000, 2000]);
  });
});
