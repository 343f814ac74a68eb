// The review summary of the synthesized stacks (`npm run plan-summary`): what a
// reviewer checks in a PR, read from cdktf.out/stacks/*/cdk.tf.json and
// printed as Markdown. It is not a Terraform plan; values that exist only
// after apply are shown as the Terraform expressions the JSON holds.
//
// In the pull-request workflow the JSON is the pull request's output: data
// from code under review. So:
//   - it is read as Terraform reads it, by the gate's strict parser
//     (lib/strict-json.ts): duplicate keys are merged as Terraform merges
//     them, never dropped, and listed;
//   - what it cannot summarize faithfully (duplicate keys, array-form blocks,
//     `dynamic` blocks, count/for_each, a discriminator such as a rule's
//     `type` that is an expression, a flag that is not a literal) is counted
//     and listed under "Not summarized", never skipped in silence;
//   - the gate's verdict (`npm run check-stacks`, lib/stack-gate.ts) heads
//     the summary, with every reason it refused;
//   - every string taken from the JSON (names, types, keys, expressions,
//     descriptions, the backend type, even the stack folder's name) is
//     written as a code span, in which Markdown and HTML are plain text:
//     `<!--`, `</details>`, `**`, links, line breaks (control and
//     bidirectional characters are shown as \u escapes), with a backtick
//     fence longer than any backtick run inside, and pipes escaped in tables.
//
// Pure functions over the parsed JSON (summarizeStack, renderMarkdown) plus a
// small CLI (runPlanSummary). The output holds no dates or machine paths, so a
// PR comment built from it changes only when the configuration does.
import * as fs from "fs";
import * as path from "path";
import { ALLOW_LIST, printable } from "./check-stacks-command";
import { checkSynthOutput, GateResult } from "../lib/stack-gate";
import { DuplicateKey, isObject, Json, JsonObject, jsonPath, parseStrictJson } from "../lib/strict-json";

export type { Json, JsonObject } from "../lib/strict-json";

export interface SynthesizedStack {
  readonly name: string;
  /** The parsed document, duplicates merged ({} when it could not be parsed). */
  readonly document: JsonObject;
  /** Duplicate keys the strict parser found (Terraform reads every copy). */
  readonly duplicates?: DuplicateKey[];
  /** Why the file could not be parsed. */
  readonly errors?: string[];
}

export interface BackendSummary {
  /** local, s3, cloud, ... */
  readonly type: string;
  /** Where the state lives, in words: a path, bucket/key, organization/workspace. */
  readonly detail: string;
}

/** A flag from the JSON: a literal boolean, or the non-literal value as written. */
export type Flag = boolean | string;

export interface ListenerSummary {
  readonly address: string;
  readonly port: number | string;
  readonly protocol: string;
  readonly targetGroup?: string;
  readonly targetGroupPort?: number | string;
  readonly healthCheck?: string;
}

export interface TransferServerSummary {
  readonly address: string;
  readonly name: string;
  readonly protocols: string[];
  readonly endpointType: string;
  /** The literal passive IP, or the Terraform expression; "AUTO (default)" when unset. */
  readonly passiveIp: string;
}

export interface LoadBalancerSummary {
  readonly address: string;
  readonly name: string;
  readonly type: string;
  readonly internal: Flag;
  readonly crossZone: Flag;
  /** "subnet-... = 10.0.3.119" for pinned addresses, else subnet IDs. */
  readonly placement: string[];
}

export interface EndpointServiceSummary {
  readonly address: string;
  readonly name: string;
  readonly acceptanceRequired: Flag;
  readonly allowedPrincipals: string[];
}

export interface IngressRuleSummary {
  readonly address: string;
  /** The security group's name (or the expression when it cannot be resolved). */
  readonly group: string;
  readonly protocol: string;
  /** "21", "8192-8200", "all". */
  readonly ports: string;
  /** A CIDR, "security group NAME", a prefix list, ... */
  readonly source: string;
  readonly description: string;
}

export interface RestartSummary {
  readonly address: string;
  readonly type: string;
  /** Trigger name -> value (literal or expression), sorted by name. */
  readonly triggers: [string, string][];
  readonly provisioners: string[];
}

export interface OutputSummary {
  readonly name: string;
  readonly description: string;
  readonly value: string;
  readonly sensitive: Flag;
}

/** Something in the JSON the summary could not show faithfully. */
export interface NotSummarized {
  /** JSON path in cdk.tf.json. */
  readonly path: string;
  readonly why: string;
}

export interface StackSummary {
  readonly name: string;
  readonly backend: BackendSummary;
  /** [type, count], sorted by type. */
  readonly resourceCounts: [string, number][];
  readonly resourceTotal: number;
  /** Addresses (data.TYPE.NAME), sorted. */
  readonly dataSources: string[];
  readonly listeners: ListenerSummary[];
  readonly transferServers: TransferServerSummary[];
  readonly loadBalancers: LoadBalancerSummary[];
  readonly endpointServices: EndpointServiceSummary[];
  readonly ingressRules: IngressRuleSummary[];
  readonly restarts: RestartSummary[];
  readonly outputs: OutputSummary[];
  readonly notSummarized: NotSummarized[];
}

// ---------------------------------------------------------------------------
// Reading.

/**
 * The stacks under `<dir>/stacks/*\/cdk.tf.json`, dependencies first (from
 * manifest.json when present), then by name. Read with the strict parser.
 */
export function readSynthesizedStacks(dir: string): SynthesizedStack[] {
  const stacksDir = path.join(dir, "stacks");
  if (!fs.existsSync(stacksDir)) return [];
  const names = fs
    .readdirSync(stacksDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(stacksDir, entry.name, "cdk.tf.json")))
    .map((entry) => entry.name)
    .sort();
  const dependencies = new Map<string, string[]>();
  const manifestFile = path.join(dir, "manifest.json");
  const manifest = fs.existsSync(manifestFile) ? parseStrictJson(fs.readFileSync(manifestFile)).value : undefined;
  const manifestStacks = isObject(manifest) && isObject(manifest.stacks) ? manifest.stacks : {};
  for (const [name, entry] of Object.entries(manifestStacks)) {
    const listed = isObject(entry) && Array.isArray(entry.dependencies) ? entry.dependencies.filter((d): d is string => typeof d === "string") : [];
    dependencies.set(name, listed);
  }
  const ordered: string[] = [];
  const visit = (name: string, seen: Set<string>) => {
    if (ordered.includes(name) || seen.has(name) || !names.includes(name)) return;
    seen.add(name);
    for (const dependency of [...(dependencies.get(name) ?? [])].sort()) visit(dependency, seen);
    ordered.push(name);
  };
  for (const name of names) visit(name, new Set());
  return ordered.map((name) => {
    const parsed = parseStrictJson(fs.readFileSync(path.join(stacksDir, name, "cdk.tf.json")));
    return { name, document: isObject(parsed.value) ? parsed.value : {}, duplicates: parsed.duplicates, errors: parsed.errors };
  });
}

// ---------------------------------------------------------------------------
// Normalizing: the block maps as Terraform sees them.

interface Normalized {
  /** type -> name -> body */
  readonly resource: Map<string, Map<string, JsonObject>>;
  readonly data: Map<string, Map<string, JsonObject>>;
  readonly notes: NotSummarized[];
}

/**
 * Terraform's JSON syntax accepts a block map as an object or as an array of
 * objects (hashicorp/hcl json/spec.md, "Blocks"); both are read here, and an
 * array is noted, since the project never writes one.
 */
function entriesOf(value: Json | undefined, at: string, notes: NotSummarized[]): [string, Json, string][] {
  if (value === undefined || value === null) return [];
  if (isObject(value)) return Object.entries(value).filter(([key]) => key !== "//").map(([key, child]) => [key, child, jsonPath(at, key)]);
  if (Array.isArray(value)) {
    notes.push({ path: at, why: "an array-form block (read, but the project never writes one)" });
    return value.flatMap((item, index) => entriesOf(item, jsonPath(at, index), notes));
  }
  notes.push({ path: at, why: `a ${typeof value} where blocks were expected` });
  return [];
}

function normalize(document: JsonObject): Normalized {
  const notes: NotSummarized[] = [];
  const read = (kind: "resource" | "data") => {
    const byType = new Map<string, Map<string, JsonObject>>();
    for (const [type, byName, typePath] of entriesOf(document[kind], `$.${kind}`, notes)) {
      const names = byType.get(type) ?? new Map<string, JsonObject>();
      for (const [name, body, bodyPath] of entriesOf(byName, typePath, notes)) {
        const blocks = Array.isArray(body) ? body : [body];
        if (Array.isArray(body)) notes.push({ path: bodyPath, why: "an array-form block (read, but the project never writes one)" });
        for (const item of blocks) {
          if (!isObject(item)) {
            notes.push({ path: bodyPath, why: "a block body that is not an object" });
            continue;
          }
          if (names.has(name)) notes.push({ path: bodyPath, why: "the same address twice" });
          names.set(name, item);
          noteDynamicAndRepetition(item, bodyPath, notes);
        }
      }
      byType.set(type, names);
    }
    return byType;
  };
  return { resource: read("resource"), data: read("data"), notes };
}

/** `dynamic` blocks anywhere in a body, and count/for_each (one block, many instances). */
function noteDynamicAndRepetition(body: JsonObject, at: string, notes: NotSummarized[]): void {
  for (const meta of ["count", "for_each"]) {
    if (body[meta] !== undefined) notes.push({ path: jsonPath(at, meta), why: `${meta}: one block, a number of instances known only to Terraform (counted as one)` });
  }
  const walk = (value: Json, where: string) => {
    if (Array.isArray(value)) value.forEach((item, index) => walk(item, jsonPath(where, index)));
    else if (isObject(value)) {
      for (const [key, child] of Object.entries(value)) {
        if (key === "dynamic" && isObject(child)) {
          notes.push({ path: jsonPath(where, key), why: `dynamic block${Object.keys(child).length === 1 ? "" : "s"} (${Object.keys(child).join(", ")}): generated by Terraform, not summarized` });
        }
        walk(child, jsonPath(where, key));
      }
    }
  };
  walk(body, at);
}

// ---------------------------------------------------------------------------
// Summarizing.

function objectAt(value: Json | undefined): JsonObject {
  return isObject(value) ? value : {};
}

/** A single nested block: JSON writes it as an object or as a one-element list. */
function block(value: Json | undefined): JsonObject | undefined {
  if (Array.isArray(value)) return isObject(value[0]) ? value[0] : undefined;
  return isObject(value) ? value : undefined;
}

function blocks(value: Json | undefined): JsonObject[] {
  if (Array.isArray(value)) return value.filter(isObject);
  return isObject(value) ? [value] : [];
}

function text(value: Json | undefined): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** A boolean argument: the literal, else the value as written (an expression), else the default. */
function flag(value: Json | undefined, fallback: boolean): Flag {
  if (value === undefined || value === null) return fallback;
  return typeof value === "boolean" ? value : text(value);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function resourcesOf(normalized: Normalized, type: string): [string, JsonObject][] {
  return [...(normalized.resource.get(type) ?? new Map<string, JsonObject>()).entries()].sort(([a], [b]) => compare(a, b));
}

/** `${aws_lb_target_group.x.arn}` -> ["aws_lb_target_group", "x", "arn"]. */
function parseReference(value: Json | undefined): { type: string; name: string; attribute: string } | undefined {
  if (typeof value !== "string") return undefined;
  const match = /^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)\}$/.exec(value);
  return match ? { type: match[1], name: match[2], attribute: match[3] } : undefined;
}

/** A resource's human name: its `name` argument, else its Name tag, else its logical ID. */
function displayName(resource: JsonObject, logicalId: string): string {
  if (typeof resource.name === "string") return resource.name;
  const tag = objectAt(resource.tags).Name;
  return typeof tag === "string" ? tag : logicalId;
}

/** The name of the resource a `${type.name.attr}` expression points at, or the expression. */
function referencedName(normalized: Normalized, value: Json | undefined): string {
  const ref = parseReference(value);
  const target = ref ? normalized.resource.get(ref.type)?.get(ref.name) : undefined;
  return target && ref ? displayName(target, ref.name) : text(value);
}

function backendOf(document: JsonObject): BackendSummary {
  const terraform = objectAt(document.terraform);
  if (isObject(terraform.cloud)) {
    const cloud = terraform.cloud;
    const workspaces = objectAt(block(cloud.workspaces));
    const where = workspaces.name !== undefined ? `workspace ${text(workspaces.name)}` : `workspaces tagged ${text(workspaces.tags)}`;
    return { type: "cloud", detail: `${text(cloud.hostname) || "app.terraform.io"}, organization ${text(cloud.organization)}, ${where}` };
  }
  const backends = Object.entries(objectAt(terraform.backend));
  const [type, config] = backends[0] ?? [];
  if (!type) return { type: "local (cdktf default)", detail: "terraform.tfstate in the stack folder" };
  const settings = objectAt(config);
  const more = backends.length > 1 ? ` (and ${backends.length - 1} more backend blocks: ${backends.slice(1).map(([t]) => t).join(", ")})` : "";
  switch (type) {
    case "local":
      return { type, detail: `${text(settings.path) || "terraform.tfstate"}${more}` };
    case "s3":
      return { type, detail: `s3://${text(settings.bucket)}/${text(settings.key)} (${text(settings.region)})${more}` };
    case "remote": {
      const workspaces = objectAt(block(settings.workspaces));
      return { type, detail: `${text(settings.hostname) || "app.terraform.io"}, organization ${text(settings.organization)}, workspace ${text(workspaces.name)}${more}` };
    }
    default:
      return { type, detail: `${Object.keys(settings).sort().map((key) => `${key} = ${text(settings[key])}`).join(", ")}${more}` };
  }
}

function portRange(from: Json | undefined, to: Json | undefined, protocol: string): string {
  if (protocol === "-1" || protocol === "all") return "all";
  if (from === undefined && to === undefined) return "all";
  return from === to || to === undefined ? text(from) : `${text(from)}-${text(to)}`;
}

function ingressRulesOf(normalized: Normalized, notes: NotSummarized[]): IngressRuleSummary[] {
  const rules: IngressRuleSummary[] = [];
  const source = (rule: JsonObject): string => {
    if (rule.cidr_ipv4 !== undefined) return text(rule.cidr_ipv4);
    if (rule.cidr_ipv6 !== undefined) return text(rule.cidr_ipv6);
    if (rule.referenced_security_group_id !== undefined) return `security group ${referencedName(normalized, rule.referenced_security_group_id)}`;
    if (rule.source_security_group_id !== undefined) return `security group ${referencedName(normalized, rule.source_security_group_id)}`;
    if (rule.prefix_list_id !== undefined) return `prefix list ${text(rule.prefix_list_id)}`;
    const cidrs = [...(Array.isArray(rule.cidr_blocks) ? rule.cidr_blocks : []), ...(Array.isArray(rule.ipv6_cidr_blocks) ? rule.ipv6_cidr_blocks : [])];
    if (cidrs.length > 0) return cidrs.map(text).join(", ");
    if (Array.isArray(rule.security_groups) && rule.security_groups.length > 0) {
      return rule.security_groups.map((group) => `security group ${referencedName(normalized, group)}`).join(", ");
    }
    if (rule.self === true) return "itself";
    return "(none)";
  };
  for (const [id, rule] of resourcesOf(normalized, "aws_vpc_security_group_ingress_rule")) {
    const protocol = text(rule.ip_protocol);
    rules.push({
      address: `aws_vpc_security_group_ingress_rule.${id}`,
      group: referencedName(normalized, rule.security_group_id),
      protocol,
      ports: portRange(rule.from_port, rule.to_port, protocol),
      source: source(rule),
      description: text(rule.description),
    });
  }
  for (const [id, rule] of resourcesOf(normalized, "aws_security_group_rule")) {
    // The rule's type decides whether it is ingress: only a literal can be read.
    if (rule.type === "egress") continue;
    if (rule.type !== "ingress") {
      notes.push({ path: `$.resource.aws_security_group_rule${jsonPath("", id)}.type`, why: `a rule whose type is ${JSON.stringify(text(rule.type))}, not the literal "ingress" or "egress": Terraform decides at plan time` });
      continue;
    }
    const protocol = text(rule.protocol);
    rules.push({
      address: `aws_security_group_rule.${id}`,
      group: referencedName(normalized, rule.security_group_id),
      protocol,
      ports: portRange(rule.from_port, rule.to_port, protocol),
      source: source(rule),
      description: text(rule.description),
    });
  }
  for (const [id, group] of resourcesOf(normalized, "aws_security_group")) {
    if (group.ingress !== undefined && !Array.isArray(group.ingress) && !isObject(group.ingress)) {
      notes.push({ path: `$.resource.aws_security_group${jsonPath("", id)}.ingress`, why: "ingress rules given as an expression" });
    }
    for (const rule of blocks(group.ingress)) {
      const protocol = text(rule.protocol);
      rules.push({
        address: `aws_security_group.${id}`,
        group: displayName(group, id),
        protocol,
        ports: portRange(rule.from_port, rule.to_port, protocol),
        source: source(rule),
        description: text(rule.description),
      });
    }
  }
  // By group, then by source, then by the lowest port: stable and easy to scan.
  const firstPort = (ports: string) => (/^\d+/.test(ports) ? Number(/^\d+/.exec(ports)![0]) : -1);
  return rules.sort(
    (a, b) => compare(a.group, b.group) || compare(a.source, b.source) || firstPort(a.ports) - firstPort(b.ports) || compare(a.address, b.address),
  );
}

function listenersOf(normalized: Normalized, notes: NotSummarized[]): ListenerSummary[] {
  const listeners: ListenerSummary[] = [];
  for (const [id, listener] of resourcesOf(normalized, "aws_lb_listener")) {
    const actions = blocks(listener.default_action);
    for (const [index, action] of actions.entries()) {
      if (typeof action.type === "string" && action.type.includes("${")) {
        notes.push({ path: `$.resource.aws_lb_listener${jsonPath("", id)}.default_action[${index}].type`, why: `an action type that is an expression (${JSON.stringify(action.type)})` });
      }
    }
    const action = actions.find((a) => a.type === "forward" || a.target_group_arn !== undefined);
    const ref = parseReference(action?.target_group_arn);
    const group = ref && ref.type === "aws_lb_target_group" ? normalized.resource.get("aws_lb_target_group")?.get(ref.name) : undefined;
    const health = group ? block(group.health_check) : undefined;
    listeners.push({
      address: `aws_lb_listener.${id}`,
      port: typeof listener.port === "number" ? listener.port : text(listener.port),
      protocol: text(listener.protocol),
      targetGroup: group && ref ? displayName(group, ref.name) : action?.target_group_arn !== undefined ? text(action.target_group_arn) : undefined,
      targetGroupPort: group ? (typeof group.port === "number" ? group.port : text(group.port)) : undefined,
      // The provider's default health check is the traffic port.
      healthCheck: group ? `${text(health?.protocol) || text(group.protocol)} ${text(health?.port) || "traffic-port"}` : undefined,
    });
  }
  const portNumber = (port: number | string) => (typeof port === "number" ? port : Number.MAX_SAFE_INTEGER);
  return listeners.sort((a, b) => portNumber(a.port) - portNumber(b.port) || compare(a.address, b.address));
}

export function summarizeStack(stack: SynthesizedStack): StackSummary {
  const { document } = stack;
  const normalized = normalize(document);
  const notes: NotSummarized[] = [
    ...(stack.errors ?? []).map((error) => ({ path: "$", why: `cdk.tf.json could not be read: ${error}` })),
    ...(stack.duplicates ?? []).map(({ path: at, key }) => ({ path: jsonPath(at, key), why: "a duplicate key: Terraform reads every copy (merged here)" })),
    ...normalized.notes,
  ];
  const resourceCounts = [...normalized.resource.entries()]
    .map(([type, byName]): [string, number] => [type, byName.size])
    .filter(([, count]) => count > 0)
    .sort(([a], [b]) => compare(a, b));
  const dataSources = [...normalized.data.entries()].flatMap(([type, byName]) => [...byName.keys()].map((name) => `data.${type}.${name}`)).sort(compare);

  const transferServers = resourcesOf(normalized, "aws_transfer_server").map(([id, server]): TransferServerSummary => {
    const details = block(server.protocol_details);
    return {
      address: `aws_transfer_server.${id}`,
      name: displayName(server, id),
      protocols: Array.isArray(server.protocols) ? server.protocols.map(text) : server.protocols !== undefined ? [text(server.protocols)] : ["SFTP (default)"],
      endpointType: text(server.endpoint_type) || "PUBLIC (default)",
      passiveIp: details?.passive_ip !== undefined ? text(details.passive_ip) : "AUTO (default)",
    };
  });

  const loadBalancers = resourcesOf(normalized, "aws_lb").map(([id, lb]): LoadBalancerSummary => {
    const type = text(lb.load_balancer_type) || "application";
    const mappings = blocks(lb.subnet_mapping);
    return {
      address: `aws_lb.${id}`,
      name: displayName(lb, id),
      type,
      internal: flag(lb.internal, false),
      // Cross-zone is on by default for ALBs, off for NLBs.
      crossZone: flag(lb.enable_cross_zone_load_balancing, type === "application"),
      placement:
        mappings.length > 0
          ? mappings.map((m) => (m.private_ipv4_address !== undefined ? `${text(m.subnet_id)} = ${text(m.private_ipv4_address)}` : text(m.subnet_id)))
          : Array.isArray(lb.subnets)
            ? lb.subnets.map(text)
            : lb.subnets !== undefined
              ? [text(lb.subnets)]
              : [],
    };
  });

  const endpointServices = resourcesOf(normalized, "aws_vpc_endpoint_service").map(([id, service]): EndpointServiceSummary => ({
    address: `aws_vpc_endpoint_service.${id}`,
    name: displayName(service, id),
    acceptanceRequired: flag(service.acceptance_required, false),
    allowedPrincipals: Array.isArray(service.allowed_principals)
      ? service.allowed_principals.map(text)
      : service.allowed_principals !== undefined
        ? [text(service.allowed_principals)]
        : [],
  }));

  const restarts: RestartSummary[] = [];
  // aws_lambda_invocation: provider.restartResource "lambda" (runs on create and when its triggers change).
  for (const type of ["null_resource", "terraform_data", "aws_lambda_invocation"]) {
    for (const [id, resource] of resourcesOf(normalized, type)) {
      const triggers = objectAt(type === "terraform_data" ? resource.triggers_replace : resource.triggers);
      restarts.push({
        address: `${type}.${id}`,
        type,
        triggers: Object.keys(triggers)
          .sort(compare)
          .map((key): [string, string] => [key, text(triggers[key])]),
        provisioners: type === "aws_lambda_invocation" ? [`invokes ${text(resource.function_name)}`] : blocks(resource.provisioner).flatMap((p) => Object.keys(p)),
      });
    }
  }

  const outputs = entriesOf(document.output, "$.output", notes)
    .sort(([a], [b]) => compare(a, b))
    .map(([name, output]): OutputSummary => {
      const body = objectAt(output);
      return { name, description: text(body.description), value: text(body.value), sensitive: flag(body.sensitive, false) };
    });

  return {
    name: stack.name,
    backend: backendOf(document),
    resourceCounts,
    resourceTotal: resourceCounts.reduce((sum, [, count]) => sum + count, 0),
    dataSources,
    listeners: listenersOf(normalized, notes),
    transferServers,
    loadBalancers,
    endpointServices,
    ingressRules: ingressRulesOf(normalized, notes),
    restarts,
    outputs,
    notSummarized: notes,
  };
}

// ---------------------------------------------------------------------------
// Markdown. Every string that comes from the JSON goes through code() or
// cellCode(); the rest is this file's own text.

/**
 * Characters shown as \u escapes: the line endings CommonMark knows (LF, CR),
 * every other C0/C1 control, Unicode line/paragraph separators, and the
 * bidirectional controls that can make text display in another order.
 */
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

function visible(value: string): string {
  return value.replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * A code span holding exactly `value`: the fence is one backtick longer than
 * the longest run inside, and a value that starts or ends with a backtick or
 * a space gets one space of padding on each side (CommonMark strips exactly
 * one from each side when both are there). Inside a code span nothing is
 * Markdown or HTML (CommonMark 0.31.2, "Code spans").
 */
export function code(value: string): string {
  if (value === "") return "_(empty)_";
  const shown = visible(value);
  const fence = "`".repeat(Math.max(1, ...[...shown.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  const pad = /^[ `]|[ `]$/.test(shown) ? " " : "";
  return `${fence}${pad}${shown}${pad}${fence}`;
}

/**
 * A code span for a table cell. GFM splits a row at every pipe not escaped by
 * a backslash, even inside code spans, and renders `\|` there as `|` (GFM
 * spec, "Tables"); renderers disagree on `\\|` (cmark-gfm reads an escaped
 * backslash, then a cell boundary), so a backslash right before a pipe is
 * shown as the text \u005c and every pipe gets exactly one backslash.
 */
function cellCode(value: string): string {
  if (value === "") return code(value);
  return code(value.replace(/\\(?=\|)/g, "\\u005c")).replace(/\|/g, "\\|");
}

function table(header: string[], align: ("l" | "r")[], rows: string[][]): string[] {
  return [
    `| ${header.join(" | ")} |`,
    `|${align.map((a) => (a === "r" ? "---:" : "---")).join("|")}|`,
    ...rows.map((row) => `| ${row.join(" | ")} |`),
  ];
}

function yesNo(value: Flag): string {
  return typeof value === "boolean" ? (value ? "yes" : "no") : `${cellCode(value)} (not a literal)`;
}

function numberCell(value: number | string): string {
  return typeof value === "number" ? String(value) : cellCode(value);
}

export function renderStack(summary: StackSummary): string[] {
  const lines: string[] = [`## Stack ${code(summary.name)}`, ""];
  lines.push(`**Backend:** ${code(summary.backend.type)} (${code(summary.backend.detail)})`, "");

  if (summary.notSummarized.length > 0) {
    lines.push(`### Not summarized (${summary.notSummarized.length})`, "");
    lines.push("What follows in this stack may be incomplete: these parts of its JSON could not be summarized faithfully. Read them in the synthesized files.", "");
    lines.push(...table(["JSON path", "Why"], ["l", "l"], summary.notSummarized.map((n) => [cellCode(n.path), cellCode(n.why)])), "");
  }

  lines.push(`### Resources (${summary.resourceTotal})`, "");
  lines.push(
    ...table(
      ["Type", "Count"],
      ["l", "r"],
      [...summary.resourceCounts.map(([type, count]) => [cellCode(type), String(count)]), ["**Total**", `**${summary.resourceTotal}**`]],
    ),
    "",
  );

  lines.push(`### Data sources (${summary.dataSources.length})`, "");
  lines.push(...(summary.dataSources.length > 0 ? summary.dataSources.map((address) => `- ${code(address)}`) : ["_none_"]), "");

  if (summary.listeners.length > 0) {
    lines.push("### FTP ports (NLB listeners)", "");
    lines.push(
      ...table(
        ["Listener port", "Protocol", "Target group", "Target port", "Health check"],
        ["r", "l", "l", "r", "l"],
        summary.listeners.map((l) => [
          numberCell(l.port),
          cellCode(l.protocol),
          l.targetGroup === undefined ? "" : cellCode(l.targetGroup),
          l.targetGroupPort === undefined ? "" : numberCell(l.targetGroupPort),
          cellCode(l.healthCheck ?? ""),
        ]),
      ),
      "",
    );
  }

  if (summary.transferServers.length > 0) {
    lines.push("### Passive IP (Transfer Family)", "");
    lines.push(
      ...table(
        ["Server", "Protocols", "Endpoint", "Passive IP"],
        ["l", "l", "l", "l"],
        summary.transferServers.map((s) => [cellCode(s.name), cellCode(s.protocols.join(", ")), cellCode(s.endpointType), cellCode(s.passiveIp)]),
      ),
      "",
    );
  }

  if (summary.loadBalancers.length > 0) {
    lines.push("### Load balancers", "");
    lines.push(
      ...table(
        ["Load balancer", "Type", "Internal", "Cross-zone", "Subnets"],
        ["l", "l", "l", "l", "l"],
        summary.loadBalancers.map((lb) => [cellCode(lb.name), cellCode(lb.type), yesNo(lb.internal), yesNo(lb.crossZone), lb.placement.map(cellCode).join(", ")]),
      ),
      "",
    );
  }

  if (summary.endpointServices.length > 0) {
    lines.push("### Endpoint services (PrivateLink)", "");
    lines.push(
      ...table(
        ["Endpoint service", "Acceptance required", "Allowed principals"],
        ["l", "l", "l"],
        summary.endpointServices.map((s) => [cellCode(s.name), yesNo(s.acceptanceRequired), s.allowedPrincipals.map(cellCode).join(", ") || "_none_"]),
      ),
      "",
    );
  }

  if (summary.ingressRules.length > 0) {
    lines.push("### Security group ingress", "");
    lines.push(
      ...table(
        ["Security group", "Protocol", "Ports", "Source", "Description"],
        ["l", "l", "l", "l", "l"],
        summary.ingressRules.map((r) => [cellCode(r.group), cellCode(r.protocol), cellCode(r.ports), cellCode(r.source), cellCode(r.description)]),
      ),
      "",
    );
  }

  if (summary.restarts.length > 0) {
    // The passive-IP restart and the wait for the Transfer endpoint: both run the AWS CLI where Terraform runs.
    lines.push("### Local-exec steps (passive-IP restart, Transfer endpoint wait)", "");
    lines.push(
      ...table(
        ["Resource", "Type", "Replaced when these change", "Provisioners"],
        ["l", "l", "l", "l"],
        summary.restarts.map((r) => [
          cellCode(r.address),
          cellCode(r.type),
          r.triggers.map(([key, value]) => `${cellCode(key)} = ${cellCode(value)}`).join(", "),
          r.provisioners.map(cellCode).join(", "),
        ]),
      ),
      "",
    );
  }

  lines.push(`### Outputs (${summary.outputs.length})`, "");
  lines.push(
    ...(summary.outputs.length > 0
      ? table(
          ["Output", "Description", "Value"],
          ["l", "l", "l"],
          summary.outputs.map((o) => [
            cellCode(o.name),
            cellCode(o.description),
            o.sensitive === true ? "_(sensitive)_" : typeof o.sensitive === "string" ? `${cellCode(o.value)} (sensitive: ${cellCode(o.sensitive)})` : cellCode(o.value),
          ]),
        )
      : ["_none_"]),
    "",
  );
  return lines;
}

/** The gate's verdict on the same folder, for the top of the summary. */
export function renderGate(gate: GateResult | undefined, limit = 40): string[] {
  if (gate === undefined) return [];
  if (gate.problems.length === 0) {
    return ["**Gate (`npm run check-stacks`): accepted.** Every file, key, type, provider and function is one this project emits.", ""];
  }
  const shown = gate.problems.slice(0, limit);
  return [
    `**Gate (\`npm run check-stacks\`): refused, ${gate.problems.length} problem${gate.problems.length === 1 ? "" : "s"}.** These stacks hold what the allow-list of the code that wrote this summary (\`lib/stack-allow-list.json\`) does not accept: in a pull request, what it adds to what a credentialed plan accepts.`,
    "",
    ...shown.map((problem) => `- ${code(problem)}`),
    ...(gate.problems.length > limit ? [`- _and ${gate.problems.length - limit} more (see the run's log)_`] : []),
    "",
  ];
}

export function renderMarkdown(summaries: readonly StackSummary[], source = "cdktf.out", gate?: GateResult): string {
  const lines = [
    "# Synthesized stacks",
    "",
    `Summary of ${code(`${source}/stacks/*/cdk.tf.json`)} (\`npm run plan-summary\`). Not a Terraform plan: values known only after apply appear as Terraform expressions.`,
    "",
    "This summary, like the HCL diff, shows what the pull request's code emitted when it was synthesized: it is data from the code under review, shown as text, never a promise of what that code does. Review the code.",
    "",
    ...renderGate(gate),
    ...table(
      ["Stack", "Backend", "Resources", "Data sources", "Outputs", "Not summarized"],
      ["l", "l", "r", "r", "r", "r"],
      summaries.map((s) => [cellCode(s.name), cellCode(s.backend.type), String(s.resourceTotal), String(s.dataSources.length), String(s.outputs.length), String(s.notSummarized.length)]),
    ),
    "",
  ];
  for (const summary of summaries) lines.push(...renderStack(summary));
  return `${lines.join("\n").trimEnd()}\n`;
}

// ---------------------------------------------------------------------------
// CLI.

export const USAGE = `usage: npm run plan-summary -- [--dir DIR] [--out FILE]
  --dir DIR   the synth output folder (default: cdktf.out)
  --out FILE  write the Markdown to FILE instead of standard output`;

export interface CliIo {
  readonly cwd: string;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** Runs the CLI; returns the exit status (0 ok, 1 nothing synthesized, 2 usage). */
export function runPlanSummary(args: readonly string[], io: CliIo): number {
  let dir = "cdktf.out";
  let out: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = () => {
      const next = args[i + 1];
      if (next === undefined || next.startsWith("--")) throw new UsageError(`${arg} needs a value`);
      i++;
      return next;
    };
    try {
      if (arg === "--dir") dir = value();
      else if (arg.startsWith("--dir=")) dir = arg.slice("--dir=".length);
      else if (arg === "--out") out = value();
      else if (arg.startsWith("--out=")) out = arg.slice("--out=".length);
      else if (arg === "--help" || arg === "-h") {
        io.stdout.write(`${USAGE}\n`);
        return 0;
      } else throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      io.stderr.write(`plan-summary: ${error.message}\n${USAGE}\n`);
      return 2;
    }
  }
  const root = path.resolve(io.cwd, dir);
  const stacks = readSynthesizedStacks(root);
  if (stacks.length === 0) {
    io.stderr.write(`plan-summary: no ${printable(dir)}/stacks/*/cdk.tf.json found; run \`npm run synth\` first (or pass --dir)\n`);
    return 1;
  }
  const markdown = renderMarkdown(stacks.map(summarizeStack), dir, checkSynthOutput(root, ALLOW_LIST));
  if (out) {
    const file = path.resolve(io.cwd, out);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, markdown);
    io.stderr.write(`plan-summary: wrote ${out} (${stacks.map((s) => printable(s.name)).join(", ")})\n`);
  } else {
    io.stdout.write(markdown);
  }
  return 0;
}

class UsageError extends Error {}
