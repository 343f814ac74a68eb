"""The decision for one request: the API model first, then the documented limits.

AWS validates a request against its model before anything else happens (the validation
framework answers "N validation errors detected: ..." without touching the resource); the
documented limits come after, in the service's own logic. A request the emulator cannot read
(an operation the model does not know, a body moto's parser cannot parse) is let through to
moto unjudged, with a line on stderr: judging it wrongly would be worse than not judging it.
"""

from __future__ import annotations

import sys

from . import api_model, documented_limits, errors
from .errors import Refusal
from .request_params import ParsedRequest, Unreadable
from .settings import SETTINGS


def decide(parsed: ParsedRequest, account: str, region: str) -> Refusal | None:
    if SETTINGS.api_models:
        style = errors.style_for(parsed.service, parsed.protocol)
        violations = api_model.check_input(parsed.operation_model.input_shape, parsed.params, style.enum_sets)
        if violations:
            return errors.model_refusal(parsed.service, parsed.protocol, violations)
    if SETTINGS.documented_limits:
        return documented_limits.check(parsed.service, parsed.operation, parsed.params, documented_limits.Context(account, region))
    return None


def log_refusal(service: str, operation: str, refusal: Refusal) -> None:
    # The message never holds a sensitive member's value (api_model, documented_limits).
    print(f"moto_launcher: refused {service} {operation}: {refusal.code}: {refusal.message}", file=sys.stderr, flush=True)


def log_unjudged(what: str, error: BaseException) -> None:
    # Only this package's own explanations are printed: another exception's text could quote a
    # request value, which may be a sensitive one.
    detail = f": {error}" if isinstance(error, Unreadable) else ""
    print(f"moto_launcher: not judged ({what}): {type(error).__name__}{detail}", file=sys.stderr, flush=True)


def enabled() -> bool:
    return SETTINGS.api_models or SETTINGS.documented_limits

