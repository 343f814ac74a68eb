"""AccessDenied as AWS words and shapes it, per API protocol.

Message (IAM user guide, "Troubleshoot access denied error messages", "Access denied error
message examples"):
    User: <principal ARN> is not authorized to perform: <action> on resource: <resource ARN>
    because no identity-based policy allows the <action> action
and likewise "because no resource-based policy / session policy / permissions boundary allows
the <action> action", or "with an explicit deny in an identity-based policy" (resource-based
policy, session policy, permissions boundary). "on resource: ..." is left out for actions
authorized on "*".

Shape, per protocol (each service's API reference, "Common Errors" / error structure):
- JSON (DynamoDB, KMS, Secrets Manager, SSM, CloudWatch Logs, Transfer): HTTP 400,
  {"__type": "AccessDeniedException", "message": ...}, DynamoDB's type namespaced
  (com.amazonaws.dynamodb.v20120810#AccessDeniedException); a query-compatible service answering in
  JSON (CloudWatch) keeps its query code AccessDenied (x-amzn-query-error);
- REST-JSON (Lambda): HTTP 403, x-amzn-ErrorType AccessDeniedException, {"Type": "User", "message"};
- Query (IAM, STS, ELBv2, SNS, CloudWatch): HTTP 403, <ErrorResponse><Error><Type>Sender</Type>
  <Code>AccessDenied</Code><Message>...;
- EC2: HTTP 403, <Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not
  authorized to perform this operation. ... (EC2 API reference, error codes: UnauthorizedOperation);
- REST-XML (Route 53): HTTP 403, <ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>;
- S3: HTTP 403, <Error><Code>AccessDenied</Code><Message>... (no body for HEAD).
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from xml.sax.saxutils import escape

DENY_PHRASES = {
    "identity": "an identity-based policy",
    "resource": "a resource-based policy",
    "session": "a session policy",
    "boundary": "a permissions boundary",
}
NO_ALLOW_PHRASES = {
    "identity": "no identity-based policy allows",
    "resource": "no resource-based policy allows",
    "session": "no session policy allows",
    "boundary": "no permissions boundary allows",
}


def reason(answer: dict[str, Any], has_identity: bool) -> str:
    """Which policy type refused, from the evaluator's per-type results (None: that type took no part)."""
    for kind in ("identity", "resource", "session", "boundary"):
        if answer.get(kind) == "ExplicitlyDenied":
            return f"with an explicit deny in {DENY_PHRASES[kind]}"
    if has_identity and answer.get("identity") != "Allowed" and answer.get("resource") != "Allowed":
        return f"because {NO_ALLOW_PHRASES['identity']}"
    for kind in ("boundary", "session"):
        if answer.get(kind) not in (None, "Allowed"):
            return f"because {NO_ALLOW_PHRASES[kind]}"
    return f"because {NO_ALLOW_PHRASES['resource']}"


def message(principal_arn: str, action: str, resource: str, why: str) -> str:
    on = f" on resource: {resource}" if resource != "*" else ""
    why = why if why.startswith("with") else f"{why} the {action} action"
    return f"User: {principal_arn} is not authorized to perform: {action}{on} {why}"


def response(
    protocol: str, service: str, text: str, code: str | None = None, status: int | None = None, method: str = "", query_compatible: bool = False
) -> tuple[int, dict[str, str], str]:
    """(status, headers, body) of a refusal in the protocol's shape. code/status override AccessDenied/403."""
    request_id = str(uuid.uuid4())
    if service == "s3":
        body = "" if method == "HEAD" else (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{escape(code or 'AccessDenied')}</Code><Message>{escape(text)}</Message>"
            f"<RequestId>{request_id}</RequestId><HostId>{request_id}</HostId></Error>"
        )
        return status or 403, {"Content-Type": "application/xml", "x-amz-request-id": request_id}, body
    if protocol == "ec2":
        ec2_text = text if code else f"You are not authorized to perform this operation. {text}"
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Response><Errors><Error><Code>{escape(code or 'UnauthorizedOperation')}</Code><Message>{escape(ec2_text)}</Message>"
            f"</Error></Errors><RequestID>{request_id}</RequestID></Response>"
        )
        return status or 403, {"Content-Type": "text/xml"}, body
    if protocol in ("query", "rest-xml"):
        namespace = ' xmlns="https://route53.amazonaws.com/doc/2013-04-01/"' if service == "route53" else ""
        body = (
            f"<ErrorResponse{namespace}><Error><Type>Sender</Type><Code>{escape(code or 'AccessDenied')}</Code>"
            f"<Message>{escape(text)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return status or 403, {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}, body
    error_type = code or "AccessDeniedException"
    if protocol == "rest-json":
        return (
            status or 403,
            {"Content-Type": "application/json", "x-amzn-ErrorType": error_type, "x-amzn-RequestId": request_id},
            json.dumps({"Type": "User", "message": text}),
        )
    full_type = f"com.amazonaws.dynamodb.v20120810#{error_type}" if service == "dynamodb" else error_type
    headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": error_type, "x-amzn-RequestId": request_id}
    if query_compatible:
        # A query-compatible service (CloudWatch, SQS) answering in JSON keeps its query error code in
        # x-amzn-query-error, which the SDKs report (the awsQueryCompatible trait of its API model).
        query_code = code or "AccessDenied"
        headers["x-amzn-query-error"] = f"{query_code};Sender"
        full_type = query_code
    return status or 400, headers, json.dumps({"__type": full_type, "message": text})
