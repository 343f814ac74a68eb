// The emulator checks the `pattern` constraints of AWS's API models, written in java.util.regex's
// dialect and matched against the whole value, with Python's `re` after a faithful translation
// (emulator/request_checks/java_regex.py). Each case is a pattern from botocore's models (or a Java
// feature they use) with a value Java accepts and one it refuses. Run by python3 (standard library only).
import { execFileSync } from "child_process";
import * as path from "path";

const RUNNER = path.join(__dirname, "support", "run_request_checks.py");

interface Verdict {
  readonly matches: boolean | null;
  readonly python: string | null;
}

function check(cases: readonly { pattern: string; value: string }[]): Verdict[] {
  const output = execFileSync("python3", [RUNNER], { input: JSON.stringify({ module: "java-regex", cases }), timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(output.toString()) as Verdict[];
}

// [what, pattern, a value Java matches, a value it does not (null: the pattern matches everything)]
const CASES: [string, string, string, string | null][] = [
  ["whole value (Matcher.matches), IAM role name", "[\\w+=,.@-]+", "tf-ftp-role", "tf ftp role"],
  ["\\w is ASCII in Java", "[\\w+=,.@-]+", "role_1", "rôle"],
  ["\\p{L} \\p{Z} \\p{N}: Unicode categories (IAM tag keys)", "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+", "équipe 2 αβ", "team!"],
  ["\\p{Print}: Java's POSIX class, ASCII only (DynamoDB, Transfer)", "\\p{Print}+", "abc ~", "abç"],
  ["\\p{ASCII} (Route 53)", "\\p{ASCII}+", "plain", "ü"],
  ["\\P{M} and \\p{M} together: any character (Transfer)", "[\\P{M}\\p{M}]*", "e\u0301 \u{1F600}\u0000", null],
  ["[\\w-_]: a hyphen after a class escape is literal (CloudWatch Logs)", "[\\w-_]*", "a-b_c", "a b"],
  ["\\uXXXX escapes (IAM descriptions: Latin-1)", "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*", "Café", "ユ"],
  ["surrogate pairs are one code point (DynamoDB)", "[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\r\\n\\t]*", "ok 😀\n", "\u0001"],
  ["lookbehind (Lambda S3 bucket)", "[0-9A-Za-z\\.\\-_]*(?<!\\.)", "bucket.name", "bucket."],
  ["\\Q...\\E quoting", "\\Qa.b\\E", "a.b", "axb"],
  ["possessive quantifier", "a++b", "aab", "aa"],
];

describe("Java regular expressions of AWS's API models, checked in Python", () => {
  const cases = CASES.flatMap(([, pattern, good, bad]) => [
    { pattern, value: good },
    { pattern, value: bad ?? "" },
  ]);
  const verdicts = check(cases);

  test.each(CASES.map(([what, pattern, good, bad], index) => [what, pattern, good, bad, index] as const))(
    "%s: /%s/ matches %j, not %j",
    (_what, _pattern, _good, bad, index) => {
      expect(verdicts[2 * index].matches).toBe(true);
      expect(verdicts[2 * index + 1].matches).toBe(bad === null);
    },
  );

  test("class intersection (&&) is not translated: such a pattern is not checked rather than checked wrongly", () => {
    const [verdict] = check([{ pattern: "[a-z&&[^b]]+", value: "abc" }]);
    expect(verdict).toEqual({ matches: null, python: null });
  });

  test("every pattern of the services this project uses translates (none left unchecked)", () => {
    const output = execFileSync(
      "python3",
      [
        "-c",
        [
          "import sys, botocore.session",
          `sys.path.insert(0, ${JSON.stringify(path.join(__dirname, "..", "emulator"))})`,
          "from request_checks import java_regex",
          "s = botocore.session.get_session()",
          "services = ['ec2','elbv2','iam','sts','transfer','lambda','s3','kms','secretsmanager','ssm','dynamodb','cloudwatch','logs','sns','route53']",
          "patterns = {m.shape_for(n).metadata['pattern'] for svc in services for m in [s.get_service_model(svc)] for n in m.shape_names if 'pattern' in m.shape_for(n).metadata}",
          "print(len(patterns), java_regex.unsupported(sorted(patterns)))",
        ].join("\n"),
      ],
      { timeout: 120_000 },
    );
    const [count, unsupported] = output.toString().trim().split(" ", 2);
    expect(Number(count)).toBeGreaterThan(200);
    expect(unsupported).toBe("[]");
  });
});
