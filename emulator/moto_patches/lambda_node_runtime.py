"""Lambda Invoke runs a Node.js function's code with the Node.js its runtime names (patch 22).

AWS: Invoke runs the function's handler ("<file>.<export>", Node.js runtimes load the module
from the deployment package in /var/task) with the event and a context object, in an
environment holding the function's environment variables, the reserved ones Lambda sets
(AWS_REGION, AWS_LAMBDA_FUNCTION_NAME, ..., and the execution role's temporary credentials
AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN), and the AWS SDK for
JavaScript v3 available to require (Lambda developer guide: "Define Lambda function handler
in Node.js", "Using the Lambda context object", "Defined runtime environment variables",
"Node.js runtimes" - the SDK is included). A RequestResponse invocation answers with the
handler's result as JSON; when the function fails, the payload is {"errorType",
"errorMessage", "trace"} and the response carries X-Amz-Function-Error: Unhandled (Lambda API
reference, Invoke: FunctionError; developer guide, "Lambda function errors in Node.js"). A
function still running at its Timeout (default 3 s) is stopped and the invocation fails with
"Task timed out after N.00 seconds". InvocationType Event answers 202 at once and runs the
function in the background; DryRun only validates (204).

moto 5.2 runs Lambda code only in Docker (LambdaFunction._invoke_lambda); there is no Docker
here. This patch wraps LambdaFunction.invoke (which both Invoke and InvokeAsync reach) for
functions of a nodejs* runtime with a zip package: it unpacks the uploaded zip (moto keeps
its bytes, code_bytes) into a temporary task root and runs lambda_node_runner.js with the
Node.js binary of the runtime's major (lambda_runtimes.node_for: nodejs22.x on Node.js 22,
never another version) in a process group of its own, the environment above, and:
- AWS_ENDPOINT_URL = this emulator (so the SDK inside reaches it), credentials from an
  in-process STS AssumeRole of the function's execution role (session name = the function
  name, as Lambda's), so the function acts in its role's account and its requests show up in
  the role request log (patch 18) like a deployed role's;
- NODE_PATH to a folder holding only @aws-sdk (a link to the --lambda-sdk-modules folder's
  @aws-sdk, in this project its node_modules): what the runtime provides, nothing more, so a
  bundle that forgot a dependency fails here as on Lambda;
- the Timeout counted from the handler's start (Lambda's init phase, at most 10 s, is not part
  of it), then the process group is killed.
Each invocation is recorded: {"action": "Invoke", "functionName", "functionArn",
"invocationType", "requestId", "functionError" (absent on success), "errorType",
"durationMs"}; the event is not recorded (an identity provider's holds a password). The log
(START/END/REPORT lines around what the handler printed) goes to the function's CloudWatch
Logs group as moto does, and its last 4 KB to X-Amz-Log-Result when LogType is Tail.

Differences from Lambda: every invocation is a cold start (no warm environment reuse), memory
size and architecture are not enforced, an Event invocation that fails is not retried, and a
callback handler's result is returned without waiting for the event loop to empty.
Functions of other runtimes keep moto's behaviour (Docker).
"""

from __future__ import annotations

import base64
import json
import os
import select
import signal
import subprocess
import tempfile
import threading
import time
import uuid
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any, Callable

from . import common, lambda_runtimes

RUNNER = Path(__file__).with_name("lambda_node_runner.js")
SDK_MODULES_ENV = "MOTO_LAMBDA_SDK_MODULES"
# Lambda's init phase limit (developer guide, "Lambda execution environment lifecycle").
INIT_LIMIT_SECONDS = 10.0
LOG_TAIL_BYTES = 4096

_runtime_dir: str | None = None
_runtime_lock = threading.Lock()


def _runtime_node_path() -> str | None:
    """A folder for NODE_PATH holding only @aws-sdk (linked), made once per launcher."""
    global _runtime_dir
    modules = os.environ.get(SDK_MODULES_ENV, "")
    if not modules:
        return None
    sdk = Path(modules) / "@aws-sdk"
    if not sdk.is_dir():
        raise common.LauncherError(f"{SDK_MODULES_ENV}={modules}: no @aws-sdk folder there")
    with _runtime_lock:
        if _runtime_dir is None:
            base = tempfile.mkdtemp(prefix="moto-lambda-runtime-")
            os.makedirs(os.path.join(base, "node_modules"))
            os.symlink(sdk.resolve(), os.path.join(base, "node_modules", "@aws-sdk"))
            _runtime_dir = base
        return os.path.join(_runtime_dir, "node_modules")


def _unpack(code: bytes, into: str) -> None:
    with zipfile.ZipFile(BytesIO(code)) as archive:
        for name in archive.namelist():
            target = os.path.realpath(os.path.join(into, name))
            if not target.startswith(os.path.realpath(into) + os.sep):
                raise ValueError(f"zip entry outside the task root: {name}")
        archive.extractall(into)


def _role_credentials(fn: Any) -> dict[str, str]:
    from moto.sts.models import sts_backends
    from moto.utilities.utils import get_partition

    role = sts_backends[fn.account_id][get_partition(fn.region)].assume_role(
        region_name=fn.region,
        role_session_name=fn.function_name[:64],
        role_arn=fn.role,
        policy=None,
        duration=3600,
        external_id=None,
    )
    return {
        "AWS_ACCESS_KEY_ID": role.access_key_id,
        "AWS_SECRET_ACCESS_KEY": role.secret_access_key,
        "AWS_SESSION_TOKEN": role.session_token,
    }


def _environment(fn: Any, task_root: str, request_id: str, log_stream: str) -> dict[str, str]:
    port = os.environ.get("MOTO_PORT")
    if not port:
        raise common.LauncherError("MOTO_PORT is not set: the launcher sets it once it listens")
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        **{str(k): str(v) for k, v in (fn.environment_vars or {}).items()},
        # Reserved variables: Lambda sets them, a function cannot override them.
        "_HANDLER": fn.handler,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{fn.run_time}",
        "AWS_LAMBDA_FUNCTION_NAME": fn.function_name,
        "AWS_LAMBDA_FUNCTION_VERSION": str(fn.version),
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_size),
        "AWS_LAMBDA_LOG_GROUP_NAME": fn.logs_group_name,
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_REGION": fn.region,
        "AWS_DEFAULT_REGION": fn.region,
        "LAMBDA_TASK_ROOT": task_root,
        **_role_credentials(fn),
        # The emulator's own settings: every SDK call goes to this emulator, nothing else.
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "LAMBDA_RUNNER_REQUEST_ID": request_id,
        "LAMBDA_RUNNER_FUNCTION_ARN": fn.function_arn,
        "LAMBDA_RUNNER_TIMEOUT_MS": str(int(float(fn.timeout) * 1000)),
    }
    node_path = _runtime_node_path()
    if node_path:
        env["NODE_PATH"] = node_path
    return env


def _error(error_type: str, message: str) -> dict[str, Any]:
    return {"errorType": error_type, "errorMessage": message}


def run_node_function(fn: Any, event: str) -> dict[str, Any]:
    """Runs one invocation; returns {"requestId", "payload" (bytes), "error" (dict|None), "log", "durationMs"}."""
    node = lambda_runtimes.node_for(fn.run_time)
    request_id = str(uuid.uuid4())
    now = time.gmtime()
    log_stream = f"{now.tm_year}/{now.tm_mon:02d}/{now.tm_mday:02d}/[{fn.version}]{uuid.uuid4().hex}"
    timeout = float(fn.timeout)
    error: dict[str, Any] | None = None
    payload: Any = None
    started = time.monotonic()
    duration_ms = 0
    with tempfile.TemporaryDirectory(prefix="moto-lambda-task-") as work:
        task_root = os.path.join(work, "task")
        os.makedirs(task_root)
        result_file = os.path.join(work, "result.json")
        log_file = os.path.join(work, "log.txt")
        try:
            if node is None:
                raise common.LauncherError(f"no Node.js binary for {fn.run_time} (moto_launcher.py --lambda-node)")
            _unpack(fn.code_bytes, task_root)
            env = _environment(fn, task_root, request_id, log_stream)
        except (common.LauncherError, ValueError, zipfile.BadZipFile) as problem:
            error = _error("Runtime.Unavailable" if node is None else "Runtime.InvalidEntrypoint", str(problem))
            return {"requestId": request_id, "payload": json.dumps(error).encode(), "error": error, "log": str(problem), "durationMs": 0}
        ready_read, ready_write = os.pipe()
        env["LAMBDA_RUNNER_READY_FD"] = str(ready_write)
        with open(log_file, "wb") as log:
            process = subprocess.Popen(
                [node, str(RUNNER), task_root, fn.handler, result_file],
                cwd=task_root,
                env=env,
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(ready_write,),
                start_new_session=True,
            )
        os.close(ready_write)
        try:
            assert process.stdin is not None
            try:
                process.stdin.write(event.encode())
                process.stdin.close()
            except BrokenPipeError:
                pass
            # Init (loading the module) first, then the Timeout from the handler's start.
            readable, _, _ = select.select([ready_read], [], [], INIT_LIMIT_SECONDS)
            handler_started = time.monotonic()
            if readable:
                os.read(ready_read, 1)
            try:
                process.wait(timeout=max(0.0, handler_started + timeout - time.monotonic()) if readable else 0.5)
            except subprocess.TimeoutExpired:
                pass
            duration_ms = int((time.monotonic() - handler_started) * 1000)
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                if readable:
                    error = _error("Sandbox.Timedout", f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds")
                else:
                    error = _error("Runtime.InitTimeout", f"RequestId: {request_id} Error: init phase exceeded {INIT_LIMIT_SECONDS:.0f} seconds")
            elif os.path.exists(result_file):
                with open(result_file, encoding="utf-8") as handle:
                    outcome = json.load(handle)
                if outcome.get("ok"):
                    payload = outcome.get("payload")
                else:
                    error = outcome.get("error") or _error("Error", "unknown error")
            else:
                error = _error(
                    "Runtime.ExitError",
                    f"RequestId: {request_id} Error: Runtime exited with error: exit status {process.returncode}",
                )
        finally:
            os.close(ready_read)
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        with open(log_file, "rb") as handle:
            printed = handle.read().decode("utf-8", errors="replace")
    if error is not None and error.get("errorType") == "Sandbox.Timedout":
        printed += f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime())}Z {request_id} Task timed out after {timeout:.2f} seconds\n"
    total_ms = int((time.monotonic() - started) * 1000)
    log_text = (
        f"START RequestId: {request_id} Version: {fn.version}\n{printed}"
        f"{'' if printed.endswith(chr(10)) or not printed else chr(10)}"
        f"END RequestId: {request_id}\n"
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms} ms\tBilled Duration: {total_ms} ms\t"
        f"Memory Size: {fn.memory_size} MB\n"
    )
    body = json.dumps(error if error is not None else payload).encode()
    return {"requestId": request_id, "payload": body, "error": error, "log": log_text, "durationMs": duration_ms}


def _save_logs(fn: Any, text: str) -> None:
    try:
        fn.logs_backend.ensure_log_group(fn.logs_group_name)
        fn.save_logs(text)
    except Exception as problem:  # a log write must not turn a finished invocation into an error
        print(f"moto_launcher: lambda logs for {fn.function_name}: {problem!r}", flush=True)


def _record(fn: Any, invocation_type: str, outcome: dict[str, Any] | None, request_id: str | None = None) -> None:
    fields: dict[str, Any] = {
        "functionName": fn.function_name,
        "functionArn": fn.function_arn,
        "invocationType": invocation_type,
        "requestId": outcome["requestId"] if outcome else request_id,
    }
    if outcome:
        fields["durationMs"] = outcome["durationMs"]
        if outcome["error"] is not None:
            fields["functionError"] = "Unhandled"
            fields["errorType"] = outcome["error"].get("errorType")
    common.STATE.calls.record("Invoke", **fields)


def patch_lambda_node_runtime() -> None:
    from moto.awslambda.models import LambdaFunction

    common.need(LambdaFunction, "invoke", "save_logs")
    if not RUNNER.is_file():
        raise common.LauncherError(f"{RUNNER} is missing")

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def invoke(self: Any, body: Any, request_headers: Any, response_headers: Any) -> Any:
            if not str(self.run_time or "").startswith("nodejs") or getattr(self, "package_type", "Zip") != "Zip":
                return original(self, body, request_headers, response_headers)
            common.need(self, "code_bytes", "handler", "timeout", "environment_vars", "role", "logs_backend")
            if isinstance(body, bytes):
                body = body.decode("utf-8")
            event = body or "{}"
            invocation_type = request_headers.get("x-amz-invocation-type") or "RequestResponse"
            if invocation_type == "DryRun":
                _record(self, invocation_type, None, str(uuid.uuid4()))
                return ""
            if invocation_type == "Event":

                def background() -> None:
                    outcome = run_node_function(self, event)
                    _save_logs(self, outcome["log"])
                    _record(self, invocation_type, outcome)

                threading.Thread(target=background, daemon=True).start()
                return ""
            outcome = run_node_function(self, event)
            _save_logs(self, outcome["log"])
            _record(self, invocation_type, outcome)
            response_headers["x-amz-executed-version"] = str(self.version)
            if outcome["error"] is not None:
                response_headers["x-amz-function-error"] = "Unhandled"
            tail = outcome["log"].encode("utf-8")[-LOG_TAIL_BYTES:]
            response_headers["x-amz-log-result"] = base64.b64encode(tail).decode("ascii")
            return outcome["payload"]

        return invoke

    common.wrap(LambdaFunction, "invoke", make)
    common.PATCHES.append("lambda-node-runtime")
