"""Lambda runtimes: a Node.js function runs on the Node.js major its runtime names, and
CreateFunction / UpdateFunctionConfiguration refuse a runtime Lambda refuses (patch 25).

AWS: each managed runtime is one language major version with its own identifier (nodejs22.x,
nodejs24.x); a function runs on the version its Runtime names (Lambda developer guide, "Lambda
runtimes"). The Runtime parameter takes one of the API's enum values (Lambda API reference,
CreateFunction: Runtime, "Valid Values"); any other string is refused with
    ValidationException: 1 validation error detected: Value 'g1.x' at 'runtime' failed to
    satisfy constraint: Member must satisfy enum value set: [java8, nodejs, ...]
(the service's own message, echoed by the CLI: aws/aws-cli#3229). A deprecated runtime is
refused in two phases: first function creation, then (at least 30 days later) updates; a
function already created keeps running and can still be invoked (developer guide, "Runtime
deprecation policy"). The refusal is
    InvalidParameterValueException: The runtime parameter of nodejs16.x is no longer supported
    for creating or updating AWS Lambda functions. We recommend you use the new runtime
    (nodejs22.x) while creating or updating functions.
(as Lambda answers, e.g. pulumi/pulumi-awsx#714 for nodejs10.x, artilleryio/chaos-lambda#30).

Here:
- Lambda's enum is read from the installed botocore's Lambda service model (the API's own list),
  so an unknown runtime gets the ValidationException above on CreateFunction and on
  UpdateFunctionConfiguration.
- Every Node.js runtime older than nodejs22.x is refused as deprecated on both calls. Their
  "Block function create" dates on the runtimes page have all passed: the last, nodejs20.x,
  deprecated on 2026-04-30, was blocked for creation in 2026. nodejs22.x's deprecation is
  scheduled for 2027-04-30: move it here when Lambda blocks it, with the stacks' runtime.
- nodejs22.x and nodejs24.x run on a Node.js binary of that major, given to the launcher with
  --lambda-node <major>=<path> (checked at start: the binary must report v<major>.). A Node.js
  runtime Lambda offers but the launcher has no binary for is refused at CreateFunction with
  an InvalidParameterValueException that says so (the emulator's own limit, not Lambda's),
  never run with some other Node.js.
Functions of other languages keep moto's behaviour (Docker) once their runtime passed the enum.
"""

from __future__ import annotations

import functools
import os
import subprocess
from typing import Any, Callable

from . import common

# Node.js runtimes Lambda offers today, by identifier: the Node.js major each runs.
SUPPORTED_NODE_RUNTIMES: dict[str, int] = {"nodejs22.x": 22, "nodejs24.x": 24}
# What Lambda recommends in its refusal of a deprecated Node.js runtime.
RECOMMENDED_NODE_RUNTIME = "nodejs22.x"

_nodes: dict[int, str] = {}


@functools.lru_cache(maxsize=1)
def lambda_runtime_enum() -> tuple[str, ...]:
    """The Runtime values Lambda's API accepts (the installed botocore's service model)."""
    import botocore.session

    return tuple(botocore.session.get_session().get_service_model("lambda").shape_for("Runtime").enum)


def configure_nodes(specs: list[str]) -> None:
    """--lambda-node <major>=<path>, each checked: the binary runs and reports v<major>."""
    _nodes.clear()
    for spec in specs:
        major_text, sep, binary = spec.partition("=")
        if not sep or not major_text.isdigit() or not binary:
            raise common.LauncherError(f"--lambda-node {spec!r}: expected <major>=<path to node>, e.g. 22=path/to/node22/bin/node")
        major = int(major_text)
        binary = os.path.abspath(binary)
        try:
            version = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30, check=True).stdout.strip()
        except (OSError, subprocess.SubprocessError) as problem:
            raise common.LauncherError(f"--lambda-node {major}={binary}: cannot run it ({problem})") from problem
        if not version.startswith(f"v{major}."):
            raise common.LauncherError(f"--lambda-node {major}={binary}: it is Node.js {version}, not {major}")
        _nodes[major] = binary


def node_for(runtime: str | None) -> str | None:
    """The Node.js binary that runs functions of this runtime, or None (never another major)."""
    major = SUPPORTED_NODE_RUNTIMES.get(str(runtime or ""))
    return _nodes.get(major) if major is not None else None


def runtime_problem(runtime: Any) -> Exception | None:
    """Lambda's refusal of this Runtime on CreateFunction/UpdateFunctionConfiguration, or None."""
    from moto.awslambda.exceptions import InvalidParameterValueException, ValidationException

    enum = lambda_runtime_enum()
    if runtime not in enum:
        return ValidationException(str(runtime), "runtime", f"Member must satisfy enum value set: [{', '.join(enum)}]")
    if not runtime.startswith("nodejs"):
        return None
    major = SUPPORTED_NODE_RUNTIMES.get(runtime)
    if major is None:
        return InvalidParameterValueException(
            f"The runtime parameter of {runtime} is no longer supported for creating or updating AWS Lambda functions. "
            f"We recommend you use the new runtime ({RECOMMENDED_NODE_RUNTIME}) while creating or updating functions."
        )
    if major not in _nodes:
        return InvalidParameterValueException(
            f"The runtime parameter of {runtime} cannot run in this emulator: it has no Node.js {major} binary "
            f"(start moto_launcher.py with --lambda-node {major}=<path to a Node.js {major} node>)."
        )
    return None


def patch_lambda_runtimes() -> None:
    from moto.awslambda.models import LambdaBackend, LambdaFunction

    common.need(LambdaBackend, "create_function")
    common.need(LambdaFunction, "update_configuration")
    lambda_runtime_enum()  # fail at start, not on the first call, if botocore's model moved

    def make_create(original: Callable[..., Any]) -> Callable[..., Any]:
        def create_function(self: Any, spec: dict[str, Any]) -> Any:
            # Image functions carry no Runtime; a zip without one keeps moto's answer.
            if spec.get("Runtime") is not None:
                problem = runtime_problem(spec.get("Runtime"))
                if problem is not None:
                    raise problem
            return original(self, spec)

        return create_function

    def make_update(original: Callable[..., Any]) -> Callable[..., Any]:
        def update_configuration(self: Any, config_updates: dict[str, Any]) -> Any:
            if "Runtime" in config_updates:
                problem = runtime_problem(config_updates["Runtime"])
                if problem is not None:
                    raise problem
            return original(self, config_updates)

        return update_configuration

    common.wrap(LambdaBackend, "create_function", make_create)
    common.wrap(LambdaFunction, "update_configuration", make_update)
    common.PATCHES.append("lambda-runtimes")
