// The emulator runs Node.js Lambda functions for real (emulator/moto_patches/lambda_node_runtime.py,
// patch 22): tiny functions created and invoked with the AWS CLI, as Terraform's provider and the
// deploy test's identity-provider step invoke them.
import { strToU8, zipSync } from "fflate";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ACCOUNT_ID, aws, Call, Emulator, emulatorPrerequisites, startEmulator } from "../../emulator/client";
import { missingPrerequisites } from "../support/prerequisites";

const missing = missingPrerequisites("emulator (Lambda Node.js runtime)", emulatorPrerequisites);
const describeEmulator = missing.length ? describe.skip : describe;

const ROLE_NAME = "tiny-function";
const ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/${ROLE_NAME}`;

// One module, several behaviours chosen by the event. The AWS SDK v3 is required as on Lambda:
// not bundled, provided by the runtime.
const HANDLER = `
const { SSMClient, GetParameterCommand } = require("@aws-sdk/client-ssm");
exports.handler = async (event, context) => {
  if (event.mode === "throw") throw new TypeError("no such thing: " + event.what);
  if (event.mode === "sleep") await new Promise((resolve) => setTimeout(resolve, event.ms));
  if (event.mode === "require") require(event.module);
  const parameter = event.mode === "ssm" ? (await new SSMClient({}).send(new GetParameterCommand({ Name: event.name }))).Parameter.Value : undefined;
  console.log("handled", event.mode);
  return {
    event,
    parameter,
    greeting: process.env.GREETING,
    region: process.env.AWS_REGION,
    sessionToken: Boolean(process.env.AWS_SESSION_TOKEN),
    functionName: context.functionName,
    awsRequestId: context.awsRequestId,
    memoryLimitInMB: context.memoryLimitInMB,
    remainingMs: context.getRemainingTimeInMillis(),
  };
};
exports.callbackStyle = (event, context, callback) => setImmediate(() => callback(null, { doubled: event.n * 2 }));
`;

interface Invocation {
  readonly statusCode: number;
  readonly functionError?: string;
  readonly logResult?: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly payload: any;
  readonly elapsedMs: number;
}

describeEmulator("the emulator runs Node.js Lambda functions (patch 22)", () => {
  let emu: Emulator;
  let dir: string;

  async function createFunction(name: string, options: { handler?: string; timeout?: number; env?: Record<string, string> } = {}) {
    await aws(emu, [
      "lambda",
      "create-function",
      "--function-name",
      name,
      "--runtime",
      "nodejs22.x",
      "--handler",
      options.handler ?? "index.handler",
      "--role",
      ROLE_ARN,
      "--zip-file",
      `fileb://${path.join(dir, "function.zip")}`,
      "--timeout",
      String(options.timeout ?? 5),
      ...(options.env ? ["--environment", JSON.stringify({ Variables: options.env })] : []),
    ]);
  }

  async function invoke(name: string, event: unknown, extra: string[] = []): Promise<Invocation> {
    const out = path.join(dir, `${name}-${Date.now()}.json`);
    const started = Date.now();
    // AWS CLI v1 sends --payload as given (v2 would want --cli-binary-format raw-in-base64-out).
    const response = await aws(emu, ["lambda", "invoke", "--function-name", name, "--payload", JSON.stringify(event), ...extra, out]);
    const text = fs.existsSync(out) ? fs.readFileSync(out, "utf8") : "";
    return {
      statusCode: response.StatusCode,
      functionError: response.FunctionError,
      logResult: response.LogResult,
      payload: text ? JSON.parse(text) : undefined,
      elapsedMs: Date.now() - started,
    };
  }

  async function invokeCalls(name: string): Promise<Call[]> {
    return (await emu.calls()).filter((c) => c.action === "Invoke" && c.functionName === name);
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "emulator-lambda-"));
    fs.writeFileSync(path.join(dir, "function.zip"), zipSync({ "index.js": strToU8(HANDLER) }));
    // Not about IAM's timing: roles are usable at once.
    emu = await startEmulator({ iamPropagationSeconds: 0 });
    await aws(emu, ["iam", "create-role", "--role-name", ROLE_NAME, "--assume-role-policy-document", JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
    })]);
    await Promise.all([
      // The emulator judges the function's requests by its role's policies.
      aws(emu, ["iam", "put-role-policy", "--role-name", ROLE_NAME, "--policy-name", "read-value", "--policy-document", JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "ssm:GetParameter", Resource: `arn:aws:ssm:${emu.region}:${ACCOUNT_ID}:parameter/tiny/value` }],
      })]),
      aws(emu, ["ssm", "put-parameter", "--name", "/tiny/value", "--value", "from-ssm", "--type", "String"]),
      createFunction("tiny", { env: { GREETING: "hello from the environment" } }),
      createFunction("tiny-callback", { handler: "index.callbackStyle" }),
      createFunction("tiny-short", { timeout: 1 }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await emu?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test("the result: the handler's return value, with the function's environment and a Lambda context", async () => {
    const result = await invoke("tiny", { mode: "plain", n: 1 }, ["--log-type", "Tail"]);
    expect(result.statusCode).toBe(200);
    expect(result.functionError).toBeUndefined();
    expect(result.payload).toMatchObject({
      event: { mode: "plain", n: 1 },
      greeting: "hello from the environment",
      region: emu.region,
      sessionToken: true,
      functionName: "tiny",
      memoryLimitInMB: "128",
    });
    expect(result.payload.remainingMs).toBeGreaterThan(0);
    expect(result.payload.remainingMs).toBeLessThanOrEqual(5_000);
    // The request ID the context gave the handler is the one the launcher recorded.
    const [call] = await invokeCalls("tiny");
    expect(call).toMatchObject({ invocationType: "RequestResponse", requestId: result.payload.awsRequestId });
    expect(call.functionError).toBeUndefined();
    // --log-type Tail: the log's end, with what the handler printed.
    const log = Buffer.from(result.logResult ?? "", "base64").toString("utf8");
    expect(log).toContain(`START RequestId: ${result.payload.awsRequestId}`);
    expect(log).toContain("handled plain");
    expect(log).toContain(`REPORT RequestId: ${result.payload.awsRequestId}`);
  });

  test("the AWS SDK v3 inside reaches the emulator, with the execution role's credentials", async () => {
    await emu.clearCalls();
    const result = await invoke("tiny", { mode: "ssm", name: "/tiny/value" });
    expect(result.functionError).toBeUndefined();
    expect(result.payload.parameter).toBe("from-ssm");
    const roleRequests = (await emu.calls()).filter((c) => c.action === "RoleRequest");
    expect(roleRequests).toEqual([expect.objectContaining({ roleArn: ROLE_ARN, iamAction: "ssm:GetParameter" })]);
  });

  test("a thrown error: X-Amz-Function-Error Unhandled and Lambda's {errorType, errorMessage, trace}", async () => {
    const result = await invoke("tiny", { mode: "throw", what: "widget" });
    expect(result.statusCode).toBe(200);
    expect(result.functionError).toBe("Unhandled");
    expect(result.payload).toEqual({
      errorType: "TypeError",
      errorMessage: "no such thing: widget",
      trace: expect.arrayContaining([expect.stringMatching(/^TypeError: no such thing: widget/)]),
    });
    const calls = await invokeCalls("tiny");
    expect(calls[calls.length - 1]).toMatchObject({ functionError: "Unhandled", errorType: "TypeError" });
  });

  test("only the AWS SDK comes with the runtime: another package the bundle left out fails to import", async () => {
    const result = await invoke("tiny", { mode: "require", module: "fflate" });
    expect(result.functionError).toBe("Unhandled");
    expect(result.payload).toMatchObject({ errorType: "Error", errorMessage: expect.stringContaining("Cannot find module 'fflate'") });
  });

  test("the Timeout: a function still running after it is stopped, 'Task timed out after 1.00 seconds'", async () => {
    const result = await invoke("tiny-short", { mode: "sleep", ms: 10_000 });
    expect(result.functionError).toBe("Unhandled");
    expect(result.payload).toEqual({
      errorType: "Sandbox.Timedout",
      errorMessage: expect.stringMatching(/^RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds$/),
    });
    // Stopped at the timeout, not when the sleep would have ended.
    // (The AWS CLI's own start-up is in elapsedMs: a loaded machine needs the margin.)
    expect(result.elapsedMs).toBeLessThan(7_000);
    const [call] = await invokeCalls("tiny-short");
    expect(call).toMatchObject({ functionError: "Unhandled", errorType: "Sandbox.Timedout" });
    expect(call.durationMs).toBeGreaterThanOrEqual(1_000);
  });

  test("a callback-style handler and an Event (asynchronous) invocation", async () => {
    const result = await invoke("tiny-callback", { n: 21 });
    expect(result.payload).toEqual({ doubled: 42 });

    const queued = await invoke("tiny", { mode: "plain", n: 2 }, ["--invocation-type", "Event"]);
    expect(queued.statusCode).toBe(202);
    const deadline = Date.now() + 15_000;
    let events: Call[] = [];
    while (Date.now() < deadline) {
      events = (await invokeCalls("tiny")).filter((c) => c.invocationType === "Event");
      if (events.length) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(events).toHaveLength(1);
    expect(events[0].functionError).toBeUndefined();
  });
});
