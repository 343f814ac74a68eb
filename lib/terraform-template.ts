// What a Terraform template string does when Terraform evaluates it: which
// functions it calls, whether it uses template directives, and whether it
// can be read at all. Used by the stack gate (lib/stack-gate.ts) on every
// string and every object key of the synthesized JSON, because Terraform's
// JSON syntax evaluates strings as templates (Terraform docs, "JSON
// Configuration Syntax": "When a JSON string is encountered in a location
// where arbitrary expressions are expected, its value is first parsed as a
// string template"); keys of expression objects are templates too.
//
// This is a lexer, not a parser: it finds the `${ … }` and `%{ … }`
// sequences (`$${` and `%%{` are escapes), then tokenizes the HCL expression
// inside each one far enough to see every identifier, every `::` namespace
// and every quoted string or heredoc (whose contents are templates again,
// scanned recursively). Whitespace and comments (`#`, `//`, `/* */`) between
// tokens are skipped as HCL skips them, so `file /* */ ("x")` and
// `core :: file("x")` are calls of `file` like `file("x")`. What it cannot
// read (an unterminated interpolation, string or comment, a non-ASCII
// character outside a string) is reported as a problem: the gate refuses
// what it cannot analyze rather than guess how Terraform would.
// Syntax: hashicorp/hcl, hclsyntax/spec.md ("Templates", "Template
// Interpolations", "Template Directives", "Functions and Function Calls").

export interface TemplateScan {
  /** Every function called, with its namespace as written (`file`, `core::file`, `provider::aws::arn_parse`). */
  readonly calls: string[];
  /** Every identifier in an expression (including function names and keywords such as `if`, `for`, `in`). */
  readonly identifiers: string[];
  /** Whether the template holds a `%{ … }` directive. */
  readonly directives: boolean;
  /** Whether an expression holds a heredoc (`<<EOT`). */
  readonly heredocs: boolean;
  /** Whether an expression holds a comment. */
  readonly comments: boolean;
  /** Whether the template holds any interpolation or directive (so is not a plain literal). */
  readonly dynamic: boolean;
  /** Why it could not be analyzed; empty when it could. */
  readonly problems: string[];
}

const MAX_DEPTH = 64;

interface State {
  readonly text: string;
  pos: number;
  readonly calls: string[];
  readonly identifiers: string[];
  directives: boolean;
  heredocs: boolean;
  comments: boolean;
  dynamic: boolean;
  readonly problems: string[];
  depth: number;
}

class ScanError extends Error {}

/** Scans a JSON string value (already JSON-unescaped) as a Terraform template. */
export function scanTemplate(text: string): TemplateScan {
  const state: State = { text, pos: 0, calls: [], identifiers: [], directives: false, heredocs: false, comments: false, dynamic: false, problems: [], depth: 0 };
  try {
    templateUntil(state, "end");
  } catch (error) {
    if (!(error instanceof ScanError)) throw error;
    state.problems.push(error.message);
  }
  const { calls, identifiers, directives, heredocs, comments, dynamic, problems } = state;
  return { calls, identifiers, directives, heredocs, comments, dynamic, problems };
}

type TemplateEnd = "end" | "quote" | { heredoc: string };

/**
 * Literal template text up to its end: the end of the input (a JSON string),
 * an unescaped `"` (a quoted string inside an expression, where HCL's
 * backslash escapes apply), or a line holding only the heredoc's delimiter.
 */
function templateUntil(state: State, end: TemplateEnd): void {
  const { text } = state;
  if (++state.depth > MAX_DEPTH) throw new ScanError("templates nested too deeply to analyze");
  let lineStart = true;
  for (;;) {
    if (typeof end === "object" && lineStart) {
      const newline = text.indexOf("\n", state.pos);
      const line = text.slice(state.pos, newline === -1 ? text.length : newline);
      if (line.trim() === end.heredoc) {
        state.pos = newline === -1 ? text.length : newline;
        state.depth--;
        return;
      }
    }
    if (state.pos >= text.length) {
      if (end === "end") {
        state.depth--;
        return;
      }
      throw new ScanError(end === "quote" ? "an unterminated quoted string in an expression" : `an unterminated heredoc (<<${end.heredoc})`);
    }
    const c = text[state.pos];
    lineStart = false;
    if (end === "quote" && c === '"') {
      state.pos++;
      state.depth--;
      return;
    }
    if (end === "quote" && c === "\\") {
      // HCL's scanner takes a backslash and the character after it as one
      // unit (hclsyntax/scan_tokens.rl, QuotedStringLiteralWithEsc); which
      // escapes are valid is the parser's business.
      if (text[state.pos + 1] === "\n" || text[state.pos + 1] === "\r" || state.pos + 1 >= text.length) {
        throw new ScanError("a quoted string in an expression spans lines");
      }
      state.pos += 2;
      continue;
    }
    if (end === "quote" && c === "\n") throw new ScanError("a quoted string in an expression spans lines");
    if ((c === "$" || c === "%") && text[state.pos + 1] === c && text[state.pos + 2] === "{") {
      state.pos += 3; // $${ and %%{ are the literal text ${ and %{
      continue;
    }
    if ((c === "$" || c === "%") && text[state.pos + 1] === "{") {
      state.dynamic = true;
      if (c === "%") state.directives = true;
      state.pos += 2;
      if (text[state.pos] === "~") state.pos++;
      expressionUntilClose(state);
      continue;
    }
    if (c === "\n") lineStart = true;
    state.pos++;
  }
}

const IDENTIFIER_START = /[A-Za-z_]/;
const IDENTIFIER_PART = /[A-Za-z0-9_-]/;

/** Tokens of an expression up to the `}` (or `~}`) that closes its interpolation or directive. */
function expressionUntilClose(state: State): void {
  const { text } = state;
  let braces = 0;
  // The previous significant token, to tell a call (`name (`) from a reference.
  let pending: string | undefined; // an identifier chain (`a::b`) waiting to see whether `(` follows
  let afterDoubleColon = false;
  const flush = (isCall: boolean) => {
    if (pending !== undefined && isCall) state.calls.push(pending);
    pending = undefined;
  };
  for (;;) {
    if (state.pos >= text.length) throw new ScanError("an unterminated ${ … } or %{ … } sequence");
    const c = text[state.pos];
    // Whitespace and comments separate tokens and change nothing.
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      state.pos++;
      continue;
    }
    if (c === "#" || (c === "/" && text[state.pos + 1] === "/")) {
      state.comments = true;
      const newline = text.indexOf("\n", state.pos);
      if (newline === -1) throw new ScanError("a line comment runs to the end of an interpolation");
      state.pos = newline + 1;
      continue;
    }
    if (c === "/" && text[state.pos + 1] === "*") {
      state.comments = true;
      const close = text.indexOf("*/", state.pos + 2);
      if (close === -1) throw new ScanError("an unterminated /* comment */ in an expression");
      state.pos = close + 2;
      continue;
    }
    if (c === "~" && text[state.pos + 1] === "}" && braces === 0) {
      flush(false);
      state.pos += 2;
      return;
    }
    if (c === "}") {
      flush(false);
      state.pos++;
      if (braces === 0) return;
      braces--;
      continue;
    }
    if (c === "{") {
      flush(false);
      braces++;
      state.pos++;
      continue;
    }
    if (c === ":" && text[state.pos + 1] === ":") {
      if (pending === undefined) throw new ScanError('a "::" with no name before it');
      afterDoubleColon = true;
      state.pos += 2;
      continue;
    }
    if (IDENTIFIER_START.test(c)) {
      let end = state.pos + 1;
      while (end < text.length && IDENTIFIER_PART.test(text[end])) end++;
      const name = text.slice(state.pos, end);
      state.identifiers.push(name);
      if (afterDoubleColon) pending = `${pending}::${name}`;
      else {
        flush(false);
        pending = name;
      }
      afterDoubleColon = false;
      state.pos = end;
      continue;
    }
    if (afterDoubleColon) throw new ScanError('a "::" not followed by a name');
    if (c === "(") {
      flush(true);
      state.pos++;
      continue;
    }
    flush(false);
    if (c === '"') {
      state.pos++;
      templateUntil(state, "quote");
      continue;
    }
    if (c === "<" && text[state.pos + 1] === "<") {
      const match = /^<<-?([A-Za-z_][A-Za-z0-9_-]*)\r?\n/.exec(text.slice(state.pos));
      if (match) {
        state.heredocs = true;
        state.pos += match[0].length;
        templateUntil(state, { heredoc: match[1] });
        continue;
      }
    }
    if (c.charCodeAt(0) > 0x7e || c.charCodeAt(0) < 0x20) {
      throw new ScanError(`the character U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")} in an expression`);
    }
    // Numbers, operators and other punctuation: nothing to record.
    state.pos++;
  }
}
