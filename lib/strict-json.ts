// Reading synthesized Terraform JSON the way Terraform reads it, but refusing
// what could make Terraform and a reader of the file disagree.
//
// Terraform's JSON syntax keeps every duplicate key: two "data" properties
// are two sets of data sources, both evaluated (hashicorp/hcl, json/spec.md:
// a block type may appear more than once). JSON.parse and jq keep only the
// last, so a check built on them does not see the first. This parser keeps
// every member (it reads with @humanwhocodes/momoa, the JSON AST parser that
// ESLint's JSON support and its no-duplicate-keys rule are built on), reports
// each duplicate with its JSON path, and, where both values are objects,
// merges them as Terraform merges repeated block types, so that a summary
// built on the value still sees everything. The bytes must be UTF-8 (read
// with a fatal decoder: Node's "utf8" would silently turn bad bytes into
// U+FFFD) and strict JSON (no BOM, comments or trailing commas).
import { parse, type AnyNode } from "@humanwhocodes/momoa";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface DuplicateKey {
  /** JSON path of the object holding the key, e.g. `$.resource`. */
  readonly path: string;
  readonly key: string;
}

export interface StrictJson {
  /** The document; undefined when it could not be parsed. */
  readonly value?: Json;
  /** Every key that occurs more than once in its object. */
  readonly duplicates: DuplicateKey[];
  /** Why the bytes are not strict JSON (empty when they are). */
  readonly errors: string[];
}

/** `$.resource.aws_lb["my name"]`: a JSON path a reader can follow. */
export function jsonPath(parent: string, key: string | number): string {
  if (typeof key === "number") return `${parent}[${key}]`;
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

export function parseStrictJson(bytes: Uint8Array | string): StrictJson {
  let text: string;
  if (typeof bytes === "string") text = bytes;
  else {
    try {
      text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch {
      return { duplicates: [], errors: ["not valid UTF-8"] };
    }
  }
  let root: AnyNode;
  try {
    root = parse(text, { mode: "json", ranges: false, tokens: false }).body;
  } catch (error) {
    return { duplicates: [], errors: [`not strict JSON: ${(error as Error).message}`] };
  }
  const duplicates: DuplicateKey[] = [];
  const value = toValue(root, "$", duplicates);
  return { value, duplicates, errors: [] };
}

function toValue(node: AnyNode, path: string, duplicates: DuplicateKey[]): Json {
  switch (node.type) {
    case "Object": {
      // A null-prototype object: a key named "__proto__" is a key like any other.
      const result = Object.create(null) as JsonObject;
      for (const member of node.members) {
        const key = member.name.type === "String" ? member.name.value : member.name.name;
        const value = toValue(member.value, jsonPath(path, key), duplicates);
        if (Object.prototype.hasOwnProperty.call(result, key)) {
          duplicates.push({ path, key });
          result[key] = merge(result[key], value);
        } else result[key] = value;
      }
      return result;
    }
    case "Array":
      return node.elements.map((element, index) => toValue(element.value, jsonPath(path, index), duplicates));
    case "String":
    case "Number":
    case "Boolean":
      return node.value;
    case "Null":
      return null;
    default:
      throw new Error(`unexpected JSON node ${node.type}`);
  }
}

/** Two values of one duplicated key: objects merged key by key; otherwise both kept, in a list. */
function merge(first: Json, second: Json): Json {
  if (isObject(first) && isObject(second)) {
    const result = Object.assign(Object.create(null) as JsonObject, first);
    for (const [key, value] of Object.entries(second)) {
      result[key] = Object.prototype.hasOwnProperty.call(result, key) ? merge(result[key], value) : value;
    }
    return result;
  }
  return [...(Array.isArray(first) ? first : [first]), ...(Array.isArray(second) ? second : [second])];
}

export function isObject(value: Json | undefined): value is JsonObject {
  return value !== null && value !== undefined && typeof value === "object" && !Array.isArray(value);
}
