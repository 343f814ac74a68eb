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

export class NotLiteralError extends Error {}

/**
 * The config as Terraform literal text: every string (object keys included)
 * escaped with escapeTerraformTemplate, numbers and booleans as they are.
 * Throws NotLiteralError on a cdktf token marker, which no escaping can make
 * literal. The validator already refuses "$", "%" and "{" in every config
 * string, so for a validated config this returns equal values; it is the
 * second line of defence, should a future key admit free text.
 */
export function asTerraformLiterals<T>(value: T, where = "config"): T {
  return literal(value, where) as T;
}

function literal(value: unknown, where: string): unknown {
  if (typeof value === "string") {
    if (CDKTF_TOKEN_MARKER.test(value)) throw new NotLiteralError(`${where}: a cdktf token marker cannot be literal text: ${JSON.stringify(value.slice(0, 80))}`);
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
