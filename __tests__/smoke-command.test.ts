import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PassThrough } from "stream";
import {
  CancelCommandCommand,
  DeleteParameterCommand,
  GetCommandInvocationCommand,
  InvocationDoesNotExist,
  ParameterNotFound,
  PutParameterCommand,
  SendCommandCommand,
  SSMClient,
} from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-jest";
import { CONSUMER_OUTPUTS } from "../lib/stack-outputs";
import {
  EXIT_INTERRUPTED,
  EXIT_TIMED_OUT,
  parseSmokeArgs,
  remoteCommandLines,
  runSmoke,
  shellQuote,
  SmokeDeps,
  TerraformOutputs,
  USAGE,
} from "../cli/smoke-command";
import { readSecretFromProcess } from "../cli/terminal-input";

const ssm = mockClient(SSMClient);
const ROOT = path.resolve(__dirname, "..");
const ENV = { TRANSFER_CONFIG: path.join(ROOT, "config/example.json") }; // namePrefix tf-ftp, region ap-northeast-1
const PASSWORD = "S3cret pass,with'quote\"s";
const UUID = "0b5c6f1e-1111-4222-8333-944445555666";
const PARAMETER = `/tf-ftp/smoke/${UUID}`;
const INSTANCE = "i-0123456789abcdef0";
const HOST = "vpce-0a1b2c3d4e5f60001-abcdefgh.vpce-svc-0123456789abcdef0.ap-northeast-1.vpce.amazonaws.com";
const COMMAND_ID = "5c9e8a7b-aaaa-bbbb-cccc-ddddeeeeffff";
const OUTPUTS: TerraformOutputs = {
  [CONSUMER_OUTPUTS.clientInstanceId]: { value: INSTANCE },
  [CONSUMER_OUTPUTS.vpcEndpointDnsName]: { value: HOST },
  vpc_endpoint_id: { value: "vpce-0a1b2c3d4e5f60001" },
};

interface Run {
  code: number;
  out: string;
  err: string;
  stackDirs: string[];
  prompts: string[];
  sleeps: number;
}

/** Runs the command with a fake clock (each sleep advances it) and a recorded password prompt. */
async function run(argv: string[], overrides: Partial<SmokeDeps> = {}): Promise<Run> {
  let clock = 1_000_000;
  let out = "";
  let err = "";
  let sleeps = 0;
  const stackDirs: string[] = [];
  const prompts: string[] = [];
  const code = await runSmoke(argv, {
    env: ENV,
    createClient: (region) => new SSMClient({ region, credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" } }),
    readPassword: async (prompt) => {
      prompts.push(prompt);
      return PASSWORD;
    },
    terraformOutputs: async (dir) => {
      stackDirs.push(dir);
      return OUTPUTS;
    },
    uuid: () => UUID,
    now: () => clock,
    sleep: async (ms) => {
      sleeps++;
      clock += Math.max(ms, 1);
    },
    stdout: (text) => (out += text),
    stderr: (text) => (err += text),
    pollIntervalMs: 2_000,
    ...overrides,
  });
  return { code, out, err, stackDirs, prompts, sleeps };
}

function sentCommandInput() {
  const calls = ssm.commandCalls(SendCommandCommand);
  expect(calls).toHaveLength(1);
  return calls[0].args[0].input;
}

function invocation(status: string, responseCode: number, stdout = "", stderr = "") {
  return { CommandId: COMMAND_ID, InstanceId: INSTANCE, Status: status, StatusDetails: status, ResponseCode: responseCode, StandardOutputContent: stdout, StandardErrorContent: stderr } as never;
}

beforeEach(() => {
  ssm.reset();
  ssm.on(PutParameterCommand).resolves({ Version: 1, Tier: "Standard" });
  ssm.on(SendCommandCommand).resolves({ Command: { CommandId: COMMAND_ID } });
  ssm.on(DeleteParameterCommand).resolves({});
  ssm.on(CancelCommandCommand).resolves({});
});

describe("npm run smoke: the password's way to the instance", () => {
  beforeEach(() => {
    ssm.on(GetCommandInvocationCommand).resolves(invocation("Success", 0, "OK: FTP path to host:21 works\n"));
  });

  it("stores the password in a SecureString parameter under /<namePrefix>/smoke/", async () => {
    const result = await run(["--user", "alice"]);
    expect(result.code).toBe(0);
    expect(ssm).toHaveReceivedCommandTimes(PutParameterCommand, 1);
    expect(ssm).toHaveReceivedCommandWith(PutParameterCommand, {
      Name: PARAMETER,
      Value: PASSWORD,
      Type: "SecureString",
      Overwrite: false,
    });
    expect(result.prompts).toEqual(["FTP password for alice: "]);
  });

  it("sends AWS-RunShellScript commands that read the parameter and never hold the password", async () => {
    await run(["--user", "alice"]);
    const input = sentCommandInput();
    expect(input.DocumentName).toBe("AWS-RunShellScript");
    expect(input.InstanceIds).toEqual([INSTANCE]);
    // Nowhere in the request: not in commands, comment or anything else.
    expect(JSON.stringify(input)).not.toContain(PASSWORD);
    expect(JSON.stringify(input)).not.toContain("S3cret");
    const script = (input.Parameters?.commands ?? []).join("\n");
    expect(script).toContain(`password_parameter='${PARAMETER}'`);
    expect(script).toContain(`aws ssm get-parameter --region 'ap-northeast-1' --with-decryption --name "$password_parameter" --query Parameter.Value --output text`);
    expect(script).toContain(`printf '%s\\n' "$ftp_password" | FTP_SMOKE_TIMEOUT=255 FTP_HOST='${HOST}' /usr/local/bin/ftp-smoke --user 'alice'`);
    expect(input.Parameters?.executionTimeout).toEqual(["300"]);
  });

  it("reads instance and host from `terraform output -json` in the stack directory", async () => {
    const result = await run(["--user", "alice", "--stack-dir", "somewhere/consumer"]);
    expect(result.stackDirs).toEqual(["somewhere/consumer"]);
    expect(sentCommandInput().InstanceIds).toEqual([INSTANCE]);
  });

  it("prefers the ftp_host output (consumer.dnsName) over the endpoint's DNS name", async () => {
    await run(["--user", "alice"], {
      terraformOutputs: async () => ({ ...OUTPUTS, [CONSUMER_OUTPUTS.ftpHost]: { value: "ftp.corp.internal" } }),
    });
    expect((sentCommandInput().Parameters?.commands ?? []).join("\n")).toContain("FTP_HOST='ftp.corp.internal' /usr/local/bin/ftp-smoke --user 'alice'");
  });

  it("skips terraform when --instance-id and --host are given", async () => {
    const result = await run(["--user", "bob", "--instance-id", "i-0fedcba9876543210", "--host", "ftp.internal.example"]);
    expect(result.stackDirs).toEqual([]);
    const input = sentCommandInput();
    expect(input.InstanceIds).toEqual(["i-0fedcba9876543210"]);
    expect((input.Parameters?.commands ?? []).join("\n")).toContain("FTP_HOST='ftp.internal.example' /usr/local/bin/ftp-smoke --user 'bob'");
  });

  it("prints the run's stdout and stderr and exits 0 on success", async () => {
    ssm.on(GetCommandInvocationCommand).resolves(invocation("Success", 0, "OK: uploaded\nOK: FTP path works", ""));
    const result = await run(["--user", "alice"]);
    expect(result.code).toBe(0);
    expect(result.out).toBe("OK: uploaded\nOK: FTP path works\n");
    expect(result.err).toContain(`SSM command ${COMMAND_ID}`);
    expect(result.err).toContain("Success (exit 0)");
    expect(result.err).not.toContain(PASSWORD);
    expect(ssm).toHaveReceivedCommandWith(DeleteParameterCommand, { Name: PARAMETER });
  });
});

describe("npm run smoke: polling", () => {
  it("polls until the command finishes, tolerating a not-yet-registered invocation", async () => {
    ssm
      .on(GetCommandInvocationCommand)
      .rejectsOnce(new InvocationDoesNotExist({ message: "no invocation yet", $metadata: {} }))
      .resolvesOnce(invocation("Pending", -1))
      .resolvesOnce(invocation("InProgress", -1))
      .resolves(invocation("Success", 0, "OK: all good\n"));
    const result = await run(["--user", "alice"]);
    expect(result.code).toBe(0);
    expect(ssm).toHaveReceivedCommandTimes(GetCommandInvocationCommand, 4);
    expect(result.sleeps).toBe(3);
    expect(ssm).toHaveReceivedCommandWith(GetCommandInvocationCommand, { CommandId: COMMAND_ID, InstanceId: INSTANCE });
  });

  it("exits with ftp-smoke's status on failure, shows its stderr, and still deletes the parameter", async () => {
    const reason = "FAIL: data connection failed while uploading x.bin\n  hint: FTP data connections through PrivateLink need EPSV\n";
    ssm.on(GetCommandInvocationCommand).resolvesOnce(invocation("InProgress", -1)).resolves(invocation("Failed", 5, "OK: connected\n", reason));
    const result = await run(["--user", "alice"]);
    expect(result.code).toBe(5);
    expect(result.out).toBe("OK: connected\n");
    expect(result.err).toContain(reason);
    expect(result.err).toContain("Failed (exit 5)");
    expect(ssm).toHaveReceivedCommandTimes(DeleteParameterCommand, 1);
    expect(ssm).toHaveReceivedCommandWith(DeleteParameterCommand, { Name: PARAMETER });
  });

  it("gives up after --timeout, cancels the command and deletes the parameter", async () => {
    ssm.on(GetCommandInvocationCommand).resolves(invocation("InProgress", -1, "OK: connected\n"));
    const result = await run(["--user", "alice", "--timeout", "60"]);
    expect(result.code).toBe(EXIT_TIMED_OUT);
    expect(result.err).toContain("no result within 60s (last status: InProgress)");
    expect(result.out).toBe("OK: connected\n");
    // 60 s in 2 s steps: bounded, about 30 polls.
    const polls = ssm.commandCalls(GetCommandInvocationCommand).length;
    expect(polls).toBeGreaterThanOrEqual(30);
    expect(polls).toBeLessThanOrEqual(32);
    expect(ssm).toHaveReceivedCommandWith(CancelCommandCommand, { CommandId: COMMAND_ID, InstanceIds: [INSTANCE] });
    expect(ssm).toHaveReceivedCommandWith(DeleteParameterCommand, { Name: PARAMETER });
  });

  it("ends even if the clock stands still (bounded by a poll count)", async () => {
    ssm.on(GetCommandInvocationCommand).resolves(invocation("InProgress", -1));
    const result = await run(["--user", "alice", "--timeout", "30"], { sleep: async () => undefined });
    expect(result.code).toBe(EXIT_TIMED_OUT);
    expect(ssm.commandCalls(GetCommandInvocationCommand).length).toBeLessThanOrEqual(30 / 2 + 6);
  });

  it("maps SSM's own execution timeout to exit 124", async () => {
    ssm.on(GetCommandInvocationCommand).resolves(invocation("TimedOut", -1));
    const result = await run(["--user", "alice"]);
    expect(result.code).toBe(EXIT_TIMED_OUT);
    expect(ssm).toHaveReceivedCommandTimes(DeleteParameterCommand, 1);
  });

  it("cancels and deletes the parameter when interrupted (Ctrl-C)", async () => {
    const interrupt = new AbortController();
    ssm.on(GetCommandInvocationCommand).callsFake(async () => {
      interrupt.abort();
      return invocation("InProgress", -1);
    });
    const result = await run(["--user", "alice"], { signal: interrupt.signal });
    expect(result.code).toBe(EXIT_INTERRUPTED);
    expect(ssm).toHaveReceivedCommandTimes(CancelCommandCommand, 1);
    expect(ssm).toHaveReceivedCommandWith(DeleteParameterCommand, { Name: PARAMETER });
  });
});

describe("npm run smoke: the parameter is deleted whatever happens", () => {
  it("when SendCommand fails", async () => {
    ssm.on(SendCommandCommand).rejects(Object.assign(new Error("Instances [i-0123456789abcdef0] not in a valid state"), { name: "InvalidInstanceId" }));
    const result = await run(["--user", "alice"]);
    expect(result.code).toBe(1);
    expect(result.err).toContain("InvalidInstanceId");
    expect(ssm).toHaveReceivedCommandWith(DeleteParameterCommand, { Name: PARAMETER });
  });

  it("when polling fails", async () => {
    ssm.on(GetCommandInvocationCommand).rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
    const result = await run(["--user", "alice"]);
    expect(result.code).toBe(1);
    expect(ssm).toHaveReceivedCommandWith(DeleteParameterCommand, { Name: PARAMETER });
  });

  it("tolerates a parameter that is already gone, and says how to delete one that could not be", async () => {
    ssm.on(GetCommandInvocationCommand).resolves(invocation("Success", 0));
    ssm.on(DeleteParameterCommand).rejectsOnce(new ParameterNotFound({ message: "gone", $metadata: {} }));
    expect((await run(["--user", "alice"])).err).not.toContain("WARNING");

    ssm.on(DeleteParameterCommand).rejects(Object.assign(new Error("denied"), { name: "AccessDeniedException" }));
    const result = await run(["--user", "alice"]);
    expect(result.code).toBe(0);
    expect(result.err).toContain(`WARNING: could not delete the password parameter ${PARAMETER}`);
    expect(result.err).toContain(`aws ssm delete-parameter --name '${PARAMETER}'`);
  });

  it("creates nothing when the parameter could not be stored, and never sends the command", async () => {
    ssm.on(PutParameterCommand).rejects(Object.assign(new Error("denied"), { name: "AccessDeniedException" }));
    const result = await run(["--user", "alice"]);
    expect(result.code).toBe(1);
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 0);
    expect(ssm).toHaveReceivedCommandTimes(DeleteParameterCommand, 0);
  });
});

describe("npm run smoke: arguments and setup", () => {
  it("parses options", () => {
    expect(parseSmokeArgs(["--user", "alice"])).toMatchObject({ user: "alice", timeoutSeconds: 300, stackDir: "cdktf.out/stacks/consumer" });
    expect(parseSmokeArgs(["--user=bob", "--timeout=90", "--stack-dir", "x/y"])).toMatchObject({ user: "bob", timeoutSeconds: 90, stackDir: "x/y" });
  });

  it.each([
    [[], "--user <name> is required"],
    [["--user", "al ice"], "--user: expected"],
    [["--user", "alice", "--timeout", "5"], "--timeout: expected whole seconds between 30 and 3600"],
    [["--user", "alice", "--instance-id", "web-1"], "--instance-id: expected"],
    [["--user", "alice", "--host", "bad host;rm"], "--host: expected"],
    [["--user", "alice", "--colour"], "unknown option --colour"],
    [["--user", "alice", "--password", "x"], "never taken from the command line"],
  ])("rejects %j with exit 2", async (argv, message) => {
    const result = await run(argv as string[]);
    expect(result.code).toBe(2);
    expect(result.err).toContain(message);
    expect(ssm.calls()).toHaveLength(0);
  });

  it("does not echo a stray argument (it might be a password)", async () => {
    const result = await run(["--user", "alice", "Hunter2!"]);
    expect(result.code).toBe(2);
    expect(result.err).not.toContain("Hunter2!");
  });

  it("prints usage for --help", async () => {
    const result = await run(["--help"]);
    expect(result.code).toBe(0);
    expect(result.out).toContain(USAGE);
  });

  it("needs a client instance", async () => {
    const result = await run(["--user", "alice"], {
      terraformOutputs: async () => ({ [CONSUMER_OUTPUTS.clientInstanceId]: { value: "" }, [CONSUMER_OUTPUTS.vpcEndpointDnsName]: { value: HOST } }),
    });
    expect(result.code).toBe(2);
    expect(result.err).toContain("consumer.client.enabled");
    expect(result.prompts).toEqual([]);
    expect(ssm.calls()).toHaveLength(0);
  });

  it("refuses an empty password without touching AWS", async () => {
    const result = await run(["--user", "alice"], { readPassword: async () => "" });
    expect(result.code).toBe(2);
    expect(ssm.calls()).toHaveLength(0);
  });

  it("reports a broken config file", async () => {
    const result = await run(["--user", "alice"], { env: { TRANSFER_CONFIG: "/nonexistent/config.json" } });
    expect(result.code).toBe(2);
    expect(result.err).toContain("/nonexistent/config.json");
  });

  it("reads the consumer stack's outputs by their stable names", () => {
    expect(CONSUMER_OUTPUTS.clientInstanceId).toBe("client_instance_id");
    expect(CONSUMER_OUTPUTS.vpcEndpointDnsName).toBe("vpc_endpoint_dns_name");
    expect(CONSUMER_OUTPUTS.ftpHost).toBe("ftp_host");
  });
});

describe("npm run smoke: the password from a terminal or a pipe (the reading itself is tested in terminal-input.test.ts)", () => {
  beforeEach(() => {
    ssm.on(GetCommandInvocationCommand).resolves(invocation("Success", 0, "OK\n"));
  });

  /** A fake terminal that types `typed` when the prompt shows; `shown` is all that was written to it. */
  function terminalTyping(typed: string) {
    const input = Object.assign(new PassThrough(), { isTTY: true, isRaw: false, setRawMode: (mode: boolean) => void (input.isRaw = mode) });
    const output = new PassThrough();
    let shown = "";
    output.on("data", (d: Buffer) => {
      shown += d.toString();
      if (d.toString().endsWith(": ")) input.write(typed);
    });
    return { streams: { input, output }, shown: () => shown };
  }

  it("asks once on a terminal, without echo, and stores what was typed", async () => {
    const t = terminalTyping(`${PASSWORD}\r`);
    const result = await run(["--user", "alice"], { readPassword: (prompt) => readSecretFromProcess(prompt, t.streams) });
    expect(result.code).toBe(0);
    expect(t.shown()).toBe("FTP password for alice: \n");
    expect(t.streams.input.isRaw).toBe(false);
    expect(ssm).toHaveReceivedCommandWith(PutParameterCommand, { Name: PARAMETER, Value: PASSWORD });
  });

  it("Ctrl-C at the prompt ends with exit 130 before touching AWS", async () => {
    const t = terminalTyping("abc\u0003");
    const result = await run(["--user", "alice"], { readPassword: (prompt) => readSecretFromProcess(prompt, t.streams) });
    expect(result.code).toBe(EXIT_INTERRUPTED);
    expect(result.err).toContain("cancelled");
    expect(ssm.calls()).toHaveLength(0);
  });

  it("reads the first line of a pipe, CRLF dropped", async () => {
    const input = new PassThrough();
    input.end(`${PASSWORD}\r\nsecond line\n`);
    const result = await run(["--user", "alice"], { readPassword: (prompt) => readSecretFromProcess(prompt, { input, output: new PassThrough() }) });
    expect(result.code).toBe(0);
    expect(ssm).toHaveReceivedCommandWith(PutParameterCommand, { Name: PARAMETER, Value: PASSWORD });
  });

  it.each([
    ["an empty pipe", ""],
    ["an empty first line", "\nsecond line\n"],
  ])("refuses %s as no password, without touching AWS", async (_label, piped) => {
    const input = new PassThrough();
    input.end(piped);
    const result = await run(["--user", "alice"], { readPassword: (prompt) => readSecretFromProcess(prompt, { input, output: new PassThrough() }) });
    expect(result.code).toBe(2);
    expect(result.err).toContain("no password given");
    expect(ssm.calls()).toHaveLength(0);
  });

  it("refuses a password with control characters, without touching AWS", async () => {
    const result = await run(["--user", "alice"], { readPassword: async () => "tab\there" });
    expect(result.code).toBe(2);
    expect(result.err).toContain("the password contains control characters");
    expect(ssm.calls()).toHaveLength(0);
  });
});

describe("npm run smoke: helpers", () => {
  it("quotes for sh", () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });

  it("builds a remote command that falls back to the instance's host file", () => {
    const lines = remoteCommandLines({ parameterName: "/p/smoke/x", region: "eu-west-1", user: "u", smokeTimeoutSeconds: 60 });
    expect(lines.join("\n")).toContain("| FTP_SMOKE_TIMEOUT=60 /usr/local/bin/ftp-smoke --user 'u'");
    expect(lines.join("\n")).not.toContain("FTP_HOST");
    expect(lines[lines.length - 1]).toBe("exit $status");
  });

  it("runs under sh: the instance reads the parameter and pipes the password to ftp-smoke's stdin", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "smoke-remote-"));
    try {
      // A stand-in `aws` that answers get-parameter, and a stand-in ftp-smoke that reports what it got.
      fs.writeFileSync(
        path.join(dir, "aws"),
        `#!/bin/sh\nprintf '%s\\n' "$*" >"${dir}/aws-args"\nprintf '%s\\n' ${shellQuote(PASSWORD)}\n`,
        { mode: 0o755 },
      );
      fs.writeFileSync(
        path.join(dir, "ftp-smoke"),
        `#!/bin/sh\nIFS= read -r pw\n[ "$pw" = ${shellQuote(PASSWORD)} ] && echo "stdin ok" || echo "stdin wrong"\necho "args: $*"\necho "host: $FTP_HOST timeout: $FTP_SMOKE_TIMEOUT"\n[ -z "\${FTP_PASSWORD:-}" ] && [ -z "\${ftp_password:-}" ] && echo "not in env"\nexit 5\n`,
        { mode: 0o755 },
      );
      const lines = remoteCommandLines({
        parameterName: PARAMETER,
        region: "ap-northeast-1",
        user: "alice",
        host: HOST,
        smokeTimeoutSeconds: 100,
        smokeScript: path.join(dir, "ftp-smoke"),
      });
      const result = spawnSync("sh", ["-c", lines.join("\n")], { env: { PATH: `${dir}:/usr/bin:/bin` }, encoding: "utf8", timeout: 10_000 });
      expect(result.status).toBe(5);
      expect(result.stdout).toBe(`stdin ok\nargs: --user alice\nhost: ${HOST} timeout: 100\nnot in env\n`);
      expect(fs.readFileSync(path.join(dir, "aws-args"), "utf8")).toBe(
        `ssm get-parameter --region ap-northeast-1 --with-decryption --name ${PARAMETER} --query Parameter.Value --output text\n`,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs under sh: a parameter that cannot be read ends the run with exit 2 and a reason", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "smoke-remote-"));
    try {
      fs.writeFileSync(path.join(dir, "aws"), "#!/bin/sh\necho 'An error occurred (AccessDeniedException)' >&2\nexit 254\n", { mode: 0o755 });
      const lines = remoteCommandLines({ parameterName: PARAMETER, region: "ap-northeast-1", user: "alice", smokeTimeoutSeconds: 100, smokeScript: "/bin/false" });
      const result = spawnSync("sh", ["-c", lines.join("\n")], { env: { PATH: `${dir}:/usr/bin:/bin` }, encoding: "utf8", timeout: 10_000 });
      expect(result.status).toBe(2);
      expect(result.stderr).toContain(`FAIL: cannot read the password parameter ${PARAMETER} (the instance role needs ssm:GetParameter on it)`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
