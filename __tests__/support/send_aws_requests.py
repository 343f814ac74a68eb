"""Sends AWS API requests to an endpoint exactly as given, and prints what came back.

For the strict-emulator tests: each request is serialized by botocore for its service's wire
protocol and signed (SigV4), with client-side parameter validation turned off
(Config(parameter_validation=False)), so an invalid value reaches the server as Terraform's Go
SDK and the AWS SDK for JavaScript v3 send it (neither validates lengths, patterns, enums or
ranges before sending). CloudWatch is sent with its query protocol, as Terraform's provider
sends it (this botocore would pick CBOR, which no Go SDK of hashicorp/aws 5.100 uses).

stdin:  {"endpoint": "http://127.0.0.1:port", "region": "us-east-1",
         "requests": [{"id": "...", "service": "iam", "operation": "CreateRole",
                       "params": {...}, "account": "111111111111"?}, ...]}
        A {"__base64": "..."} value anywhere in params is sent as bytes; a string
        "${<id>.<path>}" is replaced by that value of an earlier request's response (e.g.
        "${vpc.Vpc.VpcId}"). "account" sends the request as that emulated account (moto's
        x-moto-account-id header).
stdout: [{"id", "status", "code", "message", "response"}] in the same order (status 200 and no
        code when the request was accepted).
"""

from __future__ import annotations

import base64
import copy
import json
import os
import sys
import tempfile
from typing import Any


def _resolve(value: Any, earlier: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__base64"}:
            return base64.b64decode(value["__base64"])
        return {k: _resolve(v, earlier) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, earlier) for v in value]
    if isinstance(value, str) and value.startswith("${") and value.endswith("}"):
        ref, *path = value[2:-1].split(".")
        found: Any = earlier[ref]
        for key in path:
            found = found[int(key)] if isinstance(found, list) else found[key]
        return found
    return value


def _query_cloudwatch_models() -> str:
    """A data path whose CloudWatch model speaks only the query protocol."""
    import botocore
    import botocore.loaders

    source_dir = os.path.join(os.path.dirname(botocore.__file__), "data", "cloudwatch")
    version = sorted(os.listdir(source_dir))[-1]
    loader = botocore.loaders.Loader()
    model = copy.deepcopy(loader.load_service_model("cloudwatch", "service-2", version))
    model["metadata"]["protocol"] = "query"
    model["metadata"]["protocols"] = ["query"]
    model["metadata"].pop("jsonVersion", None)
    model["metadata"].pop("awsQueryCompatible", None)
    root = tempfile.mkdtemp(prefix="cw-query-model-")
    target = os.path.join(root, "cloudwatch", version)
    os.makedirs(target)
    with open(os.path.join(target, "service-2.json"), "w", encoding="utf-8") as handle:
        json.dump(model, handle)
    return root


def main() -> int:
    spec = json.load(sys.stdin)
    os.environ["AWS_DATA_PATH"] = _query_cloudwatch_models()
    import botocore.session
    from botocore.config import Config

    session = botocore.session.get_session()
    config = Config(parameter_validation=False, retries={"max_attempts": 1}, connect_timeout=10, read_timeout=60)
    clients: dict[tuple[str, str], Any] = {}
    results = []
    earlier: dict[str, Any] = {}
    for request in spec["requests"]:
        account = request.get("account", "")
        key = (request["service"], account)
        if key not in clients:
            client = session.create_client(
                request["service"],
                region_name=spec.get("region", "us-east-1"),
                endpoint_url=spec["endpoint"],
                aws_access_key_id="test",
                aws_secret_access_key="test",
                config=config,
            )
            if account:
                def add_account(request: Any, account: str = account, **_: Any) -> None:
                    request.headers["x-moto-account-id"] = account

                client.meta.events.register_first("before-sign", add_account)
            clients[key] = client
        client = clients[key]
        method = getattr(client, _snake(client, request["operation"]))
        try:
            response = method(**_resolve(request.get("params") or {}, earlier))
            response.pop("ResponseMetadata", None)
            if "Body" in response:
                response["Body"] = response["Body"].read().decode(errors="replace")
            earlier[request["id"]] = json.loads(json.dumps(response, default=str))
            results.append({"id": request["id"], "status": 200, "response": earlier[request["id"]]})
        except client.exceptions.ClientError as error:
            meta = error.response.get("ResponseMetadata", {})
            err = error.response.get("Error", {})
            results.append(
                {"id": request["id"], "status": meta.get("HTTPStatusCode"), "code": err.get("Code"), "message": err.get("Message", "")}
            )
    json.dump(results, sys.stdout)
    return 0


def _snake(client: Any, operation: str) -> str:
    for snake, api in client.meta.method_to_api_mapping.items():
        if api == operation:
            return snake
    raise SystemExit(f"unknown operation {operation} for {client.meta.service_model.service_name}")


if __name__ == "__main__":
    sys.exit(main())
