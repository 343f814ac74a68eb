"""Lambda reserved concurrency against each emulated account's concurrency quota (patch 26).

AWS: an account has a concurrency quota per Region (1,000 by default; new accounts can have 10
or 50), and Lambda keeps part of it unreserved for the functions without a reservation: "You
can reserve up to the Unreserved account concurrency value that is shown, minus 100 for
functions that don't have reserved concurrency" (Lambda developer guide, "Configuring reserved
concurrency for a function"). On an account whose quota is below 100 the unreserved minimum
is the quota itself, so any reservation is refused (an AWS answer on a low-quota account:
"... below its minimum value of [50]", Gruntwork knowledge base #215). PutFunctionConcurrency
is then refused with InvalidParameterValueException, HTTP 400, "Specified
ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution
below its minimum value of [N]." (the answer AWS gave in localstack/localstack
tests/aws/services/lambda_/test_lambda_api.snapshot.json, test_function_concurrency_limits; the
same text for a reservation above the quota itself). Terraform's aws_lambda_function with
reserved_concurrent_executions creates the function, then calls PutFunctionConcurrency (the
Lambda API has no reservation in CreateFunction).

GetAccountSettings reports the account's quota (AccountLimit.ConcurrentExecutions) and what is
left unreserved (UnreservedConcurrentExecutions), with the documented code-size limits.

moto 5.2 enforces a single quota for every account only when MOTO_LAMBDA_CONCURRENCY_QUOTA is
set, and has no GetAccountSettings. The quota per account comes from the launcher
(--lambda-concurrency-quota ACCOUNT=N; default 1000, AWS's default).
"""

from __future__ import annotations

import sys
from typing import Any, Callable

from . import common

# Lambda developer guide, Lambda quotas: deployment package 50 MB zipped, 250 MB unzipped,
# 75 GB of function and layer storage.
CODE_SIZE_ZIPPED = 52428800
CODE_SIZE_UNZIPPED = 262144000
TOTAL_CODE_SIZE = 80530636800
# The unreserved concurrency Lambda keeps for functions without a reservation.
MIN_UNRESERVED = 100


def reserved_elsewhere(backend: Any, function_name: str | None) -> int:
    total = 0
    for fn in backend.list_functions():
        if fn.reserved_concurrency is not None and fn.function_name != function_name:
            total += int(fn.reserved_concurrency)
    return total


def patch_lambda_concurrency_quota() -> None:
    from moto.awslambda import urls
    from moto.awslambda.exceptions import InvalidParameterValueException
    from moto.awslambda.models import LambdaBackend
    from moto.awslambda.responses import LambdaResponse
    from request_checks.settings import SETTINGS

    common.need(LambdaBackend, "put_function_concurrency", "list_functions", "get_function")
    common.need(urls, "url_paths")

    def put(original: Callable[..., Any]) -> Callable[..., Any]:
        def put_function_concurrency(self: Any, function_name: str, reserved_concurrency: Any) -> Any:
            fn = self.get_function(function_name)
            quota = SETTINGS.lambda_quota(self.account_id)
            minimum = min(MIN_UNRESERVED, quota)
            unreserved = quota - reserved_elsewhere(self, fn.function_name) - int(reserved_concurrency)
            if unreserved < minimum:
                message = (
                    "Specified ReservedConcurrentExecutions for function decreases account's "
                    f"UnreservedConcurrentExecution below its minimum value of [{minimum}]."
                )
                print(f"moto_launcher: refused lambda PutFunctionConcurrency: InvalidParameterValueException: {message}", file=sys.stderr, flush=True)
                raise InvalidParameterValueException(message)
            fn.reserved_concurrency = reserved_concurrency
            return fn.reserved_concurrency

        return put_function_concurrency

    def get_account_settings(self: Any) -> Any:
        import json

        backend = self.backend
        quota = SETTINGS.lambda_quota(backend.account_id)
        functions = backend.list_functions()
        body = {
            "AccountLimit": {
                "TotalCodeSize": TOTAL_CODE_SIZE,
                "CodeSizeUnzipped": CODE_SIZE_UNZIPPED,
                "CodeSizeZipped": CODE_SIZE_ZIPPED,
                "ConcurrentExecutions": quota,
                "UnreservedConcurrentExecutions": quota - reserved_elsewhere(backend, None),
            },
            "AccountUsage": {
                "TotalCodeSize": sum(int(getattr(fn, "code_size", 0) or 0) for fn in functions),
                "FunctionCount": len(functions),
            },
        }
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    common.wrap(LambdaBackend, "put_function_concurrency", put)
    LambdaResponse.get_account_settings = get_account_settings  # type: ignore[attr-defined]
    # GET /2016-08-19/account-settings/ (Lambda API reference, GetAccountSettings); moto has no
    # route for it. Added before moto builds its Lambda app from this table.
    urls.url_paths[r"{0}/(?P<api_version>[^/]+)/account-settings/?$"] = LambdaResponse.dispatch
    common.PATCHES.append("lambda-concurrency-quota")
