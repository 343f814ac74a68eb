"""A request's parameters checked against its operation's input shape in AWS's API model.

botocore's service models (the ones the AWS CLI v1 installs) describe every operation's input
as AWS's services validate it before acting: `required` members, `min`/`max` (a string's
length in characters, a blob's in bytes, a list's or map's number of entries, a number's
range), `pattern` (java.util.regex, whole value: java_regex.py) and `enum` (string values),
through nested structures, lists and maps. botocore's own ParamValidator checks only types,
`required` and `min` (it dropped `max` on purpose, so that clients keep working when a service
raises a limit); the services themselves check all of them. This module checks all of them.

Each violation is reported as AWS's validation framework words it (seen in AWS answers, e.g.
"1 validation error detected: Value '5000' at 'timeout' failed to satisfy constraint: Member
must have value less than or equal to 900"; "Value null at 'keySchema.1.member.keyType' ...
Member must not be null"; "Value '[X86_64]' at 'architectures' failed to satisfy constraint:
Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member
must not be null]"; "Value '{2=2.0}' at 'routingConfig.additionalVersionWeights' failed to
satisfy constraint: Map value must satisfy constraint: [...]"): the path names members in
lower camel case, list entries as `<list>.<n>.member` (from 1), map entries as
`<map>.<key>.member`. A member whose shape is `sensitive` (passwords, secret values, ...) is
reported without its value ("Value at 'secretString' ..."), as AWS does; so is every value of
a service that never echoes values (IAM: errors.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import java_regex


@dataclass(frozen=True)
class Violation:
    """One failed constraint: where, the offending value (None = absent) and the rule."""

    path: str
    value: Any
    constraint: str
    sensitive: bool = False
    # The serialized (wire) name of the top-level member, for services that name
    # parameters that way (EC2: "GroupDescription").
    wire_name: str = ""
    missing: bool = False  # a required member absent ("Value null at ...")


def lower_camel(name: str) -> str:
    return name[:1].lower() + name[1:] if name else name


def java_text(value: Any) -> str:
    """A value as Java's toString renders it in AWS's messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (bytes, bytearray)):
        return "java.nio.HeapByteBuffer"
    if isinstance(value, list):
        return "[" + ", ".join(java_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{java_text(k)}={java_text(v)}" for k, v in value.items()) + "}"
    return str(value)


def _is_sensitive(shape: Any) -> bool:
    return bool(shape.metadata.get("sensitive"))


def scalar_constraints(shape: Any, value: Any, enum_sets: bool = True) -> list[str]:
    """The constraint texts a scalar value breaks (empty when it is valid)."""
    meta = shape.metadata
    out: list[str] = []
    kind = shape.type_name
    if kind in ("string", "blob"):
        if kind == "string" and not isinstance(value, str):
            return out
        length = len(value) if isinstance(value, (str, bytes, bytearray)) else None
        if length is not None:
            if "max" in meta and length > meta["max"]:
                out.append(f"Member must have length less than or equal to {meta['max']}")
            if "min" in meta and length < meta["min"]:
                out.append(f"Member must have length greater than or equal to {meta['min']}")
        if kind == "string":
            pattern = meta.get("pattern")
            if pattern is not None and java_regex.matches(pattern, value) is False:
                out.append(f"Member must satisfy regular expression pattern: {pattern}")
            enum = meta.get("enum")
            if enum and value not in enum:
                out.append("Member must satisfy enum value set: [" + ", ".join(enum) + "]" if enum_sets else "Member must satisfy enum value set")
    elif kind in ("integer", "long", "float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return out
        if "max" in meta and value > meta["max"]:
            out.append(f"Member must have value less than or equal to {_number(meta['max'], kind)}")
        if "min" in meta and value < meta["min"]:
            out.append(f"Member must have value greater than or equal to {_number(meta['min'], kind)}")
    return out


def _number(bound: Any, kind: str) -> str:
    if kind in ("float", "double"):
        return str(float(bound))
    return str(int(bound)) if float(bound).is_integer() else str(bound)


def all_constraints(shape: Any, enum_sets: bool = True) -> list[str]:
    """Every constraint of a scalar shape, as AWS lists them for list and map members."""
    meta = shape.metadata
    out: list[str] = []
    kind = shape.type_name
    if kind in ("string", "blob"):
        if "max" in meta:
            out.append(f"Member must have length less than or equal to {meta['max']}")
        if "min" in meta:
            out.append(f"Member must have length greater than or equal to {meta['min']}")
        if meta.get("pattern") is not None:
            out.append(f"Member must satisfy regular expression pattern: {meta['pattern']}")
        if meta.get("enum"):
            out.append("Member must satisfy enum value set: [" + ", ".join(meta["enum"]) + "]" if enum_sets else "Member must satisfy enum value set")
    elif kind in ("integer", "long", "float", "double"):
        if "max" in meta:
            out.append(f"Member must have value less than or equal to {_number(meta['max'], kind)}")
        if "min" in meta:
            out.append(f"Member must have value greater than or equal to {_number(meta['min'], kind)}")
    out.append("Member must not be null")
    return out


class Checker:
    def __init__(self, enum_sets: bool = True) -> None:
        self.enum_sets = enum_sets
        self.violations: list[Violation] = []

    def check_structure(self, shape: Any, value: Any, path: str, sensitive: bool, top: bool = False) -> None:
        if shape.is_document_type or not isinstance(value, dict):
            return
        required = shape.required_members or []
        for name, member in shape.members.items():
            member_path = f"{path}.{lower_camel(name)}" if path else lower_camel(name)
            wire = member.serialization.get("name", name) if top else ""
            member_sensitive = sensitive or _is_sensitive(member)
            present = name in value and value[name] is not None
            if not present:
                if name in required:
                    self.violations.append(
                        Violation(member_path, None, "Member must not be null", member_sensitive, wire or name, missing=True)
                    )
                continue
            self.check(member, value[name], member_path, member_sensitive, wire or name)

    def check(self, shape: Any, value: Any, path: str, sensitive: bool, wire: str = "") -> None:
        kind = shape.type_name
        if kind == "structure":
            self.check_structure(shape, value, path, sensitive)
            return
        if kind == "list":
            if not isinstance(value, list):
                return
            self._size(shape, value, path, sensitive, wire)
            member = shape.member
            member_sensitive = sensitive or _is_sensitive(member)
            if member.type_name in ("structure", "list", "map"):
                for index, item in enumerate(value, start=1):
                    if item is None:
                        continue
                    self.check(member, item, f"{path}.{index}.member", member_sensitive, wire)
            else:
                failing = [item for item in value if item is None or scalar_constraints(member, item, self.enum_sets)]
                if failing:
                    constraint = "Member must satisfy constraint: [" + ", ".join(all_constraints(member, self.enum_sets)) + "]"
                    self.violations.append(Violation(path, value, constraint, member_sensitive, wire))
            return
        if kind == "map":
            if not isinstance(value, dict):
                return
            self._size(shape, value, path, sensitive, wire)
            key_shape, value_shape = shape.key, shape.value
            bad_keys = [k for k in value if scalar_constraints(key_shape, k, self.enum_sets)]
            if bad_keys:
                constraint = "Map keys must satisfy constraint: [" + ", ".join(all_constraints(key_shape, self.enum_sets)) + "]"
                self.violations.append(Violation(path, value, constraint, sensitive or _is_sensitive(key_shape), wire))
            value_sensitive = sensitive or _is_sensitive(value_shape)
            if value_shape.type_name in ("structure", "list", "map"):
                for key, item in value.items():
                    if item is not None:
                        self.check(value_shape, item, f"{path}.{key}.member", value_sensitive, wire)
            else:
                if any(item is None or scalar_constraints(value_shape, item, self.enum_sets) for item in value.values()):
                    constraint = "Map value must satisfy constraint: [" + ", ".join(all_constraints(value_shape, self.enum_sets)) + "]"
                    self.violations.append(Violation(path, value, constraint, value_sensitive, wire))
            return
        for constraint in scalar_constraints(shape, value, self.enum_sets):
            self.violations.append(Violation(path, value, constraint, sensitive, wire))

    def _size(self, shape: Any, value: Any, path: str, sensitive: bool, wire: str) -> None:
        meta = shape.metadata
        if "max" in meta and len(value) > meta["max"]:
            self.violations.append(Violation(path, value, f"Member must have length less than or equal to {meta['max']}", sensitive, wire))
        if "min" in meta and len(value) < meta["min"]:
            self.violations.append(Violation(path, value, f"Member must have length greater than or equal to {meta['min']}", sensitive, wire))


def check_input(input_shape: Any, params: dict[str, Any], enum_sets: bool = True) -> list[Violation]:
    """Every violation of the operation's input shape by the parsed parameters."""
    if input_shape is None:
        return []
    checker = Checker(enum_sets)
    checker.check_structure(input_shape, params or {}, "", _is_sensitive(input_shape), top=True)
    return checker.violations
