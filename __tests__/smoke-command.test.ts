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
import { DescribeKeyCommand, KMSClient, NotFoundException } from "@aws-sdk/client-kms";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-jest";
import { CONSUMER_OUTPUTS } from "../lib/stack-outputs";
import {
  EXIT_INTERRUPTED,
  EXIT_TIMED_OUT,
  interruptedExitCode,
  PARAMETER_EXPIRY_MARGIN_SECONDS,
  parseSmokeArgs,
  remoteCommandLines,
  runSmoke,
  shellQuote,
  SmokeDeps,
  TerraformOutputs,
  terminalSafe,
  USAGE,
} from "../cli/smoke-command";
import { readSecretFromProcess } from "../cli/terminal-input";

const ssm = mockClient(SSMClient);
const kms = mockClient(KMSClient);
const ROOT = path.resolve(__dirname, "..");
const ENV = { TRANSFER_CONFIG: path.join(ROOT, "config/example.json") }; // namePrefix tf-ftp, region ap-northeast-1
const PASSWORD = "S3cret pass,with'quote\"s";
const UUID = "0b5c6f1e-1111-4222-8333-944445555666";
const PARAMETER = `/tf-ftp/smoke/${UUID}`;
const INSTANCE = "i-0123456789abcdef0";
const HOST = "vpce-0a1b2c3d4e5f60001-abcdefgh.vpce-svc-0123456789abcdef0.ap-northeast-1.vpce.amazonaws.com";
const COMMAND_ID = "5c9e8a7b-aaaa-bbbb-cccc-ddddeeeeffff";
const KEY_ARN = "arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const OUTPUTS: TerraformOutputs = {
  [CONSUMER_OUTPUTS.clientInstanceId]: { value: INSTANCE },
  [CONSUMER_OUTPUTS.vpcEndpointDnsName]: { value: HOST },
  [CONSUMER_OUTPUTS.smokePasswordKeyArn]: { value: KEY_ARN },
  vpc_endpoint_id: { value: "vpce-0a1b2c3d4e5f60001" },
};
/** The fake clock's start (see run()). */
const CLOCK_START = 1_000_000;

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
  let clock = CLOCK_START;
  let out = "";
  let err = "";
  let sleeps = 0;
  const stackDirs: string[] = [];
  const prompts: string[] = [];
  const code = await runSmoke(argv, {
    env: ENV,
    createClient: (region) => new SSMClient({ region, credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" } }),
    createKmsClient: (region) => new KMSClient({ region, credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" } }),
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
  kms.reset();
  kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: "1234abcd-12ab-34cd-56ef-1234567890ab", Arn: KEY_ARN, KeyManager: "CUSTOMER" } });
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

  it("encrypts it with the consumer's smoke-password key, never the default aws/ssm key", async () => {
    await run(["--user", "alice"]);
    expect(ssm).toHaveReceivedCommandWith(PutParameterCommand, { KeyId: KEY_ARN });
    await run(["--user", "alice", "--key-id", "alias/tf-ftp-smoke-password"]);
    expect(ssm.commandCalls(PutParameterCommand)[1].args[0].input.KeyId).toBe("alias/tf-ftp-smoke-password");
  });

  it("makes it an advanced-tier parameter that expires a few minutes after the run's time limit", async () => {
    await run(["--user", "alice", "--timeout", "120"]);
    const input = ssm.commandCalls(PutParameterCommand)[0].args[0].input;
    // Parameter policies are available only for advanced parameters (Systems Manager User Guide, "Assigning parameter policies").
    expect(input.Tier).toBe("Advanced");
    const policies = JSON.parse(input.Policies ?? "[]");
    const expiry = new Date(CLOCK_START + (120 + PARAMETER_EXPIRY_MARGIN_SECONDS) * 1000).toISOString();
    expect(policies).toEqual([{ Type: "Expiration", Version: "1.0", Attributes: { Timestamp: expiry } }]);
    expect(PARAMETER_EXPIRY_MARGIN_SECONDS).toBeGreaterThanOrEqual(60);
    expect(PARAMETER_EXPIRY_MARGIN_SECONDS).toBeLessThanOrEqual(900);
  });

  it("refuses to run without the key (no output, no --key-id), before asking for the password", async () => {
    const { [CONSUMER_OUTPUTS.smokePasswordKeyArn]: _key, ...withoutKey } = OUTPUTS;
    const result = await run(["--user", "alice"], { terraformOutputs: async () => withoutKey });
    expect(result.code).toBe(2);
    expect(result.err).toContain(`no KMS key for the password: output ${CONSUMER_OUTPUTS.smokePasswordKeyArn} is empty or missing`);
    expect(result.prompts).toEqual([]);
    expect(ssm.calls()).toHaveLength(0);
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

  it("skips terraform when --instance-id, --host and --key-id are given", async () => {
    const result = await run(["--user", "bob", "--instance-id", "i-0fedcba9876543210", "--host", "ftp.internal.example", "--key-id", KEY_ARN]);
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

  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ])("%s while the command runs: cancelled, parameter deleted, exit %i", async (name, code) => {
    const interrupt = new AbortController();
    ssm.on(GetCommandInvocationCommand).callsFake(async () => {
      interrupt.abort(name);
      return invocation("InProgress", -1);
    });
    const result = await run(["--user", "alice"], { signal: interrupt.signal });
    expect(result.code).toBe(code);
    expect(interruptedExitCode(interrupt.signal)).toBe(code);
    expect(result.err).toContain(`interrupted (${name}): command cancelled`);
    expect(ssm).toHaveReceivedCommandTimes(CancelCommandCommand, 1);
    expect(ssm).toHaveReceivedCommandWith(DeleteParameterCommand, { Name: PARAMETER });
  });

  it("a signal while the parameter is being stored: nothing is sent to the instance, the parameter is deleted", async () => {
    const interrupt = new AbortController();
    ssm.on(PutParameterCommand).callsFake(async () => {
      interrupt.abort("SIGTERM");
      return { Version: 1, Tier: "Advanced" };
    });
    const result = await run(["--user", "alice"], { signal: interrupt.signal });
    expect(result.code).toBe(143);
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 0);
    expect(ssm).toHaveReceivedCommandWith(DeleteParameterCommand, { Name: PARAMETER });
  });

  it("a signal at the password prompt ends the run before anything is stored", async () => {
    const interrupt = new AbortController();
    const result = await run(["--user", "alice"], {
      signal: interrupt.signal,
      readPassword: () => {
        setTimeout(() => interrupt.abort("SIGHUP"), 5);
        return new Promise<string>(() => undefined); // the user never types
      },
    });
    expect(result.code).toBe(129);
    expect(ssm.calls()).toHaveLength(0);
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

  it("prints the usage first and the error last", async () => {
    const result = await run(["--user", "alice", "--colour"]);
    const lines = result.err.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^usage: npm run smoke -- --user <name>/);
    expect(lines[lines.length - 1]).toBe("unknown option --colour");
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
    expect(CONSUMER_OUTPUTS.smokePasswordKeyArn).toBe("smoke_password_key_arn");
    expect(CONSUMER_OUTPUTS.ftpHost).toBe("ftp_host");
  });

  it.each([["arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"], ["1234abcd-12ab-34cd-56ef-1234567890ab"], ["alias/tf-ftp-smoke-password"]])(
    "accepts --key-id %s",
    (key) => expect(parseSmokeArgs(["--user", "alice", "--key-id", key]).keyId).toBe(key),
  );

  it.each([
    ["the alias", "alias/aws/ssm"],
    ["the alias ARN", "arn:aws:kms:ap-northeast-1:123456789012:alias/aws/ssm"],
    ["another service's managed alias", "alias/aws/secretsmanager"],
  ])("refuses an AWS managed key by %s (%s), before asking for the password or calling AWS", async (_label, key) => {
    const result = await run(["--user", "alice", "--key-id", key]);
    expect(result.code).toBe(2);
    expect(result.err).toContain(`--key-id ${key} is an AWS managed key (alias/aws/*): every principal of the account that may read the password parameter could decrypt it`);
    expect(result.prompts).toEqual([]);
    expect(ssm.calls()).toHaveLength(0);
    expect(kms.calls()).toHaveLength(0);
  });

  it("refuses an AWS managed key given by key ARN or key ID: DescribeKey says KeyManager AWS", async () => {
    const managedArn = "arn:aws:kms:ap-northeast-1:123456789012:key/0b0b0b0b-1111-2222-3333-444455556666";
    kms.on(DescribeKeyCommand, { KeyId: managedArn }).resolves({ KeyMetadata: { KeyId: "0b0b0b0b-1111-2222-3333-444455556666", KeyManager: "AWS" } });
    const result = await run(["--user", "alice", "--key-id", managedArn]);
    expect(result.code).toBe(2);
    expect(result.err).toContain(`--key-id ${managedArn} is an AWS managed key (KeyManager AWS)`);
    expect(result.prompts).toEqual([]);
    expect(ssm.calls()).toHaveLength(0);
  });

  it("refuses the stack output when it names an AWS managed key, and a key it cannot describe", async () => {
    kms.on(DescribeKeyCommand, { KeyId: KEY_ARN }).resolves({ KeyMetadata: { KeyId: "x", KeyManager: "AWS" } });
    const managed = await run(["--user", "alice"]);
    expect(managed.code).toBe(2);
    expect(managed.err).toContain(`output ${CONSUMER_OUTPUTS.smokePasswordKeyArn} ${KEY_ARN} is an AWS managed key (KeyManager AWS)`);
    kms.on(DescribeKeyCommand, { KeyId: KEY_ARN }).rejects(new NotFoundException({ message: "Key does not exist", $metadata: {} }));
    const missing = await run(["--user", "alice"]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("cannot tell whether it is an AWS managed key (kms:DescribeKey failed: NotFoundException)");
    expect(ssm.calls()).toHaveLength(0);
  });

  it("describes a customer managed key once, then uses it", async () => {
    ssm.on(GetCommandInvocationCommand).resolves(invocation("Success", 0, "OK\n"));
    const result = await run(["--user", "alice", "--key-id", "alias/tf-ftp-smoke-password"]);
    expect(result.code).toBe(0);
    expect(kms).toHaveReceivedCommandTimes(DescribeKeyCommand, 1);
    expect(kms).toHaveReceivedCommandWith(DescribeKeyCommand, { KeyId: "alias/tf-ftp-smoke-password" });
    expect(ssm).toHaveReceivedCommandWith(PutParameterCommand, { KeyId: "alias/tf-ftp-smoke-password" });
  });

  it("refuses a --key-id that is not a key", async () => {
    const result = await run(["--user", "alice", "--key-id", "my key; rm -rf"]);
    expect(result.code).toBe(2);
    expect(result.err).toContain("--key-id: expected a KMS key ARN, key ID or alias");
    expect(ssm.calls()).toHaveLength(0);
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

describe("npm run smoke: what the instance prints reaches the terminal without control characters", () => {
  const ESC = "\u001b";
  it.each([
    ["colour (CSI SGR)", `OK ${ESC}[31mred${ESC}[0m done`, "OK red done"],
    ["cursor moves and erase (CSI)", `FAIL${ESC}[2K${ESC}[1G${ESC}[1AOK`, "FAILOK"],
    ["a window title (OSC ... BEL)", `230 ${ESC}]0;pwned${"\u0007"}Login ok`, "230 Login ok"],
    ["a hyperlink (OSC 8 ... ESC \\)", `see ${ESC}]8;;https://evil.example/${ESC}\\here${ESC}]8;;${ESC}\\ now`, "see here now"],
    ["a device control string (DCS)", `a${ESC}P1$qm${ESC}\\b`, "ab"],
    ["a carriage return overwriting FAIL with OK", "FAIL: login refused\rOK: all good", "FAIL: login refused\nOK: all good"],
    ["CRLF line ends", "line 1\r\nline 2\r\n", "line 1\nline 2\n"],
    ["BEL and backspace", "bell\u0007\u0007 back\b\b\bspace", "bell backspace"],
    ["C1 controls (CSI, OSC, NEL, ST)", "x\u009b2Jy\u009d0;t\u009cz\u0085w\u009c", "xyzw"],
    ["bidirectional overrides", "file \u202egpj.exe\u202c ok", "file gpj.exe ok"],
    ["an unterminated OSC keeps the text after it visible", `a${ESC}]0;rest of the reply`, "a0;rest of the reply"],
    ["tabs and newlines, which stay", "name\tsize\nx.bin\t42\n", "name\tsize\nx.bin\t42\n"],
  ])("%s", (_label, raw, shown) => {
    expect(terminalSafe(raw)).toBe(shown);
    expect(terminalSafe(raw)).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });

  it("applies to the command's stdout, stderr and status details", async () => {
    ssm.on(GetCommandInvocationCommand).resolves({
      ...(invocation("Failed", 4, `OK: connected\r${ESC}[32mOK: logged in${ESC}[0m\n`, `530 ${ESC}]0;x\u0007Login incorrect.\u0007\n`) as object),
      StatusDetails: `Failed${ESC}[5m`,
    } as never);
    const result = await run(["--user", "alice"]);
    expect(result.code).toBe(4);
    expect(result.out).toBe("OK: connected\nOK: logged in\n");
    expect(result.err).toContain("530 Login incorrect.\n");
    expect(result.err).toContain("Failed (exit 4), Failed");
    expect(result.out + result.err).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
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

// The real entry point (cli/smoke.ts through scripts/run-ts.js, as `npm run
// smoke` runs it) in its own process, against a stand-in for SSM on
// 127.0.0.1 that speaks SSM's JSON protocol (POST /, X-Amz-Target:
// AmazonSSM.<Action>, application/x-amz-json-1.1), reached through
// AWS_ENDPOINT_URL as the AWS SDK resolves it. The signal comes from outside,
// as kill(1), a CI runner's cancel or a closed terminal would send it.
describe("npm run smoke: SIGINT, SIGTERM and SIGHUP to the real process", () => {
  interface FakeSsm {
    readonly url: string;
    readonly calls: { action: string; input: Record<string, unknown> }[];
    readonly parameters: Map<string, Record<string, unknown>>;
    readonly cancelled: Set<string>;
    /** Resolves at the first GetCommandInvocation: the command is "running". */
    readonly running: Promise<void>;
    close(): Promise<void>;
  }

  async function startFakeSsm(): Promise<FakeSsm> {
    const http = await import("http");
    const calls: FakeSsm["calls"] = [];
    const parameters = new Map<string, Record<string, unknown>>();
    const cancelled = new Set<string>();
    let markRunning = () => undefined as void;
    const running = new Promise<void>((resolve) => (markRunning = resolve));
    const server = http.createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString()));
      request.on("end", () => {
        const target = String(request.headers["x-amz-target"] ?? "");
        const action = target.replace(/^AmazonSSM\./, "").replace(/^TrentService\./, "kms:");
        const input = JSON.parse(body || "{}") as Record<string, unknown>;
        calls.push({ action, input });
        const reply = (status: number, payload: unknown) => {
          response.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
          response.end(JSON.stringify(payload));
        };
        const fail = (type: string, message: string) => reply(400, { __type: type, message });
        switch (action) {
          case "kms:DescribeKey":
            // KMS speaks the same JSON protocol (X-Amz-Target: TrentService.<Action>): the key is customer managed.
            return reply(200, { KeyMetadata: { KeyId: "1234abcd-12ab-34cd-56ef-1234567890ab", Arn: input.KeyId, KeyManager: "CUSTOMER" } });
          case "PutParameter": {
            const name = String(input.Name);
            if (parameters.has(name)) return fail("ParameterAlreadyExists", "The parameter already exists.");
            // Parameter policies are only for advanced parameters (Systems Manager User Guide, "Assigning parameter policies").
            if (input.Policies !== undefined && input.Tier !== "Advanced") return fail("ValidationException", "Parameter policies require the Advanced tier.");
            parameters.set(name, input);
            return reply(200, { Version: 1, Tier: input.Tier ?? "Standard" });
          }
          case "DeleteParameter":
            if (!parameters.delete(String(input.Name))) return fail("ParameterNotFound", "not found");
            return reply(200, {});
          case "SendCommand":
            return reply(200, { Command: { CommandId: COMMAND_ID, Status: "Pending" } });
          case "GetCommandInvocation":
            markRunning();
            return reply(200, { CommandId: input.CommandId, InstanceId: input.InstanceId, Status: cancelled.has(String(input.CommandId)) ? "Cancelled" : "InProgress", ResponseCode: -1 });
          case "CancelCommand":
            cancelled.add(String(input.CommandId));
            return reply(200, {});
          default:
            return fail("InvalidAction", `not imitated: ${action}`);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    return {
      url: `http://127.0.0.1:${port}`,
      calls,
      parameters,
      cancelled,
      running,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  /** Resolves once the process has a handler for the signal (Linux: the SigCgt mask in /proc/<pid>/status). */
  async function handlerInstalled(pid: number, signal: NodeJS.Signals): Promise<void> {
    const bit = 1n << BigInt(os.constants.signals[signal] - 1);
    for (let i = 0; i < 400; i++) {
      const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
      const caught = BigInt(`0x${/^SigCgt:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? "0"}`);
      if ((caught & bit) !== 0n) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`process ${pid} never installed a ${signal} handler`);
  }

  async function runEntry(ssmUrl: string, stdin: string | undefined, whenToSignal: (pid: number) => Promise<void>, signal: NodeJS.Signals) {
    const { spawn } = await import("child_process");
    const child = spawn(
      process.execPath,
      ["scripts/run-ts.js", "cli/smoke.ts", "--user", "alice", "--instance-id", INSTANCE, "--host", HOST, "--key-id", KEY_ARN, "--timeout", "60"],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          TRANSFER_CONFIG: ENV.TRANSFER_CONFIG,
          AWS_ENDPOINT_URL: ssmUrl,
          AWS_ACCESS_KEY_ID: "AKIDTEST",
          AWS_SECRET_ACCESS_KEY: "test",
          AWS_CONFIG_FILE: "/dev/null",
          AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
          AWS_EC2_METADATA_DISABLED: "true",
        },
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    if (stdin !== undefined) child.stdin.write(stdin);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, sig) => resolve({ code, signal: sig })));
    const timer = setTimeout(() => child.kill("SIGKILL"), 25_000);
    await Promise.race([whenToSignal(child.pid!), exited]);
    child.kill(signal);
    const result = await exited;
    clearTimeout(timer);
    child.stdin.destroy();
    return { ...result, out, err };
  }

  let fake: FakeSsm;
  beforeEach(async () => {
    fake = await startFakeSsm();
  });
  afterEach(() => fake.close());

  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as [NodeJS.Signals, number][])("%s while ftp-smoke runs: command cancelled, parameter deleted, exit %i", async (signal, code) => {
    const result = await runEntry(fake.url, `${PASSWORD}\n`, () => fake.running, signal);
    expect({ code: result.code, signal: result.signal }).toEqual({ code, signal: null });
    const actions = fake.calls.map((c) => c.action);
    expect(actions.slice(0, 4)).toEqual(["kms:DescribeKey", "PutParameter", "SendCommand", "GetCommandInvocation"]);
    expect(actions.slice(-2)).toEqual(["CancelCommand", "DeleteParameter"]);
    expect(fake.cancelled).toEqual(new Set([COMMAND_ID]));
    expect(fake.parameters.size).toBe(0); // nothing left behind
    const put = fake.calls[1].input;
    expect(put).toMatchObject({ Type: "SecureString", Tier: "Advanced", KeyId: KEY_ARN, Value: PASSWORD });
    expect(String(put.Name)).toMatch(/^\/tf-ftp\/smoke\/[0-9a-f-]{36}$/);
    expect(fake.calls.find((c) => c.action === "DeleteParameter")?.input).toEqual({ Name: put.Name });
    expect(result.err).toContain(`interrupted (${signal}): command cancelled`);
    expect(result.out + result.err).not.toContain(PASSWORD);
  });

  it("SIGTERM at the password prompt: the process ends (143) and nothing reaches SSM", async () => {
    // stdin stays open and never delivers a line: the command waits for the password.
    const result = await runEntry(fake.url, undefined, async (pid) => {
      // Node catches SIGINT and SIGTERM from its start (to restore the terminal), so their
      // SigCgt bits prove nothing; smoke.ts registers SIGHUP last, in the same tick as the others.
      await handlerInstalled(pid, "SIGHUP");
      await new Promise((resolve) => setTimeout(resolve, 300)); // on its way to (or at) the prompt
    }, "SIGTERM");
    expect({ code: result.code, signal: result.signal }).toEqual({ code: 143, signal: null });
    // Only the read-only key check (before the prompt) reached AWS; nothing reached SSM.
    expect(fake.calls.map((c) => c.action)).toEqual(["kms:DescribeKey"]);
  });
});
