"""How each AWS service refuses a request its model or a documented limit forbids.

The error code and the message's form differ by service (and by protocol: the body is
serialized by moto's per-protocol serializer, so a query service answers in XML
<ErrorResponse>, a JSON service with `__type`, EC2 with <Response><Errors>, and so on).
What each service answers for a model violation, with where it was seen:

| service          | code                        | values in message | source |
|------------------|-----------------------------|-------------------|--------|
| IAM              | ValidationError             | never             | AWS answers recorded in localstack/localstack tests/aws/services/iam/test_iam.snapshot.json ("Value at 'status' failed to satisfy constraint: Member must satisfy enum value set") |
| STS              | ValidationError             | yes               | localstack tests/aws/services/sts/test_sts.snapshot.json ("Value 'Session1:2' at 'roleSessionName' ...") |
| ELBv2            | ValidationError             | yes               | ELB API reference, common errors; CloudFormation reports of ELBv2 ValidationError |
| CloudWatch       | ValidationError             | yes               | localstack tests/aws/services/cloudwatch/test_cloudwatch.snapshot.json ("Value 'INVALID' at 'stateValue' ...") |
| SNS              | ValidationError             | yes               | localstack tests/aws/services/sns/test_sns.snapshot.json ("Value null at 'messageAttributes.attr1.member.dataType' ...") |
| Lambda           | ValidationException         | yes               | localstack tests/aws/services/lambda_/test_lambda_api.snapshot.json; CloudFormation: "Value '1200' at 'timeout' ... (Service: AWSLambdaInternal; ... Error Code: ValidationException)" |
| KMS              | ValidationException         | yes               | localstack tests/aws/services/kms/test_kms.snapshot.json ("Value '1025' at 'numberOfBytes' ...") |
| DynamoDB         | ValidationException         | yes               | localstack tests/aws/services/dynamodb/test_dynamodb.snapshot.json |
| Secrets Manager  | ValidationException         | yes               | an AWS CLI answer: "(ValidationException) when calling the CreateSecret operation: 1 validation error detected: Value at 'secretBinary' ..." |
| SSM              | ValidationException         | yes               | SSM API reference, common errors; PutParameter answers "ValidationException: Parameter name: can't be prefixed with ..." |
| Transfer         | ValidationException         | never             | LocalStack's Transfer provider ("Value at 'serverId' failed to satisfy constraint ...") - Transfer's own model declares no ValidationException; AWS's JSON services answer it for model violations |
| CloudWatch Logs  | InvalidParameterException   | yes               | localstack tests/aws/services/logs/test_logs_events.snapshot.json ("Value '10001' at 'limit' ...") |
| Route 53         | InvalidInput                | yes               | hashicorp/terraform-provider-aws#37817: "InvalidInput: 1 validation error detected: Value '/hostedzone/...' at 'resourceId' failed to satisfy constraint: Member must have length less than or equal to 32" |
| EC2              | MissingParameter / InvalidParameterValue | yes  | EC2 API reference, "Error codes" (client errors); EC2 words them "The request must contain the parameter X" and "Value (v) for parameter X is invalid. ..." |
| S3               | (own codes: InvalidBucketName, InvalidArgument, ...) | - | S3 API reference, "Error responses", list of error codes |

Every one answers HTTP 400.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moto.core.exceptions import ServiceException

from .api_model import Violation, java_text


class Refusal(ServiceException):
    """An AWS error answer for a refused request.

    Defined outside moto's packages on purpose: moto looks an exception's error shape up in
    the service model of the moto package that defines its class (moto.core.errors), and a
    class whose module name starts with "moto" but is no moto service turned into HTTP 500.
    """

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(code, message)
        self.status = status


@dataclass(frozen=True)
class Style:
    code: str
    echo_values: bool = True
    enum_sets: bool = True


# By botocore service name (moto's boto3_service_name).
STYLES: dict[str, Style] = {
    "iam": Style("ValidationError", echo_values=False, enum_sets=False),
    "sts": Style("ValidationError"),
    "elbv2": Style("ValidationError"),
    "cloudwatch": Style("ValidationError"),
    "sns": Style("ValidationError"),
    "lambda": Style("ValidationException"),
    "kms": Style("ValidationException"),
    "dynamodb": Style("ValidationException"),
    "secretsmanager": Style("ValidationException"),
    "ssm": Style("ValidationException"),
    "transfer": Style("ValidationException", echo_values=False),
    "logs": Style("InvalidParameterException"),
    "route53": Style("InvalidInput"),
}
# Services not listed: AWS's JSON services answer ValidationException, its query services
# ValidationError (AWS general reference, common errors of the query and JSON APIs).
DEFAULT_JSON = Style("ValidationException")
DEFAULT_QUERY = Style("ValidationError")


def style_for(service: str, protocol: str) -> Style:
    if service in STYLES:
        return STYLES[service]
    return DEFAULT_QUERY if protocol == "query" else DEFAULT_JSON


def coral_message(violations: list[Violation], style: Style) -> str:
    """"N validation error(s) detected: Value '...' at '...' failed to satisfy constraint: ..."."""
    parts = []
    for v in violations:
        if v.missing:
            shown = "Value null"
        elif v.sensitive or not style.echo_values:
            shown = "Value"
        else:
            shown = f"Value '{java_text(v.value)}'"
        parts.append(f"{shown} at '{v.path}' failed to satisfy constraint: {v.constraint}")
    # AWS reports each distinct problem once.
    unique = list(dict.fromkeys(parts))
    count = len(unique)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(unique)


def model_refusal(service: str, protocol: str, violations: list[Violation]) -> Refusal:
    if protocol == "ec2":
        return ec2_refusal(violations)
    if service == "s3":
        return s3_model_refusal(violations)
    style = style_for(service, protocol)
    return Refusal(style.code, coral_message(violations, style))


def ec2_refusal(violations: list[Violation]) -> Refusal:
    """EC2 names the query parameter and answers one problem at a time (EC2 API reference,
    error codes: MissingParameter "The request must contain the parameter ...",
    InvalidParameterValue "A value specified in a parameter is not valid ...")."""
    first = violations[0]
    name = first.wire_name or first.path
    if first.missing:
        return Refusal("MissingParameter", f"The request must contain the parameter {name}")
    shown = "" if first.sensitive else f"({java_text(first.value)}) "
    return Refusal("InvalidParameterValue", f"Value {shown}for parameter {name} is invalid. {first.constraint}")


def s3_model_refusal(violations: list[Violation]) -> Refusal:
    """S3 has no validation-framework answer; a missing or malformed member is InvalidArgument
    (S3 API reference, error responses: "InvalidArgument - Invalid Argument", 400)."""
    first = violations[0]
    return Refusal("InvalidArgument", f"Invalid Argument: {first.wire_name or first.path}: {first.constraint}")


def describe(refusal: Refusal) -> str:
    return f"{refusal.code}: {refusal.message}"

