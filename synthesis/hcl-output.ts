// HCL output for `npm run synth:hcl`, rendered by this project instead of
// cdktf 0.21's HCL printer.
//
// WHY. cdktf 0.21's printer (node_modules/cdktf/lib/hcl/render.js) writes
// invalid or non-equivalent HCL for constructs this project uses:
//   1. A multi-line string in an untyped attribute (the local-exec `command`
//      of the passive-IP restart) is printed as "..." with raw newlines:
//      invalid HCL.
//   2. A string that contains an interpolation is printed without escaping
//      its quotes or backslashes (escapeQuotes() gives up on any "${"): every
//      IAM policy built with JSON.stringify around a reference becomes
//      "{"Version":...}", invalid HCL.
//   3. Multi-line typed strings become <<EOF heredocs with a fixed delimiter:
//      the client's user_data contains its own `EOF` line (a here-document of
//      the ftp-smoke script), which ends the Terraform heredoc early. Heredocs
//      also always gain a trailing newline ("a\nb" and "a\nb\n" both print as
//      a\nb + newline, "a\n" prints as a + two newlines): user_data would
//      change, and with user_data_replace_on_change the instance be replaced.
//      CR LF line endings are silently turned into LF.
//   4. Untyped strings that look like integers are printed unquoted
//      (TIMEOUT_SECONDS = 900 instead of "900"), and untyped strings starting
//      with "{", "[" or '"' are printed raw, as if they were expressions.
//   5. `lifecycle { precondition = [{...}] }` is printed as an argument;
//      Terraform rejects it ("Did you mean to define a block of type
//      precondition?").
//   6. depends_on, provider and lifecycle.ignore_changes are printed as
//      quoted strings ("aws_x.y", "aws.service_owner", ["ami"]): Terraform
//      warns that quoted references are deprecated and will be removed.
//
// WHY NOT fix its text afterwards: the broken text has lost information. With
// unescaped quotes (2) nobody can tell where a string ends; after (4) "900"
// and 900 look the same; after (3) the original trailing newline is gone.
// WHY NOT an Aspect that pre-escapes values in HCL mode: the printer takes a
// different path per attribute kind (typed, untyped, map value, list item,
// meta-argument), each with its own partial escaping, so a value would have
// to be pre-mangled for the path it will take; (4) and (5) cannot be reached
// through values at all. And an Aspect would make the construct tree differ
// between the JSON and the HCL synth.
//
// WHAT. The JSON synthesis (stack.toTerraform(), the very document
// `npm run synth` writes to cdk.tf.json) is the source of truth; this module
// prints it in HCL native syntax. Every JSON string is already a Terraform
// template, and so is an HCL quoted string or heredoc: only the literal parts
// need HCL escapes, the ${...} and %{...} sequences are copied verbatim. One
// thing JSON does not say is whether an object is a nested block
// (health_check { ... }) or an object-valued argument (tags = { ... }): that
// is the provider schema's business, and cdktf's generated bindings carry it
// (every typed attribute in element.toHclTerraform() says isBlock). Those
// flags are collected per resource type and attribute path. Terraform's own
// meta-arguments (lifecycle, provisioner, connection, precondition, ...) are
// known here.
//
// The JSON output is untouched. Only the HCL path calls this (main.ts, after
// app.synth()): it overwrites each stack's cdk.tf that cdktf just wrote.
// Equivalence with the JSON synth is checked by __tests__/integration/hcl.test.ts
// (hcl2json round trip, `terraform validate`, `terraform fmt -check`).
import * as fs from "fs";
import * as path from "path";
import { App, DefaultTokenResolver, StringConcat, TerraformElement, TerraformStack, Tokenization } from "cdktf";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const INDENT = "  ";

/** Overwrites every stack's cdk.tf in the app's outdir with renderStackHcl(). Call after app.synth(). */
export function writeHclOutput(app: App): string[] {
  const written: string[] = [];
  for (const stack of app.node.children.filter(TerraformStack.isStack)) {
    const file = path.join(app.outdir, app.manifest.forStack(stack).synthesizedStackPath);
    fs.writeFileSync(file, renderStackHcl(stack));
    written.push(file);
  }
  return written;
}

/** The stack's JSON synthesis, printed as HCL native syntax. */
export function renderStackHcl(stack: TerraformStack): string {
  const document = stack.toTerraform() as JsonObject;
  return renderDocument(document, collectBlockPaths(stack));
}

// ---------------------------------------------------------------------------
// Which attribute paths are nested blocks, from cdktf's typed HCL attributes.
// Paths look like "resource.aws_lb_target_group.health_check",
// "provider.aws.default_tags", "resource.aws_instance.root_block_device".

const TOKEN_RESOLVER = new DefaultTokenResolver(new StringConcat());

function terraformElements(node: { node: { children: readonly unknown[] } }, into: TerraformElement[] = []): TerraformElement[] {
  if (TerraformElement.isTerraformElement(node)) into.push(node);
  for (const child of node.node.children) {
    if (TerraformStack.isStack(child)) continue; // a nested stack synthesizes on its own
    terraformElements(child as { node: { children: readonly unknown[] } }, into);
  }
  return into;
}

export function collectBlockPaths(stack: TerraformStack): Set<string> {
  const blocks = new Set<string>();
  for (const element of terraformElements(stack)) {
    const fragment = Tokenization.resolve(element.toHclTerraform(), {
      scope: stack,
      preparing: false,
      resolver: TOKEN_RESOLVER,
    }) as Record<string, unknown>;
    for (const kind of ["resource", "data"] as const) {
      for (const [type, byName] of Object.entries(asObject(fragment[kind]) ?? {})) {
        for (const body of Object.values(asObject(byName) ?? {})) walkTyped(body, `${kind}.${type}`, blocks);
      }
    }
    for (const [name, instances] of Object.entries(asObject(fragment.provider) ?? {})) {
      for (const body of Array.isArray(instances) ? instances : [instances]) walkTyped(body, `provider.${name}`, blocks);
    }
  }
  return blocks;
}

function walkTyped(body: unknown, prefix: string, blocks: Set<string>): void {
  for (const [key, attribute] of Object.entries(asObject(body) ?? {})) {
    const typed = asObject(attribute);
    if (!typed || !("value" in typed)) continue; // meta-arguments and raw overrides are untyped
    if (typed.isBlock !== true && typed.is_block !== true) continue;
    const blockPath = `${prefix}.${key}`;
    blocks.add(blockPath);
    const value = typed.value;
    for (const nested of Array.isArray(value) ? value : [value]) walkTyped(nested, blockPath, blocks);
  }
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

// ---------------------------------------------------------------------------
// Document structure.

/** One line of output, or a body item. */
type Item =
  | { readonly kind: "attribute"; readonly name: string; readonly value: (depth: number) => Rendered }
  | { readonly kind: "block"; readonly header: string; readonly body: Item[]; readonly comment?: string }
  | { readonly kind: "blank" };

/** A rendered expression: its first line goes after `name = `. */
interface Rendered {
  readonly text: string;
  /**
   * Whether `terraform fmt` aligns this argument's "=" with its neighbours:
   * single-line values and heredocs yes, bracketed multi-line values no.
   */
  readonly aligns: boolean;
}

const META_FIRST = ["count", "for_each", "provider"];
const SUPPORTED_TOP_LEVEL = new Set(["//", "terraform", "provider", "data", "resource", "output", "locals", "variable"]);

function renderDocument(document: JsonObject, blocks: Set<string>): string {
  for (const key of Object.keys(document)) {
    if (!SUPPORTED_TOP_LEVEL.has(key)) {
      throw new Error(`hcl-output: top-level "${key}" is not supported yet; extend synthesis/hcl-output.ts (JSON synth is unaffected)`);
    }
  }
  const items: Item[] = [];
  const add = (item: Item) => {
    if (items.length > 0) items.push({ kind: "blank" });
    items.push(item);
  };
  if (document.terraform !== undefined) add(terraformBlock(object(document.terraform, "terraform")));
  const locals = Object.entries(object(document.locals ?? {}, "locals"));
  if (locals.length > 0) add({ kind: "block", header: "locals", body: locals.map(([name, value]) => attribute(name, value)) });
  for (const [name, value] of Object.entries(object(document.variable ?? {}, "variable"))) {
    add({ kind: "block", header: `variable ${label(name)}`, body: variableBody(object(value, `variable.${name}`)) });
  }
  for (const [name, instances] of Object.entries(object(document.provider ?? {}, "provider"))) {
    for (const instance of Array.isArray(instances) ? instances : [instances]) {
      add({ kind: "block", header: `provider ${label(name)}`, body: providerBody(object(instance, `provider.${name}`), `provider.${name}`, blocks) });
    }
  }
  for (const kind of ["data", "resource"] as const) {
    for (const [type, byName] of Object.entries(object(document[kind] ?? {}, kind))) {
      for (const [name, value] of Object.entries(object(byName, `${kind}.${type}`))) {
        const content = object(value, `${kind}.${type}.${name}`);
        add({
          kind: "block",
          header: `${kind} ${label(type)} ${label(name)}`,
          body: resourceBody(content, `${kind}.${type}`, blocks),
          comment: constructPath(content),
        });
      }
    }
  }
  for (const [name, value] of Object.entries(object(document.output ?? {}, "output"))) {
    add({ kind: "block", header: `output ${label(name)}`, body: resourceBody(object(value, `output.${name}`), `output`, blocks) });
  }
  return `# Generated by \`npm run synth:hcl\` from the same constructs as cdk.tf.json. Do not edit.\n\n${renderItems(items, 0)}`;
}

function constructPath(content: JsonObject): string | undefined {
  const metadata = asObject(asObject(content["//"])?.metadata);
  return typeof metadata?.path === "string" && !/[\r\n]/.test(metadata.path) ? `construct: ${metadata.path}` : undefined;
}

function terraformBlock(terraform: JsonObject): Item {
  const attributes: Item[] = [];
  const blocksOut: Item[] = [];
  for (const [key, value] of Object.entries(terraform)) {
    if (key === "//") continue;
    if (key === "required_providers") {
      const providers = object(value, "terraform.required_providers");
      blocksOut.push({ kind: "block", header: "required_providers", body: Object.entries(providers).map(([name, v]) => attribute(name, v)) });
    } else if (key === "backend") {
      for (const [type, config] of Object.entries(object(value, "terraform.backend"))) {
        // Backend settings are all arguments (s3's assume_role = { ... } too).
        blocksOut.push({ kind: "block", header: `backend ${label(type)}`, body: attributesOf(object(config, `terraform.backend.${type}`)) });
      }
    } else if (key === "cloud") {
      const cloud = object(value, "terraform.cloud");
      const body: Item[] = [];
      const nested: Item[] = [];
      for (const [k, v] of Object.entries(cloud)) {
        if (k === "//") continue;
        if (k === "workspaces") nested.push(...blockItems("workspaces", v, "terraform.cloud.workspaces", attributesOf));
        else body.push(attribute(k, v));
      }
      blocksOut.push({ kind: "block", header: "cloud", body: joinGroups([body, nested]) });
    } else {
      attributes.push(attribute(key, value));
    }
  }
  return { kind: "block", header: "terraform", body: joinGroups([attributes, blocksOut]) };
}

function variableBody(variable: JsonObject): Item[] {
  const items: Item[] = [];
  const nested: Item[] = [];
  for (const [key, value] of Object.entries(variable)) {
    if (key === "//") continue;
    if (key === "type") items.push({ kind: "attribute", name: key, value: fixed(bare(keyword(value, "variable type", /^[\w(),\s[\]{}=]+$/))) });
    else if (key === "validation") nested.push(...blockItems("validation", value, "variable.validation", attributesOf));
    else items.push(attribute(key, value));
  }
  return joinGroups([items, nested]);
}

/** A resource, data source or output body: meta-arguments first, then arguments, blocks, depends_on, lifecycle, provisioners. */
function resourceBody(content: JsonObject, schemaPath: string, blocks: Set<string>): Item[] {
  const meta: Item[] = [];
  const rest: JsonObject = {};
  let dependsOn: Item[] = [];
  let lifecycle: Item[] = [];
  let provisioners: Item[] = [];
  let connection: Item[] = [];
  let conditions: Item[] = [];
  for (const [key, value] of Object.entries(content)) {
    if (key === "//") continue;
    if (key === "provider") meta.push({ kind: "attribute", name: key, value: fixed(bare(reference(value, "provider"))) });
    else if (META_FIRST.includes(key)) meta.push(attribute(key, value));
    else if (key === "depends_on") dependsOn = [{ kind: "attribute", name: key, value: (depth) => referenceList(value, "depends_on", depth) }];
    else if (key === "lifecycle") lifecycle = [lifecycleBlock(object(value, `${schemaPath}.lifecycle`))];
    else if (key === "provisioner") provisioners = provisionerBlocks(value, schemaPath);
    else if (key === "connection") connection = blockItems("connection", value, `${schemaPath}.connection`, attributesOf);
    else if (key === "precondition" || key === "postcondition") conditions = [...conditions, ...blockItems(key, value, schemaPath, attributesOf)];
    else if (key === "dynamic") throw new Error(`hcl-output: dynamic blocks (${schemaPath}) are not supported yet`);
    else rest[key] = value;
  }
  return joinGroups([meta, ...splitBody(rest, schemaPath, blocks), conditions, dependsOn, lifecycle, connection, provisioners]);
}

/** A provider configuration: alias first, then arguments, then blocks. */
function providerBody(content: JsonObject, schemaPath: string, blocks: Set<string>): Item[] {
  const { alias, ...rest } = content;
  const meta: Item[] = alias === undefined ? [] : [attribute("alias", alias)];
  return joinGroups([meta, ...splitBody(rest, schemaPath, blocks)]);
}

/** A nested body: arguments first, then blocks (each schema path decides). */
function body(content: JsonObject, schemaPath: string, blocks: Set<string>): Item[] {
  return joinGroups(splitBody(content, schemaPath, blocks));
}

function splitBody(content: JsonObject, schemaPath: string, blocks: Set<string>): [Item[], Item[]] {
  const attributes: Item[] = [];
  const nested: Item[] = [];
  for (const [key, value] of Object.entries(content)) {
    if (key === "//") continue;
    const childPath = `${schemaPath}.${key}`;
    if (key === "dynamic") throw new Error(`hcl-output: dynamic blocks (${schemaPath}) are not supported yet`);
    if (blocks.has(childPath)) nested.push(...blockItems(key, value, childPath, (c) => body(c, childPath, blocks)));
    else attributes.push(attribute(key, value));
  }
  return [attributes, nested];
}

function lifecycleBlock(lifecycle: JsonObject): Item {
  const items: Item[] = [];
  const conditions: Item[] = [];
  for (const [key, value] of Object.entries(lifecycle)) {
    if (key === "//") continue;
    if (key === "ignore_changes") {
      items.push({
        kind: "attribute",
        name: key,
        value: (depth) => (value === "all" ? bare("all") : referenceList(value, "lifecycle.ignore_changes", depth)),
      });
    } else if (key === "replace_triggered_by") {
      items.push({ kind: "attribute", name: key, value: (depth) => referenceList(value, "lifecycle.replace_triggered_by", depth) });
    } else if (key === "precondition" || key === "postcondition") {
      conditions.push(...blockItems(key, value, `lifecycle.${key}`, attributesOf));
    } else {
      items.push(attribute(key, value));
    }
  }
  return { kind: "block", header: "lifecycle", body: joinGroups([items, conditions]) };
}

function provisionerBlocks(value: Json, schemaPath: string): Item[] {
  const list = Array.isArray(value) ? value : [value];
  const out: Item[] = [];
  for (const entry of list) {
    for (const [type, config] of Object.entries(object(entry, `${schemaPath}.provisioner`))) {
      const attributes: Item[] = [];
      const nested: Item[] = [];
      for (const [key, v] of Object.entries(object(config, `${schemaPath}.provisioner.${type}`))) {
        if (key === "//") continue;
        if (key === "when" || key === "on_failure") {
          attributes.push({ kind: "attribute", name: key, value: fixed(bare(keyword(v, `provisioner ${key}`, /^[a-z_]+$/))) });
        } else if (key === "connection") {
          nested.push(...blockItems("connection", v, "provisioner.connection", attributesOf));
        } else {
          attributes.push(attribute(key, v));
        }
      }
      if (out.length > 0) out.push({ kind: "blank" });
      out.push({ kind: "block", header: `provisioner ${label(type)}`, body: joinGroups([attributes, nested]) });
    }
  }
  return out;
}

/** One block per object (a JSON object is one block; an array of objects, one each, in order). */
function blockItems(name: string, value: Json, where: string, bodyOf: (content: JsonObject) => Item[]): Item[] {
  if (value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((entry) => ({ kind: "block" as const, header: name, body: bodyOf(object(entry, where)) }));
}

function attributesOf(content: JsonObject): Item[] {
  return Object.entries(content)
    .filter(([key]) => key !== "//")
    .map(([key, value]) => attribute(key, value));
}

function joinGroups(groups: Item[][]): Item[] {
  const out: Item[] = [];
  for (const group of groups) {
    if (group.length === 0) continue;
    if (out.length > 0) out.push({ kind: "blank" });
    out.push(...group);
  }
  return out;
}

function attribute(name: string, value: Json): Item {
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) throw new Error(`hcl-output: "${name}" is not a valid argument name`);
  return { kind: "attribute", name, value: (depth) => expression(value, depth) };
}

function object(value: Json | undefined, where: string): JsonObject {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new Error(`hcl-output: expected an object at ${where}, got ${JSON.stringify(value)?.slice(0, 80)}`);
  }
  return value;
}

// ---------------------------------------------------------------------------
// References and keywords (Terraform JSON writes them as plain strings).

const TRAVERSAL = /^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*|\[[^\]\n]*\])*$/;

function reference(value: Json, where: string): string {
  if (typeof value !== "string") throw new Error(`hcl-output: expected a reference string for ${where}`);
  const unwrapped = singleInterpolation(value) ?? value;
  if (!TRAVERSAL.test(unwrapped)) throw new Error(`hcl-output: ${JSON.stringify(value)} is not a reference (${where})`);
  return unwrapped;
}

function referenceList(value: Json, where: string, depth: number): Rendered {
  if (!Array.isArray(value)) throw new Error(`hcl-output: expected a list of references for ${where}`);
  return list(value.map((entry) => bare(reference(entry, where))), depth);
}

function keyword(value: Json, where: string, pattern: RegExp): string {
  if (typeof value !== "string" || !pattern.test(value)) throw new Error(`hcl-output: unexpected ${where} ${JSON.stringify(value)}`);
  return value;
}

function bare(text: string): Rendered {
  return { text, aligns: true };
}

function fixed(rendered: Rendered): (depth: number) => Rendered {
  return () => rendered;
}

// ---------------------------------------------------------------------------
// Values.

/**
 * Renders a JSON value as an HCL expression that starts on a line indented
 * `depth` levels (continuation lines and the closing bracket are indented
 * from there). List items are never heredocs (a heredoc's closing marker must
 * stand alone on its line, so no "," could follow it).
 */
function expression(value: Json, depth: number, heredocAllowed = true): Rendered {
  if (value === null) return bare("null");
  if (typeof value === "boolean") return bare(String(value));
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`hcl-output: cannot print the number ${value}`);
    return bare(String(value));
  }
  if (typeof value === "string") return stringExpression(value, heredocAllowed);
  if (Array.isArray(value)) return list(value.map((entry) => expression(entry, depth + 1, false)), depth);
  return objectExpression(value, depth);
}

function list(entries: Rendered[], depth: number): Rendered {
  if (entries.length === 0) return bare("[]");
  const singleLine = entries.every((entry) => !entry.text.includes("\n"));
  const inline = `[${entries.map((entry) => entry.text).join(", ")}]`;
  if (singleLine && inline.length <= 100) return bare(inline);
  const pad = INDENT.repeat(depth);
  const lines = entries.map((entry) => `${pad}${INDENT}${entry.text},`);
  return { text: `[\n${lines.join("\n")}\n${pad}]`, aligns: false };
}

function objectExpression(value: JsonObject, depth: number): Rendered {
  const entries = Object.entries(value).filter(([key]) => key !== "//");
  if (entries.length === 0) return bare("{}");
  const items: Item[] = entries.map(([key, v]) => ({ kind: "attribute", name: objectKey(key), value: (d: number) => expression(v, d) }));
  const pad = INDENT.repeat(depth);
  return { text: `{\n${renderItems(items, depth + 1)}\n${pad}}`, aligns: false };
}

const KEYWORDS = new Set(["true", "false", "null", "for", "in", "if", "endif", "endfor", "else"]);

function objectKey(key: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) && !KEYWORDS.has(key)) return key;
  return quoted(splitTemplate(asJsonReadsIt(key)));
}

function label(text: string): string {
  return `"${escapeLiteral(text)}"`;
}

/**
 * A JSON string is a Terraform template. Printed as: a bare expression when
 * it is exactly one interpolation ("${aws_lb.x.arn}" -> aws_lb.x.arn, which
 * Terraform evaluates identically); a heredoc when it spans lines and ends
 * with a newline (readable scripts, no escaping inside); else a quoted string.
 */
export function stringExpression(json: string, heredocAllowed = true): Rendered {
  const value = asJsonReadsIt(json);
  const segments = splitTemplate(value);
  const single = singleInterpolationOf(segments);
  if (single !== undefined && !single.includes("\n")) return bare(single);
  if (heredocAllowed && value.includes("\n") && value.endsWith("\n") && !/[\x00-\x08\x0b-\x1f\x7f]/.test(value)) {
    const delimiter = heredocDelimiter(value);
    return { text: `<<${delimiter}\n${value}${delimiter}`, aligns: true };
  }
  return bare(quoted(segments));
}

/**
 * The template Terraform's JSON syntax reads from a JSON string, for printing
 * it in HCL. Terraform reads each JSON string as a bare template (hashicorp/hcl
 * json/structure.go: hclsyntax.ParseTemplate), whose scanner differs from an
 * HCL quoted string in two ways (seen with Terraform 1.11.4; regression cases
 * in __tests__/integration/literal-roundtrip.test.ts):
 *   - it skips one byte order mark (U+FEFF) at the start, as at the start of a
 *     file ("\ufeff${1+1}" reads as the number 2); inside an HCL file the mark
 *     is text, so it is dropped here;
 *   - it has no rule for a carriage return without a line feed
 *     (hclsyntax/scan_tokens.rl: StringLiteralChars excludes "\r", Newline is
 *     "\r"? "\n"): from there on the text is not read as a template should
 *     be ("$$${" stays "$$${", "${1+1}" is not evaluated), while after HCL's
 *     "\r" escape it is. No HCL spelling means the same, so such a string (one with a
 *     template or an escape after the CR) is refused.
 */
function asJsonReadsIt(json: string): string {
  if (/\r(?!\n)[\s\S]*[$%]\{/.test(json)) {
    throw new Error(`hcl-output: cannot print ${JSON.stringify(json.slice(0, 80))} with the meaning it has in JSON (a lone carriage return before a template or escape)`);
  }
  return json.startsWith("\ufeff") ? json.slice(1) : json;
}

/** A delimiter that no line of the content could be mistaken for (leading/trailing spaces included). */
function heredocDelimiter(content: string): string {
  const lines = new Set(content.split("\n").map((line) => line.trim()));
  let delimiter = "EOT";
  for (let n = 1; lines.has(delimiter); n++) delimiter = `EOT${n}`;
  return delimiter;
}

function quoted(segments: Segment[]): string {
  return `"${segments.map((segment) => (segment.kind === "literal" ? escapeLiteral(segment.text) : segment.text)).join("")}"`;
}

/** HCL quoted-string escapes for literal text (template sequences are handled by splitTemplate). */
function escapeLiteral(text: string): string {
  return text.replace(/[\\"\x00-\x1f\x7f]/g, (ch) => {
    switch (ch) {
      case "\\":
        return "\\\\";
      case '"':
        return '\\"';
      case "\n":
        return "\\n";
      case "\r":
        return "\\r";
      case "\t":
        return "\\t";
      default:
        return `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;
    }
  });
}

export interface Segment {
  /** literal: plain text (may hold the escapes $${ and %%{); template: a whole ${...} or %{...} sequence. */
  readonly kind: "literal" | "template";
  readonly text: string;
}

/** Splits a Terraform template into literal text and ${...} / %{...} sequences. */
export function splitTemplate(value: string): Segment[] {
  const segments: Segment[] = [];
  let literal = "";
  let i = 0;
  while (i < value.length) {
    if (value.startsWith("$${", i) || value.startsWith("%%{", i)) {
      literal += value.slice(i, i + 3);
      i += 3;
    } else if (value.startsWith("${", i) || value.startsWith("%{", i)) {
      const end = scanSequenceEnd(value, i + 2);
      if (literal) segments.push({ kind: "literal", text: literal });
      literal = "";
      segments.push({ kind: "template", text: value.slice(i, end) });
      i = end;
    } else {
      literal += value[i];
      i++;
    }
  }
  if (literal) segments.push({ kind: "literal", text: literal });
  return segments;
}

/** Index just past the "}" that closes a sequence whose content starts at `start`. */
function scanSequenceEnd(value: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < value.length) {
    const ch = value[i];
    if (ch === "{") depth++;
    else if (ch === "}") {
      if (depth === 0) return i + 1;
      depth--;
    } else if (ch === '"') {
      i = scanQuotedEnd(value, i + 1);
      continue;
    }
    i++;
  }
  throw new Error(`hcl-output: unterminated template sequence in ${JSON.stringify(value.slice(0, 120))}`);
}

/** Index just past the closing quote of an expression's string literal starting at `start`. */
function scanQuotedEnd(value: string, start: number): number {
  let i = start;
  while (i < value.length) {
    const ch = value[i];
    if (ch === "\\") i += 2;
    else if (ch === '"') return i + 1;
    else if (value.startsWith("$${", i) || value.startsWith("%%{", i)) i += 3;
    else if (value.startsWith("${", i) || value.startsWith("%{", i)) i = scanSequenceEnd(value, i + 2);
    else i++;
  }
  throw new Error(`hcl-output: unterminated string in expression ${JSON.stringify(value.slice(0, 120))}`);
}

function singleInterpolationOf(segments: Segment[]): string | undefined {
  if (segments.length !== 1 || segments[0].kind !== "template") return undefined;
  const text = segments[0].text;
  if (!text.startsWith("${") || text.startsWith("${~") || text.endsWith("~}")) return undefined;
  const inner = text.slice(2, -1).trim();
  return inner.length > 0 ? inner : undefined;
}

function singleInterpolation(value: string): string | undefined {
  return singleInterpolationOf(splitTemplate(value));
}

// ---------------------------------------------------------------------------
// Layout: two-space indentation, "=" aligned the way `terraform fmt` aligns
// it: over runs of consecutive arguments whose value fits on its line or is a
// heredoc (fmt sees a heredoc as part of its opening line, so the run goes on
// after the closing marker); a bracketed multi-line value ends the run
// without joining it, and so do blocks and blank lines.

function renderItems(items: Item[], depth: number): string {
  const pad = INDENT.repeat(depth);
  const out: string[] = [];
  let run: { name: string; value: Rendered }[] = [];
  const flush = () => {
    const width = Math.max(0, ...run.map((item) => item.name.length));
    for (const item of run) out.push(`${pad}${item.name.padEnd(width)} = ${item.value.text}`);
    run = [];
  };
  for (const item of items) {
    if (item.kind === "attribute") {
      const value = item.value(depth);
      if (value.aligns) {
        run.push({ name: item.name, value });
        continue;
      }
      flush();
      out.push(`${pad}${item.name} = ${value.text}`);
      continue;
    }
    flush();
    if (item.kind === "blank") {
      out.push("");
    } else {
      if (item.comment) out.push(`${pad}# ${item.comment}`);
      const inner = renderItems(item.body, depth + 1);
      out.push(inner ? `${pad}${item.header} {\n${inner}\n${pad}}` : `${pad}${item.header} {\n${pad}}`);
    }
  }
  flush();
  return out.join("\n");
}
