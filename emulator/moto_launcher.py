#!/usr/bin/env python3
"""Local AWS emulator for this project: moto's server plus a few in-process patches.

Usage:
    python3 emulator/moto_launcher.py [--host 127.0.0.1] [--port 0] [--calls-file calls.jsonl]
                                      [--state-delay SECONDS] [--lambda-sdk-modules DIR]
                                      [--lambda-node MAJOR=PATH ...]
                                      [--lambda-concurrency-quota ACCOUNT=N ...]
                                      [--iam-propagation-seconds SECONDS] [--lenient]

Binds to 127.0.0.1 only (any other --host is refused). With --port 0 (the default) the
operating system picks a free port; either way the first line on stdout is
    moto_launcher: listening on http://127.0.0.1:<port>
and from then on the emulator answers AWS API calls on that endpoint (point the AWS CLI
or Terraform's AWS provider at it with AWS_ENDPOINT_URL). Stop it with SIGTERM/SIGINT.

Extra HTTP paths on the same port (not AWS APIs; for tests):
    GET    /_launcher/health  -> {"moto": "<version>", "patches": [...], "checks": {...}}  (readiness probe)
    GET    /_launcher/calls   -> JSON array of recorded calls, oldest first
    DELETE /_launcher/calls   -> forget recorded calls
    GET    /_launcher/transfer/service-keys?serverId=s-...  -> a Transfer server's host key and
           FTPS certificate key, for the Transfer stand-in (moto_patches/transfer_service_keys.py)
A recorded call is {"action", "serverId" | "serviceId", "time" (ISO 8601 UTC, ms),
"epochMs", ...}: "fromState" for Transfer StopServer/StartServer, "params" for
UpdateServer, "vpcEndpointIds" for Accept/RejectVpcEndpointConnections, the added and
removed ARNs for ModifyVpcEndpointServiceConfiguration. With
--calls-file each record is also appended to that file as one JSON line.

IAM is judged on every request signed by an assumed-role session, an IAM user or a service
principal (moto_patches/iam_enforcement.py and its modules; the README's "IAM in the emulator"):
refused requests answer AccessDenied in the protocol's shape and every decision is recorded as
{"action": "IamDecision", ...}. IAM changes take effect after --iam-propagation-seconds (env
MOTO_IAM_PROPAGATION_SECONDS, default 0 here; the tests' client defaults to 5). More paths:
    POST   /_launcher/iam/service-credentials  -> keys acting as an AWS service principal
    GET|PUT /_launcher/iam/propagation         -> {"seconds": N}, the propagation delay
--lenient (env MOTO_LENIENT=1) judges nothing: for debugging only; tests and the demo never use it.

Transfer state changes take --state-delay seconds (default: env
MOTO_TRANSFER_STATE_DELAY_SECONDS, else 0): StopServer shows STOPPING for that long,
then OFFLINE; StartServer shows STARTING, then ONLINE. With 0 the change is immediate,
which keeps `aws transfer wait server-offline|server-online` (30 s poll interval) fast.

The patches (moto_patches/, one module per AWS service area, listed in its docstring)
imitate real AWS behaviour that moto 5.2 lacks and this project needs.

Lambda functions of a nodejs* runtime run when invoked (patch 22) on the Node.js their runtime
names (patch 25): --lambda-node 22=<path> gives the binary for nodejs22.x, 24=<path> for
nodejs24.x; a runtime with no binary is refused at CreateFunction, never run on another version.
--lambda-sdk-modules (default: env MOTO_LAMBDA_SDK_MODULES) names a node_modules folder whose
@aws-sdk packages they can require, as Lambda's Node.js runtimes include the AWS SDK v3.

Requests are judged strictly, as AWS judges them (patch 25, emulator/request_checks/): each
request is checked against its operation's input shape in AWS's API models (botocore's) and
against a table of limits AWS documents that the models lack, and refused with the service's
error code (stderr: "moto_launcher: refused <service> <operation>: <code>: <message>").
--lenient (env MOTO_LENIENT=1) turns both checks off, for debugging only; the tests and
`npm run demo` never use it. GET /_launcher/health reports them under "checks".

Each emulated account's Lambda concurrency quota is 1000 (AWS's default) unless
--lambda-concurrency-quota ACCOUNT=N (repeatable, or env MOTO_LAMBDA_CONCURRENCY_QUOTAS=
"ACCOUNT=N,...") says otherwise; PutFunctionConcurrency is refused as AWS refuses it and
GetAccountSettings reports it (patch 26).

Settings: MOTO_IAM_LOAD_MANAGED_POLICIES defaults to true here (AWS-managed policies such
as arn:aws:iam::aws:policy/AmazonS3FullAccess exist, as on AWS).

The launcher fails fast (exit status 3, message naming the moto version) when a moto
internal it patches is not where it expects it.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from typing import Any, Callable

from moto_patches import apply_all, common, lambda_runtimes, transfer_service_keys
from request_checks import java_regex
from request_checks.settings import SETTINGS, parse_quotas

LOOPBACK = "127.0.0.1"


# --------------------------------------------------------------------------- server
def launcher_app(inner: Any) -> Callable[..., Any]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/_launcher/"):
            return inner(environ, start_response)
        method = environ.get("REQUEST_METHOD")
        if path == "/_launcher/health" and method == "GET":
            body: Any = {
                "moto": common.moto_version(),
                "patches": common.PATCHES,
                "stateDelaySeconds": common.STATE.state_delay,
                "lenient": common.STATE.lenient,
                "checks": SETTINGS.health(),
            }
        elif path == "/_launcher/calls" and method == "GET":
            body = common.STATE.calls.all()
        elif path == "/_launcher/calls" and method == "DELETE":
            common.STATE.calls.clear()
            body = {}
        elif path == "/_launcher/transfer/service-keys" and method == "GET":
            status, body = transfer_service_keys.service_keys(environ.get("QUERY_STRING", ""))
            if status != 200:
                start_response(f"{status} Not Found", [("Content-Type", "application/json")])
                return [json.dumps(body).encode()]
        else:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(length) if length else b""
            for route in common.ROUTES:
                answered = route(method or "", path, raw)
                if answered is not None:
                    status, body = answered
                    start_response(f"{status} {'OK' if status < 300 else 'Error'}", [("Content-Type", "application/json")])
                    return [json.dumps(body).encode()]
            start_response("404 Not Found", [("Content-Type", "application/json")])
            return [b'{"error": "unknown launcher path"}']
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=LOOPBACK, help="only 127.0.0.1 is allowed")
    parser.add_argument("--port", type=int, default=0, help="0 = pick a free port (default)")
    parser.add_argument("--calls-file", default=None, help="also append recorded calls here (JSON lines)")
    parser.add_argument(
        "--state-delay",
        type=float,
        default=float(os.environ.get("MOTO_TRANSFER_STATE_DELAY_SECONDS", "0") or 0),
        help="seconds a Transfer server stays STOPPING/STARTING (env MOTO_TRANSFER_STATE_DELAY_SECONDS)",
    )
    parser.add_argument(
        "--lambda-sdk-modules",
        default=os.environ.get("MOTO_LAMBDA_SDK_MODULES", ""),
        help="node_modules folder whose @aws-sdk packages Node.js functions may require (env MOTO_LAMBDA_SDK_MODULES)",
    )
    parser.add_argument(
        "--lambda-node",
        action="append",
        default=[],
        metavar="MAJOR=PATH",
        help="the Node.js binary for nodejs<MAJOR>.x functions, e.g. 22=path/to/node22/bin/node (repeatable)",
    )
    parser.add_argument(
        "--lambda-concurrency-quota",
        action="append",
        default=[os.environ.get("MOTO_LAMBDA_CONCURRENCY_QUOTAS", "")],
        metavar="ACCOUNT=N",
        help="an emulated account's Lambda concurrency quota (default 1000; repeatable; env MOTO_LAMBDA_CONCURRENCY_QUOTAS)",
    )
    parser.add_argument(
        "--lenient",
        action="store_true",
        default=os.environ.get("MOTO_LENIENT", "").lower() in ("1", "true", "yes"),
        help="judge nothing (no IAM, no API models, no documented limits): for debugging only; tests and the demo never use it (env MOTO_LENIENT=1)",
    )
    parser.add_argument(
        "--iam-propagation-seconds",
        type=float,
        default=float(os.environ.get("MOTO_IAM_PROPAGATION_SECONDS", "0") or 0),
        help="seconds before an IAM change (role, policy, trust) takes effect (env MOTO_IAM_PROPAGATION_SECONDS)",
    )
    args = parser.parse_args(argv)
    try:
        SETTINGS.lambda_concurrency_quotas = parse_quotas(args.lambda_concurrency_quota)
    except ValueError as error:
        print(f"moto_launcher: --lambda-concurrency-quota: {error}", file=sys.stderr)
        return 2
    SETTINGS.api_models = SETTINGS.documented_limits = not args.lenient
    if args.host != LOOPBACK:
        print(f"moto_launcher: refusing to bind {args.host}: only {LOOPBACK} is allowed", file=sys.stderr)
        return 2
    # AWS-managed IAM policies (arn:aws:iam::aws:policy/...) exist on AWS; moto loads them on request.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    if args.lambda_sdk_modules:
        os.environ["MOTO_LAMBDA_SDK_MODULES"] = os.path.abspath(args.lambda_sdk_modules)
    common.STATE.calls = common.CallLog(args.calls_file)
    try:
        lambda_runtimes.configure_nodes(args.lambda_node)
    except common.LauncherError as error:
        print(f"moto_launcher: {error}", file=sys.stderr)
        return 2
    common.STATE.state_delay = max(0.0, args.state_delay)
    common.STATE.lenient = bool(args.lenient)
    common.STATE.iam_propagation_seconds = max(0.0, args.iam_propagation_seconds)
    try:
        apply_all()
    except common.LauncherError as error:
        print(f"moto_launcher: {error}", file=sys.stderr)
        return 3
    except (ImportError, AttributeError, KeyError) as error:
        print(
            f"moto_launcher: moto {common.moto_version()}: an internal this launcher patches moved ({error!r}); "
            "it was written against moto 5.2.",
            file=sys.stderr,
        )
        return 3

    if not args.lenient:
        # The Unicode categories of the models' \p{L}-style patterns take about a second to
        # tabulate: done while moto's apps load, not in the first request that needs them.
        threading.Thread(target=java_regex.warm_up, daemon=True).start()

    from werkzeug.serving import make_server
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    inner = DomainDispatcherApplication(create_backend_app)
    server = make_server(LOOPBACK, args.port, launcher_app(inner), threaded=True)
    port = server.server_port
    os.environ["MOTO_PORT"] = str(port)

    def stop(_signum: int, _frame: Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"moto_launcher: listening on http://{LOOPBACK}:{port}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
