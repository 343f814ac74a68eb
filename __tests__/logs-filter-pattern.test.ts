// The emulator's parser of CloudWatch Logs filter patterns (emulator/request_checks/logs_filter_pattern.py),
// which makes PutMetricFilter refuse what CloudWatch Logs refuses. Cases from the CloudWatch Logs user
// guide, "Filter pattern syntax for metric filters, subscription filters, filter log events, and Live
// Tail", and patterns AWS answered "Invalid metric filter pattern" to. Run by python3 (standard library only).
import { execFileSync } from "child_process";
import * as path from "path";

const RUNNER = path.join(__dirname, "support", "run_request_checks.py");

interface Verdict {
  readonly ok: boolean;
  readonly error?: string;
  readonly tree?: unknown;
}

function parse(patterns: readonly string[]): Verdict[] {
  const output = execFileSync("python3", [RUNNER], { input: JSON.stringify({ module: "filter-pattern", cases: patterns }), timeout: 30_000 });
  return JSON.parse(output.toString()) as Verdict[];
}

const ACCEPTED = [
  "",
  "ERROR",
  "ERROR Exception",
  '"Failed to process the request"',
  '"ERROR" - "Exiting"',
  "ERROR -WARN",
  "?ERROR ?WARN",
  '{ $.eventType = "UpdateTrail" }',
  "{ $.sourceIPAddress != 123.123.* }",
  '{ $.arrayKey[0] = "value" }',
  "{ $.objectList[1].id = 2 }",
  "{ $.SomeObject IS NULL }",
  "{ $.SomeOtherObject NOT EXISTS }",
  "{ $.ThisFlag IS TRUE }",
  '{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }',
  '{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }',
  '{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }',
  "{ $.latency >= 500 }",
  "{ $.numbers[0] < 10e3 }",
  "{ $.numbers[0] < 10e-3 }",
  "{ $.processes[4].averageRuntime <= 55.5 }",
  "{ $.latency > +1000 }",
  "{ $.someInt = *23 }",
  "[ip, user, username, timestamp, request, status_code, bytes]",
  "[..., status_code, bytes]",
  "[ip, user, ..., status_code, bytes]",
  "[ip, user, username, timestamp, request, status_code = 4* && bytes > 1000]",
  "[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]",
  "[..., request=*.html*, status_code=4*,]",
  "%AUTHORIZED%",
  "%\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}%",
  "%[Ee]rror|[Ff]ail%",
  "%colou?r%",
  "%^[hc]at%",
  '{ $.outcome = "denied" }',
  "{ $.outcome = %den[a-z]+% }",
  "%\\x22outcome\\x22:\\x22denied\\x22%",
];

// Each refused pattern with a word of the reason the parser gives.
const REFUSED: [string, string][] = [
  ['%"outcome":"denied"%', "'\"' is not supported"],
  ["%something!%", "'!' is not supported"],
  ["%(ERROR|WARN)%", "( and ) operators are not supported"],
  ["%café%", "multi-byte"],
  ["%\\q%", "not supported"],
  ["%\\x2%", "two hexadecimal digits"],
  ["%[abc%", "does not compile"],
  ["%%", "empty"],
  ["%ERROR% WARN", "one %...% and nothing else"],
  ["{ $.eventType < UpdateTrail }", "compares numbers only"],
  ['{ $.eventType >= "UpdateTrail" }', "compares numbers only"],
  ["{ $.eventType = }", "end of pattern"],
  ['{ $.eventType = "UpdateTrail" ', "must end with }"],
  ['{ eventType = "UpdateTrail" }', "expected selector"],
  ['{ $.a = "x" $.b = "y" }', "unexpected"],
  ["{ $.flag IS MAYBE }", "NULL, TRUE or FALSE"],
  ["{ $.a = %a% && $.b = %b% && $.c = %c% }", "at most 2 regular expressions"],
  ["[ip, user", "must end with ]"],
  ["[ip, user = ]", "expected a value"],
  ["ERROR:", "must be double-quoted"],
  ['"unterminated', "unterminated quoted string"],
  ["- ", "must be followed by a term"],
];

describe("CloudWatch Logs filter-pattern parser (the emulator's PutMetricFilter check)", () => {
  const accepted = parse(ACCEPTED);
  const refused = parse(REFUSED.map(([pattern]) => pattern));

  test.each(ACCEPTED.map((pattern, index) => [pattern, index] as const))("accepts %j", (_pattern, index) => {
    expect(accepted[index]).toEqual(expect.objectContaining({ ok: true }));
  });

  test.each(REFUSED.map(([pattern, reason], index) => [pattern, reason, index] as const))("refuses %j (%s)", (_pattern, reason, index) => {
    expect(refused[index].ok).toBe(false);
    expect(refused[index].error).toContain(reason);
  });

  test("&& binds tighter than ||, parentheses group, as the user guide's compound conditions say", () => {
    const [tree] = parse(['{ $.a = 1 || $.b = "x" && ($.c NOT EXISTS || $.d IS NULL) }']);
    expect(tree.tree).toEqual([
      "json",
      ["or", ["compare", "$.a", "=", "1"], ["and", ["compare", "$.b", "=", '"x"'], ["or", ["not-exists", "$.c"], ["is", "$.d", "NULL"]]]],
    ]);
  });

  test("term patterns keep each term's role (all, optional ?, excluded -)", () => {
    const [tree] = parse(['ERROR ?"disk full" - Exiting']);
    expect(tree.tree).toEqual(["terms", ["all", "ERROR"], ["any", '"disk full"'], ["not", "Exiting"]]);
  });
});
