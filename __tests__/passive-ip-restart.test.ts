import "cdktf/lib/testing/adapters/jest";
import { execFile, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { RESTART_IN_PROGRESS } from "../functions/passive-ip-restart/marker";
import { RESTART_COMMAND } from "../stacks/provider/passive-ip-restart";
import { configWith } from "./support/config";
import { dataSourcesOf, onlyResource, ref, resourcesOf, synthStacks } from "./support/synth";

const run = promisify(execFile);

describe("restart resource in the synthesized provider stack", () => {
  test("null_resource (default): triggers on server ID and passive IP, runs the inline command", () => {
    const { provider } = synthStacks(configWith());
    const json = JSON.parse(provider);
    const server = onlyResource(provider, "aws_transfer_server");
    const restart = onlyResource(provider, "null_resource");
    const marker = resourcesOf(provider, "aws_ssm_parameter").find((r) => r.__address.includes("passive-ip-restart"))!;
    expect(restart.triggers).toEqual({
      server_id: ref(server, "id"),
      passive_ip: ref(server, "protocol_details[0].passive_ip"),
      // The marker as Terraform refreshed it: stuck "in progress" (a machine that died mid-restart) re-runs the restart.
      marker_state: `\${(${ref(marker, "insecure_value").slice(2, -1)} == "restart-in-progress") ? "interrupted" : "settled"}`,
    });
    const [{ "local-exec": exec }] = restart.provisioner as { "local-exec": Record<string, unknown> }[];
    expect(exec.command).toBe(RESTART_COMMAND);
    expect(exec.interpreter).toEqual(["/bin/sh", "-c"]);
    // The command is not echoed into apply logs (Terraform >= 1.4).
    expect(exec.quiet).toBe(true);
    expect(exec.environment).toEqual({
      AWS_REGION: "ap-northeast-1",
      AWS_DEFAULT_REGION: "ap-northeast-1",
      SERVER_ID: ref(server, "id"),
      PASSIVE_IP: ref(server, "protocol_details[0].passive_ip"),
      MARKER_PARAMETER: ref(marker, "name"),
      TIMEOUT_SECONDS: "900",
      POLL_SECONDS: "10",
    });
    expect(json.terraform.required_providers.null).toEqual({ source: "null", version: expect.any(String) });
    // The only terraform_data is the wait for the Transfer endpoint (transfer-endpoint-addresses).
    expect(resourcesOf(provider, "terraform_data").filter((r) => r.__address.includes("passive-ip-restart"))).toHaveLength(0);
  });

  test("the marker: one SSM parameter per server ID, created with the server's PassiveIp, its value then left to the command", () => {
    const { provider } = synthStacks(configWith());
    const server = onlyResource(provider, "aws_transfer_server");
    const marker = resourcesOf(provider, "aws_ssm_parameter").find((r) => r.__address.includes("passive-ip-restart"))!;
    expect(marker).toMatchObject({
      name: `/tf-ftp/transfer/${ref(server, "id")}/passive-ip-in-effect`,
      type: "String",
      insecure_value: ref(server, "protocol_details[0].passive_ip"),
      lifecycle: { ignore_changes: ["insecure_value"] },
    });
  });

  test("terraform_data (restartResource): same triggers as triggers_replace, no null provider needed", () => {
    const { provider } = synthStacks(configWith({ provider: { restartResource: "terraform_data", restartTimeoutSeconds: 300 } }));
    const json = JSON.parse(provider);
    const server = onlyResource(provider, "aws_transfer_server");
    const restart = resourcesOf(provider, "terraform_data").find((r) => r.__address.includes("passive-ip-restart"))!;
    expect(restart.triggers_replace).toEqual({
      server_id: ref(server, "id"),
      passive_ip: expect.stringContaining("passive_ip"),
      marker_state: expect.stringContaining("restart-in-progress"),
    });
    const [{ "local-exec": exec }] = restart.provisioner as { "local-exec": Record<string, unknown> }[];
    expect(exec.command).toBe(RESTART_COMMAND);
    expect((exec.environment as Record<string, string>).TIMEOUT_SECONDS).toBe("300");
    expect(json.terraform.required_providers.null).toBeUndefined();
    expect(json.provider.null).toBeUndefined();
    expect(resourcesOf(provider, "null_resource")).toHaveLength(0);
  });

  test("lambda (restartResource): aws_lambda_invocation of the restart function, same triggers, no local-exec, no null provider", () => {
    const { provider } = synthStacks(configWith({ provider: { restartResource: "lambda" } }));
    const json = JSON.parse(provider);
    const server = onlyResource(provider, "aws_transfer_server");
    const marker = resourcesOf(provider, "aws_ssm_parameter").find((r) => r.__address.includes("passive-ip-restart"))!;
    const invocation = resourcesOf(provider, "aws_lambda_invocation").find((r) => r.__address.includes("passive-ip-restart"))!;
    const fn = resourcesOf(provider, "aws_lambda_function").find((r) => r.__address.includes("restart-function"))!;
    expect(invocation.triggers).toEqual({
      server_id: ref(server, "id"),
      passive_ip: ref(server, "protocol_details[0].passive_ip"),
      marker_state: expect.stringContaining("restart-in-progress"),
    });
    expect(invocation.function_name).toBe(ref(fn, "function_name"));
    // The invocation's input: what the function needs, the timeout defaulted to what fits in one invocation.
    expect(invocation.input).toBe(
      `\${jsonencode({"action" = "restart", "serverId" = ${ref(server, "id").slice(2, -1)}, "passiveIp" = ${ref(server, "protocol_details[0].passive_ip").slice(2, -1)}, "markerParameter" = ${ref(marker, "name").slice(2, -1)}, "timeoutSeconds" = 420, "pollSeconds" = 10})}`,
    );
    expect(fn).toMatchObject({ runtime: "nodejs22.x", handler: "index.handler", timeout: 900, function_name: "tf-ftp-passive-ip-restart" });
    expect(resourcesOf(provider, "null_resource")).toHaveLength(0);
    expect(resourcesOf(provider, "terraform_data").filter((r) => r.__address.includes("passive-ip-restart"))).toHaveLength(0);
    expect(json.terraform.required_providers.null).toBeUndefined();
  });

  test("lambda: its role may describe, stop and start this server and read and write its marker only", () => {
    const { provider } = synthStacks(configWith({ provider: { restartResource: "lambda" } }));
    const server = onlyResource(provider, "aws_transfer_server");
    const marker = resourcesOf(provider, "aws_ssm_parameter").find((r) => r.__address.includes("passive-ip-restart"))!;
    const policy = resourcesOf(provider, "aws_iam_role_policy").find((r) => r.__address.includes("restart-function"))!;
    const statements = JSON.parse(policy.policy as string).Statement;
    expect(statements).toEqual([
      expect.objectContaining({ Sid: "WriteOwnLogs", Action: ["logs:CreateLogStream", "logs:PutLogEvents"] }),
      { Sid: "RestartThisServer", Effect: "Allow", Action: ["transfer:DescribeServer", "transfer:StopServer", "transfer:StartServer"], Resource: ref(server, "arn") },
      {
        Sid: "ReadAndWriteItsMarker",
        Effect: "Allow",
        Action: ["ssm:GetParameter", "ssm:PutParameter"],
        Resource: `arn:\${data.aws_partition.partition.partition}:ssm:ap-northeast-1:\${data.aws_caller_identity.account.account_id}:parameter/tf-ftp/transfer/${ref(server, "id")}/passive-ip-in-effect`,
      },
      // EC2 Describe* takes no resource-level permissions.
      { Sid: "WaitForTheServersEndpoint", Effect: "Allow", Action: "ec2:DescribeVpcEndpoints", Resource: "*" },
    ]);
    // The marker the function writes is the one the restart step reads.
    expect(marker.name).toBe(`/tf-ftp/transfer/${ref(server, "id")}/passive-ip-in-effect`);
  });

  test("lambda: the wait for a new server's endpoint is an invocation of the same function, no local-exec anywhere", () => {
    const { provider } = synthStacks(configWith({ provider: { restartResource: "lambda" } }));
    const server = onlyResource(provider, "aws_transfer_server");
    const fn = resourcesOf(provider, "aws_lambda_function").find((r) => r.__address.includes("restart-function"))!;
    const wait = resourcesOf(provider, "aws_lambda_invocation").find((r) => r.__address.includes("transfer-endpoint-addresses"))!;
    expect(wait.function_name).toBe(ref(fn, "function_name"));
    expect(wait.triggers).toEqual({ vpc_endpoint_id: ref(server, "endpoint_details[0].vpc_endpoint_id") });
    expect(wait.input).toContain('"action" = "wait-for-endpoint"');
    // The ENI lookups wait for it.
    for (const eni of dataSourcesOf(provider, "aws_network_interface").filter((d) => d.__address.includes("transfer-endpoint-addresses"))) {
      expect(eni.depends_on).toEqual([wait.__address]);
    }
    expect(provider).not.toContain("local-exec");
    expect(resourcesOf(provider, "terraform_data")).toHaveLength(0);
  });

  test("lambda: both invocations (endpoint wait, restart) and the function come after the function's role policy (IAM propagation)", () => {
    // IAM user guide, troubleshooting: "Changes that I make are not always immediately visible".
    // Nothing but depends_on orders an invocation after the policy that permits its calls.
    const { provider } = synthStacks(configWith({ provider: { restartResource: "lambda" } }));
    const policy = resourcesOf(provider, "aws_iam_role_policy").find((r) => r.__address.includes("restart-function"))!;
    const fn = resourcesOf(provider, "aws_lambda_function").find((r) => r.__address.includes("restart-function"))!;
    const logGroup = resourcesOf(provider, "aws_cloudwatch_log_group").find((r) => r.__address.includes("restart-function"))!;
    const invocations = resourcesOf(provider, "aws_lambda_invocation");
    expect(invocations.map((i) => i.__address).sort()).toEqual([
      expect.stringContaining("passive-ip-restart"),
      expect.stringContaining("transfer-endpoint-addresses"),
    ]);
    for (const invocation of invocations) {
      expect({ invocation: invocation.__address, depends_on: invocation.depends_on }).toEqual({ invocation: invocation.__address, depends_on: [policy.__address] });
      expect(invocation.function_name).toBe(ref(fn, "function_name"));
    }
    expect(fn.depends_on).toEqual([logGroup.__address, policy.__address]);
  });

  test("provider.assumeRoleArn reaches the command's environment (and nothing else changes)", () => {
    const role = "arn:aws:iam::111122223333:role/ftp-deployer";
    const { provider } = synthStacks(configWith({ provider: { assumeRoleArn: role } }));
    const [{ "local-exec": exec }] = onlyResource(provider, "null_resource").provisioner as { "local-exec": Record<string, unknown> }[];
    expect((exec.environment as Record<string, string>).ASSUME_ROLE_ARN).toBe(role);
    expect(exec.command).toBe(RESTART_COMMAND);
    const { provider: withoutRole } = synthStacks(configWith());
    const [{ "local-exec": ambient }] = onlyResource(withoutRole, "null_resource").provisioner as { "local-exec": Record<string, unknown> }[];
    expect(ambient.environment).not.toHaveProperty("ASSUME_ROLE_ARN");
  });

  test("the command has nothing Terraform would interpolate and names no file", () => {
    expect(RESTART_COMMAND).not.toContain("${");
    expect(RESTART_COMMAND).not.toContain("%{");
    expect(RESTART_COMMAND).not.toMatch(/\.sh\b|scripts\//);
  });
});

/**
 * The command itself, run by /bin/sh against a stand-in `aws` executable that
 * keeps the server state in a file and logs every call. A state may carry a
 * countdown: "STOPPING 2 OFFLINE" reads STOPPING twice, then OFFLINE.
 */
describe("restart command behaviour", () => {
  let dir: string;
  let bin: string;

  const FAKE_AWS = `#!/bin/sh
echo "$*" >> "$FAKE_DIR/calls"
echo "$2 key=$AWS_ACCESS_KEY_ID secret=$AWS_SECRET_ACCESS_KEY token=$AWS_SESSION_TOKEN profile=$AWS_PROFILE" >> "$FAKE_DIR/credentials"
read -r state count next < "$FAKE_DIR/state"
case "$2" in
  assume-role)
    if [ -f "$FAKE_DIR/assume-fails" ]; then
      echo "An error occurred (AccessDenied) when calling the AssumeRole operation: not authorized" >&2; exit 254
    fi
    printf 'ASIAASSUMEDKEY\tassumed-secret\tassumed-session-token\n' ;;
  describe-server)
    echo "$state"
    if [ -n "$count" ]; then
      count=$((count - 1))
      if [ "$count" -le 0 ]; then echo "$next" > "$FAKE_DIR/state"; else echo "$state $count $next" > "$FAKE_DIR/state"; fi
    fi ;;
  get-parameter)
    [ -f "$FAKE_DIR/marker" ] || { echo "An error occurred (ParameterNotFound) when calling the GetParameter operation" >&2; exit 254; }
    cat "$FAKE_DIR/marker" ;;
  put-parameter) for arg; do value=$arg; done; echo "$value" > "$FAKE_DIR/marker" ;;
  stop-server)
    cat "$FAKE_DIR/on-stop" > "$FAKE_DIR/state"
    if [ -f "$FAKE_DIR/hang-after-stop" ]; then sleep "$(cat "$FAKE_DIR/hang-after-stop")"; fi ;;
  start-server) cat "$FAKE_DIR/on-start" > "$FAKE_DIR/state" ;;
  *) echo "unexpected call: $*" >&2; exit 2 ;;
esac
`;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "restart-"));
    bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    // A PATH with only what the command needs, so the real AWS CLI is never reached.
    for (const tool of ["date", "sleep", "cat"]) {
      const found = ["/usr/bin", "/bin"].map((d) => path.join(d, tool)).find((p) => fs.existsSync(p));
      fs.symlinkSync(found!, path.join(bin, tool));
    }
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** `marker`: what the SSM parameter holds (the PassiveIp in effect); by default an older address. */
  function fakeAws(initial: string, onStop: string, onStart: string, marker: string | null = "10.0.3.100"): void {
    fs.writeFileSync(path.join(bin, "aws"), FAKE_AWS, { mode: 0o755 });
    if (marker !== null) fs.writeFileSync(path.join(dir, "marker"), `${marker}\n`);
    fs.writeFileSync(path.join(dir, "state"), `${initial}\n`);
    fs.writeFileSync(path.join(dir, "on-stop"), `${onStop}\n`);
    fs.writeFileSync(path.join(dir, "on-start"), `${onStart}\n`);
  }

  function restartEnv(timeoutSeconds = 30, extraEnv: Record<string, string> = {}): Record<string, string> {
    return {
      PATH: bin,
      FAKE_DIR: dir,
      // The runner's ambient credentials (and a profile the assumed role must override).
      AWS_ACCESS_KEY_ID: "AKIAAMBIENTKEY",
      AWS_SECRET_ACCESS_KEY: "ambient-secret",
      AWS_PROFILE: "runner",
      ...extraEnv,
      AWS_REGION: "ap-northeast-1",
      SERVER_ID: "s-0123456789abcdef0",
      PASSIVE_IP: "10.0.3.119",
      MARKER_PARAMETER: "/tf-ftp/transfer/s-0123456789abcdef0/passive-ip-in-effect",
      TIMEOUT_SECONDS: String(timeoutSeconds),
      POLL_SECONDS: "0",
    };
  }

  async function waitUntil(condition: () => boolean): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error("timed out");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function restart(timeoutSeconds = 30, extraEnv: Record<string, string> = {}) {
    const env = restartEnv(timeoutSeconds, extraEnv);
    try {
      const { stdout, stderr } = await run("/bin/sh", ["-c", RESTART_COMMAND], { env, timeout: 20000 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  const calls = () =>
    fs.existsSync(path.join(dir, "calls"))
      ? fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n").map((line) => line.split(" ")[1])
      : [];

  const marker = () => fs.readFileSync(path.join(dir, "marker"), "utf8").trim();

  test("ONLINE server with an older PassiveIp in effect: mark, stop, wait through STOPPING until OFFLINE, start, wait until ONLINE, mark", async () => {
    fakeAws("ONLINE", "STOPPING 2 OFFLINE", "STARTING 1 ONLINE");
    const result = await restart();
    expect(result.code).toBe(0);
    expect(calls()).toEqual([
      "get-parameter",
      "describe-server",
      "put-parameter",
      "stop-server",
      "describe-server",
      "describe-server",
      "describe-server",
      "start-server",
      "describe-server",
      "describe-server",
      "put-parameter",
    ]);
    const log = fs.readFileSync(path.join(dir, "calls"), "utf8");
    expect(log).toContain("stop-server --region ap-northeast-1 --server-id s-0123456789abcdef0");
    expect(log).toContain("ssm get-parameter --region ap-northeast-1 --name /tf-ftp/transfer/s-0123456789abcdef0/passive-ip-in-effect");
    // The in-progress mark is written before the stop, the new address after the start.
    expect(log.split("\n").filter((l) => l.includes("put-parameter")).map((l) => l.split(" ").pop())).toEqual([RESTART_IN_PROGRESS, "10.0.3.119"]);
    expect(marker()).toBe("10.0.3.119");
    expect(result.stdout).toContain("PassiveIp 10.0.3.100 -> 10.0.3.119");
    expect(result.stdout).toContain("server is ONLINE with PassiveIp 10.0.3.119");
  });

  test("the PassiveIp already in effect (a new server, a re-run): no stop, no start, nothing written", async () => {
    fakeAws("ONLINE", "OFFLINE", "ONLINE", "10.0.3.119");
    const result = await restart();
    expect(result.code).toBe(0);
    expect(calls()).toEqual(["get-parameter"]);
    expect(result.stdout).toContain("PassiveIp 10.0.3.119 is already in effect on Transfer server s-0123456789abcdef0");
  });

  test("a server still STARTING is waited for before the restart", async () => {
    fakeAws("STARTING 1 ONLINE", "OFFLINE", "ONLINE");
    const result = await restart();
    expect(result.code).toBe(0);
    expect(calls().filter((c) => c !== "describe-server" && !c.endsWith("-parameter"))).toEqual(["stop-server", "start-server"]);
    expect(marker()).toBe("10.0.3.119");
  });

  test("an OFFLINE server nobody is restarting is left stopped, marked with the PassiveIp its next start applies", async () => {
    fakeAws("OFFLINE", "OFFLINE", "ONLINE");
    const result = await restart();
    expect(result.code).toBe(0);
    expect(calls()).toEqual(["get-parameter", "describe-server", "put-parameter"]);
    expect(marker()).toBe("10.0.3.119");
    expect(result.stdout).toContain("leaving it stopped");
  });

  test("a restart killed after the stop is finished by the next run: start only, then marked", async () => {
    fakeAws("ONLINE", "OFFLINE", "STARTING 1 ONLINE");
    fs.writeFileSync(path.join(dir, "hang-after-stop"), "30");
    const child = spawn("/bin/sh", ["-c", RESTART_COMMAND], { env: restartEnv(), stdio: "ignore", detached: true });
    // Killed (the process group, as Terraform's interrupt does) while stop-server is under way.
    await waitUntil(() => calls().includes("stop-server") && fs.readFileSync(path.join(dir, "state"), "utf8") === "OFFLINE\n");
    process.kill(-child.pid!, "SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    expect(marker()).toBe(RESTART_IN_PROGRESS);
    fs.rmSync(path.join(dir, "hang-after-stop"));
    fs.rmSync(path.join(dir, "calls"));

    const result = await restart();
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(calls().filter((c) => c !== "describe-server")).toEqual(["get-parameter", "start-server", "put-parameter"]);
    expect(result.stdout).toContain("finishing a restart that was interrupted");
    expect(marker()).toBe("10.0.3.119");
  });

  test("with setsid: Terraform's process group killed mid-restart, the restart still finishes (the server is not left OFFLINE)", async () => {
    const setsid = ["/usr/bin/setsid", "/bin/setsid"].find((p) => fs.existsSync(p));
    expect(setsid).toBeDefined(); // util-linux, installed by .ci/run
    fs.symlinkSync(setsid!, path.join(bin, "setsid"));
    fakeAws("ONLINE", "OFFLINE", "STARTING 1 ONLINE");
    fs.writeFileSync(path.join(dir, "hang-after-stop"), "2");
    const child = spawn("/bin/sh", ["-c", RESTART_COMMAND], { env: restartEnv(), stdio: ["ignore", "pipe", "pipe"], detached: true });
    await waitUntil(() => calls().includes("stop-server"));
    // What a SIGKILL of `cdktf deploy`'s group does to Terraform and the provisioner's shell (its pipes close too).
    process.kill(-child.pid!, "SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    await waitUntil(() => marker() === "10.0.3.119");
    expect(calls().filter((c) => c !== "describe-server")).toEqual(["get-parameter", "put-parameter", "stop-server", "start-server", "put-parameter"]);
    expect(fs.readFileSync(path.join(dir, "state"), "utf8").trim()).toBe("ONLINE");
  });

  test("a restart in progress whose server is still STOPPING: wait for OFFLINE, then start", async () => {
    fakeAws("STOPPING 1 OFFLINE", "OFFLINE", "ONLINE", RESTART_IN_PROGRESS);
    const result = await restart();
    expect(result.code).toBe(0);
    expect(calls().filter((c) => c !== "describe-server")).toEqual(["get-parameter", "start-server", "put-parameter"]);
  });

  test("an unreadable marker fails before anything is stopped", async () => {
    fakeAws("ONLINE", "OFFLINE", "ONLINE", null);
    const result = await restart();
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("cannot read /tf-ftp/transfer/s-0123456789abcdef0/passive-ip-in-effect");
    expect(calls()).toEqual(["get-parameter"]);
  });

  test("the wait is bounded: a server stuck in STOPPING fails with a clear message", async () => {
    fakeAws("ONLINE", "STOPPING", "ONLINE");
    const result = await restart(1);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("Transfer server s-0123456789abcdef0 is still STOPPING after 1 s of waiting for OFFLINE");
    expect(calls()).not.toContain("start-server");
    // Left marked in progress: the next run finishes the restart.
    expect(marker()).toBe(RESTART_IN_PROGRESS);
  });

  test("START_FAILED is reported, not waited out", async () => {
    fakeAws("ONLINE", "OFFLINE", "START_FAILED");
    const result = await restart();
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("is START_FAILED (wanted ONLINE)");
  });

  const credentialsUsed = () =>
    fs.readFileSync(path.join(dir, "credentials"), "utf8").trim().split("\n").map((line) => {
      const [call, ...fields] = line.split(" ");
      return { call, ...Object.fromEntries(fields.map((f) => f.split("=") as [string, string])) };
    });
  const ROLE = "arn:aws:iam::111122223333:role/ftp-deployer";

  test("without a role: every call uses the runner's ambient credentials, no assume-role", async () => {
    fakeAws("ONLINE", "OFFLINE", "ONLINE");
    const result = await restart();
    expect(result.code).toBe(0);
    const used = credentialsUsed();
    expect(used.map((u) => u.call)).not.toContain("assume-role");
    expect(used.length).toBeGreaterThanOrEqual(6);
    for (const u of used) expect(u).toMatchObject({ key: "AKIAAMBIENTKEY", secret: "ambient-secret", token: "", profile: "runner" });
  });

  test("with provider.assumeRoleArn: assume-role with the ambient credentials, then describe/stop/start with the role's", async () => {
    fakeAws("ONLINE", "OFFLINE", "ONLINE");
    const result = await restart(30, { ASSUME_ROLE_ARN: ROLE });
    expect(result.code).toBe(0);
    const [first, ...rest] = credentialsUsed();
    expect(first).toMatchObject({ call: "assume-role", key: "AKIAAMBIENTKEY", token: "" });
    expect(fs.readFileSync(path.join(dir, "calls"), "utf8")).toContain(
      `sts assume-role --region ap-northeast-1 --role-arn ${ROLE} --role-session-name passive-ip-restart-s-0123456789abcdef0`,
    );
    expect(rest.map((u) => u.call)).toEqual([
      "get-parameter",
      "describe-server",
      "put-parameter",
      "stop-server",
      "describe-server",
      "start-server",
      "describe-server",
      "put-parameter",
    ]);
    for (const u of rest) {
      expect(u).toMatchObject({ key: "ASIAASSUMEDKEY", secret: "assumed-secret", token: "assumed-session-token", profile: "" });
    }
    expect(result.stdout).toContain(`assuming role ${ROLE}`);
    // The temporary keys are never printed.
    expect(result.stdout + result.stderr).not.toMatch(/ASIAASSUMEDKEY|assumed-secret|assumed-session-token/);
  });

  test("a failing assume-role fails with a clear message before anything is stopped", async () => {
    fakeAws("ONLINE", "OFFLINE", "ONLINE");
    fs.writeFileSync(path.join(dir, "assume-fails"), "");
    const result = await restart(30, { ASSUME_ROLE_ARN: ROLE });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`cannot assume role ${ROLE}`);
    expect(result.stderr).toContain("Transfer server s-0123456789abcdef0 was not stopped");
    expect(calls()).toEqual(["assume-role"]);
  });

  test("without the AWS CLI it fails with a message saying what to do", async () => {
    const result = await restart();
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("the AWS CLI (aws) is not installed where Terraform runs");
    expect(result.stderr).toContain("s-0123456789abcdef0");
    expect(result.stderr).toContain("10.0.3.119");
  });
});
