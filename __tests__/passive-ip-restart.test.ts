import "cdktf/lib/testing/adapters/jest";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { RESTART_COMMAND } from "../stacks/provider/passive-ip-restart";
import { configWith } from "./support/config";
import { onlyResource, ref, resourcesOf, synthStacks } from "./support/synth";

const run = promisify(execFile);

describe("restart resource in the synthesized provider stack", () => {
  test("null_resource (default): triggers on server ID and passive IP, runs the inline command", () => {
    const { provider } = synthStacks(configWith());
    const json = JSON.parse(provider);
    const server = onlyResource(provider, "aws_transfer_server");
    const restart = onlyResource(provider, "null_resource");
    expect(restart.triggers).toEqual({
      server_id: ref(server, "id"),
      passive_ip: ref(server, "protocol_details[0].passive_ip"),
    });
    const [{ "local-exec": exec }] = restart.provisioner as { "local-exec": Record<string, unknown> }[];
    expect(exec.command).toBe(RESTART_COMMAND);
    expect(exec.interpreter).toEqual(["/bin/sh", "-c"]);
    expect(exec.environment).toEqual({
      AWS_REGION: "ap-northeast-1",
      AWS_DEFAULT_REGION: "ap-northeast-1",
      SERVER_ID: ref(server, "id"),
      PASSIVE_IP: ref(server, "protocol_details[0].passive_ip"),
      TIMEOUT_SECONDS: "900",
      POLL_SECONDS: "10",
    });
    expect(json.terraform.required_providers.null).toEqual({ source: "null", version: expect.any(String) });
    // The only terraform_data is the wait for the Transfer endpoint (transfer-endpoint-addresses).
    expect(resourcesOf(provider, "terraform_data").filter((r) => r.__address.includes("passive-ip-restart"))).toHaveLength(0);
  });

  test("terraform_data (restartResource): same triggers as triggers_replace, no null provider needed", () => {
    const { provider } = synthStacks(configWith({ provider: { restartResource: "terraform_data", restartTimeoutSeconds: 300 } }));
    const json = JSON.parse(provider);
    const server = onlyResource(provider, "aws_transfer_server");
    const restart = resourcesOf(provider, "terraform_data").find((r) => r.__address.includes("passive-ip-restart"))!;
    expect(restart.triggers_replace).toEqual({ server_id: ref(server, "id"), passive_ip: expect.stringContaining("passive_ip") });
    const [{ "local-exec": exec }] = restart.provisioner as { "local-exec": Record<string, unknown> }[];
    expect(exec.command).toBe(RESTART_COMMAND);
    expect((exec.environment as Record<string, string>).TIMEOUT_SECONDS).toBe("300");
    expect(json.terraform.required_providers.null).toBeUndefined();
    expect(json.provider.null).toBeUndefined();
    expect(resourcesOf(provider, "null_resource")).toHaveLength(0);
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
read -r state count next < "$FAKE_DIR/state"
case "$2" in
  describe-server)
    echo "$state"
    if [ -n "$count" ]; then
      count=$((count - 1))
      if [ "$count" -le 0 ]; then echo "$next" > "$FAKE_DIR/state"; else echo "$state $count $next" > "$FAKE_DIR/state"; fi
    fi ;;
  stop-server) cat "$FAKE_DIR/on-stop" > "$FAKE_DIR/state" ;;
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

  function fakeAws(initial: string, onStop: string, onStart: string): void {
    fs.writeFileSync(path.join(bin, "aws"), FAKE_AWS, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "state"), `${initial}\n`);
    fs.writeFileSync(path.join(dir, "on-stop"), `${onStop}\n`);
    fs.writeFileSync(path.join(dir, "on-start"), `${onStart}\n`);
  }

  async function restart(timeoutSeconds = 30) {
    const env = {
      PATH: bin,
      FAKE_DIR: dir,
      AWS_REGION: "ap-northeast-1",
      SERVER_ID: "s-0123456789abcdef0",
      PASSIVE_IP: "10.0.3.119",
      TIMEOUT_SECONDS: String(timeoutSeconds),
      POLL_SECONDS: "0",
    };
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

  test("ONLINE server: stop, wait through STOPPING until OFFLINE, start, wait until ONLINE", async () => {
    fakeAws("ONLINE", "STOPPING 2 OFFLINE", "STARTING 1 ONLINE");
    const result = await restart();
    expect(result.code).toBe(0);
    expect(calls()).toEqual([
      "describe-server",
      "stop-server",
      "describe-server",
      "describe-server",
      "describe-server",
      "start-server",
      "describe-server",
      "describe-server",
    ]);
    expect(fs.readFileSync(path.join(dir, "calls"), "utf8")).toContain("stop-server --region ap-northeast-1 --server-id s-0123456789abcdef0");
    expect(result.stdout).toContain("server is ONLINE with PassiveIp 10.0.3.119");
  });

  test("a server still STARTING after creation is waited for before the restart", async () => {
    fakeAws("STARTING 1 ONLINE", "OFFLINE", "ONLINE");
    const result = await restart();
    expect(result.code).toBe(0);
    expect(calls().filter((c) => c !== "describe-server")).toEqual(["stop-server", "start-server"]);
  });

  test("an OFFLINE server is left stopped: the new PassiveIp applies at its next start", async () => {
    fakeAws("OFFLINE", "OFFLINE", "ONLINE");
    const result = await restart();
    expect(result.code).toBe(0);
    expect(calls()).toEqual(["describe-server"]);
    expect(result.stdout).toContain("leaving it stopped");
  });

  test("the wait is bounded: a server stuck in STOPPING fails with a clear message", async () => {
    fakeAws("ONLINE", "STOPPING", "ONLINE");
    const result = await restart(1);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("Transfer server s-0123456789abcdef0 is still STOPPING after 1 s of waiting for OFFLINE");
    expect(calls()).not.toContain("start-server");
  });

  test("START_FAILED is reported, not waited out", async () => {
    fakeAws("ONLINE", "OFFLINE", "START_FAILED");
    const result = await restart();
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("is START_FAILED (wanted ONLINE)");
  });

  test("without the AWS CLI it fails with a message saying what to do", async () => {
    const result = await restart();
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("the AWS CLI (aws) is not installed where Terraform runs");
    expect(result.stderr).toContain("s-0123456789abcdef0");
    expect(result.stderr).toContain("10.0.3.119");
  });
});
