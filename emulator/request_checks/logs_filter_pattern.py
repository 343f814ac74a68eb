"""A parser of CloudWatch Logs filter patterns, so PutMetricFilter refuses what AWS refuses.

The grammar is the CloudWatch Logs user guide's, "Filter pattern syntax for metric filters,
subscription filters, filter log events, and Live Tail" (FilterAndPatternSyntax.html, with
"Supported regular expressions (regex) syntax", "Using filter patterns to match terms in
unstructured log events", "... in JSON log events", "... in space-delimited log events"):

- the empty pattern matches every event;
- term patterns: terms separated by spaces, all of which must occur; a term is a bare word
  (alphanumerics and underscore: "Metric filter terms that include characters other than
  alphanumeric or underscore must be placed inside double quotes") or a double-quoted phrase;
  `?term` makes a term optional (OR), `-term` (also `- term`) excludes it;
- a regex pattern `%...%`, alone, or as the value of a JSON or space-delimited comparison.
  A regex may contain only alphanumerics, the symbols `: _ # = @ / ; , -` and the operators
  `^ $ ? [ ] { } | \\ * + .`; `(` and `)` are not supported, nor multi-byte characters
  ("%something!% would be rejected since '!' is not supported"); any other character is
  written as an escape (`\\xhh`). At most two regexes in one JSON or space-delimited pattern.
- JSON patterns `{ SELECTOR OP VALUE }`: a selector starts at `$` and continues with
  `.name` (alphanumerics, `-`, `_`) or `[N]`; OP is `=` or `!=` for strings (quoted, or
  unquoted: alphanumerics with `*` wildcards, e.g. `123.123.*`), and `=`, `!=`, `<`, `>`,
  `<=`, `>=` for numbers (a number only: `{ $.eventType < UpdateTrail }` is refused);
  `SELECTOR IS NULL|TRUE|FALSE`, `SELECTOR NOT EXISTS`; `&&`, `||` and parentheses.
- space-delimited patterns `[field, field = value, ..., field != value && field > 3]`, with
  `...` for any number of fields and the same comparisons.

parse() returns a small syntax tree (tuples) or raises FilterPatternError naming the problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

REGEX_SYMBOLS = set(":_#=@/;,-")
REGEX_OPERATORS = set("^$?[]{}|\\*+.")
# After a backslash: an escaped symbol or operator, a class escape, or \xhh.
REGEX_CLASS_ESCAPES = set("dDsSwWbBtnrf")
MAX_REGEXES_IN_STRUCTURED = 2


class FilterPatternError(ValueError):
    pass


@dataclass
class Token:
    kind: str  # "(" ")" "{" "}" "[" "]" "," "op" "and" "or" "selector" "string" "word" "regex" "ellipsis"
    text: str
    at: int


def check_regex(body: str) -> None:
    """A `%...%` regex body as CloudWatch Logs accepts it (raises FilterPatternError)."""
    if body == "":
        raise FilterPatternError("empty regular expression %%")
    i = 0
    while i < len(body):
        ch = body[i]
        if ord(ch) > 0x7F:
            raise FilterPatternError(f"regular expression: multi-byte character {ch!r} is not supported")
        if ch == "\\":
            if i + 1 >= len(body):
                raise FilterPatternError("regular expression ends with a lone backslash")
            nxt = body[i + 1]
            if nxt == "x":
                if not re.fullmatch(r"[0-9a-fA-F]{2}", body[i + 2 : i + 4]):
                    raise FilterPatternError("regular expression: \\x must be followed by two hexadecimal digits")
                i += 4
                continue
            if nxt in REGEX_OPERATORS or nxt in REGEX_SYMBOLS or nxt in REGEX_CLASS_ESCAPES:
                i += 2
                continue
            raise FilterPatternError(f"regular expression: {nxt!r} is not supported; write it as \\x{ord(nxt):02x}")
        if ch in "()":
            raise FilterPatternError("regular expression: the ( and ) operators are not supported")
        if not (ch.isascii() and ch.isalnum()) and ch not in REGEX_SYMBOLS and ch not in REGEX_OPERATORS:
            raise FilterPatternError(f"regular expression: {ch!r} is not supported; write it as \\x{ord(ch):02x}")
        i += 1
    try:
        re.compile(body)
    except re.error as error:
        raise FilterPatternError(f"regular expression does not compile: {error}") from None


def _read_quoted(text: str, at: int) -> int:
    """Index just past the closing quote of the string starting at text[at] == '"'."""
    i = at + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            return i + 1
        i += 1
    raise FilterPatternError(f"unterminated quoted string at {at}")


def _read_regex(text: str, at: int) -> int:
    end = text.find("%", at + 1)
    if end < 0:
        raise FilterPatternError(f"unterminated regular expression at {at}")
    check_regex(text[at + 1 : end])
    return end + 1


SELECTOR = re.compile(r"\$(?:\.[A-Za-z0-9_-]+|\[(?:\d+|\*)\])+")
# An unquoted comparison value: a number, or a term of alphanumerics with `*` wildcards
# and the separators the user guide's examples use (`123.123.*`, `*.html*`, `4*`).
UNQUOTED = re.compile(r"[A-Za-z0-9_*.+-]+")
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def _tokens(text: str, start: int, end: int) -> list[Token]:
    out: list[Token] = []
    i = start
    while i < end:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if text.startswith("...", i):
            out.append(Token("ellipsis", "...", i))
            i += 3
            continue
        if ch in "(){}[],":
            out.append(Token(ch, ch, i))
            i += 1
            continue
        if text.startswith("&&", i):
            out.append(Token("and", "&&", i))
            i += 2
            continue
        if text.startswith("||", i):
            out.append(Token("or", "||", i))
            i += 2
            continue
        two = text[i : i + 2]
        if two in ("!=", "<=", ">="):
            out.append(Token("op", two, i))
            i += 2
            continue
        if ch in "=<>":
            out.append(Token("op", ch, i))
            i += 1
            continue
        if ch == '"':
            j = _read_quoted(text, i)
            out.append(Token("string", text[i:j], i))
            i = j
            continue
        if ch == "%":
            j = _read_regex(text, i)
            out.append(Token("regex", text[i:j], i))
            i = j
            continue
        if ch == "$":
            match = SELECTOR.match(text, i)
            if not match:
                raise FilterPatternError(f"malformed selector at {i}: {text[i:i + 20]!r}")
            out.append(Token("selector", match.group(0), i))
            i = match.end()
            continue
        match = UNQUOTED.match(text, i)
        if not match or match.start() != i:
            raise FilterPatternError(f"unexpected character {ch!r} at {i}")
        out.append(Token("word", match.group(0), i))
        i = match.end()
    return out


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self, offset: int = 0) -> Token | None:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self, kind: str | None = None, text: str | None = None) -> Token:
        token = self.peek()
        if token is None:
            raise FilterPatternError(f"unexpected end of pattern (expected {text or kind or 'more'})")
        if (kind is not None and token.kind != kind) or (text is not None and token.text != text):
            raise FilterPatternError(f"expected {text or kind} at {token.at}, found {token.text!r}")
        self.pos += 1
        return token

    def done(self) -> None:
        token = self.peek()
        if token is not None:
            raise FilterPatternError(f"unexpected {token.text!r} at {token.at}")

    def joined(self, kind: str, operand: Callable[[], Any]) -> Any:
        """operand (kind operand)*: one operand as it is, several as (kind, operand, ...)."""
        terms = [operand()]
        while (token := self.peek()) is not None and token.kind == kind:
            self.take(kind)
            terms.append(operand())
        return terms[0] if len(terms) == 1 else (kind, *terms)

    # JSON ----------------------------------------------------------------------------
    def json_or(self) -> Any:
        return self.joined("or", self.json_and)

    def json_and(self) -> Any:
        return self.joined("and", self.json_unary)

    def json_unary(self) -> Any:
        token = self.peek()
        if token is not None and token.kind == "(":
            self.take("(")
            inner = self.json_or()
            self.take(")")
            return inner
        selector = self.take("selector").text
        return self.comparison(selector)

    def comparison(self, subject: str) -> Any:
        token = self.peek()
        if token is not None and token.kind == "word" and token.text in ("IS", "NOT"):
            self.take()
            if token.text == "IS":
                what = self.take("word").text
                if what not in ("NULL", "TRUE", "FALSE"):
                    raise FilterPatternError(f"IS must be followed by NULL, TRUE or FALSE, found {what!r}")
                return ("is", subject, what)
            self.take("word", "EXISTS")
            return ("not-exists", subject)
        op = self.take("op").text
        value = self.take()
        if value.kind not in ("string", "word", "regex"):
            raise FilterPatternError(f"expected a value after {op} at {value.at}, found {value.text!r}")
        if op in ("<", ">", "<=", ">=") and not (value.kind == "word" and NUMBER.fullmatch(value.text)):
            raise FilterPatternError(f"{op} compares numbers only, found {value.text!r}")
        if value.kind == "regex" and op not in ("=", "!="):
            raise FilterPatternError("a regular expression can only be compared with = or !=")
        return ("compare", subject, op, value.text)

    # space-delimited -------------------------------------------------------------------
    def fields(self) -> Any:
        fields: list[Any] = []
        while True:
            token = self.peek()
            if token is None:
                raise FilterPatternError("unterminated [ ... ]")
            if token.kind == "]":
                break
            if token.kind == "ellipsis":
                self.take()
                fields.append(("any-fields",))
            elif token.kind == ",":
                pass  # an empty field (the user guide's `[..., status_code=4*,]`)
            else:
                fields.append(self.field_condition())
            token = self.peek()
            if token is not None and token.kind == ",":
                self.take(",")
                continue
            if token is None or token.kind != "]":
                raise FilterPatternError(f"expected , or ] at {token.at if token else 'end'}")
        return ("fields", *fields)

    def field_condition(self) -> Any:
        return self.joined("or", self.field_and)

    def field_and(self) -> Any:
        return self.joined("and", self.field_unary)

    def field_unary(self) -> Any:
        token = self.take()
        if token.kind != "word" or not re.fullmatch(r"[A-Za-z0-9_]+", token.text):
            raise FilterPatternError(f"expected a field name at {token.at}, found {token.text!r}")
        following = self.peek()
        if following is not None and following.kind == "op":
            return self.comparison(token.text)
        return ("field", token.text)


def _count_regexes(tree: Any) -> int:
    if isinstance(tree, tuple):
        return sum(_count_regexes(part) for part in tree)
    return 1 if isinstance(tree, str) and len(tree) >= 2 and tree.startswith("%") and tree.endswith("%") else 0


def parse(pattern: str) -> Any:
    """The syntax tree of a filter pattern; FilterPatternError when CloudWatch Logs refuses it."""
    text = pattern
    stripped = text.strip()
    if stripped == "":
        return ("all",)
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    if stripped.startswith("{"):
        if not stripped.endswith("}"):
            raise FilterPatternError("a JSON pattern must end with }")
        parser = _Parser(_tokens(text, start + 1, end - 1))
        tree = ("json", parser.json_or())
        parser.done()
    elif stripped.startswith("["):
        if not stripped.endswith("]"):
            raise FilterPatternError("a space-delimited pattern must end with ]")
        tokens = _tokens(text, start + 1, end)
        parser = _Parser(tokens)
        tree = parser.fields()
        parser.take("]")
        parser.done()
    elif stripped.startswith("%"):
        tokens = _tokens(text, start, end)
        if len(tokens) != 1:
            raise FilterPatternError("a regular expression pattern must be one %...% and nothing else")
        return ("regex", tokens[0].text)
    else:
        return ("terms", *_terms(text, start, end))
    if _count_regexes(tree) > MAX_REGEXES_IN_STRUCTURED:
        raise FilterPatternError(f"at most {MAX_REGEXES_IN_STRUCTURED} regular expressions in a JSON or space-delimited pattern")
    return tree


def _terms(text: str, start: int, end: int) -> list[Any]:
    terms: list[Any] = []
    i = start
    while i < end:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        mode = "all"
        if ch in "?-":
            mode = "any" if ch == "?" else "not"
            i += 1
            while i < end and text[i].isspace():
                i += 1
            if i >= end:
                raise FilterPatternError(f"{ch} must be followed by a term")
            ch = text[i]
        if ch == '"':
            j = _read_quoted(text, i)
            terms.append((mode, text[i:j]))
            i = j
            continue
        match = re.compile(r"[A-Za-z0-9_]+").match(text, i)
        if not match:
            raise FilterPatternError(
                f"unexpected character {ch!r} at {i}: terms with characters other than alphanumerics or underscore must be double-quoted"
            )
        if match.end() < end and not text[match.end()].isspace():
            bad = text[match.end()]
            raise FilterPatternError(
                f"unexpected character {bad!r} at {match.end()}: terms with characters other than alphanumerics or underscore must be double-quoted"
            )
        terms.append((mode, match.group(0)))
        i = match.end()
    return terms


def is_valid(pattern: str) -> bool:
    try:
        parse(pattern)
    except FilterPatternError:
        return False
    return True
