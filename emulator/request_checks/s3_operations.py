"""Which S3 operation a request is, and its parameters, from S3's own API model.

moto routes S3 by hand (bucket vs key, then method and sub-resource), outside the dispatch the
other services share, so the operation is found here the way S3's REST API defines it: each
operation of the model has an HTTP method and a URI template such as
`/{Bucket}/{Key+}?tagging` or `/{Bucket}?list-type=2`; a request is the operation whose method
matches, whose path has the same shape (bucket only, or bucket and key), whose template's
query keys are all present (the SDKs' `x-id=<Operation>` hint, when sent, must name it), and
which explains most of the request (template keys, then required query and header members
present). Path-style addressing only (the emulator's endpoint is an IP address, where the
SDKs and Terraform use path style).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlparse

from .request_params import ParsedRequest


@lru_cache(maxsize=1)
def _templates() -> list[tuple[str, bool, dict[str, str], Any]]:
    from moto.core.utils import get_service_model

    model = get_service_model("s3")
    out = []
    for name in model.operation_names:
        op = model.operation_model(name)
        uri = op.http["requestUri"]
        path, _, query = uri.partition("?")
        has_key = "{Key+}" in path
        keys = dict(parse_qsl(query, keep_blank_values=True)) if query else {}
        out.append((op.http["method"], has_key, keys, op))
    return out


def _required_locations(op: Any) -> tuple[list[str], list[str]]:
    shape = op.input_shape
    if shape is None:
        return [], []
    query, headers = [], []
    for name in shape.required_members or []:
        member = shape.members[name]
        location = member.serialization.get("location")
        if location == "querystring":
            query.append(member.serialization.get("name", name))
        elif location == "header":
            headers.append(member.serialization.get("name", name).lower())
    return query, headers


def find_operation(method: str, has_bucket: bool, has_key: bool, query: dict[str, str], header_names: set[str]) -> Any:
    if not has_bucket:
        return None  # ListBuckets and friends carry no bucket: nothing to judge
    best, best_score = None, -1
    x_id = query.get("x-id")
    for op_method, op_has_key, keys, op in _templates():
        if op_method != method or op_has_key != has_key:
            continue
        required_keys = {k: v for k, v in keys.items() if k != "x-id"}
        if any(k not in query or (v and query[k] != v) for k, v in required_keys.items()):
            continue
        if x_id is not None and keys.get("x-id") not in (None, x_id) and x_id != op.name:
            continue
        req_query, req_headers = _required_locations(op)
        score = 10 * len(required_keys)
        score += sum(1 for q in req_query if q in query) - sum(5 for q in req_query if q not in query)
        score += sum(1 for h in req_headers if h in header_names) - sum(5 for h in req_headers if h not in header_names)
        if x_id is not None and x_id == op.name:
            score += 100
        if score > best_score:
            best, best_score = op, score
    return best


def parse(request: Any, full_url: str) -> ParsedRequest | None:
    from moto.core.parse import PROTOCOL_PARSERS
    from werkzeug.datastructures import Headers, MultiDict

    url = urlparse(full_url)
    raw_path = url.path
    parts = raw_path.lstrip("/").split("/", 1)
    bucket = parts[0] if parts and parts[0] else ""
    key = parts[1] if len(parts) > 1 and parts[1] else ""
    query_pairs = parse_qsl(url.query, keep_blank_values=True)
    query = dict(query_pairs)
    header_names = {k.lower() for k in request.headers.keys()}
    op = find_operation(request.method, bool(bucket), bool(key), query, header_names)
    if op is None:
        return None
    body = request.get_data() if hasattr(request, "get_data") else b""
    parser = PROTOCOL_PARSERS["rest-xml"](op)
    params = parser.parse(
        {
            "method": request.method,
            "values": MultiDict(query_pairs),
            "headers": request.headers if isinstance(request.headers, Headers) else Headers(list(dict(request.headers).items())),
            "body": body if op.input_shape is not None and "payload" in op.input_shape.serialization and _payload_is_structure(op) else b"",
            "url_path": raw_path,
            "url_params": {"Bucket": bucket, "Key": key},
        }
    )
    params = params or {}
    payload = (op.input_shape.serialization.get("payload") if op.input_shape is not None else None) or ""
    member = op.input_shape.members.get(payload) if payload else None
    if member is not None and member.type_name != "structure" and body:
        # A string or blob payload is the body itself (PutBucketPolicy's Policy, PutObject's Body):
        # the parser leaves it out, the model's rules (required, lengths) still apply to it.
        params[payload] = body.decode("utf-8", "replace") if member.type_name == "string" else body
    return ParsedRequest("s3", op.name, "rest-xml", op, params)


def _payload_is_structure(op: Any) -> bool:
    shape = op.input_shape
    member = shape.members.get(shape.serialization["payload"])
    return member is not None and member.type_name == "structure"
