// The emulator runs Node.js Lambda functions for real (emulator/moto_patches/lambda_node_runtime.py,
// patch 22), each on the Node.js major its runtime names (lambda_runtimes.py, patch 25): tiny
// functions created and invoked with the AWS CLI, as Terraform's provider and the deploy test's
// identity-provider step invoke them.
import { execFile } from "child_process";
import { strToU8, zipSync } from "fflate";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ACCOUNT_ID, aws, Call, Emulator, emulatorPrerequisites, LAUNCHER, startEmulator } from "../../emulator/client";
import { defaultLambdaNodes, lambdaNodePrerequisite } from "../../emulator/lambda-nodes";
import { missingPrerequisites } from "../support/prerequisites";

const missing = missingPrerequisites("emulator (Lambda Node.js runtime)", emulatorPrerequisites);
const describeEmulator = missing.length ? describe.skip : describe;
// nodejs24.x needs a Node.js 24 besides the 22 the stacks' runtime needs (tools/node has both).
const testWithNode24 = missing.length || missingPrerequisites("emulator (nodejs24.x)", [lambdaNodePrerequisite(24)]).length ? test.skip : test;

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
    nodeVersion: process.version,
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
  // An emulator given Node.js 22 only, as on a machine without tools/node's Node.js 24.
  let only22: Emulator;
  let dir: string;

  async function createFunction(
    name: string,
    options: { handler?: string; timeout?: number; env?: Record<string, string>; runtime?: string } = {},
  ) {
    await aws(emu, [
      "lambda",
      "create-function",
      "--function-name",
      name,
      "--runtime",
      options.runtime ?? "nodejs22.x",
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
    [emu, only22] = await Promise.all([
      startEmulator({ iamPropagationSeconds: 0 }),
      startEmulator({ iamPropagationSeconds: 0, lambdaNodes: new Map([[22, defaultLambdaNodes().get(22)!]]) }),
    ]);
    const trust = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
    // The same role in both emulators: CreateFunction checks Lambda may assume it before the runtime.
    await Promise.all([emu, only22].map((e) => aws(e, ["iam", "create-role", "--role-name", ROLE_NAME, "--assume-role-policy-document", trust])));
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
      ...(defaultLambdaNodes().has(24) ? [createFunction("tiny-24", { runtime: "nodejs24.x" })] : []),
    ]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([emu?.stop(), only22?.stop()]);
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
      // nodejs22.x runs on Node.js 22 (whatever node the PATH has first).
      nodeVersion: expect.stringMatching(/^v22\./),
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

  testWithNode24("nodejs24.x runs on Node.js 24, in the same emulator as the nodejs22.x functions", async () => {
    const result = await invoke("tiny-24", { mode: "plain" });
    expect(result.functionError).toBeUndefined();
    expect(result.payload.nodeVersion).toMatch(/^v24\./);
  });

  test("a runtime Lambda refuses is refused: unknown (ValidationException), deprecated (no longer supported)", async () => {
    const refusal = (args: string[]) => aws(emu, args).then(() => "accepted", (error: Error) => error.message);
    const [unknown, deprecated, update] = await Promise.all([
      refusal(["lambda", "create-function", "--function-name", "tiny-99", "--runtime", "nodejs99.x", "--handler", "index.handler",
        "--role", ROLE_ARN, "--zip-file", `fileb://${path.join(dir, "function.zip")}`]),
      refusal(["lambda", "create-function", "--function-name", "tiny-20", "--runtime", "nodejs20.x", "--handler", "index.handler",
        "--role", ROLE_ARN, "--zip-file", `fileb://${path.join(dir, "function.zip")}`]),
      refusal(["lambda", "update-function-configuration", "--function-name", "tiny-callback", "--runtime", "nodejs18.x"]),
    ]);
    expect(unknown).toMatch(
      /\(ValidationException\) when calling the CreateFunction operation: 1 validation error detected: Value 'nodejs99\.x' at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: \[.*\bnodejs24\.x\b.*\]/,
    );
    expect(deprecated).toContain(
      "(InvalidParameterValueException) when calling the CreateFunction operation: The runtime parameter of nodejs20.x is no longer supported for creating or updating AWS Lambda functions.",
    );
    expect(update).toContain("(InvalidParameterValueException) when calling the UpdateFunctionConfiguration operation: The runtime parameter of nodejs18.x is no longer supported");
    // Nothing was created or changed.
    const names = ((await aws(emu, ["lambda", "list-functions"])).Functions as { FunctionName: string; Runtime: string }[]).map(
      (f) => `${f.FunctionName} ${f.Runtime}`,
    );
    expect(names).toEqual(expect.arrayContaining(["tiny-callback nodejs22.x"]));
    expect(names.filter((n) => /tiny-(99|20) /.test(n))).toEqual([]);
  });

  test("a Node.js runtime the emulator has no binary for is refused at CreateFunction, never run on another Node.js", async () => {
    const refused = await aws(only22, ["lambda", "create-function", "--function-name", "tiny-24", "--runtime", "nodejs24.x",
      "--handler", "index.handler", "--role", ROLE_ARN, "--zip-file", `fileb://${path.join(dir, "function.zip")}`]).then(
      () => "accepted",
      (error: Error) => error.message,
    );
    expect(refused).toContain(
      "(InvalidParameterValueException) when calling the CreateFunction operation: The runtime parameter of nodejs24.x cannot run in this emulator: it has no Node.js 24 binary",
    );
  });

  test("the launcher refuses a --lambda-node binary of another major than the one it is given for", async () => {
    const [[, node]] = [...defaultLambdaNodes()];
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile("python3", [LAUNCHER, "--port", "0", "--lambda-node", `21=${node}`], { timeout: 30_000 }, (error, _stdout, err) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stderr: err }),
      );
      child.stdin?.end();
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/--lambda-node 21=.*: it is Node\.js v\d+\.\d+\.\d+, not 21/);
  });
});
