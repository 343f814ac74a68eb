// Runs one Lambda invocation of a Node.js handler for emulator/moto_patches/lambda_node_runtime.py,
// the way Lambda's Node.js runtime does (aws-lambda-nodejs-runtime-interface-client): loads
// "<file>.<export>" from the task root, calls it with the event and a context object, waits for
// the returned promise (or the callback of a non-async handler), and writes the outcome, JSON, to
// the result file: {"ok": true, "payload": <result>} or {"ok": false, "error": {errorType,
// errorMessage, trace}}. Everything the handler prints (stdout, stderr) is the invocation's log.
//
//   node lambda_node_runner.js <task root> <handler> <result file>   (event JSON on stdin)
//
// Settings from the environment, as Lambda sets them: AWS_LAMBDA_FUNCTION_NAME, _VERSION,
// _MEMORY_SIZE, AWS_LAMBDA_LOG_GROUP_NAME, _LOG_STREAM_NAME; and from the launcher:
// LAMBDA_RUNNER_REQUEST_ID, LAMBDA_RUNNER_FUNCTION_ARN, LAMBDA_RUNNER_TIMEOUT_MS, and
// LAMBDA_RUNNER_READY_FD: one byte is written there when the module is loaded and the handler
// starts (the launcher counts the Timeout from then, as Lambda does not count the init phase).
"use strict";
const fs = require("fs");
const path = require("path");

const [taskRoot, handlerSpec, resultFile] = process.argv.slice(2);
let finished = false;

function errorPayload(error, fallbackType) {
  if (error instanceof Error) {
    return {
      errorType: error.name || fallbackType,
      errorMessage: error.message,
      trace: typeof error.stack === "string" ? error.stack.split("\n") : [],
    };
  }
  // A thrown non-Error: Lambda reports its string form.
  return { errorType: fallbackType, errorMessage: typeof error === "string" ? error : JSON.stringify(error), trace: [] };
}

function finish(outcome) {
  if (finished) return;
  finished = true;
  let text;
  try {
    text = JSON.stringify(outcome.ok ? { ok: true, payload: outcome.payload === undefined ? null : outcome.payload } : outcome);
  } catch (error) {
    text = JSON.stringify({ ok: false, error: errorPayload(error, "Runtime.SerializationError") });
  }
  fs.writeFileSync(resultFile, text);
  // As Lambda with callbackWaitsForEmptyEventLoop = false would: the outcome is final.
  process.exit(0);
}

function fail(errorType, errorMessage) {
  finish({ ok: false, error: { errorType, errorMessage, trace: [] } });
}

process.on("beforeExit", () => finish({ ok: true, payload: null }));
process.on("uncaughtException", (error) => finish({ ok: false, error: errorPayload(error, "Error") }));
process.on("unhandledRejection", (reason) => finish({ ok: false, error: errorPayload(reason, "Runtime.UnhandledPromiseRejection") }));

function loadHandler() {
  // "index.handler", "lib/app.main": the module path, then the export name after the last dot.
  const dot = handlerSpec.lastIndexOf(".");
  if (dot <= 0) return fail("Runtime.MalformedHandlerName", `Bad handler ${handlerSpec}`);
  const modulePath = path.resolve(taskRoot, handlerSpec.slice(0, dot));
  const exportName = handlerSpec.slice(dot + 1);
  let loaded;
  try {
    loaded = require(require.resolve(modulePath, { paths: [taskRoot] }));
  } catch (error) {
    // The handler's module or one it requires (Lambda reports both as ImportModuleError).
    if (error && error.code === "MODULE_NOT_FOUND") return fail("Runtime.ImportModuleError", `Error: ${error.message}`);
    return finish({ ok: false, error: errorPayload(error, "Runtime.UserCodeSyntaxError") });
  }
  const fn = loaded ? loaded[exportName] : undefined;
  if (typeof fn !== "function") return fail("Runtime.HandlerNotFound", `${handlerSpec} is undefined or not exported`);
  return fn;
}

function context() {
  const deadline = Date.now() + Number(process.env.LAMBDA_RUNNER_TIMEOUT_MS);
  const ctx = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: process.env.LAMBDA_RUNNER_FUNCTION_ARN,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: process.env.LAMBDA_RUNNER_REQUEST_ID,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    // Deprecated since Node.js 4.3 but still offered by the runtime.
    succeed: (result) => finish({ ok: true, payload: result }),
    fail: (error) => finish({ ok: false, error: errorPayload(error, "Error") }),
    done: (error, result) => (error ? ctx.fail(error) : ctx.succeed(result)),
  };
  return ctx;
}

async function main() {
  const event = JSON.parse(fs.readFileSync(0, "utf8") || "{}");
  const handler = loadHandler();
  if (!handler) return;
  const ctx = context();
  const readyFd = Number(process.env.LAMBDA_RUNNER_READY_FD);
  if (Number.isInteger(readyFd) && readyFd > 2) {
    fs.writeSync(readyFd, "R");
    fs.closeSync(readyFd);
  }
  const callback = (error, result) => (error ? finish({ ok: false, error: errorPayload(error, "Error") }) : finish({ ok: true, payload: result }));
  try {
    const returned = handler(event, ctx, callback);
    // An async handler (or one returning a promise) ends with its promise; any other with its
    // callback, or with null when the event loop empties first (what the runtime does with a
    // plain return value).
    if (returned && typeof returned.then === "function") {
      finish({ ok: true, payload: await returned });
    }
  } catch (error) {
    finish({ ok: false, error: errorPayload(error, "Error") });
  }
}

main();
