// `terraform init` + `terraform validate` of both stacks as `npm run synth`
// writes them, for the two layouts the config allows:
//   - the example (one subnet, NLB IP pinned with nlbPrivateIp + subnetCidrs);
//   - two subnets with passiveIpMode "control-connection" (no nlbPrivateIp, no
//     subnetCidrs: the NLB's IPs are looked up from its ENIs).
// Mostly with restartResource terraform_data (hashicorp/null cannot be installed
// offline; the mirror holds hashicorp/aws only).
//
// Each layout is synthesized into <tmp>/<layout>/project/cdktf.out, so the local
// backend's "../../../state/<stack>.tfstate" (relative to a stack folder)
// points inside <tmp>/<layout>/project: init configures the real backend, and
// nothing outside the temporary folder is touched. No state file exists: the
// consumer's terraform_remote_state (the provider's outputs) is read only by
// plan/apply, so validate must pass without it.
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { exampleWith, PROJECT_ROOT, SFTP_ONLY, THREE_PROTOCOLS } from "../support/config";
import { missingPrerequisites } from "../support/prerequisites";
import { terraform, TerraformError, terraformPrerequisites, writeCliConfig } from "../../emulator/terraform";

const run = promisify(execFile);
const missing = missingPrerequisites("terraform validate", terraformPrerequisites);
const describeTerraform = missing.length ? describe.skip : describe;

const STACKS = ["provider", "consumer"] as const;
const EXAMPLE_SUBNET = "subnet-0a1b2c3d4e5f60003";
const SECOND_SUBNET = "subnet-0a1b2c3d4e5f60004";

const LAYOUTS = {
  "single-az": exampleWith({ provider: { restartResource: "terraform_data" } }),
  // With restartResource "lambda" (issue 14): the restart function, its two invocations, no local-exec.
  "two-subnets": exampleWith({
    provider: {
      restartResource: "lambda",
      subnetIds: [EXAMPLE_SUBNET, SECOND_SUBNET],
      subnetCidrs: null,
      nlbPrivateIp: null,
      passiveIpMode: "control-connection",
    },
  }),
  // Issue 12: the pinned consumer endpoint (subnet_configuration + preconditions) and a
  // host name in a given zone (data aws_route53_zone + preconditions on the record).
  "consumer-endpoint": exampleWith({
    provider: { restartResource: "terraform_data", passiveIpMode: "consumer-endpoint" },
    consumer: { endpointIp: "10.0.3.50", dnsName: "ftp.corp.internal", hostedZoneId: "Z0123456789ABCDEFGHIJ" },
  }),
  // Issue 13: FTP + FTPS + SFTP on one server (certificate, security policy,
  // TLS resumption, port 22), with the client instance's compressed user data;
  // and SFTP alone (no PassiveIp, no restart, health checks on 22).
  "three-protocols": exampleWith({ ...THREE_PROTOCOLS, provider: { ...THREE_PROTOCOLS.provider, restartResource: "terraform_data" } }),
  "sftp-only": exampleWith({ provider: { ...SFTP_ONLY.provider, restartResource: null } }),
} as const;
type Layout = keyof typeof LAYOUTS;

interface Diagnostic {
  severity: "error" | "warning";
  summary: string;
  detail?: string;
}
interface ValidateOutput {
  valid: boolean;
  error_count: number;
  warning_count: number;
  diagnostics: Diagnostic[];
}

describeTerraform("terraform init + validate of the synthesized stacks", () => {
  let work: string;
  let tfEnv: Record<string, string>;
  const projectDir = (layout: Layout) => path.join(work, layout, "project");
  const stackDir = (layout: Layout, stack: string) => path.join(projectDir(layout), "cdktf.out", "stacks", stack);
  const validated: Partial<Record<`${Layout}/${(typeof STACKS)[number]}`, ValidateOutput>> = {};

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "tf-validate-"));
    tfEnv = writeCliConfig(path.join(work, "terraform-cli"));
    // One synth after the other: both write the Lambda archive to the same
    // .build/assets file of the checkout before cdktf copies it.
    for (const layout of Object.keys(LAYOUTS) as Layout[]) {
      const configFile = path.join(work, `${layout}.json`);
      fs.writeFileSync(configFile, JSON.stringify(LAYOUTS[layout], null, 2));
      fs.mkdirSync(projectDir(layout), { recursive: true });
      await run(process.execPath, ["scripts/synth.js"], {
        cwd: PROJECT_ROOT,
        env: { ...process.env, TRANSFER_CONFIG: configFile, CDKTF_OUTDIR: path.join(projectDir(layout), "cdktf.out") },
        timeout: 60_000,
      });
    }
    // init + validate, two stacks at a time (the AWS provider is a large binary to start).
    const jobs = (Object.keys(LAYOUTS) as Layout[]).flatMap((layout) => STACKS.map((stack) => ({ layout, stack })));
    for (let i = 0; i < jobs.length; i += 2) {
      await Promise.all(
        jobs.slice(i, i + 2).map(async ({ layout, stack }) => {
          const dir = stackDir(layout, stack);
          try {
            await terraform(dir, ["init"], tfEnv, 120_000);
            // validate -json exits non-zero when the configuration is invalid; the JSON says why.
            const result = await terraform(dir, ["validate", "-json"], tfEnv, 120_000).catch((error: TerraformError) => ({ stdout: error.stdout }));
            validated[`${layout}/${stack}`] = JSON.parse(result.stdout) as ValidateOutput;
          } catch (error) {
            throw new Error(`${layout}/${stack}: ${(error as Error).message}`);
          }
        }),
      );
    }
  }, 240_000);

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  function problems(output: ValidateOutput | undefined): string {
    if (!output) return "(not validated: see beforeAll's error)";
    return output.diagnostics.map((d) => `${d.severity}: ${d.summary}${d.detail ? ` - ${d.detail}` : ""}`).join("\n");
  }

  describe.each(Object.keys(LAYOUTS) as Layout[])("%s layout", (layout) => {
    test.each(STACKS)("%s stack is valid Terraform, with no errors or warnings", (stack) => {
      const output = validated[`${layout}/${stack}`];
      expect({ valid: output?.valid, errors: output?.error_count, warnings: output?.warning_count, problems: problems(output) }).toEqual({
        valid: true,
        errors: 0,
        warnings: 0,
        problems: "",
      });
    });

    test("the consumer reads the provider's state through a relative local path that validate never opens", () => {
      const consumer = JSON.parse(fs.readFileSync(path.join(stackDir(layout, "consumer"), "cdk.tf.json"), "utf8"));
      const remoteStates = Object.values(consumer.data.terraform_remote_state) as { backend: string; config: { path: string } }[];
      expect(remoteStates).toEqual([{ backend: "local", config: { path: "../../../state/provider.tfstate" } }]);
      expect(consumer.terraform.backend).toEqual({ local: { path: "../../../state/consumer.tfstate" } });
      // init and validate created no state file, neither where the path leads nor anywhere in the project.
      expect(fs.existsSync(path.join(projectDir(layout), "state"))).toBe(false);
    });
  });

  test("the two-subnet layout looks the NLB IPs up and hands out PassiveIp 0.0.0.0", () => {
    const provider = JSON.parse(fs.readFileSync(path.join(stackDir("two-subnets", "provider"), "cdk.tf.json"), "utf8"));
    const nlb = Object.values(provider.resource.aws_lb)[0] as Record<string, unknown>;
    expect(nlb.subnets).toEqual([EXAMPLE_SUBNET, SECOND_SUBNET]);
    expect(nlb.subnet_mapping).toBeUndefined();
    expect(nlb.enable_cross_zone_load_balancing).toBe(false);
    const server = Object.values(provider.resource.aws_transfer_server)[0] as { protocol_details: { passive_ip: string } };
    expect(server.protocol_details.passive_ip).toBe("0.0.0.0");
    const attachments = Object.keys(provider.resource.aws_lb_target_group_attachment);
    expect(attachments).toHaveLength(20); // 10 target groups x 2 endpoint IPs
  });
});
