// A small, strict evaluator of CloudWatch Logs JSON filter patterns, for
// testing metric filters against real log lines (moto 5.2 stores metric
// filters but never evaluates JSON patterns: moto/logs/utils.py treats them as
// unsupported).
//
// Semantics, from the CloudWatch Logs user guide ("Filter pattern syntax",
// "Using filter patterns to match terms in JSON log events"):
// - `{ <expression> }` matches only log events that are JSON; any other event
//   (for example a line with a text prefix) does not match.
// - A selector `$.a.b` names a property; `= "value"` compares a string
//   property exactly and case-sensitively, `*` in the value is a wildcard.
//   A missing property never equals anything.
// - `&&`, `||` combine comparisons; parentheses group them.
// What it does not know (numbers, `!=`, IS NULL, arrays, regex) makes it
// throw, as does `&&` mixed with `||` without parentheses: a pattern under
// test must not depend on anything this file does not implement.

type Node =
  | { kind: "compare"; path: string[]; value: string }
  | { kind: "and" | "or"; operands: Node[] };

function tokenize(source: string): string[] {
  const tokens: string[] = [];
  const re = /\s*(\(|\)|&&|\|\||=|!=|\$(?:\.[A-Za-z0-9_]+)+|"(?:[^"\\]|\\.)*"|[^\s()="&|]+)/y;
  let at = 0;
  while (at < source.length) {
    if (/^\s*$/.test(source.slice(at))) break;
    re.lastIndex = at;
    const match = re.exec(source);
    if (!match) throw new Error(`filter pattern: cannot read ${JSON.stringify(source.slice(at))}`);
    tokens.push(match[1]);
    at = re.lastIndex;
  }
  return tokens;
}

function parse(pattern: string): Node {
  const trimmed = pattern.trim();
  if (!trimmed.startsWith("{") || !trimmed.endsWith("}")) throw new Error("filter pattern: only JSON patterns { ... } are supported");
  const tokens = tokenize(trimmed.slice(1, -1));
  let position = 0;
  const peek = () => tokens[position];
  const take = (expected?: string) => {
    const token = tokens[position++];
    if (token === undefined || (expected !== undefined && token !== expected)) {
      throw new Error(`filter pattern: expected ${expected ?? "more"}, got ${token ?? "end"}`);
    }
    return token;
  };

  function primary(): Node {
    if (peek() === "(") {
      take("(");
      const inner = expression();
      take(")");
      return inner;
    }
    const selector = take();
    if (!selector.startsWith("$.")) throw new Error(`filter pattern: expected a selector, got ${selector}`);
    const operator = take();
    if (operator !== "=") throw new Error(`filter pattern: operator ${operator} is not implemented here`);
    const raw = take();
    if (!raw.startsWith('"')) throw new Error(`filter pattern: only quoted string values are implemented here, got ${raw}`);
    return { kind: "compare", path: selector.slice(2).split("."), value: JSON.parse(raw) as string };
  }

  function expression(): Node {
    const operands = [primary()];
    let operator: "&&" | "||" | undefined;
    while (peek() === "&&" || peek() === "||") {
      const next = take() as "&&" | "||";
      if (operator && operator !== next) throw new Error("filter pattern: && and || mixed without parentheses");
      operator = next;
      operands.push(primary());
    }
    if (!operator) return operands[0];
    return { kind: operator === "&&" ? "and" : "or", operands };
  }

  const tree = expression();
  if (position !== tokens.length) throw new Error(`filter pattern: unexpected ${tokens[position]}`);
  return tree;
}

function globMatches(glob: string, text: string): boolean {
  const re = new RegExp(`^${glob.split("*").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`, "s");
  return re.test(text);
}

function evaluate(node: Node, event: unknown): boolean {
  if (node.kind !== "compare") {
    return node.kind === "and"
      ? node.operands.every((operand) => evaluate(operand, event))
      : node.operands.some((operand) => evaluate(operand, event));
  }
  let value: unknown = event;
  for (const key of node.path) {
    value = value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
  }
  return typeof value === "string" && globMatches(node.value, value);
}

/** A compiled JSON filter pattern. */
export function jsonFilterPattern(pattern: string): { matches(logEvent: string): boolean } {
  const tree = parse(pattern);
  return {
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
