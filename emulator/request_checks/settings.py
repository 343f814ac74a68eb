"""Which request checks are on, and the emulated accounts' quotas (set once by moto_launcher.py).

Strict by default: every request is checked against its operation's API model and the
documented-limits table. `--lenient` (or MOTO_LENIENT=1) turns both off, for debugging only;
the tests and `npm run demo` never use it. Account quotas are the emulated accounts'
configuration, not a check to turn off: each account's Lambda concurrency quota is AWS's
default (1000) unless --lambda-concurrency-quota ACCOUNT=N (or
MOTO_LAMBDA_CONCURRENCY_QUOTAS="ACCOUNT=N,...") says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Lambda developer guide, Lambda quotas: "Concurrent executions: 1,000" (default, per Region).
DEFAULT_LAMBDA_CONCURRENCY_QUOTA = 1000


@dataclass
class Settings:
    api_models: bool = True
    documented_limits: bool = True
    lambda_concurrency_quotas: dict[str, int] = field(default_factory=dict)

    def lambda_quota(self, account: str) -> int:
        return self.lambda_concurrency_quotas.get(account, DEFAULT_LAMBDA_CONCURRENCY_QUOTA)

    def health(self) -> dict[str, object]:
        return {
            "apiModels": self.api_models,
            "documentedLimits": self.documented_limits,
            "lambdaConcurrencyQuota": {"default": DEFAULT_LAMBDA_CONCURRENCY_QUOTA, **self.lambda_concurrency_quotas},
        }


SETTINGS = Settings()


def parse_quotas(values: list[str]) -> dict[str, int]:
    """"123456789012=10" entries (also comma-separated) into {account: quota}; ValueError on bad input."""
    quotas: dict[str, int] = {}
    for value in values:
        for item in filter(None, (part.strip() for part in value.split(","))):
            account, sep, number = item.partition("=")
            if not sep or not account.isdigit() or len(account) != 12 or not number.strip().isdigit():
                raise ValueError(f"expected ACCOUNT=N with a 12-digit account ID, got {item!r}")
            quotas[account] = int(number)
    return quotas
