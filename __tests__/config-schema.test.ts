// The config's JSON Schema (config/schema.json) and key reference
// (docs/configuration.md) are generated from the validator's own zod schema
// (scripts/config-reference.ts): both are in sync with it, the schema is
// valid draft-07 for a strict validator (ajv), accepts every shipped config,
// and refuses every bad config of support/bad-configs.ts that a JSON Schema
// can express; the ones it cannot are named, and it really accepts those.
import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv";
import { z } from "zod";
import { parseConfig } from "../config/load";
import { configSchema } from "../config/schema";
import { REFERENCE_BEGIN, REFERENCE_END, REFERENCE_FILE, referenceRows, renderJsonSchema, renderReference, SCHEMA_FILE } from "../scripts/config-reference";
import { BAD_CONFIGS } from "./support/bad-configs";
import { exampleWith, PROJECT_ROOT } from "./support/config";

const schemaText = fs.readFileSync(SCHEMA_FILE, "utf8");
const ajv = new Ajv({ allErrors: true, strict: true });
const validate = ajv.compile(JSON.parse(schemaText));

/** Every shipped config: config/example.json and examples/*.json. */
const SHIPPED = [
  "config/example.json",
  ...fs
    .readdirSync(path.join(PROJECT_ROOT, "examples"))
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => `examples/${name}`),
];

function schemaErrors(document: unknown): string[] {
  return validate(document) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "(root)"} ${e.message}`);
}

describe("config/schema.json", () => {
  test("is what `npm run config-reference` generates from config/schema.ts", () => {
    // On failure: run `npm run config-reference` and commit config/schema.json.
    expect(schemaText).toBe(renderJsonSchema());
  });

  test.each(SHIPPED)("%s: valid for the JSON Schema and the validator, and its $schema points at config/schema.json", (file) => {
    const document = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8"));
    expect(schemaErrors(document)).toEqual([]);
    expect(() => parseConfig(document, file)).not.toThrow();
    expect(path.resolve(path.dirname(path.join(PROJECT_ROOT, file)), document.$schema)).toBe(SCHEMA_FILE);
  });

  test("config/example.json keeps the documented defaults: no client instance (a copy-and-edit deploy creates none)", () => {
    const example = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "config", "example.json"), "utf8"));
    expect(example.consumer.client).toBeUndefined();
    const defaults = (JSON.parse(schemaText).properties.consumer.properties.client as { default: unknown }).default;
    expect(defaults).toEqual({ enabled: false, instanceType: "t3.micro" });
    expect(parseConfig(example).consumer.client).toEqual(defaults);
    // Every value the example states is the documented default, where the key has one.
    const provider = JSON.parse(schemaText).properties.provider.properties as Record<string, { default?: unknown }>;
    for (const [key, value] of Object.entries(example.provider as Record<string, unknown>)) {
      if (provider[key]?.default !== undefined) expect({ key, value }).toEqual({ key, value: provider[key].default });
    }
  });

  test("there is an example for every layout the README names", () => {
    expect(SHIPPED).toEqual(
      expect.arrayContaining([
        "examples/single-az.json",
        "examples/multi-az.json",
        "examples/consumer-endpoint.json",
        "examples/ftps-sftp.json",
        "examples/cross-account.json",
        "examples/hcp-terraform.json",
        "examples/lambda-restart.json",
      ]),
    );
  });

  describe.each(BAD_CONFIGS.filter((bad) => bad.name !== "malformed JSON"))("$name", (bad) => {
    const document = JSON.parse(bad.text);
    test("the validator refuses it", () => {
      expect(() => parseConfig(document, "bad.json")).toThrow(bad.problem);
    });
    if (bad.notInSchema === undefined) {
      test("the JSON Schema refuses it too", () => {
        expect(schemaErrors(document)).not.toEqual([]);
      });
    } else {
      test(`the JSON Schema cannot (${bad.notInSchema}), and accepts it`, () => {
        expect(schemaErrors(document)).toEqual([]);
      });
    }
  });

  test("rules the validator checks in code are in the schema as patterns: tags, IPs, CIDRs, the state folder", () => {
    expect(schemaErrors(exampleWith({ tags: { "aws:owner": "x" } }))).not.toEqual([]);
    expect(schemaErrors(exampleWith({ tags: { owner: "a".repeat(257) } }))).not.toEqual([]);
    expect(schemaErrors(exampleWith({ tags: { "Kostenstelle": "Zürich 42" } }))).toEqual([]);
    expect(schemaErrors(exampleWith({ provider: { nlbPrivateIp: "10.0.3.07" } }))).not.toEqual([]);
    expect(schemaErrors(exampleWith({ provider: { nlbPrivateIp: "10.0.3.255" } }))).toEqual([]); // the subnet check is the validator's
    expect(schemaErrors({ ...exampleWith(), backend: { type: "local", dir: "state/../../x" } })).not.toEqual([]);
    expect(schemaErrors({ ...exampleWith(), backend: { type: "local", dir: "C:state" } })).not.toEqual([]);
    expect(schemaErrors({ ...exampleWith(), backend: { type: "local", dir: "tf/state" } })).toEqual([]);
  });
});

/** Every key path of the zod schema: objects' keys, recursively (records and backends included). */
function keyPaths(schema: z.ZodTypeAny, prefix: string): string[] {
  let s = schema;
  for (;;) {
    if (s instanceof z.ZodDefault || s instanceof z.ZodOptional) s = s._def.innerType;
    else if (s instanceof z.ZodEffects) s = s._def.schema;
    else break;
  }
  if (s instanceof z.ZodDiscriminatedUnion) {
    return [...new Set((s.options as z.ZodObject<z.ZodRawShape>[]).flatMap((option) => keyPaths(option, prefix)))];
  }
  if (!(s instanceof z.ZodObject)) return [prefix];
  return Object.entries(s.shape as Record<string, z.ZodTypeAny>).flatMap(([key, child]) => {
    const childPath = prefix ? `${prefix}.${key}` : key;
    const nested = keyPaths(child, childPath);
    return nested[0] === childPath ? nested : [childPath, ...nested];
  });
}

describe("docs/configuration.md", () => {
  const page = fs.readFileSync(REFERENCE_FILE, "utf8");

  test("its key reference is what `npm run config-reference` generates", () => {
    // On failure: run `npm run config-reference` and commit docs/configuration.md.
    const begin = page.indexOf(REFERENCE_BEGIN);
    const end = page.indexOf(REFERENCE_END);
    expect(begin).toBeGreaterThanOrEqual(0);
    expect(page.slice(begin + REFERENCE_BEGIN.length, end).trim()).toBe(renderReference());
  });

  test("documents every key of the validator's schema, each with a meaning", () => {
    const documented = new Set(referenceRows().map((row) => row.key));
    const keys = keyPaths(configSchema, "");
    expect(keys.length).toBeGreaterThan(50);
    expect(keys.filter((key) => !documented.has(key))).toEqual([]);
    for (const key of keys) expect(page).toContain(`\`${key}\``);
    expect(referenceRows().filter((row) => row.meaning.trim() === "")).toEqual([]);
  });
});
