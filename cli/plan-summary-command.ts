// The review summary of the synthesized stacks (`npm run plan-summary`): what a
// reviewer checks in a PR, read from cdktf.out/stacks/*/cdk.tf.json and
// printed as Markdown. It is not a Terraform plan (that needs AWS credentials:
// see the `cdktf diff` job of the PR workflow); values that exist only after
// apply are shown as the Terraform expressions the JSON holds.
//
// Pure functions over the parsed JSON (summarizeStack, renderMarkdown) plus a
// small CLI (runPlanSummary). The output holds no dates or machine paths, so a
// PR comment built from it changes only when the configuration does.
import * as fs from "fs";
import * as path from "path";
import { staleness } from "./synth-freshness";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface SynthesizedStack {
  readonly name: string;
  readonly document: JsonObject;
}

export interface BackendSummary {
  /** local, s3, cloud, ... */
  readonly type: string;
  /** Where the state lives, in words: a path, bucket/key, organization/workspace. */
  readonly detail: string;
}

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
  readonly internal: boolean;
  readonly crossZone: boolean;
  /** "subnet-... = 10.0.3.119" for pinned addresses, else subnet IDs. */
  readonly placement: string[];
}

export interface EndpointServiceSummary {
  readonly address: string;
  readonly name: string;
  readonly acceptanceRequired: boolean;
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
  readonly sensitive: boolean;
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
}

// ---------------------------------------------------------------------------
// Reading.

/**
 * The stacks under `<dir>/stacks/*\/cdk.tf.json`, dependencies first (from
 * manifest.json when present), then by name.
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
  if (fs.existsSync(manifestFile)) {
    const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as { stacks?: Record<string, { dependencies?: string[] }> };
    for (const [name, entry] of Object.entries(manifest.stacks ?? {})) dependencies.set(name, entry.dependencies ?? []);
  }
  const ordered: string[] = [];
  const visit = (name: string, seen: Set<string>) => {
    if (ordered.includes(name) || seen.has(name) || !names.includes(name)) return;
    seen.add(name);
    for (const dependency of [...(dependencies.get(name) ?? [])].sort()) visit(dependency, seen);
    ordered.push(name);
  };
  for (const name of names) visit(name, new Set());
  return ordered.map((name) => ({
    name,
    document: JSON.parse(fs.readFileSync(path.join(stacksDir, name, "cdk.tf.json"), "utf8")) as JsonObject,
  }));
}

// ---------------------------------------------------------------------------
// Summarizing.

function isObject(value: Json | undefined): value is JsonObject {
  return value !== null && value !== undefined && typeof value === "object" && !Array.isArray(value);
}

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

function resourcesOf(document: JsonObject, type: string): [string, JsonObject][] {
  return Object.entries(objectAt(objectAt(document.resource)[type]))
    .filter((entry): entry is [string, JsonObject] => isObject(entry[1]))
    .sort(([a], [b]) => compare(a, b));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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
function referencedName(document: JsonObject, value: Json | undefined): string {
  const ref = parseReference(value);
  if (ref) {
    const target = objectAt(objectAt(document.resource)[ref.type])[ref.name];
    if (isObject(target)) return displayName(target, ref.name);
  }
  return text(value);
}

function backendOf(document: JsonObject): BackendSummary {
  const terraform = objectAt(document.terraform);
  if (isObject(terraform.cloud)) {
    const cloud = terraform.cloud;
    const workspaces = objectAt(block(cloud.workspaces));
    const where = workspaces.name !== undefined ? `workspace ${text(workspaces.name)}` : `workspaces tagged ${text(workspaces.tags)}`;
    return { type: "cloud", detail: `${text(cloud.hostname) || "app.terraform.io"}, organization ${text(cloud.organization)}, ${where}` };
  }
  const [type, config] = Object.entries(objectAt(terraform.backend))[0] ?? [];
  if (!type) return { type: "local (cdktf default)", detail: "terraform.tfstate in the stack folder" };
  const settings = objectAt(config);
  switch (type) {
    case "local":
      return { type, detail: text(settings.path) || "terraform.tfstate" };
    case "s3":
      return { type, detail: `s3://${text(settings.bucket)}/${text(settings.key)} (${text(settings.region)})` };
    case "remote": {
      const workspaces = objectAt(block(settings.workspaces));
      return { type, detail: `${text(settings.hostname) || "app.terraform.io"}, organization ${text(settings.organization)}, workspace ${text(workspaces.name)}` };
    }
    default:
      return { type, detail: Object.keys(settings).sort().map((key) => `${key} = ${text(settings[key])}`).join(", ") };
  }
}

function portRange(from: Json | undefined, to: Json | undefined, protocol: string): string {
  if (protocol === "-1" || protocol === "all") return "all";
  if (from === undefined && to === undefined) return "all";
  return from === to || to === undefined ? text(from) : `${text(from)}-${text(to)}`;
}

function ingressRulesOf(document: JsonObject): IngressRuleSummary[] {
  const rules: IngressRuleSummary[] = [];
  const source = (rule: JsonObject): string => {
    if (rule.cidr_ipv4 !== undefined) return text(rule.cidr_ipv4);
    if (rule.cidr_ipv6 !== undefined) return text(rule.cidr_ipv6);
    if (rule.referenced_security_group_id !== undefined) return `security group ${referencedName(document, rule.referenced_security_group_id)}`;
    if (rule.source_security_group_id !== undefined) return `security group ${referencedName(document, rule.source_security_group_id)}`;
    if (rule.prefix_list_id !== undefined) return `prefix list ${text(rule.prefix_list_id)}`;
    const cidrs = [...(Array.isArray(rule.cidr_blocks) ? rule.cidr_blocks : []), ...(Array.isArray(rule.ipv6_cidr_blocks) ? rule.ipv6_cidr_blocks : [])];
    if (cidrs.length > 0) return cidrs.map(text).join(", ");
    if (Array.isArray(rule.security_groups) && rule.security_groups.length > 0) {
      return rule.security_groups.map((group) => `security group ${referencedName(document, group)}`).join(", ");
    }
    if (rule.self === true) return "itself";
    return "(none)";
  };
  for (const [id, rule] of resourcesOf(document, "aws_vpc_security_group_ingress_rule")) {
    const protocol = text(rule.ip_protocol);
    rules.push({
      address: `aws_vpc_security_group_ingress_rule.${id}`,
      group: referencedName(document, rule.security_group_id),
      protocol,
      ports: portRange(rule.from_port, rule.to_port, protocol),
      source: source(rule),
      description: text(rule.description),
    });
  }
  for (const [id, rule] of resourcesOf(document, "aws_security_group_rule")) {
    if (rule.type !== "ingress") continue;
    const protocol = text(rule.protocol);
    rules.push({
      address: `aws_security_group_rule.${id}`,
      group: referencedName(document, rule.security_group_id),
      protocol,
      ports: portRange(rule.from_port, rule.to_port, protocol),
      source: source(rule),
      description: text(rule.description),
    });
  }
  for (const [id, group] of resourcesOf(document, "aws_security_group")) {
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

function listenersOf(document: JsonObject): ListenerSummary[] {
  const listeners: ListenerSummary[] = [];
  for (const [id, listener] of resourcesOf(document, "aws_lb_listener")) {
    const action = blocks(listener.default_action).find((a) => a.type === "forward" || a.target_group_arn !== undefined);
    const ref = parseReference(action?.target_group_arn);
    const group = ref && ref.type === "aws_lb_target_group" ? objectAt(objectAt(objectAt(document.resource).aws_lb_target_group)[ref.name]) : undefined;
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
  const resources = objectAt(document.resource);
  const resourceCounts = Object.keys(resources)
    .sort(compare)
    .map((type): [string, number] => [type, Object.keys(objectAt(resources[type])).length])
    .filter(([, count]) => count > 0);
  const dataSources = Object.entries(objectAt(document.data))
    .flatMap(([type, byName]) => Object.keys(objectAt(byName)).map((name) => `data.${type}.${name}`))
    .sort(compare);

  const transferServers = resourcesOf(document, "aws_transfer_server").map(([id, server]): TransferServerSummary => {
    const details = block(server.protocol_details);
    return {
      address: `aws_transfer_server.${id}`,
      name: displayName(server, id),
      protocols: Array.isArray(server.protocols) ? server.protocols.map(text) : ["SFTP (default)"],
      endpointType: text(server.endpoint_type) || "PUBLIC (default)",
      passiveIp: details?.passive_ip !== undefined ? text(details.passive_ip) : "AUTO (default)",
    };
  });

  const loadBalancers = resourcesOf(document, "aws_lb").map(([id, lb]): LoadBalancerSummary => {
    const type = text(lb.load_balancer_type) || "application";
    const mappings = blocks(lb.subnet_mapping);
    return {
      address: `aws_lb.${id}`,
      name: displayName(lb, id),
      type,
      internal: lb.internal === true,
      // Cross-zone is on by default for ALBs, off for NLBs.
      crossZone: lb.enable_cross_zone_load_balancing !== undefined ? lb.enable_cross_zone_load_balancing === true : type === "application",
      placement:
        mappings.length > 0
          ? mappings.map((m) => (m.private_ipv4_address !== undefined ? `${text(m.subnet_id)} = ${text(m.private_ipv4_address)}` : text(m.subnet_id)))
          : Array.isArray(lb.subnets)
            ? lb.subnets.map(text)
            : [],
    };
  });

  const endpointServices = resourcesOf(document, "aws_vpc_endpoint_service").map(([id, service]): EndpointServiceSummary => ({
    address: `aws_vpc_endpoint_service.${id}`,
    name: displayName(service, id),
    acceptanceRequired: service.acceptance_required === true,
    allowedPrincipals: Array.isArray(service.allowed_principals) ? service.allowed_principals.map(text) : [],
  }));

  const restarts: RestartSummary[] = [];
  // aws_lambda_invocation: provider.restartResource "lambda" (runs on create and when its triggers change).
  for (const type of ["null_resource", "terraform_data", "aws_lambda_invocation"]) {
    for (const [id, resource] of resourcesOf(document, type)) {
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

  const outputs = Object.entries(objectAt(document.output))
    .sort(([a], [b]) => compare(a, b))
    .map(([name, output]): OutputSummary => {
      const body = objectAt(output);
      return { name, description: text(body.description), value: text(body.value), sensitive: body.sensitive === true };
    });

  return {
    name: stack.name,
    backend: backendOf(document),
    resourceCounts,
    resourceTotal: resourceCounts.reduce((sum, [, count]) => sum + count, 0),
    dataSources,
    listeners: listenersOf(document),
    transferServers,
    loadBalancers,
    endpointServices,
    ingressRules: ingressRulesOf(document),
    restarts,
    outputs,
  };
}

// ---------------------------------------------------------------------------
// Markdown.

/**
 * Text for a table cell: pipes escaped, line breaks as <br>. The values come
 * from the synthesized JSON, which a pull request controls, and end up in a PR
 * comment: HTML is entity-escaped and the Markdown characters that make
 * links, images, emphasis, code or strike-through are backslash-escaped, so a
 * description cannot render as anything but its own text.
 */
function cell(value: string): string {
  return value
    .replace(/\\/g, "\\\\")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/([|*_[\]`~!])/g, "\\$1")
    .replace(/\r?\n/g, "<br>");
}

/** A code span that survives any backticks inside (a longer fence), for a table cell. */
function code(value: string): string {
  if (value === "") return "";
  const fence = "`".repeat(Math.max(1, ...[...value.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  const padded = value.startsWith("`") || value.endsWith("`") ? ` ${value} ` : value;
  return `${fence}${padded.replace(/\|/g, "\\|").replace(/\r?\n/g, " ")}${fence}`;
}

/** Literal values as plain text, Terraform expressions as code. */
function valueCell(value: string): string {
  return value.includes("${") ? code(value) : cell(value);
}

function table(header: string[], align: ("l" | "r")[], rows: string[][]): string[] {
  return [
    `| ${header.join(" | ")} |`,
    `|${align.map((a) => (a === "r" ? "---:" : "---")).join("|")}|`,
    ...rows.map((row) => `| ${row.join(" | ")} |`),
  ];
}

const yesNo = (flag: boolean) => (flag ? "yes" : "no");

export function renderStack(summary: StackSummary): string[] {
  const lines: string[] = [`## Stack \`${summary.name}\``, ""];
  lines.push(`**Backend:** ${summary.backend.type} (${code(summary.backend.detail)})`, "");

  lines.push(`### Resources (${summary.resourceTotal})`, "");
  lines.push(
    ...table(
      ["Type", "Count"],
      ["l", "r"],
      [...summary.resourceCounts.map(([type, count]) => [code(type), String(count)]), ["**Total**", `**${summary.resourceTotal}**`]],
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
          cell(String(l.port)),
          cell(l.protocol),
          l.targetGroup === undefined ? "" : valueCell(l.targetGroup),
          l.targetGroupPort === undefined ? "" : cell(String(l.targetGroupPort)),
          cell(l.healthCheck ?? ""),
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
        summary.transferServers.map((s) => [cell(s.name), cell(s.protocols.join(", ")), cell(s.endpointType), code(s.passiveIp)]),
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
        summary.loadBalancers.map((lb) => [cell(lb.name), cell(lb.type), yesNo(lb.internal), yesNo(lb.crossZone), lb.placement.map(valueCell).join("<br>")]),
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
        summary.endpointServices.map((s) => [cell(s.name), yesNo(s.acceptanceRequired), s.allowedPrincipals.map(code).join("<br>") || "_none_"]),
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
        summary.ingressRules.map((r) => [valueCell(r.group), cell(r.protocol), cell(r.ports), valueCell(r.source), cell(r.description)]),
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
          code(r.address),
          code(r.type),
          r.triggers.map(([key, value]) => `${cell(key)} = ${code(value)}`).join("<br>"),
          cell(r.provisioners.join(", ")),
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
          summary.outputs.map((o) => [code(o.name), cell(o.description), o.sensitive ? "_(sensitive)_" : code(o.value)]),
        )
      : ["_none_"]),
    "",
  );
  return lines;
}

export function renderMarkdown(summaries: readonly StackSummary[], source = "cdktf.out"): string {
  const lines = [
    "# Synthesized stacks",
    "",
    `Summary of \`${source}/stacks/*/cdk.tf.json\` (\`npm run plan-summary\`). Not a Terraform plan: values known only after apply appear as Terraform expressions.`,
    "",
    ...table(
      ["Stack", "Backend", "Resources", "Data sources", "Outputs"],
      ["l", "l", "r", "r", "r"],
      summaries.map((s) => [code(s.name), cell(s.backend.type), String(s.resourceTotal), String(s.dataSources.length), String(s.outputs.length)]),
    ),
    "",
  ];
  for (const summary of summaries) lines.push(...renderStack(summary));
  return `${lines.join("\n").trimEnd()}\n`;
}

// ---------------------------------------------------------------------------
// CLI.

export const USAGE = `usage: npm run plan-summary -- [--dir DIR] [--out FILE] [--json]
  --dir DIR   the synth output folder (default: cdktf.out)
  --out FILE  write the summary to FILE instead of standard output
  --json      the summary as JSON (stacks, and "stale": why the folder may not
              match the config, or null) instead of Markdown
A folder synthesized from another config, or before the config changed, is
summarized with a warning on standard error.`;

export interface CliIo {
  readonly cwd: string;
  /** For the config the folder is compared with ($TRANSFER_CONFIG); the process's own when absent. */
  readonly env?: NodeJS.ProcessEnv;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** Runs the CLI; returns the exit status (0 ok, 1 nothing synthesized, 2 usage). */
export function runPlanSummary(args: readonly string[], io: CliIo): number {
  let dir = "cdktf.out";
  let out: string | undefined;
  let json = false;
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
      else if (arg === "--json") json = true;
      else if (arg === "--help" || arg === "-h") {
        io.stdout.write(`${USAGE}\n`);
        return 0;
      } else throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      // The usage first, the error last: on a small terminal the error stays in view.
      io.stderr.write(`${USAGE}\nplan-summary: ${error.message}\n`);
      return 2;
    }
  }
  const stacks = readSynthesizedStacks(path.resolve(io.cwd, dir));
  if (stacks.length === 0) {
    io.stderr.write(`plan-summary: no ${dir}/stacks/*/cdk.tf.json found; run \`npm run synth\` first (or pass --dir)\n`);
    return 1;
  }
  const stale = staleness(path.resolve(io.cwd, dir), io.cwd, io.env ?? process.env);
  if (stale) io.stderr.write(`plan-summary: warning: ${stale}\n`);
  const summaries = stacks.map(summarizeStack);
  const markdown = json ? `${JSON.stringify({ stale: stale ?? null, stacks: summaries }, null, 2)}\n` : renderMarkdown(summaries, dir);
  if (out) {
    const file = path.resolve(io.cwd, out);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, markdown);
    io.stderr.write(`plan-summary: wrote ${out} (${stacks.map((s) => s.name).join(", ")})\n`);
  } else {
    io.stdout.write(markdown);
  }
  return 0;
}

class UsageError extends Error {}
