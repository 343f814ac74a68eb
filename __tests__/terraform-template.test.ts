// lib/terraform-template.ts: which functions a Terraform template calls, read
// as HCL's scanner reads it (hashicorp/hcl hclsyntax/scan_tokens.rl).
import { scanTemplate } from "../lib/terraform-template";

describe("scanTemplate", () => {
  test("a literal string calls nothing, whatever it says", () => {
    for (const text of ['file("/etc/passwd")', "plain $ and % and {braces}", "$", "%", "a $$ b %% c"]) {
      expect(scanTemplate(text)).toMatchObject({ calls: [], dynamic: false, problems: [] });
    }
  });

  test("$${ and %%{ are escapes: literal text, not interpolations (also $$${, as HCL reads it)", () => {
    for (const text of ['$${file("x")}', '%%{ if file("x") }', '$$${file("x")}', 'echo "$${HOME}"']) {
      expect(scanTemplate(text)).toMatchObject({ calls: [], dynamic: false, problems: [] });
    }
  });

  test("the project's own nested template: every call inside nested strings", () => {
    const text = '${(cidrhost("10.0.3.119/${element(split("/", data.aws_subnet.s.cidr_block), 1)}", 0) == cidrhost(data.aws_subnet.s.cidr_block, 0))}';
    expect(scanTemplate(text)).toMatchObject({ calls: ["cidrhost", "element", "split", "cidrhost"], problems: [], dynamic: true });
  });

  test.each([
    ["a plain call", '${file("/proc/self/environ")}', ["file"]],
    ["whitespace", '${ file ( "/x" ) }', ["file"]],
    ["a block comment between name and parenthesis", '${ file /* hidden */ ("/x") }', ["file"]],
    ["a line comment and a newline", '${ file # hidden\n ("/x") }', ["file"]],
    ["the core:: namespace", '${core::file("/x")}', ["core::file"]],
    ["the namespace with spaces", '${core :: file("/x")}', ["core::file"]],
    ["a provider function", '${provider::aws::arn_parse("x")}', ["provider::aws::arn_parse"]],
    ["nested in a call", '${base64encode(file("/proc/self/environ"))}', ["base64encode", "file"]],
    ["in a quoted string inside an expression", '${"a ${file("/x")} b"}', ["file"]],
    ["after an escaped quote in that string", '${"a\\"${file("/x")}"}', ["file"]],
    ["in a heredoc inside an expression", '${<<EOT\n${file("/x")}\nEOT\n}', ["file"]],
    ["in a %{ } directive", '%{ if fileexists("/x") }yes%{ endif }', ["fileexists"]],
    ["inside a directive's body", '%{ for l in ["a"] }${templatefile("/x", {})}%{ endfor }', ["templatefile"]],
    ["with strip markers", '${~ file("/x") ~}', ["file"]],
    ["after an object constructor", '${ {a = 1}["a"] }${pathexpand("~")}', ["pathexpand"]],
    ["after a number", '${1 + abspath(".")}', ["abspath"]],
  ])("finds the call: %s", (_label, text, calls) => {
    const scan = scanTemplate(text);
    expect(scan.problems).toEqual([]);
    expect(scan.calls).toEqual(calls);
  });

  test("reports directives, heredocs and comments", () => {
    expect(scanTemplate("%{ if true }x%{ endif }")).toMatchObject({ directives: true, heredocs: false, comments: false });
    expect(scanTemplate("${<<EOT\nx\nEOT\n}")).toMatchObject({ directives: false, heredocs: true });
    expect(scanTemplate("${ a /* c */ }")).toMatchObject({ comments: true });
  });

  test("an attribute named like a function is not a call", () => {
    expect(scanTemplate("${aws_lambda_function.f.filename}")).toMatchObject({ calls: [], problems: [] });
  });

  test.each([
    ["an unterminated interpolation", "${file(\"/x\")"],
    ["an unterminated string in an expression", '${"abc}'],
    ["an unterminated block comment", "${ /* x }"],
    ["a line comment running to the end", "${ x # }"],
    ["an unterminated heredoc", "${<<EOT\n${file(\"/x\")}\n}"],
    ["a non-ASCII identifier character", "${fíle(\"/x\")}"],
    ["a control character", "${\u0007}"],
    ["a dangling ::", "${core::(\"x\")}"],
  ])("cannot analyze (and says so): %s", (_label, text) => {
    expect(scanTemplate(text).problems).toHaveLength(1);
  });
});
