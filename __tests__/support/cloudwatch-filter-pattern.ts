// CloudWatch Logs filter patterns, as the CloudWatch Logs user guide documents
// them ("Filter pattern syntax for metric filters, subscription filters, filter
// log events, and Live Tail", with "Supported regular expressions (regex)
// syntax" and "Using filter patterns to match terms in JSON log events"), for
// two uses in tests:
// - filterPatternProblems(pattern): what PutMetricFilter would refuse, each
//   problem named (empty when the pattern is valid);
// - compileFilterPattern(pattern).matches(event): whether a valid pattern
//   matches a log event, to test metric filters against the handler's real
//   lines (moto 5.2 stores metric filters but never evaluates them).
// Two pattern kinds are implemented, the two the stacks may emit:
// - regex patterns, `%<regex>%`: the regex may hold only letters A-Z a-z,
//   digits, the symbols `: _ # = @ / ; , -` and the operators
//   `^ $ ? [ ] { } | \ * + .`; parentheses are not supported and multi-byte
//   characters neither ("For example, %something!% would be rejected since '!'
//   is not supported"); any other character has to be written as an escape
//   (`\xhh`). The current page lists ':' among the symbols, older revisions
//   did not; it is accepted here. A regex matches anywhere in the event
//   (`%AUTHORIZED%` matches "UNAUTHORIZED REQUEST").
// - JSON patterns, `{ <expression> }`: selectors `$.a.b`, `$.a[0]` (names of
//   letters, digits, '-' and '_'), `=`/`!=` with a string (quoted, or bare
//   when alphanumeric; `*` is a wildcard only at the start or the end:
//   "Ev*ent will only match the actual string Ev*ent"), a number with
//   `= != < > <= >=`, `IS NULL`, `NOT EXISTS`, `IS TRUE`, `IS FALSE`, a regex
//   value `%...%` (checked, at most 2 per pattern, not evaluated), combined
//   with `&&` and `||` (&& binds tighter) and parentheses. A selector that
//   does not point to a value node (missing, an object, an array) never
//   matches, with `=` or `!=` ("the filter will not be applied because the
//   log format doesn't match the filter"). Only events that are JSON objects
//   can match.
// Space-delimited (`[a, b]`) and plain term patterns are not implemented:
// compileFilterPattern throws for them rather than guess. At most 1024
// characters (CloudWatch Logs API reference, PutMetricFilter, filterPattern).

const MAX_PATTERN_LENGTH = 1024;
const MAX_REGEXES_IN_JSON_PATTERN = 2;
const REGEX_LITERALS = /[A-Za-z0-9:_#=@/;,-]/;
const REGEX_OPERATORS = "^$?[]{}|\\*+.";
const REGEX_ESCAPE_CLASSES = "dDsSwW";

/** Problems of a regex (the text between the two %), as CloudWatch's rules refuse it. */
export function regexProblems(regex: string): string[] {
  const problems: string[] = [];
  if (regex.length === 0) problems.push("an empty regex");
  let inClass = false;
  let atomBefore = false;
  for (let i = 0; i < regex.length; i++) {
    const ch = regex[i];
    if (ch === "\\") {
      const next = regex[i + 1];
      if (next === undefined) {
        problems.push("a trailing backslash");
      } else if (next === "x") {
        if (!/^[0-9A-Fa-f]{2}$/.test(regex.slice(i + 2, i + 4))) problems.push(`"\\x" at ${i} is not followed by two hex digits`);
        i += 3;
      } else if (REGEX_OPERATORS.includes(next) || REGEX_ESCAPE_CLASSES.includes(next) || next === "%") {
        i += 1;
      } else {
        problems.push(`the escape "\\${next}" at ${i} is not one CloudWatch documents (an operator, \\d \\D \\s \\S \\w \\W, or \\xhh)`);
        i += 1;
      }
      atomBefore = true;
      continue;
    }
    if (ch === "(" || ch === ")") {
      problems.push(`"${ch}" at ${i}: parentheses are not supported in CloudWatch regex (no subpatterns)`);
      continue;
    }
    if (ch === "[") {
      if (inClass) problems.push(`"[" at ${i} inside a character class`);
      inClass = true;
      if (regex[i + 1] === "^") i += 1;
      continue;
    }
    if (ch === "]") {
      if (!inClass) problems.push(`"]" at ${i} closes no character class`);
      inClass = false;
      atomBefore = true;
      continue;
    }
    if (inClass) {
      if (!REGEX_LITERALS.test(ch) && ch !== "." && ch !== "^" && ch !== "$" && ch !== "|" && ch !== "*" && ch !== "+" && ch !== "?" && ch !== "{" && ch !== "}") {
        problems.push(characterProblem(ch, i));
      }
      continue;
    }
    if (ch === "{") {
      const quantifier = /^\{(\d+)(,(\d*))?\}/.exec(regex.slice(i));
      if (!quantifier) problems.push(`"{" at ${i} is not a repetition {m}, {m,} or {m,n}`);
      else {
        if (!atomBefore) problems.push(`the repetition at ${i} follows nothing`);
        if (quantifier[3] && Number(quantifier[3]) < Number(quantifier[1])) problems.push(`the repetition at ${i} has its bounds reversed`);
        i += quantifier[0].length - 1;
      }
      atomBefore = false;
      continue;
    }
    if (ch === "}") {
      problems.push(`"}" at ${i} closes no repetition`);
      continue;
    }
    if (ch === "?" || ch === "*" || ch === "+") {
      if (!atomBefore) problems.push(`"${ch}" at ${i} follows nothing it could repeat`);
      atomBefore = false;
      continue;
    }
    if (ch === "|" || ch === "^" || ch === "$") {
      atomBefore = false;
      continue;
    }
    if (ch === ".") {
      atomBefore = true;
      continue;
    }
    if (!REGEX_LITERALS.test(ch)) problems.push(characterProblem(ch, i));
    atomBefore = true;
  }
  if (inClass) problems.push("a character class is not closed");
  return problems;
}

function characterProblem(ch: string, at: number): string {
  const code = ch.codePointAt(0)!;
  const shown = code < 0x20 || code > 0x7e ? `U+${code.toString(16).toUpperCase().padStart(4, "0")}` : JSON.stringify(ch);
  const escape = code <= 0xff ? ` (write it as \\x${code.toString(16).padStart(2, "0")})` : " (multi-byte characters are not supported)";
  return `${shown} at ${at} is not allowed in a CloudWatch regex: only letters, digits, : _ # = @ / ; , - and the operators ^ $ ? [ ] { } | \\ * + .${escape}`;
}

type Value =
  | { kind: "string"; text: string; quoted: boolean }
  | { kind: "number"; value: number }
  | { kind: "regex"; source: string };

type Node =
  | { kind: "compare"; path: (string | number)[]; operator: "=" | "!=" | "<" | ">" | "<=" | ">="; value: Value }
  | { kind: "is"; path: (string | number)[]; test: "NULL" | "TRUE" | "FALSE" | "NOT EXISTS" }
  | { kind: "and"; operands: Node[] }
  | { kind: "or"; operands: Node[] };

const NUMBER = /^[+-]?(\d+(\.\d+)?|\.\d+)([eE][+-]?\d+)?$/;

function tokenizeJson(source: string): string[] {
  const tokens: string[] = [];
  const token = /\s*(\(|\)|&&|\|\||!=|<=|>=|=|<|>|\$(?:\.[A-Za-z0-9_-]+|\[\d+\])*|"[^"]*"|%(?:\\.|[^%\\])*%|[^\s()=!<>&|"%]+)/y;
  let at = 0;
  while (at < source.length) {
    if (/^\s*$/.test(source.slice(at))) break;
    token.lastIndex = at;
    const match = token.exec(source);
    if (!match) throw new PatternError(`cannot read ${JSON.stringify(source.slice(at, at + 20))}`);
    tokens.push(match[1]);
    at = token.lastIndex;
  }
  return tokens;
}

class PatternError extends Error {}

function parseSelector(token: string | undefined): (string | number)[] {
  if (!token || !/^\$(\.[A-Za-z0-9_-]+|\[\d+\])+$/.test(token) || !token.startsWith("$.")) {
    throw new PatternError(`expected a selector like $.name or $.list[0], got ${token ?? "the end"}`);
  }
  return [...token.slice(1).matchAll(/\.([A-Za-z0-9_-]+)|\[(\d+)\]/g)].map((m) => (m[1] !== undefined ? m[1] : Number(m[2])));
}

function parseValue(token: string | undefined): Value {
  if (token === undefined) throw new PatternError("expected a value, got the end");
  if (token.startsWith('"')) return { kind: "string", text: token.slice(1, -1), quoted: true };
  if (token.startsWith("%")) {
    const source = token.slice(1, -1);
    const problems = regexProblems(source);
    if (problems.length) throw new PatternError(`regex value ${token}: ${problems.join("; ")}`);
    return { kind: "regex", source };
  }
  if (NUMBER.test(token)) return { kind: "number", value: Number(token) };
  // "Strings that consist entirely of alphanumeric characters do not need to be quoted"
  // (the guide's own example, 123.123.*, also has dots and a wildcard).
  if (/^[A-Za-z0-9_.*]+$/.test(token)) return { kind: "string", text: token, quoted: false };
  throw new PatternError(`the value ${token} must be quoted (only alphanumeric strings may stand bare)`);
}

function parseJsonPattern(pattern: string): Node {
  const inner = pattern.trim();
  const tokens = tokenizeJson(inner.slice(1, -1));
  let position = 0;
  const peek = () => tokens[position];
  const take = () => tokens[position++];

  function comparison(): Node {
    const path = parseSelector(take());
    const operator = take();
    if (operator === "IS") {
      const test = take();
      if (test !== "NULL" && test !== "TRUE" && test !== "FALSE") throw new PatternError(`expected NULL, TRUE or FALSE after IS, got ${test ?? "the end"}`);
      return { kind: "is", path, test };
    }
    if (operator === "NOT") {
      if (take() !== "EXISTS") throw new PatternError("expected EXISTS after NOT");
      return { kind: "is", path, test: "NOT EXISTS" };
    }
    if (operator === "=" || operator === "!=") return { kind: "compare", path, operator, value: parseValue(take()) };
    if (operator === "<" || operator === ">" || operator === "<=" || operator === ">=") {
      const value = parseValue(take());
      if (value.kind !== "number") throw new PatternError(`${operator} compares numbers only`);
      return { kind: "compare", path, operator, value };
    }
    throw new PatternError(`expected an operator (= != < > <= >=, IS, NOT EXISTS), got ${operator ?? "the end"}`);
  }
  function primary(): Node {
    if (peek() === "(") {
      take();
      const inner = orExpression();
      if (take() !== ")") throw new PatternError("a parenthesis is not closed");
      return inner;
    }
    return comparison();
  }
  function andExpression(): Node {
    const operands = [primary()];
    while (peek() === "&&") {
      take();
      operands.push(primary());
    }
    return operands.length === 1 ? operands[0] : { kind: "and", operands };
  }
  function orExpression(): Node {
    const operands = [andExpression()];
    while (peek() === "||") {
      take();
      operands.push(andExpression());
    }
    return operands.length === 1 ? operands[0] : { kind: "or", operands };
  }
  const tree = orExpression();
  if (position !== tokens.length) throw new PatternError(`unexpected ${tokens[position]}`);
  const regexes = JSON.stringify(tree).split('"kind":"regex"').length - 1;
  if (regexes > MAX_REGEXES_IN_JSON_PATTERN) throw new PatternError(`${regexes} regexes; a JSON pattern may hold at most ${MAX_REGEXES_IN_JSON_PATTERN}`);
  return tree;
}

/** What CloudWatch Logs would refuse in this filter pattern (empty: it is valid). */
export function filterPatternProblems(pattern: string): string[] {
  if (pattern.length > MAX_PATTERN_LENGTH) return [`${pattern.length} characters; PutMetricFilter accepts at most ${MAX_PATTERN_LENGTH}`];
  const trimmed = pattern.trim();
  if (trimmed.startsWith("%")) {
    if (trimmed.length < 2 || !trimmed.endsWith("%")) return ["a regex pattern must be enclosed in % ... %"];
    return regexProblems(trimmed.slice(1, -1));
  }
  if (trimmed.startsWith("{")) {
    if (!trimmed.endsWith("}")) return ["a JSON pattern must be enclosed in { ... }"];
    try {
      parseJsonPattern(trimmed);
      return [];
    } catch (error) {
      if (error instanceof PatternError) return [error.message];
      throw error;
    }
  }
  throw new Error(`filter pattern ${JSON.stringify(pattern)}: only regex (%...%) and JSON ({...}) patterns are implemented here`);
}

function valueAt(event: unknown, path: (string | number)[]): { found: boolean; value?: unknown } {
  let value: unknown = event;
  for (const step of path) {
    if (typeof step === "number" ? !Array.isArray(value) : value === null || typeof value !== "object" || Array.isArray(value)) return { found: false };
    const container = value as Record<string | number, unknown>;
    if (!(step in container)) return { found: false };
    value = container[step];
  }
  return { found: true, value };
}

function stringMatches(expected: string, actual: string): boolean {
  // A leading or trailing * is a wildcard; one inside is the character itself.
  const starts = expected.length > 1 && expected.startsWith("*");
  const ends = expected.length > 1 && expected.endsWith("*");
  const core = expected.slice(starts ? 1 : 0, ends ? -1 : undefined);
  if (starts && ends) return actual.includes(core);
  if (starts) return actual.endsWith(core);
  if (ends) return actual.startsWith(core);
  return actual === expected;
}

function evaluate(node: Node, event: unknown): boolean {
  if (node.kind === "and" || node.kind === "or") {
    return node.kind === "and" ? node.operands.every((operand) => evaluate(operand, event)) : node.operands.some((operand) => evaluate(operand, event));
  }
  const { found, value } = valueAt(event, node.path);
  if (node.kind === "is") {
    if (node.test === "NOT EXISTS") return !found;
    if (node.test === "NULL") return found && value === null;
    return found && value === (node.test === "TRUE");
  }
  if (node.value.kind === "regex") throw new Error("matching a regex value inside a JSON pattern is not implemented here");
  // Only value nodes (a string or a number) are compared; anything else never matches.
  if (!found || (typeof value !== "string" && typeof value !== "number")) return false;
  if (node.value.kind === "number") {
    if (typeof value !== "number") return false;
    const v = node.value.value;
    switch (node.operator) {
      case "=": return value === v;
      case "!=": return value !== v;
      case "<": return value < v;
      case ">": return value > v;
      case "<=": return value <= v;
      case ">=": return value >= v;
    }
  }
  if (typeof value !== "string") return false;
  const equal = stringMatches(node.value.text, value);
  return node.operator === "=" ? equal : !equal;
}

export interface CompiledFilterPattern {
  readonly kind: "json" | "regex";
  matches(logEvent: string): boolean;
}

/** A valid regex or JSON filter pattern, compiled; throws with every problem when CloudWatch would refuse it. */
export function compileFilterPattern(pattern: string): CompiledFilterPattern {
  const problems = filterPatternProblems(pattern);
  if (problems.length) throw new Error(`CloudWatch Logs refuses the filter pattern ${JSON.stringify(pattern)}: ${problems.join("; ")}`);
  const trimmed = pattern.trim();
  if (trimmed.startsWith("%")) {
    // The documented operators mean in JavaScript what they mean in CloudWatch's dialect.
    const regex = new RegExp(trimmed.slice(1, -1));
    return { kind: "regex", matches: (logEvent) => regex.test(logEvent) };
  }
  const tree = parseJsonPattern(trimmed);
  return {
    kind: "json",
    matches(logEvent: string): boolean {
      let parsed: unknown;
      try {
        parsed = JSON.parse(logEvent);
      } catch {
        return false;
      }
      return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) && evaluate(tree, parsed);
    },
  };
}

/** A JSON filter pattern, compiled (throws for any other kind). */
export function jsonFilterPattern(pattern: string): CompiledFilterPattern {
  if (!pattern.trim().startsWith("{")) throw new Error(`filter pattern ${JSON.stringify(pattern)}: only JSON patterns { ... } are expected here`);
  return compileFilterPattern(pattern);
}
