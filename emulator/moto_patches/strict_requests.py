"""Every request is judged as AWS judges it before moto acts on it (patch 25).

AWS refuses a request that breaks its operation's API model (a 70-character role name, a
Transfer protocol TELNET, a target-group port 70000, ...) or a limit its documentation states
(a Lambda timeout above 900 s, a PassiveIp that is no IPv4 address, a filter pattern outside
CloudWatch Logs' grammar, ...), with the service's error code, HTTP 400, in the protocol's error
shape. moto accepts nearly all of them. This patch wraps moto's request dispatch
(BaseResponse.call_action, which every service but S3 goes through, and S3's own
bucket_response/key_response) and asks emulator/request_checks for a verdict first; a refusal
is serialized by moto's serializer for the service and protocol, logged on stderr ("moto_launcher:
refused <service> <operation>: <code>: <message>", never a sensitive value), and the request
never reaches moto's backend. The rules, with their sources, live in emulator/request_checks.
"""

from __future__ import annotations

from typing import Any, Callable

from . import common


def _s3_error(refusal: Any) -> tuple[int, dict[str, str], bytes]:
    """S3's REST error body (S3 API reference, "Error responses")."""
    from xml.sax.saxutils import escape

    extra = ""
    bucket = getattr(refusal, "bucket_name", None)
    if bucket is not None:
        extra = f"<BucketName>{escape(bucket)}</BucketName>"
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(refusal.code)}</Code><Message>{escape(refusal.message)}</Message>{extra}"
        "<RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></Error>"
    )
    return refusal.status, {"Content-Type": "application/xml"}, body.encode()


def patch_strict_requests() -> None:
    from moto.core.responses import ActionResult, BaseResponse
    from moto.s3.responses import S3Response
    from request_checks import judge, request_params, s3_operations

    common.need(BaseResponse, "call_action", "serialized", "_get_action", "_enrich_response")
    common.need(S3Response, "bucket_response", "key_response")

    def verdict(response: Any) -> Any:
        try:
            parsed = request_params.from_response(response)
        except Exception as error:  # noqa: BLE001 - an unreadable request is moto's to answer
            judge.log_unjudged(f"{response.service_name}", error)
            return None
        if parsed is None:
            return None
        try:
            refusal = judge.decide(parsed, response.current_account, response.region)
        except Exception as error:  # noqa: BLE001 - a rule that cannot read a value does not judge it
            judge.log_unjudged(f"{parsed.service} {parsed.operation}", error)
            return None
        if refusal is not None:
            judge.log_refusal(parsed.service, parsed.operation, refusal)
        return refusal

    def judged(original: Callable[..., Any]) -> Callable[..., Any]:
        def call_action(self: Any) -> Any:
            if judge.enabled():
                refusal = verdict(self)
                if refusal is not None:
                    status, headers, body = self.serialized(ActionResult(refusal))
                    headers, body = self._enrich_response(headers, body)
                    return status, headers, body
            return original(self)

        return call_action

    def judged_s3(original: Callable[..., Any]) -> Callable[..., Any]:
        def handler(self: Any, request: Any, full_url: str, headers: Any) -> Any:
            if judge.enabled():
                try:
                    parsed = s3_operations.parse(request, full_url)
                except Exception as error:  # noqa: BLE001
                    judge.log_unjudged("s3", error)
                    parsed = None
                refusal = None
                if parsed is not None:
                    # S3's rules need no account state (bucket names, the model).
                    try:
                        refusal = judge.decide(parsed, "", "")
                    except Exception as error:  # noqa: BLE001
                        judge.log_unjudged(f"s3 {parsed.operation}", error)
                    if refusal is not None:
                        judge.log_refusal("s3", parsed.operation, refusal)
                        return _s3_error(refusal)
            return original(self, request, full_url, headers)

        return handler

    common.wrap(BaseResponse, "call_action", judged)
    common.wrap(S3Response, "bucket_response", judged_s3)
    common.wrap(S3Response, "key_response", judged_s3)
    common.PATCHES.append("strict-requests")
