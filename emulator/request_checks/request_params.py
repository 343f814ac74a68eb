"""A request's operation and parameters, read the way AWS reads them: by its service's protocol.

moto has already found the service (by host, path, target header or body) and, for the REST
protocols, the operation (by method and URI template). What is read here:
- query and ec2 (IAM, STS, ELBv2, CloudWatch, SNS, EC2): the form or URL parameters;
- json (KMS, Logs, SSM, Secrets Manager, DynamoDB, Transfer): the JSON body;
- rest-json (Lambda) and rest-xml (Route 53, S3): URI labels, query string, headers, body;
each parsed against the operation's input shape by moto's own protocol parsers
(moto.core.parse), so the parameters have the model's member names and types whatever SDK sent
them. S3, which moto routes by hand, is matched against its model here (s3_operations.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlparse


class Unreadable(Exception):
    """A request this module cannot read against a model (logged, then left to moto)."""


@dataclass
class ParsedRequest:
    service: str  # botocore name ("lambda", "elbv2", ...)
    operation: str
    protocol: str
    operation_model: Any
    params: dict[str, Any]


def _protocol(service_model: Any, content_type: str) -> str:
    from moto.core.request import determine_request_protocol

    try:
        return determine_request_protocol(service_model, content_type)
    except NotImplementedError:
        return str(service_model.protocol)


def from_response(response: Any) -> ParsedRequest | None:
    """The operation and parameters of the request a moto response object was set up for."""
    from moto.core.parse import PROTOCOL_PARSERS
    from moto.core.utils import get_service_model
    from werkzeug.datastructures import Headers, MultiDict

    service = response.boto3_service_name
    if not service:
        return None
    action = response._get_action()
    if not action:
        return None
    service_model = get_service_model(service)
    try:
        operation_model = service_model.operation_model(action)
    except Exception:  # noqa: BLE001
        raise Unreadable(f"operation {action} is not in the {service} model") from None
    headers = response.headers
    content_type = headers.get("Content-Type", "") or ""
    protocol = _protocol(service_model, content_type)
    if getattr(response, "automated_parameter_parsing", False) and isinstance(getattr(response, "params", None), dict):
        # moto parsed this request already, with the same parser (BaseResponse.parse_parameters).
        return ParsedRequest(service, action, protocol, operation_model, response.params)
    parser_cls = PROTOCOL_PARSERS.get(protocol)
    if parser_cls is None:
        raise Unreadable(f"no parser for the {protocol} protocol")
    body = response.body
    if not isinstance(body, (str, bytes, bytearray)):
        body = response.raw_body if isinstance(response.raw_body, (str, bytes, bytearray)) else ""
    if protocol in ("query", "ec2"):
        values = MultiDict()
        for key, items in (response.querystring or {}).items():
            for item in items if isinstance(items, list) else [items]:
                values.add(key, item)
    else:
        values = MultiDict(parse_qsl(urlparse(response.uri).query, keep_blank_values=True))
    uri_params: dict[str, Any] = {}
    if protocol in ("rest-json", "rest-xml"):
        match = getattr(response, "uri_match", None)
        if match is None:
            # moto's own URL routing found the operation; match the model's URI template
            # to read the labels (the same lookup moto makes for rest protocols).
            response._get_action_from_method_and_request_uri(response.method, response.raw_path)
            match = response.uri_match
        if match is not None:
            uri_params = {k: v for k, v in match.groupdict().items() if v is not None}
    parser = parser_cls(operation_model)
    params = parser.parse(
        {
            "method": response.method,
            "values": values,
            "headers": headers if isinstance(headers, Headers) else Headers(list(dict(headers).items())),
            "body": body,
            "url_path": response.path,
            "url_params": uri_params,
        }
    )
    return ParsedRequest(service, action, protocol, operation_model, params or {})
