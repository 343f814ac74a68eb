// Literal text in Terraform strings. Every string in a Terraform JSON document
// (and every quoted string or heredoc in HCL) is a template: "${...}" is an
// interpolation and "%{...}" a directive, evaluated on the machine that runs
// the plan. Text that is data (the config, files embedded in user data) must
// have them escaped: "$${" reads as a literal "${", "%%{" as "%{" (Terraform
// language docs, "Strings and Templates": escape sequences).

/** Makes literal text safe inside a Terraform string: `${` and `%{` would start a template. */
export function escapeTerraformTemplate(text: string): string {
  // Replacement functions, not strings: in a replacement string "$$" means one "$".
  // Escaping is applied exactly once per literal: "$${" in the input is text
  // too and becomes "$$${", which Terraform reads back as "$${".
  return text.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
}

// cdktf encodes unresolved values as marker strings inside ordinary strings
// (node_modules/cdktf/lib/tokens/private/encoding.js): a string holding one
// is resolved as a reference to another construct's value, escaped or not.
const CDKTF_TOKEN_MARKER = /[$#&]\{TfToken\[/;

// A carriage return not followed by a line feed: Terraform's JSON syntax
// parses each string as a bare template (hashicorp/hcl json/structure.go,
// hclsyntax.ParseTemplate), and the bare-template scanner has no rule for a
// lone CR (hclsyntax/scan_tokens.rl: StringLiteralChars excludes "\r",
// Newline is "\r"? "\n"). Seen with Terraform 1.11.4: from a lone CR on,
// the string is not read as a template any more, and "$$${" stays "$$${"
// instead of "$${" (__tests__/integration/literal-roundtrip.test.ts). No
// escaping makes such a string read back as written.
const LONE_CARRIAGE_RETURN = /\r(?!\n)/;

// A byte order mark (U+FEFF) at the start: the same scanner skips it, so
// Terraform's JSON syntax reads "\ufeffx" as "x" (seen with Terraform 1.11.4).
const LEADING_BYTE_ORDER_MARK = /^\ufeff/;

export class NotLiteralError extends Error {}

/**
 * The config as Terraform literal text: every string (object keys included)
 * escaped with escapeTerraformTemplate, numbers and booleans as they are.
 * Throws NotLiteralError on a cdktf token marker, a lone carriage return or a
 * leading byte order mark, which no escaping can make literal. The validator already refuses "$", "%" and "{" in every config
 * string, so for a validated config this returns equal values; it is the
 * second line of defence, should a future key admit free text.
 */
export function asTerraformLiterals<T>(value: T, where = "config"): T {
  return literal(value, where) as T;
}

function literal(value: unknown, where: string): unknown {
  if (typeof value === "string") {
    if (CDKTF_TOKEN_MARKER.test(value)) throw new NotLiteralError(`${where}: a cdktf token marker cannot be literal text: ${JSON.stringify(value.slice(0, 80))}`);
    if (LEADING_BYTE_ORDER_MARK.test(value)) throw new NotLiteralError(`${where}: a byte order mark (U+FEFF) at the start cannot be literal text in Terraform JSON: ${JSON.stringify(value.slice(0, 80))}`);
    if (LONE_CARRIAGE_RETURN.test(value)) throw new NotLiteralError(`${where}: a carriage return without a line feed cannot be literal text in Terraform JSON: ${JSON.stringify(value.slice(0, 80))}`);
    return escapeTerraformTemplate(value);
  }
  if (Array.isArray(value)) return value.map((entry, index) => literal(entry, `${where}[${index}]`));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, entry]) => [literal(key, `${where} (key ${JSON.stringify(key)})`), literal(entry, `${where}.${key}`)]),
    );
  }
  return value;
}
