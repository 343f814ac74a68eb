// Day-2 changes: from a deployed baseline on the local AWS emulator,
// each change a platform team makes after the first deploy, applied as they
// apply it (synth, then terraform plan of each stack and that saved plan
// applied), then checked: the apply succeeded, a second plan of every stack
// the change applied is empty (a stack planned empty is not planned twice), the Transfer
// server kept its ID, and the Stop/StartServer calls the emulator recorded
// match the restart invariants (README, "Day-2 changes"):
//   0 restarts on the first deploy; exactly 1 when the effective PassiveIp
//   changes; 0 for every other change.
//
// Three chains, each with its own emulator, run side by side:
//   A1, A2. the article's mode: one subnet, passiveIpMode "nlb", the NLB IP
//      looked up (not pinned), client instance on. A1: tags, CIDRs,
//      principals, log retention, restart timeout. A2: alarms, the client, a
//      passiveIpMode switch, then an interrupted apply (cdktf deploy killed
//      while the restart runs) and the deploy after it.
//   B. subnets: one subnet -> two (single-AZ -> multi-AZ, control-connection),
//      one of the two replaced, two -> one; restartResource "lambda" (the
//      restart function invoked by aws_lambda_invocation, run by the emulator).
// A new pinned nlbPrivateIp and a switch to consumer-endpoint are in
// deploy.test.ts (each restarts exactly once there). Destroy is proven there
// too; these chains end with the emulator.
import { aws, Call } from "../../emulator/client";
import { loadBalancerGeneration } from "../../stacks/provider/ftp-load-balancer";
import { markerParameterName, RESTART_IN_PROGRESS } from "../../functions/passive-ip-restart/marker";
import { TransferConfigInput } from "../../config/schema";
import { missingPrerequisites } from "../support/prerequisites";
import { STEP_TIMEOUT_MS } from "../support/steps";
import {
  closeSession,
  CommandError,
  configDocument,
  createPreexistingResources,
  createSubnet,
  demoPrerequisites,
  deploy,
  formatTimings,
  interruptCommands,
  NAME_PREFIX,
  openSession,
  planChanges,
  PlannedChange,
  PreexistingResources,
  Session,
  StackName,
  STACKS,
  stackOutputs,
  synth,
  writeConfig,
} from "../../cli/demo-session";

const missing = missingPrerequisites("day-2 changes (emulator + terraform)", demoPrerequisites);
const describeE2E = missing.length ? describe.skip : describe;
const KEEP = process.env.E2E_KEEP === "1";
const LISTENER_PORTS = [21, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200];

interface ServerView {
  readonly id: string;
  readonly state: string;
  readonly passiveIp: string;
  readonly subnetIds: readonly string[];
  /** The restart's marker: the PassiveIp in effect (see PassiveIpRestart). */
  readonly marker: string;
}

/** What one change did. */
interface Outcome {
  readonly label: string;
  /** What the plan of each stack proposed before the apply. */
  readonly planned: Record<StackName, PlannedChange[]>;
  /** The plan of each stack right after the apply (must be empty). */
  readonly after: Record<StackName, PlannedChange[]>;
  /** Stop/StartServer calls for the server during the change, "<action> from <state>". */
  readonly restarts: string[];
  readonly calls: Call[];
  readonly server: ServerView;
  /** The server's PassiveIp before the change. */
  readonly passiveIpBefore: string;
  readonly applyOutput: string;
}

async function serverView(session: Session): Promise<ServerView> {
  const { transfer_server_id: id } = await stackOutputs(session, "provider");
  const [{ Server }, parameter] = await Promise.all([
    aws(session.emulator, ["transfer", "describe-server", "--server-id", id]),
    aws(session.emulator, ["ssm", "get-parameter", "--name", markerParameterName(NAME_PREFIX, id)]),
  ]);
  return {
    id,
    state: Server.State,
    passiveIp: Server.ProtocolDetails.PassiveIp,
    subnetIds: [...Server.EndpointDetails.SubnetIds].sort(),
    marker: parameter.Parameter.Value,
  };
}

function restartsOf(calls: readonly Call[], serverId: string): string[] {
  return calls.filter((c) => c.serverId === serverId && /^(Stop|Start)Server$/.test(c.action)).map((c) => `${c.action} from ${c.fromState}`);
}

/** Synth, then plan + apply each stack (provider first), then plan both again. */
async function applyChange(session: Session, label: string, document: TransferConfigInput): Promise<Outcome> {
  const before = (await session.emulator.calls()).length;
  const passiveIpBefore = (await serverView(session)).passiveIp;
  writeConfig(session, document);
  await synth(session);
  const planned = {} as Record<StackName, PlannedChange[]>;
  let applyOutput = "";
  for (const stack of STACKS) {
    // The plan shown to the team, then applied as saved (what a reviewed plan is).
    const { changes, applyOutput: output } = await planChanges(session, stack, `${label}: plan + apply ${stack}`, true);
    planned[stack] = changes;
    applyOutput += output;
  }
  return settle(session, label, before, passiveIpBefore, planned, applyOutput);
}

async function settle(
  session: Session,
  label: string,
  before: number,
  passiveIpBefore: string,
  planned: Record<StackName, PlannedChange[]>,
  applyOutput: string,
  // A stack that was planned empty was not applied, and its plan already came after every apply
  // before it (provider first): planning it again would repeat that plan. Only applied stacks are re-planned.
  recheck: readonly StackName[] = STACKS.filter((stack) => planned[stack].length > 0),
): Promise<Outcome> {
  const [provider, consumer] = await Promise.all(
    STACKS.map((stack) => (recheck.includes(stack) ? planChanges(session, stack, `${label}: plan ${stack} again`) : Promise.resolve([]))),
  );
  const server = await serverView(session);
  const calls = (await session.emulator.calls()).slice(before);
  return { label, planned, after: { provider, consumer }, restarts: restartsOf(calls, server.id), calls, server, passiveIpBefore, applyOutput };
}

function restartInvocations(calls: readonly Call[]): { functionName?: string; functionError?: string }[] {
  return calls
    .filter((c) => c.action === "Invoke" && c.functionName === "tf-ftp-passive-ip-restart")
    .map((c) => ({ functionName: c.functionName, functionError: c.functionError }));
}

const summary = (changes: readonly PlannedChange[]) => changes.map((c) => `${c.actions.join("+")} ${c.address}`);
const ofType = (changes: readonly PlannedChange[], type: string) => changes.filter((c) => c.type === type);
const RESTART = ["StopServer from ONLINE", "StartServer from OFFLINE"];

/** The assertions every change shares: applied, nothing left to do, same server, the restarts expected. */
function expectSettled(outcome: Outcome, baseline: ServerView, restarts: string[]): void {
  expect({ change: outcome.label, provider: summary(outcome.after.provider), consumer: summary(outcome.after.consumer) }).toEqual({
    change: outcome.label,
    provider: [],
    consumer: [],
  });
  expect(outcome.server).toMatchObject({ id: baseline.id, state: "ONLINE" });
  expect({ change: outcome.label, restarts: outcome.restarts }).toEqual({ change: outcome.label, restarts });
  // The marker always says the PassiveIp in effect once the change is applied.
  expect(outcome.server.marker).toBe(outcome.server.passiveIp);
  // The restart resource is planned (replaced) only when the PassiveIp changes.
  const restartPlanned = outcome.planned.provider.filter((c) => c.address.includes("passive-ip-restart") && c.type !== "aws_ssm_parameter");
  if (outcome.server.passiveIp === outcome.passiveIpBefore) expect(summary(restartPlanned)).toEqual([]);
  else expect(restartPlanned.map((c) => c.actions.join("+"))).toEqual(["delete+create"]);
  // Never a new server.
  expect(ofType(outcome.planned.provider, "aws_transfer_server").filter((c) => c.actions.includes("delete"))).toEqual([]);
}

// ------------------------------------------------------------------ chain A
interface ChainA {
  readonly pre: PreexistingResources;
  readonly baseline: ServerView;
  readonly firstDeployOutput: string;
  readonly firstDeployCalls: Call[];
  readonly nlbIp: string;
  readonly steps: Map<string, Outcome>;
  /** The interrupted deploy and the one after it (second half only). */
  readonly interrupted?: { readonly killedAfter: string[]; readonly killedOutput: string; readonly resumed: Outcome; readonly markerWhenKilled: string };
  readonly timings: string;
}

const TAGS = { Project: "transfer-privatelink-ftp", Environment: "local-emulator", CostCentre: "ftp-42" };
const SECOND_CIDR = "192.168.10.0/24";
const CONSUMER_ACCOUNT = "arn:aws:iam::210987654321:root";

function chainADocument(pre: PreexistingResources, edit: (d: TransferConfigInput) => void = () => undefined): TransferConfigInput {
  const document = configDocument(pre, { clientEnabled: true });
  edit(document);
  return document;
}

async function waitForCall(session: Session, after: number, predicate: (c: Call) => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await session.emulator.calls()).slice(after).some(predicate)) {
    if (Date.now() > deadline) throw new Error("the call never came");
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

type Edit = (d: TransferConfigInput) => void;

/**
 * Chain A runs in two halves on their own emulators, side by side (each from its own baseline): the
 * changes that touch neither the restart nor the client, then the others and the interrupted deploy.
 */
const CHAIN_A_STEPS: Record<1 | 2, [string, (pre: PreexistingResources) => Edit][]> = {
  1: [
    ["tags", () => (d) => (d.tags = TAGS)],
    [
      "allowedCidrs",
      (pre) => (d) => {
        d.provider.allowedCidrs = [pre.vpcCidr, SECOND_CIDR];
        d.consumer.allowedCidrs = [pre.vpcCidr, SECOND_CIDR];
      },
    ],
    ["allowedPrincipals", () => (d) => (d.provider.allowedPrincipals = [...(d.provider.allowedPrincipals ?? []), CONSUMER_ACCOUNT])],
    ["logRetentionDays", () => (d) => (d.provider.logRetentionDays = 90)],
    ["restartTimeoutSeconds", () => (d) => (d.provider.restartTimeoutSeconds = 300)],
  ],
  2: [
    ["alarms off", () => (d) => (d.provider.monitoring = { alarms: false })],
    ["alarms on with a topic", () => (d) => (d.provider.monitoring = { alarms: true, createAlarmTopic: true })],
    ["client off", () => (d) => (d.consumer.client = { enabled: false })],
    ["client on, another type", () => (d) => (d.consumer.client = { enabled: true, instanceType: "t3.small" })],
    ["passiveIpMode nlb -> control-connection", () => (d) => (d.provider.passiveIpMode = "control-connection")],
  ],
};

async function runChainA(half: 1 | 2): Promise<ChainA> {
  let session: Session | undefined;
  let ok = false;
  try {
    // STOPPING/STARTING last 6 s, so the interrupted deploy is killed mid-restart.
    session = await openSession({ label: `day2-article-${half}`, emulator: { stateDelaySeconds: 6, transferEndpointPendingSeconds: 2 } });
    const s = session;
    const pre = await createPreexistingResources(s);
    const base = () => chainADocument(pre);
    writeConfig(s, base());
    const first = await deploy(s, "cdktf deploy (baseline: one subnet, nlb, IP looked up)");
    const baseline = await serverView(s);
    const firstDeployCalls = await s.emulator.calls();
    const nlbIp = (await stackOutputs(s, "provider")).nlb_private_ip;
    const steps = new Map<string, Outcome>();
    // Each change is made on top of the ones before it, as a team's config file evolves.
    const current = base();
    for (const [label, edit] of CHAIN_A_STEPS[half]) {
      edit(pre)(current);
      steps.set(label, await applyChange(s, label, structuredClone(current)));
    }
    if (half === 1) {
      ok = true;
      return { pre, baseline, firstDeployOutput: first.output, firstDeployCalls, nlbIp, steps, timings: formatTimings(s) };
    }

    // Back to "nlb", killed (the whole process group, SIGKILL: no clean shutdown) while the restart runs.
    const before = (await s.emulator.calls()).length;
    current.provider.passiveIpMode = "nlb";
    writeConfig(s, structuredClone(current));
    const serverId = baseline.id;
    const killed = deploy(s, "cdktf deploy (passiveIpMode back to nlb; killed during the restart)").then(
      () => "",
      (error: unknown) => (error instanceof CommandError ? error.result.output : Promise.reject(error)),
    );
    // Only this deploy's StopServer counts (the earlier one is the control-connection switch's).
    await waitForCall(s, before, (c) => c.serverId === serverId && c.action === "StopServer", 5 * 60_000);
    interruptCommands("SIGKILL", s.processes);
    const killedOutput = await killed;
    const killedAfter = restartsOf((await s.emulator.calls()).slice(before), serverId);
    const markerWhenKilled = (await serverView(s)).marker;
    // The restart runs in a session of its own (setsid): it finishes although Terraform is gone.
    const settledBy = Date.now() + 5 * 60_000;
    while ((await serverView(s)).marker !== nlbIp) {
      if (Date.now() > settledBy) throw new Error("the restart did not finish after cdktf deploy was killed");
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    // The deploy after it, as a user runs it again.
    const again = await deploy(s, "cdktf deploy (after the interrupted one)");
    const resumed = await settle(s, "deploy after the interrupted one", before, "0.0.0.0", { provider: [], consumer: [] }, again.output, STACKS);
    ok = true;
    return {
      pre,
      baseline,
      firstDeployOutput: first.output,
      firstDeployCalls,
      nlbIp,
      steps,
      interrupted: { killedAfter, killedOutput, resumed, markerWhenKilled },
      timings: formatTimings(s),
    };
  } finally {
    if (session && !ok) console.log(`day-2 chain A${half} failed; timings so far:\n${formatTimings(session)}`);
    await closeSession(session, { keep: KEEP && !ok });
  }
}

// ------------------------------------------------------------------ chain B
interface ChainB {
  readonly pre: PreexistingResources;
  readonly third: string;
  readonly baseline: ServerView;
  readonly firstDeployCalls: Call[];
  readonly steps: Map<string, Outcome>;
  readonly names: Map<string, { loadBalancers: string[]; targetGroups: string[] }>;
  readonly timings: string;
}

async function elbNames(session: Session): Promise<{ loadBalancers: string[]; targetGroups: string[] }> {
  const [{ LoadBalancers }, { TargetGroups }] = await Promise.all([
    aws(session.emulator, ["elbv2", "describe-load-balancers"]),
    aws(session.emulator, ["elbv2", "describe-target-groups"]),
  ]);
  return {
    loadBalancers: LoadBalancers.map((lb: { LoadBalancerName: string }) => lb.LoadBalancerName).sort(),
    targetGroups: TargetGroups.map((g: { TargetGroupName: string }) => g.TargetGroupName).sort(),
  };
}

async function runChainB(): Promise<ChainB> {
  let session: Session | undefined;
  let ok = false;
  try {
    session = await openSession({ label: "day2-subnets", emulator: { transferEndpointPendingSeconds: 2 } });
    const s = session;
    const pre = await createPreexistingResources(s, { twoProviderSubnets: true });
    const third = (await createSubnet(s, pre.providerVpcId, "10.0.5.0/24", "d")).id;
    const [a, c] = pre.providerSubnets.map((subnet) => subnet.id);
    // This chain restarts through the Lambda form (restartResource "lambda", run for real by the emulator).
    const document = (subnets: string[], mode: "nlb" | "control-connection") => {
      const d = configDocument(pre, { providerSubnetIds: subnets, passiveIpMode: mode, clientEnabled: false });
      d.provider.restartResource = "lambda";
      return d;
    };
    writeConfig(s, document([a], "nlb"));
    await deploy(s, "cdktf deploy (baseline: one subnet, nlb)");
    const baseline = await serverView(s);
    const firstDeployCalls = await s.emulator.calls();
    const steps = new Map<string, Outcome>();
    const names = new Map<string, { loadBalancers: string[]; targetGroups: string[] }>();
    const step = async (label: string, subnets: string[], mode: "nlb" | "control-connection") => {
      steps.set(label, await applyChange(s, label, document(subnets, mode)));
      names.set(label, await elbNames(s));
    };
    await step("one subnet -> two, control-connection", [a, c], "control-connection");
    await step("one of two subnets replaced", [a, third], "control-connection");
    await step("two subnets -> one", [a], "control-connection");
    ok = true;
    return { pre, third, baseline, firstDeployCalls, steps, names, timings: formatTimings(s) };
  } finally {
    if (session && !ok) console.log(`day-2 chain B failed; timings so far:\n${formatTimings(session)}`);
    await closeSession(session, { keep: KEEP && !ok });
  }
}

describeE2E("day-2 changes on the emulator: each applies cleanly, restarts only for a new PassiveIp", () => {
  let chainA: Promise<ChainA>;
  let chainA2: Promise<ChainA>;
  let chainB: Promise<ChainB>;
  beforeAll(() => {
    chainA = runChainA(1);
    chainA2 = runChainA(2);
    chainA2.catch(() => undefined);
    chainB = runChainB();
    chainA.catch(() => undefined); // reported by the tests that await it
    chainB.catch(() => undefined);
  });
  afterAll(async () => {
    const [a, a2, b] = await Promise.allSettled([chainA, chainA2, chainB]);
    if (a.status === "fulfilled") console.log(`day-2 chain A1 timings:\n${a.value.timings}`);
    if (a2.status === "fulfilled") console.log(`day-2 chain A2 timings:\n${a2.value.timings}`);
    if (b.status === "fulfilled") console.log(`day-2 chain B timings:\n${b.value.timings}`);
  }, 3 * STEP_TIMEOUT_MS);

  // A test waits for its whole chain (minutes of deploys on a loaded 2-core machine); each step is bounded by its own timeout.
  const LONG = 45 * 60_000;
  /** The half of chain A that made a change. */
  const chainOf = (label: string): Promise<ChainA> => (CHAIN_A_STEPS[1].some(([l]) => l === label) ? chainA : chainA2);

  describe("A. the article's mode: one subnet, passiveIpMode nlb, NLB IP looked up (two halves side by side)", () => {
    test(
      "first deploy: no restart; PassiveIp is the NLB's IP, and the marker says so",
      async () => {
        const { baseline, firstDeployOutput, firstDeployCalls, nlbIp } = await chainA;
        expect(restartsOf(firstDeployCalls, baseline.id)).toEqual([]);
        const second = await chainA2;
        expect(restartsOf(second.firstDeployCalls, second.baseline.id)).toEqual([]);
        expect(baseline).toMatchObject({ state: "ONLINE", passiveIp: nlbIp, marker: nlbIp });
        expect(nlbIp).toMatch(/^10\.0\.3\.\d+$/);
        expect(firstDeployOutput).toContain(`passive-ip restart: PassiveIp ${nlbIp} is already in effect on Transfer server ${baseline.id}`);
      },
      LONG,
    );

    test(
      "tags: the NLB's address is read at plan time, the server's tags change and nothing else of it, no restart",
      async () => {
        const { baseline, steps } = await chainA;
        const outcome = steps.get("tags")!;
        const planned = outcome.planned.provider;
        // The lookup of the NLB's address is not deferred to apply time (it was, through a direct reference).
        expect(planned.filter((c) => c.type === "aws_network_interface" && c.address.includes("ftp-load-balancer"))).toEqual([]);
        // The server: tags only (default_tags reach every resource); PassiveIp stays known and the same.
        expect(ofType(planned, "aws_transfer_server")).toEqual([expect.objectContaining({ actions: ["update"], attributes: ["tags_all"] })]);
        expect(planned.filter((c) => c.address.includes("passive-ip-restart") && c.type !== "aws_ssm_parameter")).toEqual([]);
        expect(ofType(planned, "aws_lb")).toEqual([expect.objectContaining({ actions: ["update"], attributes: ["tags_all"] })]);
        expect(planned.every((c) => c.actions.join() === "update" || c.actions.join() === "read")).toBe(true);
        expectSettled(outcome, baseline, []);
        expect(outcome.server.passiveIp).toBe(baseline.passiveIp);
      },
      LONG,
    );

    test.each([
      ["allowedCidrs", "security group rules for the new CIDR on both sides"],
      ["allowedPrincipals", "the endpoint service's allowed principals"],
      ["logRetentionDays", "the log groups' retention"],
      ["alarms off", "the alarms removed"],
      ["alarms on with a topic", "the alarms and a new SNS topic"],
      ["client off", "the client instance removed"],
      ["client on, another type", "a client instance of the new type"],
    ])(
      "%s (%s): applied in place or added, second plan empty, same server, no restart",
      async (label) => {
        const { baseline, steps } = await chainOf(label);
        const outcome = steps.get(label)!;
        expect(summary([...outcome.planned.provider, ...outcome.planned.consumer]).length).toBeGreaterThan(0);
        expectSettled(outcome, baseline, []);
        expect(outcome.server.passiveIp).toBe(baseline.passiveIp);
        // Nothing on the FTP path is replaced: server, NLB, target groups, endpoint service, consumer endpoint.
        for (const type of ["aws_transfer_server", "aws_lb", "aws_lb_target_group", "aws_vpc_endpoint_service", "aws_vpc_endpoint"]) {
          const planned = [...outcome.planned.provider, ...outcome.planned.consumer];
          expect({ type, replaced: ofType(planned, type).filter((c) => c.actions.includes("delete")).map((c) => c.address) }).toEqual({ type, replaced: [] });
        }
      },
      LONG,
    );

    test(
      "restartTimeoutSeconds: nothing to apply at all (it is the restart command's environment, not a trigger)",
      async () => {
        const { baseline, steps } = await chainA;
        const outcome = steps.get("restartTimeoutSeconds")!;
        expect(summary(outcome.planned.provider)).toEqual([]);
        expect(summary(outcome.planned.consumer)).toEqual([]);
        expectSettled(outcome, baseline, []);
      },
      LONG,
    );

    test(
      "what each change touched: the new CIDR reaches both sides, the principal the service, the alarm topic exists",
      async () => {
        const steps = new Map([...(await chainA).steps, ...(await chainA2).steps]);
        const cidrs = steps.get("allowedCidrs")!;
        expect(ofType(cidrs.planned.provider, "aws_vpc_security_group_ingress_rule").filter((c) => c.actions.join() === "create")).toHaveLength(2);
        expect(ofType(cidrs.planned.consumer, "aws_vpc_security_group_ingress_rule").filter((c) => c.actions.join() === "create")).toHaveLength(2);
        expect(ofType(steps.get("allowedPrincipals")!.planned.provider, "aws_vpc_endpoint_service")).toEqual([
          expect.objectContaining({ actions: ["update"], attributes: ["allowed_principals"] }),
        ]);
        expect(ofType(steps.get("alarms on with a topic")!.planned.provider, "aws_sns_topic")).toEqual([expect.objectContaining({ actions: ["create"] })]);
        expect(ofType(steps.get("alarms off")!.planned.provider, "aws_cloudwatch_metric_alarm").every((c) => c.actions.join() === "delete")).toBe(true);
        expect(ofType(steps.get("client off")!.planned.consumer, "aws_instance")).toEqual([expect.objectContaining({ actions: ["delete"] })]);
        expect(ofType(steps.get("client on, another type")!.planned.consumer, "aws_instance")).toEqual([expect.objectContaining({ actions: ["create"] })]);
      },
      LONG,
    );

    test(
      "passiveIpMode nlb -> control-connection: the server updated in place, exactly one restart, PassiveIp 0.0.0.0",
      async () => {
        const { baseline, steps } = await chainA2;
        const outcome = steps.get("passiveIpMode nlb -> control-connection")!;
        expect(ofType(outcome.planned.provider, "aws_transfer_server")).toEqual([
          expect.objectContaining({ actions: ["update"], attributes: ["protocol_details"] }),
        ]);
        expectSettled(outcome, baseline, RESTART);
        expect(outcome.server).toMatchObject({ passiveIp: "0.0.0.0", marker: "0.0.0.0" });
        const serverCalls = outcome.calls.filter((c) => c.serverId === baseline.id).map((c) => c.action);
        expect(serverCalls).toEqual(["UpdateServer", "StopServer", "StartServer"]);
      },
      LONG,
    );

    test(
      "cdktf deploy killed while the restart runs: the next deploy converges, ONLINE with the new PassiveIp, restarted once more at most",
      async () => {
        const { baseline, nlbIp, interrupted: maybe } = await chainA2;
        const interrupted = maybe!;
        // Killed after the StopServer: the marker says a restart is under way.
        expect(interrupted.killedAfter[0]).toBe("StopServer from ONLINE");
        expect(interrupted.markerWhenKilled).toBe(RESTART_IN_PROGRESS);
        const { resumed } = interrupted;
        expect(resumed.server).toMatchObject({ id: baseline.id, state: "ONLINE", passiveIp: nlbIp, marker: nlbIp });
        // The next deploy has nothing left to do, and a plan after it is empty.
        expect({ provider: summary(resumed.after.provider), consumer: summary(resumed.after.consumer) }).toEqual({ provider: [], consumer: [] });
        // One stop and one start in all: the restart Terraform started finished on its own, none was repeated.
        expect(resumed.restarts).toEqual(RESTART);
      },
      LONG,
    );
  });

  describe("B. subnets: one -> two (multi-AZ), one of two replaced, two -> one", () => {
    test(
      "first deploy: no restart; the restart function was invoked once and found the PassiveIp in effect",
      async () => {
        const { baseline, firstDeployCalls } = await chainB;
        expect(restartsOf(firstDeployCalls, baseline.id)).toEqual([]);
        expect(baseline.marker).toBe(baseline.passiveIp);
        // Two invocations of the function: the wait for the new server's endpoint, then the restart step (nothing to do).
        expect(restartInvocations(firstDeployCalls)).toEqual([
          { functionName: "tf-ftp-passive-ip-restart", functionError: undefined },
          { functionName: "tf-ftp-passive-ip-restart", functionError: undefined },
        ]);
      },
      LONG,
    );

    test(
      "one subnet -> two with control-connection: a new NLB under a new name, the server's subnets updated in place, exactly one restart",
      async () => {
        const { pre, baseline, steps, names } = await chainB;
        const [a, c] = pre.providerSubnets.map((subnet) => subnet.id);
        const outcome = steps.get("one subnet -> two, control-connection")!;
        expect(ofType(outcome.planned.provider, "aws_lb")).toEqual([expect.objectContaining({ actions: ["create", "delete"] })]);
        expect(ofType(outcome.planned.provider, "aws_transfer_server")).toEqual([expect.objectContaining({ actions: ["update"] })]);
        expectSettled(outcome, baseline, RESTART);
        expect(outcome.server).toMatchObject({ passiveIp: "0.0.0.0", subnetIds: [a, c].sort() });
        // Through the Lambda form: the invocation replaced, the function invoked once, as its own role.
        expect(ofType(outcome.planned.provider, "aws_lambda_invocation")).toEqual([expect.objectContaining({ actions: ["delete", "create"] })]);
        expect(restartInvocations(outcome.calls)).toEqual([{ functionName: "tf-ftp-passive-ip-restart", functionError: undefined }]);
        const asRole = outcome.calls.filter((c) => c.action === "RoleRequest" && String(c.roleArn).endsWith(":role/tf-ftp-passive-ip-restart"));
        expect(new Set(asRole.map((c) => c.iamAction))).toEqual(
          new Set(["ssm:GetParameter", "ssm:PutParameter", "transfer:DescribeServer", "transfer:StopServer", "transfer:StartServer"]),
        );
        const hash = loadBalancerGeneration([a, c]);
        expect(names.get(outcome.label)).toEqual({
          loadBalancers: [`tf-ftp-nlb-${hash}`],
          targetGroups: LISTENER_PORTS.map((p) => `tf-ftp-${p}-${hash}`).sort(),
        });
      },
      LONG,
    );

    test.each([
      ["one of two subnets replaced", "third"],
      ["two subnets -> one", "none"],
    ])(
      "%s: a new NLB and target groups under new names, created before the old go; no restart (PassiveIp stays 0.0.0.0)",
      async (label, extra) => {
        const { pre, third, baseline, steps, names } = await chainB;
        const a = pre.providerSubnets[0].id;
        const subnets = extra === "third" ? [a, third] : [a];
        const outcome = steps.get(label)!;
        expect(ofType(outcome.planned.provider, "aws_lb")).toEqual([expect.objectContaining({ actions: ["create", "delete"] })]);
        expect(outcome.applyOutput).not.toMatch(/Duplicate(LoadBalancer|TargetGroup)Name|InvalidGroup\.Duplicate|ResourceInUse/);
        expectSettled(outcome, baseline, []);
        expect(restartInvocations(outcome.calls)).toEqual([]);
        expect(outcome.server).toMatchObject({ passiveIp: "0.0.0.0", subnetIds: [...subnets].sort() });
        const hash = loadBalancerGeneration(subnets);
        expect(names.get(label)).toEqual({
          loadBalancers: [`tf-ftp-nlb-${hash}`],
          targetGroups: LISTENER_PORTS.map((p) => `tf-ftp-${p}-${hash}`).sort(),
        });
      },
      LONG,
    );
  });
});
