"""The `pattern` constraints of AWS's API models, compiled for Python.

botocore's service models carry each member's `pattern` as AWS's services check it: in
java.util.regex's dialect, matched against the whole value (Matcher.matches(); e.g. IAM
refuses the role name "a b" against `[\\w+=,.@-]+` although the pattern finds "a" in it).
Python's `re` reads most of these the same way; where Java differs, the pattern is
translated here, faithfully, before compiling (Java SE Pattern documentation,
docs.oracle.com/javase/8/docs/api/java/util/regex/Pattern.html):

- `\\w`, `\\d`, `\\s`, `\\b` are ASCII-only in Java (without UNICODE_CHARACTER_CLASS):
  compiled with re.ASCII.
- `\\p{L}`, `\\p{Lu}`, `\\p{Z}`, `\\p{N}`, `\\p{M}`, ... (Unicode general categories) and
  their negations `\\P{...}`: expanded into explicit code-point ranges from Python's
  unicodedata (Python's `re` has no \\p).
- `\\p{Print}`, `\\p{ASCII}`, `\\p{Alnum}`, `\\p{Alpha}`, `\\p{Punct}`, `\\p{Graph}`,
  `\\p{Digit}`, `\\p{Upper}`, `\\p{Lower}`, `\\p{Space}`, `\\p{XDigit}`, `\\p{Cntrl}`,
  `\\p{Blank}`: Java's POSIX classes, which are US-ASCII only.
- `\\uD800\\uDC00`-style surrogate pairs (Java strings are UTF-16): the code point they
  encode; a lone `\\uXXXX` stays as it is.
- a `-` right after a class escape inside `[...]` (`[\\w-_]`) is a literal hyphen in Java,
  an error in Python: escaped.
- `\\Q...\\E` quoting, `\\z` (end of input) and `\\Z` (before a final line terminator).
- Possessive quantifiers and atomic groups are the same in Python 3.11.

Not translated (none occurs in the models this emulator loads; `unsupported()` lists any
pattern that would need them, and such a pattern is not checked, which the README says):
class intersection `&&`, nested classes `[a[b]]`, `\\p{javaXxx}`/`\\p{IsXxx}`/`\\p{InXxx}`
properties, `\\h`, `\\v`, `\\R`, `\\X`, embedded flags other than (?i).
"""

from __future__ import annotations

import re
import sys
import threading
import unicodedata
from functools import lru_cache

# Java's POSIX character classes (US-ASCII only), as class contents.
_POSIX = {
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": "\\x00-\\x7f",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": "!-/:-@\\[-`{-~",
    "Graph": "!-~",
    "Print": " -~",
    "Blank": " \\t",
    "Cntrl": "\\x00-\\x1f\\x7f",
    "XDigit": "0-9a-fA-F",
    "Space": " \\t\\n\\x0b\\f\\r",
}

_CATEGORY_LOCK = threading.Lock()
_CATEGORY_RANGES: dict[str, list[tuple[int, int]]] = {}


class UnsupportedPattern(ValueError):
    pass


def _all_category_ranges() -> dict[str, list[tuple[int, int]]]:
    """Code-point ranges of every two-letter Unicode general category (computed once)."""
    with _CATEGORY_LOCK:
        if _CATEGORY_RANGES:
            return _CATEGORY_RANGES
        ranges: dict[str, list[tuple[int, int]]] = {}
        current = None
        start = 0
        for cp in range(sys.maxunicode + 1):
            cat = unicodedata.category(chr(cp))
            if cat != current:
                if current is not None:
                    ranges.setdefault(current, []).append((start, cp - 1))
                current, start = cat, cp
        ranges.setdefault(str(current), []).append((start, sys.maxunicode))
        _CATEGORY_RANGES.update(ranges)
        return _CATEGORY_RANGES


def _category(name: str) -> list[tuple[int, int]]:
    """Ranges of a one- or two-letter general category (`L`, `Lu`, `Z`, ...), merged."""
    table = _all_category_ranges()
    cats = [c for c in table if c == name or (len(name) == 1 and c.startswith(name))]
    if not cats:
        raise UnsupportedPattern(f"unknown Unicode category \\p{{{name}}}")
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(r for c in cats for r in table[c]):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


def _complement(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    nxt = 0
    for lo, hi in ranges:
        if lo > nxt:
            out.append((nxt, lo - 1))
        nxt = hi + 1
    if nxt <= sys.maxunicode:
        out.append((nxt, sys.maxunicode))
    return out


def _ranges_text(ranges: list[tuple[int, int]]) -> str:
    def esc(cp: int) -> str:
        return f"\\U{cp:08x}"

    return "".join(esc(lo) if lo == hi else f"{esc(lo)}-{esc(hi)}" for lo, hi in ranges)


def _property_class(name: str, negated: bool) -> str:
    """Class contents (without brackets) for \\p{name} / \\P{name}."""
    if name in _POSIX:
        if negated:
            return f"^{_POSIX[name]}"  # only valid as a whole class; handled by the caller
        return _POSIX[name]
    if name.startswith(("java", "Is", "In")):
        raise UnsupportedPattern(f"\\p{{{name}}}")
    ranges = _category(name)
    return _ranges_text(_complement(ranges) if negated else ranges)


def translate(pattern: str) -> str:
    """A Python `re` pattern (to be compiled with re.ASCII) equivalent to Java's."""
    out: list[str] = []
    i = 0
    in_class = False
    class_start = False
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if nxt in "pP" and i + 2 < n:
                if pattern[i + 2] == "{":
                    end = pattern.index("}", i + 3)
                    name = pattern[i + 3 : end]
                else:
                    end = i + 2
                    name = pattern[i + 2]
                negated = nxt == "P"
                body = _property_class(name, negated)
                if in_class:
                    if body.startswith("^"):
                        raise UnsupportedPattern(f"negated POSIX class \\P{{{name}}} inside a class")
                    out.append(body)
                else:
                    out.append(f"[{body}]")
                i = end + 1
                if in_class and i < n and pattern[i] == "-" and i + 1 < n and pattern[i + 1] != "]":
                    out.append("\\-")
                    i += 1
                class_start = False
                continue
            if nxt == "u" and i + 5 < n + 0 and re.fullmatch(r"[0-9a-fA-F]{4}", pattern[i + 2 : i + 6] or ""):
                high = int(pattern[i + 2 : i + 6], 16)
                if 0xD800 <= high <= 0xDBFF and pattern[i + 6 : i + 8] == "\\u":
                    low_text = pattern[i + 8 : i + 12]
                    if re.fullmatch(r"[0-9a-fA-F]{4}", low_text):
                        low = int(low_text, 16)
                        if 0xDC00 <= low <= 0xDFFF:
                            cp = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                            out.append(f"\\U{cp:08x}")
                            i += 12
                            class_start = False
                            continue
                out.append(f"\\u{high:04x}")
                i += 6
                class_start = False
                continue
            if nxt == "Q":
                end = pattern.find("\\E", i + 2)
                literal = pattern[i + 2 :] if end < 0 else pattern[i + 2 : end]
                out.append(re.escape(literal))
                i = n if end < 0 else end + 2
                class_start = False
                continue
            if nxt == "z":
                out.append("\\Z")
                i += 2
                continue
            if nxt == "Z":
                out.append("(?=\\n?\\Z)")
                i += 2
                continue
            if nxt in "hvRX":
                raise UnsupportedPattern(f"\\{nxt}")
            out.append(pattern[i : i + 2])
            i += 2
            if in_class and nxt in "wdsWDS" and i < n and pattern[i] == "-" and i + 1 < n and pattern[i + 1] != "]":
                out.append("\\-")
                i += 1
            class_start = False
            continue
        if in_class:
            if ch == "[" :
                raise UnsupportedPattern("nested character class")
            if ch == "&" and pattern[i : i + 2] == "&&":
                raise UnsupportedPattern("class intersection &&")
            if ch == "]" and not class_start:
                in_class = False
            class_start = class_start and ch == "^"
            out.append(ch)
            i += 1
            continue
        if ch == "[":
            in_class = True
            class_start = True
            out.append(ch)
            if i + 1 < n and pattern[i + 1] == "^":
                out.append("^")
                i += 1
            i += 1
            # Java, like Python, reads a `]` right after `[` or `[^` as a literal.
            continue
        out.append(ch)
        i += 1
    return "".join(out)


@lru_cache(maxsize=None)
def compile_java(pattern: str) -> "re.Pattern[str] | None":
    """The compiled pattern, or None when it uses a Java feature this module cannot translate."""
    try:
        return re.compile(translate(pattern), re.ASCII)
    except (UnsupportedPattern, re.error, ValueError):
        return None


def matches(pattern: str, value: str) -> bool | None:
    """Java's Pattern.matches(pattern, value); None when the pattern cannot be checked."""
    compiled = compile_java(pattern)
    if compiled is None:
        return None
    return compiled.fullmatch(value) is not None


def unsupported(patterns: list[str]) -> list[str]:
    return [p for p in patterns if compile_java(p) is None]


def warm_up() -> None:
    """Tabulates the Unicode categories ahead of the first pattern that needs them."""
    _all_category_ranges()
