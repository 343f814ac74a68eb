// npm run plan-summary: the PR summary of the synthesized stacks, on a real
// synth of the example config (and variants), written to a temporary outdir
// exactly as `npm run synth` writes cdktf.out.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { TransferConfig } from "../config/schema";
import { buildApp } from "../stacks/app";
import { FTP_LISTENER_PORTS } from "../lib/ftp-ports";
import MarkdownIt from "markdown-it";
import { ALLOW_LIST } from "../cli/check-stacks-command";
import { checkSynthOutput } from "../lib/stack-gate";
import {
  code,
  JsonObject,
  readSynthesizedStacks,
  renderMarkdown,
  runPlanSummary,
  StackSummary,
  summarizeStack,
  SynthesizedStack,
} from "../cli/plan-summary-command";
import { configWith, configWithBackend, PROJECT_ROOT } from "./support/config";
import { writeSynthSource } from "../synthesis/output-folder";

const temporary: string[] = [];

function synthTo(config: TransferConfig): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-summary-"));
  temporary.push(dir);
  const outdir = path.join(dir, "cdktf.out");
  buildApp(config, { projectRoot: PROJECT_ROOT, outdir }).synth();
  return outdir;
}

function summaries(outdir: string): Record<string, StackSummary> {
  return Object.fromEntries(readSynthesizedStacks(outdir).map((stack) => [stack.name, summarizeStack(stack)]));
}

function logicalId(document: JsonObject, type: string): string {
  const ids = Object.keys((document.resource as JsonObject)[type] as JsonObject);
  expect(ids).toHaveLength(1);
  return ids[0];
}

afterAll(() => {
  for (const dir of temporary) fs.rmSync(dir, { recursive: true, force: true });
});

describe("plan summary of the example config", () => {
  let outdir: string;
  let stacks: SynthesizedStack[];
  let provider: StackSummary;
  let consumer: StackSummary;
  let markdown: string;

  beforeAll(() => {
    outdir = synthTo(configWith());
    stacks = readSynthesizedStacks(outdir);
    ({ provider, consumer } = summaries(outdir));
    markdown = renderMarkdown([provider, consumer]);
  });

  test("finds both stacks, provider first (the consumer depends on it)", () => {
    expect(stacks.map((s) => s.name)).toEqual(["provider", "consumer"]);
  });

  test("counts resources by type, exactly as in cdk.tf.json", () => {
    for (const stack of stacks) {
      const resource = stack.document.resource as JsonObject;
      const expected = Object.keys(resource)
        .sort()
        .map((type) => [type, Object.keys(resource[type] as JsonObject).length]);
      const summary = summarizeStack(stack);
      expect(summary.resourceCounts).toEqual(expected);
      expect(summary.resourceTotal).toBe(expected.reduce((sum, [, n]) => sum + (n as number), 0));
    }
    expect(provider.resourceCounts).toEqual(
      expect.arrayContaining([
        ["aws_lb", 1],
        ["aws_lb_listener", 10],
        ["aws_lb_target_group", 10],
        ["aws_lb_target_group_attachment", 10],
        ["aws_transfer_server", 1],
        ["aws_vpc_endpoint_service", 1],
        ["null_resource", 1],
      ]),
    );
    expect(consumer.resourceCounts).toEqual(
      expect.arrayContaining([
        ["aws_vpc_endpoint", 1],
        ["aws_vpc_endpoint_connection_accepter", 1],
        ["aws_instance", 1],
      ]),
    );
    expect(markdown).toContain("| `aws_lb_listener` | 10 |");
    expect(markdown).toContain("| `aws_lb_target_group_attachment` | 10 |");
    expect(markdown).toContain(`| **Total** | **${provider.resourceTotal}** |`);
    expect(markdown).toContain(`| \`provider\` | \`local\` | ${provider.resourceTotal} | ${provider.dataSources.length} | 6 | 0 |`);
    expect(markdown).toContain(`| \`consumer\` | \`local\` | ${consumer.resourceTotal} | ${consumer.dataSources.length} | 5 | 0 |`);
  });

  test("lists the data sources", () => {
    expect(consumer.dataSources).toEqual(
      expect.arrayContaining(["data.terraform_remote_state.provider-state", "data.aws_caller_identity.account", "data.aws_partition.partition"]),
    );
    expect(provider.dataSources).toContain("data.aws_caller_identity.account");
    expect(provider.dataSources.filter((d) => d.startsWith("data.aws_network_interface."))).toHaveLength(1);
    expect(markdown).toContain("- `data.terraform_remote_state.provider-state`");
  });

  test("FTP ports: ten TCP listeners, each to its own target group, all health-checked on 21", () => {
    expect(provider.listeners.map(({ address: _address, ...rest }) => rest)).toEqual(
      FTP_LISTENER_PORTS.map((port) => ({ port, protocol: "TCP", targetGroup: `tf-ftp-${port}-9916a2`, targetGroupPort: port, healthCheck: "TCP 21" })),
    );
    expect(FTP_LISTENER_PORTS).toEqual([21, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200]);
    expect(markdown).toContain("| Listener port | Protocol | Target group | Target port | Health check |");
    expect(markdown).toContain("| 21 | `TCP` | `tf-ftp-21-9916a2` | 21 | `TCP 21` |");
    expect(markdown).toContain("| 8200 | `TCP` | `tf-ftp-8200-9916a2` | 8200 | `TCP 21` |");
    expect(consumer.listeners).toEqual([]);
    expect(markdown.match(/^### FTP ports/gm)).toHaveLength(1);
  });

  test("passive IP: the pinned NLB address, literally", () => {
    const document = stacks[0].document;
    expect(provider.transferServers).toEqual([
      {
        address: `aws_transfer_server.${logicalId(document, "aws_transfer_server")}`,
        name: "tf-ftp-ftp",
        protocols: ["FTP"],
        endpointType: "VPC",
        passiveIp: "10.0.3.119",
      },
    ]);
    expect(markdown).toContain("| `tf-ftp-ftp` | `FTP` | `VPC` | `10.0.3.119` |");
  });

  test("NLB: internal, cross-zone off, pinned to its subnet and IP", () => {
    expect(provider.loadBalancers).toEqual([
      {
        address: `aws_lb.${logicalId(stacks[0].document, "aws_lb")}`,
        name: "tf-ftp-nlb-9916a2",
        type: "network",
        internal: true,
        crossZone: false,
        placement: ["subnet-0a1b2c3d4e5f60003 = 10.0.3.119"],
      },
    ]);
    expect(markdown).toContain("| `tf-ftp-nlb-9916a2` | `network` | yes | no | `subnet-0a1b2c3d4e5f60003 = 10.0.3.119` |");
  });

  test("endpoint service: acceptance required, the configured principals", () => {
    expect(provider.endpointServices).toEqual([
      {
        address: `aws_vpc_endpoint_service.${logicalId(stacks[0].document, "aws_vpc_endpoint_service")}`,
        name: "tf-ftp-ftp",
        acceptanceRequired: true,
        allowedPrincipals: ["arn:aws:iam::123456789012:root"],
      },
    ]);
    expect(markdown).toContain("| `tf-ftp-ftp` | yes | `arn:aws:iam::123456789012:root` |");
  });

  test("security group ingress: ports with their CIDR or source group, by name", () => {
    const rows = (summary: StackSummary) => summary.ingressRules.map((r) => [r.group, r.protocol, r.ports, r.source]);
    expect(rows(provider)).toEqual([
      ["tf-ftp-nlb", "tcp", "21", "10.0.0.0/16"],
      ["tf-ftp-nlb", "tcp", "8192-8200", "10.0.0.0/16"],
      ["tf-ftp-transfer-endpoint", "tcp", "21", "security group tf-ftp-nlb"],
      ["tf-ftp-transfer-endpoint", "tcp", "8192-8200", "security group tf-ftp-nlb"],
    ]);
    expect(rows(consumer)).toEqual([
      ["tf-ftp-consumer-endpoint", "tcp", "21", "10.0.0.0/16"],
      ["tf-ftp-consumer-endpoint", "tcp", "8192-8200", "10.0.0.0/16"],
      ["tf-ftp-consumer-endpoint", "tcp", "21", "security group tf-ftp-ftp-client"],
      ["tf-ftp-consumer-endpoint", "tcp", "8192-8200", "security group tf-ftp-ftp-client"],
    ]);
    expect(markdown).toContain("| `tf-ftp-nlb` | `tcp` | `8192-8200` | `10.0.0.0/16` | `FTP passive data (8192-8200) from 10.0.0.0/16` |");
    expect(markdown).toContain("| `tf-ftp-transfer-endpoint` | `tcp` | `21` | `security group tf-ftp-nlb` | `FTP control (21) from the nlb` |");
  });

  test("restart resource: null_resource, replaced when the server or its passive IP changes", () => {
    const server = logicalId(stacks[0].document, "aws_transfer_server");
    const restart = logicalId(stacks[0].document, "null_resource");
    const wait = logicalId(stacks[0].document, "terraform_data");
    expect(provider.restarts).toEqual([
      {
        address: `null_resource.${restart}`,
        type: "null_resource",
        triggers: [
          ["marker_state", expect.stringContaining('== \"restart-in-progress\") ? \"interrupted\" : \"settled\"')],
          ["passive_ip", `\${aws_transfer_server.${server}.protocol_details[0].passive_ip}`],
          ["server_id", `\${aws_transfer_server.${server}.id}`],
        ],
        provisioners: ["local-exec"],
      },
      {
        // The wait for the server's VPC endpoint.
        address: `terraform_data.${wait}`,
        type: "terraform_data",
        triggers: [["vpc_endpoint_id", `\${aws_transfer_server.${server}.endpoint_details[0].vpc_endpoint_id}`]],
        provisioners: ["local-exec"],
      },
    ]);
    expect(markdown).toContain(
      `\`passive_ip\` = \`\${aws_transfer_server.${server}.protocol_details[0].passive_ip}\`, \`server_id\` = \`\${aws_transfer_server.${server}.id}\` | \`local-exec\` |`,
    );
    expect(consumer.restarts).toEqual([]);
  });

  test("backend: local state files, relative to the stack folder", () => {
    expect(provider.backend).toEqual({ type: "local", detail: "../../../state/provider.tfstate" });
    expect(consumer.backend).toEqual({ type: "local", detail: "../../../state/consumer.tfstate" });
    expect(markdown).toContain("**Backend:** `local` (`../../../state/provider.tfstate`)");
  });

  test("outputs with their descriptions", () => {
    expect(provider.outputs.map((o) => [o.name, o.description])).toEqual([
      ["endpoint_service_id", "Endpoint service ID (for accepting connections)"],
      ["endpoint_service_name", "Service name consumers create their interface endpoint for"],
      ["nlb_availability_zone_ids", "AZ IDs the NLB (and so the endpoint service) serves, comma-separated; the consumer's subnets must be in these"],
      ["nlb_private_ip", "Private IP of the internal NLB (comma-separated when it spans several AZs)"],
      ["transfer_server_id", "Transfer Family server ID"],
      ["user_secrets_key_arn", "KMS key FTP user secrets are encrypted with (npm run users -- add reads it)"],
    ]);
    expect(provider.outputs.find((o) => o.name === "nlb_private_ip")?.value).toBe("10.0.3.119");
    expect(consumer.outputs.map((o) => o.name)).toEqual(["client_instance_id", "ftp_host", "smoke_password_key_arn", "vpc_endpoint_dns_name", "vpc_endpoint_id"]);
    expect(markdown).toContain("| `nlb_private_ip` | `Private IP of the internal NLB (comma-separated when it spans several AZs)` | `10.0.3.119` |");
  });

  test("the Markdown has one section per stack, in order, and nothing machine-specific", () => {
    expect(markdown.match(/^## Stack `(\w+)`$/gm)).toEqual(["## Stack `provider`", "## Stack `consumer`"]);
    expect(markdown).not.toContain(outdir);
    expect(markdown).not.toContain(PROJECT_ROOT);
    expect(markdown).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
    // Every table row has as many cells as its header.
    const lines = markdown.split("\n");
    lines.forEach((line, i) => {
      if (line.startsWith("|---") || line.startsWith("|--")) {
        const columns = line.split("|").length;
        for (let j = i + 1; j < lines.length && lines[j].startsWith("| "); j++) {
          expect(lines[j].replace(/\\\|/g, "").split("|").length).toBe(columns);
        }
      }
    });
  });
});

describe("plan summary of other configurations", () => {
  test("terraform_data restart, two AZs: passive IP 0.0.0.0, NLB in both subnets", () => {
    const config = configWith({
      provider: {
        restartResource: "terraform_data",
        subnetIds: ["subnet-0a1b2c3d4e5f60003", "subnet-0a1b2c3d4e5f60004"],
        subnetCidrs: null,
        nlbPrivateIp: null,
        passiveIpMode: "control-connection",
      },
    } as Record<string, unknown>);
    const { provider } = summaries(synthTo(config));
    expect(provider.transferServers.map((s) => s.passiveIp)).toEqual(["0.0.0.0"]);
    expect(provider.loadBalancers.map((lb) => [lb.internal, lb.crossZone, lb.placement])).toEqual([
      [true, false, ["subnet-0a1b2c3d4e5f60003", "subnet-0a1b2c3d4e5f60004"]],
    ]);
    expect(provider.restarts.map((r) => [r.type, r.triggers.map(([key]) => key), r.provisioners])).toEqual([
      ["terraform_data", ["marker_state", "passive_ip", "server_id"], ["local-exec"]],
      ["terraform_data", ["vpc_endpoint_id"], ["local-exec"]],
    ]);
    expect(provider.resourceCounts.find(([type]) => type === "null_resource")).toBeUndefined();
  });

  test("an NLB address found at apply time: the passive IP is the lookup's expression", () => {
    const outdir = synthTo(configWith({ provider: { nlbPrivateIp: null } } as Record<string, unknown>));
    const [provider] = readSynthesizedStacks(outdir);
    const lookups = Object.keys(((provider.document.data as JsonObject).aws_network_interface as JsonObject) ?? {}).filter((id) =>
      id.startsWith("ftp-load-balancer_nlb-address"),
    );
    expect(lookups).toHaveLength(1);
    const summary = summarizeStack(provider);
    expect(summary.transferServers.map((s) => s.passiveIp)).toEqual([`\${data.aws_network_interface.${lookups[0]}.private_ip}`]);
    expect(summary.loadBalancers.map((lb) => lb.placement)).toEqual([["subnet-0a1b2c3d4e5f60003"]]);
    expect(renderMarkdown([summary])).toContain(`| \`tf-ftp-ftp\` | \`FTP\` | \`VPC\` | \`\${data.aws_network_interface.${lookups[0]}.private_ip}\` |`);
  });

  test("S3 and Terraform Cloud backends", () => {
    const s3 = summaries(
      synthTo(configWithBackend({ type: "s3", bucket: "tf-state-bucket", keyPrefix: "transfer-ftp", region: "ap-northeast-1" })),
    );
    expect(s3.provider.backend).toEqual({ type: "s3", detail: "s3://tf-state-bucket/transfer-ftp/provider.tfstate (ap-northeast-1)" });
    expect(s3.consumer.backend).toEqual({ type: "s3", detail: "s3://tf-state-bucket/transfer-ftp/consumer.tfstate (ap-northeast-1)" });
    const cloud = summaries(
      synthTo(configWithBackend({ type: "cloud", organization: "acme", providerWorkspace: "ftp-provider", consumerWorkspace: "ftp-consumer" })),
    );
    expect(cloud.provider.backend).toEqual({ type: "cloud", detail: "app.terraform.io, organization acme, workspace ftp-provider" });
    expect(cloud.consumer.backend).toEqual({ type: "cloud", detail: "app.terraform.io, organization acme, workspace ftp-consumer" });
  });

});

/** The comment as GitHub parses it: CommonMark with raw HTML and GFM tables (markdown-it, html on). */
function parse(markdown: string) {
  const tokens = new MarkdownIt({ html: true }).parse(markdown, {});
  const flat = tokens.flatMap((t) => [t, ...(t.children ?? [])]);
  return {
    tokens,
    types: new Set(flat.map((t) => t.type)),
    html: flat.filter((t) => t.type === "html_block" || t.type === "html_inline").map((t) => t.content),
    code: flat.filter((t) => t.type === "code_inline").map((t) => t.content),
    text: flat.filter((t) => t.type === "text").map((t) => t.content).join(""),
  };
}

describe("a pull request's JSON in the summary: escaped, and what cannot be summarized is counted", () => {
  // Strings a pull request could put anywhere in its synthesized JSON.
  const HOSTILE = [
    "<!-- hide the rest",
    "</details></table><img src=x onerror=alert(1)>",
    "x\n\n## No changes\n\n_The synthesized HCL is the same as on the base commit._",
    "**bold** [approve](https://evil.example/) ![x](https://evil.example/x.png) ~~gone~~ @admin #1",
    "a | b || c \\| d",
    "``` fence ``` and ` tick",
    "`leading and trailing`",
    " padded ",
    "cr\rlf\r\nline\u2028separator",
    "bidi \u202eevil\u202c",
    "ansi \u001b[31mred",
    "https://evil.example/",
  ];

  function hostileStack(value: string): SynthesizedStack {
    return {
      name: value,
      document: {
        terraform: { backend: { [value]: { path: value } } },
        resource: {
          aws_security_group: { g: { name: value, ingress: [{ protocol: value, from_port: 1, to_port: 2, cidr_blocks: [value], description: value }] } },
          aws_vpc_security_group_ingress_rule: { r: { security_group_id: "${aws_security_group.g.id}", ip_protocol: value, cidr_ipv4: value, description: value, from_port: value, to_port: value } },
          aws_lb: { l: { name: value, load_balancer_type: value, internal: value, subnets: [value] } },
          aws_lb_target_group: { t: { name: value, port: value, protocol: value, health_check: { port: value, protocol: value } } },
          aws_lb_listener: { n: { port: value, protocol: value, default_action: [{ type: "forward", target_group_arn: "${aws_lb_target_group.t.arn}" }] } },
          aws_transfer_server: { s: { protocols: [value], endpoint_type: value, protocol_details: { passive_ip: value }, tags: { Name: value } } },
          aws_vpc_endpoint_service: { e: { acceptance_required: true, allowed_principals: [value], tags: { Name: value } } },
          null_resource: { x: { triggers: { [value]: value }, provisioner: [{ [value]: {} }] } },
          [value]: { [value]: {} },
        },
        data: { [value]: { [value]: {} } },
        output: { [value]: { value, description: value } },
      },
    };
  }

  test.each(HOSTILE)("%j renders only as code, in code spans holding it exactly (controls as \\u escapes)", (value) => {
    const markdown = renderMarkdown([summarizeStack(hostileStack(value))]);
    const benign = parse(renderMarkdown([summarizeStack(hostileStack("benign"))]));
    const rendered = parse(markdown);
    // No HTML, link, image, emphasis or strike-through: nothing but the structure a benign value gives.
    expect(rendered.html).toEqual([]);
    for (const type of ["link_open", "image", "em_open", "s_open", "html_block", "html_inline"]) expect({ type, found: rendered.types.has(type) }).toEqual({ type, found: false });
    expect(rendered.tokens.map((t) => t.type)).toEqual(benign.tokens.map((t) => t.type));
    // The value, as written (controls and line breaks made visible), is inside code spans.
    const shown = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
    expect(rendered.code.filter((c) => c === shown || c === shown.replace(/\\(?=\|)/g, "\\u005c")).length).toBeGreaterThanOrEqual(10);
    // Outside code spans, none of it: the text nodes are the summary's own words.
    expect(rendered.text).toBe(benign.text);
  });

  test("the code() and table cell escaping: fences longer than any backtick run, pipes escaped in cells", () => {
    expect(code("a")).toBe("`a`");
    expect(code("a``b")).toBe("```a``b```");
    expect(code("`x`")).toBe("`` `x` ``");
    expect(code("")).toBe("_(empty)_");
    expect(code("line\nbreak")).toBe("`line\\u000abreak`");
  });

  test("duplicate keys: everything Terraform would read is counted, and each duplicate listed", () => {
    const stack = (text: string): SynthesizedStack => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-summary-dup-"));
      temporary.push(dir);
      fs.mkdirSync(path.join(dir, "stacks", "s"), { recursive: true });
      fs.writeFileSync(path.join(dir, "stacks", "s", "cdk.tf.json"), text);
      return readSynthesizedStacks(dir)[0];
    };
    const summary = summarizeStack(
      stack('{"resource": {"aws_lb": {"a": {"name": "first"}}}, "resource": {"aws_lb": {"b": {"name": "second"}}, "aws_security_group_rule": {"r": {"type": "ingress", "protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"]}}}}'),
    );
    expect(summary.resourceCounts).toEqual([
      ["aws_lb", 2],
      ["aws_security_group_rule", 1],
    ]);
    expect(summary.ingressRules.map((r) => r.source)).toEqual(["0.0.0.0/0"]);
    expect(summary.notSummarized).toEqual([{ path: "$.resource", why: "a duplicate key: Terraform reads every copy (merged here)" }]);
    const markdown = renderMarkdown([summary]);
    expect(markdown).toContain("### Not summarized (1)");
    expect(markdown).toContain("| `$.resource` | `a duplicate key: Terraform reads every copy (merged here)` |");
  });

  test("dynamic blocks, count/for_each, array-form blocks and non-literal discriminators are counted, never skipped", () => {
    const summary = summarizeStack({
      name: "s",
      document: {
        resource: [
          {
            aws_security_group: {
              g: { name: "g", dynamic: { ingress: { for_each: "${var.ports}", content: { from_port: "${ingress.value}", to_port: "${ingress.value}", protocol: "tcp", cidr_blocks: ["0.0.0.0/0"] } } } },
            },
            aws_security_group_rule: {
              templated: { type: '${"ingress"}', protocol: "tcp", from_port: 22, to_port: 22, cidr_blocks: ["0.0.0.0/0"], security_group_id: "${aws_security_group.g.id}" },
              egress: { type: "egress", protocol: "-1", cidr_blocks: ["0.0.0.0/0"], security_group_id: "${aws_security_group.g.id}" },
            },
            aws_lb: { l: { name: "l", load_balancer_type: "network", internal: "${true}", count: 3 } },
          },
        ],
      },
    });
    expect(summary.notSummarized.map((n) => [n.path, n.why.split(":")[0].split(" (")[0]])).toEqual([
      ["$.resource", "an array-form block"],
      ["$.resource[0].aws_security_group.g.dynamic", "dynamic block"],
      ["$.resource[0].aws_lb.l.count", "count"],
      ["$.resource.aws_security_group_rule.templated.type", 'a rule whose type is "${\\"ingress\\"}", not the literal "ingress" or "egress"'],
    ]);
    expect(summary.resourceCounts).toEqual([
      ["aws_lb", 1],
      ["aws_security_group", 1],
      ["aws_security_group_rule", 2],
    ]);
    // A flag that is an expression is shown as one, never read as "no".
    expect(summary.loadBalancers[0].internal).toBe("${true}");
    expect(renderMarkdown([summary])).toContain("| `l` | `network` | `${true}` (not a literal) | no |");
  });

  test("the gate's verdict heads the summary, each reason a code span", () => {
    const summary = summarizeStack({ name: "s", document: {} });
    const refused = renderMarkdown([summary], "pr", { problems: ["stacks/s/cdk.tf.json: $.module: a module <!--", "x"], stacks: [] });
    expect(refused).toContain("**Gate (`npm run check-stacks`): refused, 2 problems.**");
    expect(refused).toContain("- `stacks/s/cdk.tf.json: $.module: a module <!--`");
    expect(parse(refused).html).toEqual([]);
    expect(renderMarkdown([summary], "pr", { problems: [], stacks: [] })).toContain("**Gate (`npm run check-stacks`): accepted.**");
    expect(renderMarkdown([summary])).toContain("This summary, like the HCL diff, shows what the pull request's code emitted");
  });
});

describe("npm run plan-summary (CLI)", () => {
  let outdir: string;
  const io = () => {
    const out = { stdout: "", stderr: "" };
    return {
      out,
      io: { cwd: path.dirname(outdir), stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: (t: string) => (out.stderr += t) } },
    };
  };

  beforeAll(() => {
    outdir = synthTo(configWith());
  });

  test("reads cdktf.out of the working directory by default and prints Markdown", () => {
    const { out, io: cli } = io();
    expect(runPlanSummary([], cli)).toBe(0);
    expect(out.stdout).toBe(renderMarkdown(readSynthesizedStacks(outdir).map(summarizeStack), "cdktf.out", checkSynthOutput(outdir, ALLOW_LIST)));
    expect(out.stdout).toContain("**Gate (`npm run check-stacks`): accepted.**");
    expect(out.stderr).toBe("");
  });

  test("--dir and --out: writes the file, prints nothing on stdout", () => {
    const { out, io: cli } = io();
    const file = path.join(path.dirname(outdir), "reports", "plan-summary.md");
    expect(runPlanSummary(["--dir", outdir, "--out", file], cli)).toBe(0);
    expect(fs.readFileSync(file, "utf8")).toBe(renderMarkdown(readSynthesizedStacks(outdir).map(summarizeStack), outdir, checkSynthOutput(outdir, ALLOW_LIST)));
    expect(out.stdout).toBe("");
    expect(out.stderr).toBe(`plan-summary: wrote ${file} (provider, consumer)\n`);
  });

  test("no synth output: exit 1 with what to do; bad arguments: exit 2 with usage", () => {
    const missing = io();
    expect(runPlanSummary(["--dir", "nowhere"], missing.io)).toBe(1);
    expect(missing.out.stderr).toContain("run `npm run synth` first");
    const bad = io();
    expect(runPlanSummary(["--out"], bad.io)).toBe(2);
    expect(bad.out.stderr).toContain("--out needs a value");
    expect(bad.out.stderr).toContain("usage: npm run plan-summary");
    const unknown = io();
    expect(runPlanSummary(["--frobnicate"], unknown.io)).toBe(2);
    expect(unknown.out.stderr).toContain('unknown argument "--frobnicate"');
  });
});

describe("npm run plan-summary: --json, and output the config has moved past", () => {
  let project: string;
  let outdir: string;
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const out = { stdout: "", stderr: "" };
    const code = runPlanSummary(args, { cwd: project, env, stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: (t: string) => (out.stderr += t) } });
    return { code, ...out };
  };

  beforeEach(() => {
    // A project folder with its config and a synth of it, recorded as `npm run synth` records it.
    project = fs.mkdtempSync(path.join(os.tmpdir(), "plan-summary-stale-"));
    temporary.push(project);
    fs.mkdirSync(path.join(project, "config"));
    fs.copyFileSync(path.join(PROJECT_ROOT, "config", "example.json"), path.join(project, "config", "example.json"));
    outdir = path.join(project, "cdktf.out");
    buildApp(configWith(), { projectRoot: PROJECT_ROOT, outdir }).synth();
    writeSynthSource(outdir, project, "config/example.json", "json");
  });

  test("--json: the same summaries as data, and stale null when the folder matches the config", () => {
    const result = run(["--json"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    const parsed = JSON.parse(result.stdout);
    expect(parsed.stale).toBeNull();
    expect(parsed.stacks).toEqual(JSON.parse(JSON.stringify(readSynthesizedStacks(outdir).map(summarizeStack))));
    expect(parsed.gate.problems).toEqual([]);
  });

  test("a config edited after the synth (or whose synth failed): summarized, with a warning and stale set", () => {
    fs.appendFileSync(path.join(project, "config", "example.json"), "\n");
    const markdown = run([]);
    expect(markdown.code).toBe(0);
    expect(markdown.stderr).toBe(
      "plan-summary: warning: config/example.json changed after cdktf.out was synthesized from it (or the last synth failed): run `npm run synth` first\n",
    );
    expect(JSON.parse(run(["--json"]).stdout).stale).toContain("changed after cdktf.out was synthesized");
  });

  test("a folder synthesized from another config than TRANSFER_CONFIG's", () => {
    fs.copyFileSync(path.join(project, "config", "example.json"), path.join(project, "config", "prod.json"));
    expect(run([], { TRANSFER_CONFIG: "config/prod.json" }).stderr).toBe(
      "plan-summary: warning: cdktf.out was synthesized from config/example.json, but the config now is config/prod.json (TRANSFER_CONFIG): run `npm run synth` first\n",
    );
  });

  test("a folder without the record (an older synth): the config's modification time is compared", () => {
    fs.rmSync(path.join(project, ".build"), { recursive: true });
    expect(run([]).stderr).toBe("");
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(project, "config", "example.json"), later, later);
    expect(run([]).stderr).toContain("plan-summary: warning: config/example.json is newer than cdktf.out");
  });
});
