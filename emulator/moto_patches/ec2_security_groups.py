"""EC2 security group rules read back like AWS (patch 14)."""

from __future__ import annotations

from typing import Any

from . import common


def patch_security_group_rule_descriptions() -> None:
    """Patch 14: a rule that references a group keeps its description (UserIdGroupPairs[].Description)."""
    from moto.ec2.models.security_groups import SecurityGroupRule

    common.need(SecurityGroupRule, "description")

    def description(self: Any) -> str | None:
        return self.ip_range.get("Description") or (self.source_group or {}).get("Description")

    SecurityGroupRule.description = property(description)  # type: ignore[assignment]
    common.PATCHES.append("ec2-group-rule-descriptions")
