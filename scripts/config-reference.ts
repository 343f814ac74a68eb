// `npm run config-reference [-- --check]`: writes the config's JSON Schema
// (config/schema.json, for editors: completion and validation of a config
// file whose "$schema" points at it) and the key reference in
// docs/configuration.md, both from the one zod schema the validator uses
// (config/schema.ts): types, defaults, limits and patterns by
// zod-to-json-schema, the one-line meanings from each key's `.describe()`,
// and the rules the validator checks in code from the JSON Schema extras
// schema.ts attaches to them. --check writes nothing and exits 1 when either
// file differs (the unit test __tests__/config-schema.test.ts checks the same).
//
// What the JSON Schema cannot say (the validator still checks it): rules that
// relate two keys (crossFieldIssues in schema.ts: multi-AZ needs
// "control-connection", FTPS needs certificateArn, an nlbPrivateIp inside its
// subnet, ...), host bits in a CIDR block, duplicate entries reported by path,
// and the default of restartTimeoutSeconds that depends on restartResource.
import * as fs from "fs";
import * as path from "path";
import { zodToJsonSchema } from "zod-to-json-schema";
import { configSchema, jsonSchemaExtras } from "../config/schema";
import { projectRoot } from "../lib/project-root";

const ROOT = projectRoot();
export const SCHEMA_FILE = path.join(ROOT, "config", "schema.json");
export const REFERENCE_FILE = path.join(ROOT, "docs", "configuration.md");
export const REFERENCE_BEGIN = "<!-- config-reference: begin (generated from config/schema.ts by `npm run config-reference`; do not edit) -->";
export const REFERENCE_END = "<!-- config-reference: end -->";

type JsonSchema = {
  type?: string | string[];
  description?: string;
  $comment?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxProperties?: number;
  uniqueItems?: boolean;
  pattern?: string;
  not?: JsonSchema;
  errorMessage?: Record<string, string>;
};

function convert(errorMessages: boolean): JsonSchema {
  return zodToJsonSchema(configSchema, {
    target: "jsonSchema7",
    $refStrategy: "none",
    errorMessages,
    // Rules the validator checks in code, as JSON Schema (schema.ts withJsonSchema).
    postProcess: (jsonSchema, def) => {
      const extras = jsonSchemaExtras(def);
      return extras && jsonSchema ? ({ ...jsonSchema, ...extras } as typeof jsonSchema) : jsonSchema;
    },
  }) as JsonSchema;
}

/** The JSON Schema of the config (draft-07), as committed in config/schema.json. */
export function configJsonSchema(): Record<string, unknown> {
  const { $schema, ...rest } = convert(false) as JsonSchema & { $schema?: string };
  return { $schema, title: "transfer-privatelink-ftp configuration", ...rest };
}

export function renderJsonSchema(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

// ---------------------------------------------------------------------------
// The reference table.

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function code(value: unknown): string {
  return `\`${typeof value === "string" ? value : JSON.stringify(value)}\``;
}

/** "a VPC ID like ..." from the validator's own message "expected a VPC ID like ...". */
function fromMessage(message: string | undefined): string | undefined {
  return message?.replace(/^expected /, "");
}

function constraintsOf(node: JsonSchema): string[] {
  const parts: string[] = [];
  if (node.$comment) parts.push(node.$comment);
  else if (node.pattern) parts.push(fromMessage(node.errorMessage?.pattern) ?? `matching ${code(node.pattern)}`);
  if (node.minimum !== undefined && node.maximum !== undefined) parts.push(`${node.minimum}–${node.maximum}`);
  else if (node.minimum !== undefined) parts.push(`at least ${node.minimum}`);
  else if (node.maximum !== undefined) parts.push(`at most ${node.maximum}`);
  if (node.maxLength !== undefined && !node.pattern) parts.push(`at most ${node.maxLength} characters`);
  return parts;
}

function typeText(node: JsonSchema): string {
  if (node.const !== undefined) return code(node.const);
  if (node.enum) {
    if (node.enum.length > 25) return `${node.type ?? "string"}: one of ${node.enum.length} values (${node.$comment ?? "see config/schema.json"})`;
    return `one of ${node.enum.map(code).join(", ")}`;
  }
  const type = Array.isArray(node.type) ? node.type.join(" or ") : node.type;
  if (type === "array" && node.items) {
    const extras = [node.minItems ? `at least ${node.minItems}` : "", node.uniqueItems ? "no repeats" : ""].filter(Boolean);
    return `list of ${typeText(node.items)}${extras.length ? `; ${extras.join(", ")}` : ""}`;
  }
  if (type === "object" && !node.properties) {
    const key = node.propertyNames ? typeText({ type: "string", ...node.propertyNames }) : "string";
    const value = typeof node.additionalProperties === "object" ? typeText(node.additionalProperties) : "any";
    return `map: ${key} → ${value}${node.maxProperties !== undefined ? `; at most ${node.maxProperties} entries` : ""}`;
  }
  const constraints = constraintsOf(node);
  return `${type ?? "any"}${constraints.length ? `: ${constraints.join(", ")}` : ""}`;
}

interface Row {
  readonly key: string;
  readonly required: string;
  readonly type: string;
  readonly defaultValue: string;
  readonly meaning: string;
}

function isPlainObject(node: JsonSchema): boolean {
  return node.type === "object" && node.properties !== undefined;
}

function rowsOf(node: JsonSchema, prefix: string, requiredWhen: string, rows: Row[]): void {
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const key = prefix ? `${prefix}.${name}` : name;
    const required = node.required?.includes(name) ? requiredWhen : "no";
    if (child.anyOf) {
      // backend: one object per type; `type` picks it.
      const types = child.anyOf.map((variant) => variant.properties?.type?.const).filter((t): t is string => typeof t === "string");
      rows.push({ key, required, type: "object", defaultValue: "", meaning: child.description ?? "" });
      rows.push({
        key: `${key}.type`,
        required,
        type: `one of ${types.map(code).join(", ")}`,
        defaultValue: "",
        meaning: "Which of the forms below; the other keys depend on it",
      });
      for (const variant of child.anyOf) {
        const type = variant.properties?.type?.const as string;
        const { type: _typeKey, ...others } = variant.properties ?? {};
        rows.push({ key: `${key}.type: ${code(type)}`, required: "", type: "", defaultValue: "", meaning: variant.properties?.type?.description ?? "" });
        rowsOf({ ...variant, properties: others }, key, `with ${code(type)}`, rows);
      }
      continue;
    }
    if (isPlainObject(child)) {
      rows.push({ key, required, type: "object", defaultValue: "", meaning: child.description ?? "" });
      rowsOf(child, key, required === "no" ? `in ${code(key)}` : "yes", rows);
      continue;
    }
    rows.push({
      key,
      required,
      type: typeText(child),
      defaultValue: child.default !== undefined ? code(child.default) : "",
      meaning: child.description ?? "",
    });
  }
}

/** Every key of the config with its JSON path, as the reference lists it. */
export function referenceRows(): Row[] {
  const rows: Row[] = [];
  rowsOf(convert(true), "", "yes", rows);
  return rows;
}

/** The generated part of docs/configuration.md (between the markers). */
export function renderReference(): string {
  const lines = [
    "| Key | Required | Type and limits | Default | Meaning |",
    "| --- | --- | --- | --- | --- |",
    ...referenceRows().map((row) =>
      `| ${row.key.includes(": ") ? `↳ ${row.key.split(".type: ")[1]}` : code(row.key)} | ${cell(row.required)} | ${cell(row.type)} | ${cell(row.defaultValue)} | ${cell(row.meaning)} |`,
    ),
  ];
  return lines.join("\n");
}

/** docs/configuration.md with its generated block replaced. */
export function withReference(page: string): string {
  const begin = page.indexOf(REFERENCE_BEGIN);
  const end = page.indexOf(REFERENCE_END);
  if (begin < 0 || end < begin) throw new Error(`${path.relative(ROOT, REFERENCE_FILE)}: markers ${REFERENCE_BEGIN} ... ${REFERENCE_END} not found`);
  return `${page.slice(0, begin + REFERENCE_BEGIN.length)}\n${renderReference()}\n${page.slice(end)}`;
}

function main(argv: readonly string[]): number {
  const check = argv.includes("--check");
  const unknown = argv.filter((arg) => arg !== "--check");
  const help = argv.includes("--help") || argv.includes("-h");
  if (help || unknown.length > 0) {
    const usage =
      "usage: npm run config-reference [-- --check]\n" +
      "  writes config/schema.json and the key reference in docs/configuration.md from config/schema.ts\n" +
      "  --check  write nothing; exit 1 if either file differs";
    if (help) process.stdout.write(`${usage}\n`);
    else process.stderr.write(`${usage}\nconfig-reference: unknown argument ${JSON.stringify(unknown[0])}\n`);
    return help ? 0 : 2;
  }
  const outputs: [string, string][] = [
    [SCHEMA_FILE, renderJsonSchema()],
    [REFERENCE_FILE, withReference(fs.readFileSync(REFERENCE_FILE, "utf8"))],
  ];
  let stale = 0;
  for (const [file, text] of outputs) {
    const name = path.relative(ROOT, file);
    const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    if (current === text) continue;
    if (check) {
      process.stderr.write(`config-reference: ${name} is out of date with config/schema.ts: run \`npm run config-reference\` and commit it\n`);
      stale++;
    } else {
      fs.writeFileSync(file, text);
      process.stdout.write(`config-reference: wrote ${name}\n`);
    }
  }
  return stale > 0 ? 1 : 0;
}

if (process.argv[1]?.endsWith(path.join("scripts", "config-reference.ts"))) process.exitCode = main(process.argv.slice(2));
