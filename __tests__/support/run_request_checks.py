"""Runs emulator/request_checks' grammar modules on cases from stdin, for the unit tests.

stdin:  {"module": "filter-pattern", "cases": ["<pattern>", ...]}
     or {"module": "java-regex", "cases": [{"pattern": "...", "value": "..."}, ...]}
stdout: one result per case, in order: {"ok": bool, "error"?: str, "tree"?: ...} for filter
        patterns (the parser's syntax tree when accepted), {"matches": bool | null,
        "python": str | null} for Java patterns (null: a feature the translator refuses).
Standard library only: these modules need neither moto nor botocore.
"""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "emulator"))

from request_checks import java_regex, logs_filter_pattern  # noqa: E402


def main() -> int:
    spec = json.load(sys.stdin)
    out = []
    if spec["module"] == "filter-pattern":
        for pattern in spec["cases"]:
            try:
                out.append({"ok": True, "tree": logs_filter_pattern.parse(pattern)})
            except logs_filter_pattern.FilterPatternError as error:
                out.append({"ok": False, "error": str(error)})
    elif spec["module"] == "java-regex":
        for case in spec["cases"]:
            try:
                python = java_regex.translate(case["pattern"])
            except java_regex.UnsupportedPattern:
                python = None
            out.append({"matches": java_regex.matches(case["pattern"], case["value"]), "python": python})
    else:
        raise SystemExit(f"unknown module {spec['module']!r}")
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
