// Every example under examples/ (and one layout only the tests use) as a user
// gets it: synthesized by the real `npm run synth` entry point (one synth
// each), `terraform init` + `terraform validate` of both stacks, and
// summarized by `npm run plan-summary`. The examples use restartResource
// terraform_data or lambda: hashicorp/null cannot be installed offline (the
// provider mirror holds hashicorp/aws only).
//
// Each layout is synthesized into <tmp>/<layout>/project/cdktf.out, so the local
// backend's "../../../state/<stack>.tfstate" (relative to a stack folder)
// points inside <tmp>/<layout>/project: init configures the real backend, and
// nothing outside the temporary folder is touched. No state file exists: the
// consumer's terraform_remote_state (the provider's outputs) is read only by
// plan/apply, so validate must pass without it. The s3 and cloud backends
// would need their service at init: those stacks are initialized with
// -backend=false (validate does not read the backend). terraform init links
// the provider into the shared mirror (writeCliConfig), so 16 inits cost little.
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { runPlanSummary } from "../../cli/plan-summary-command";
import { exampleWith, PROJECT_ROOT, SFTP_ONLY } from "../support/config";
import { missingPrerequisites } from "../support/prerequisites";
import { terraform, TerraformError, terraformPrerequisites, writeCliConfig } from "../../emulator/terraform";

const run = promisify(execFile);
const missing = missingPrerequisites("terraform validate", terraformPrerequisites);
const describeTerraform = missing.length ? describe.skip : describe;

const STACKS = ["provider", "consumer"] as const;
const EXAMPLES = fs
  .readdirSync(path.join(PROJECT_ROOT, "examples"))
  .filter((name) => name.endsWith(".json"))
  .map((name) => name.replace(/\.json$/, ""))
  .sort();

// Layouts no example has: SFTP alone (no PassiveIp, no restart, health checks
// on 22) with the host name's record in a given zone (data aws_route53_zone
// and the preconditions on the record).
const TEST_LAYOUTS: Record<string, unknown> = {
  "sftp-only-given-zone": exampleWith({
    provider: { ...SFTP_ONLY.provider, restartResource: null },
    consumer: { dnsName: "ftp.corp.internal", hostedZoneId: "Z0123456789ABCDEFGHIJ" },
  }),
};
const LAYOUTS = [...EXAMPLES, ...Object.keys(TEST_LAYOUTS)];

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

describeTerraform("every example: synthesized, terraform init + validate, plan-summary", () => {
  let work: string;
  let tfEnv: Record<string, string>;
  const projectDir = (layout: string) => path.join(work, layout, "project");
  const stackDir = (layout: string, stack: string) => path.join(projectDir(layout), "cdktf.out", "stacks", stack);
  const configFile = (layout: string) => (EXAMPLES.includes(layout) ? path.join(PROJECT_ROOT, "examples", `${layout}.json`) : path.join(work, `${layout}.json`));
  const synthOutput: Record<string, string> = {};
  const validated: Record<string, ValidateOutput> = {};

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "tf-validate-"));
    tfEnv = writeCliConfig(path.join(work, "terraform-cli"));
    // One synth after the other: each writes the Lambda archives to the same
    // .build/assets files of the checkout before cdktf copies them.
    for (const layout of LAYOUTS) {
      if (!EXAMPLES.includes(layout)) fs.writeFileSync(configFile(layout), JSON.stringify(TEST_LAYOUTS[layout], null, 2));
      fs.mkdirSync(projectDir(layout), { recursive: true });
      const env: NodeJS.ProcessEnv = { ...process.env, TRANSFER_CONFIG: configFile(layout), CDKTF_OUTDIR: path.join(projectDir(layout), "cdktf.out") };
      delete env.SYNTH_HCL_OUTPUT;
      const { stdout } = await run(process.execPath, ["scripts/synth.js"], { cwd: PROJECT_ROOT, env, timeout: 60_000 });
      synthOutput[layout] = stdout;
    }
    // init + validate, two stacks at a time (the AWS provider is a large binary to start).
    const jobs = LAYOUTS.flatMap((layout) => STACKS.map((stack) => ({ layout, stack })));
    for (let i = 0; i < jobs.length; i += 2) {
      await Promise.all(
        jobs.slice(i, i + 2).map(async ({ layout, stack }) => {
          const dir = stackDir(layout, stack);
          const document = JSON.parse(fs.readFileSync(path.join(dir, "cdk.tf.json"), "utf8"));
          const localBackend = document.terraform?.backend?.local !== undefined;
          try {
            await terraform(dir, localBackend ? ["init"] : ["init", "-backend=false"], tfEnv, 120_000);
            // validate -json exits non-zero when the configuration is invalid; the JSON says why.
            const result = await terraform(dir, ["validate", "-json"], tfEnv, 120_000).catch((error: TerraformError) => ({ stdout: error.stdout }));
            validated[`${layout}/${stack}`] = JSON.parse(result.stdout) as ValidateOutput;
          } catch (error) {
            throw new Error(`${layout}/${stack}: ${(error as Error).message}`);
          }
        }),
      );
    }
  }, 360_000);

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  function problems(output: ValidateOutput | undefined): string {
    if (!output) return "(not validated: see beforeAll's error)";
    return output.diagnostics.map((d) => `${d.severity}: ${d.summary}${d.detail ? ` - ${d.detail}` : ""}`).join("\n");
  }

  function summary(layout: string, args: string[] = []): string {
    let out = "";
    const code = runPlanSummary(["--dir", path.join(projectDir(layout), "cdktf.out"), ...args], {
      cwd: PROJECT_ROOT,
      env: { TRANSFER_CONFIG: configFile(layout) },
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: () => undefined },
    });
    expect(code).toBe(0);
    return out;
  }

  test("the examples are the seven layouts the README lists", () => {
    expect(EXAMPLES).toEqual(["consumer-endpoint", "cross-account", "ftps-sftp", "hcp-terraform", "lambda-restart", "multi-az", "single-az"]);
  });

  describe.each(LAYOUTS)("%s", (layout) => {
    test.each(STACKS)("%s stack is valid Terraform, with no errors or warnings", (stack) => {
      const output = validated[`${layout}/${stack}`];
      expect({ valid: output?.valid, errors: output?.error_count, warnings: output?.warning_count, problems: problems(output) }).toEqual({
        valid: true,
        errors: 0,
        warnings: 0,
        problems: "",
      });
    });

    test("synth said what it wrote; plan-summary summarizes both stacks, and the folder matches the config", () => {
      expect(synthOutput[layout]).toMatch(/^provider: \d+ resources, \d+ data sources -> .*cdk\.tf\.json \(config .+\)\nconsumer: \d+ resources/);
      const markdown = summary(layout);
      expect(markdown).toContain("## Stack `provider`");
      expect(markdown).toContain("## Stack `consumer`");
      expect(JSON.parse(summary(layout, ["--json"])).stale).toBeNull();
    });
  });

  test("what each example is for shows in its summary: passive IP, ports, the restart's form, the backend", () => {
    const stacks = (layout: string) => JSON.parse(summary(layout, ["--json"])).stacks as { name: string; transferServers: { passiveIp: string; protocols: string[] }[]; listeners: { port: number }[]; restarts: { type: string }[]; backend: { type: string }; resourceCounts: [string, number][] }[];
    const provider = (layout: string) => stacks(layout)[0];
    expect(provider("single-az").transferServers[0].passiveIp).toBe("10.0.3.119");
    expect(provider("multi-az").transferServers[0].passiveIp).toBe("0.0.0.0");
    expect(provider("consumer-endpoint").transferServers[0].passiveIp).toBe("10.0.3.50");
    expect(provider("ftps-sftp").transferServers[0].protocols).toEqual(["FTPS", "SFTP"]);
    expect(provider("ftps-sftp").listeners.map((l) => l.port)).toContain(22);
    expect(provider("single-az").restarts.map((r) => r.type)).toContain("terraform_data");
    for (const layout of ["lambda-restart", "hcp-terraform"]) {
      // The restart and the endpoint wait are invocations of the restart function: no local-exec.
      expect(new Set(provider(layout).restarts.map((r) => r.type))).toEqual(new Set(["aws_lambda_invocation"]));
    }
    expect(stacks("hcp-terraform").map((s) => s.backend.type)).toEqual(["cloud", "cloud"]);
    expect(stacks("single-az")[1].resourceCounts.map(([type]) => type)).toContain("aws_instance");
    expect(stacks("multi-az")[1].resourceCounts.map(([type]) => type)).not.toContain("aws_instance");
  });

  test("the multi-AZ example looks the NLB IPs up and hands out PassiveIp 0.0.0.0", () => {
    const provider = JSON.parse(fs.readFileSync(path.join(stackDir("multi-az", "provider"), "cdk.tf.json"), "utf8"));
    const nlb = Object.values(provider.resource.aws_lb)[0] as Record<string, unknown>;
    expect(nlb.subnets).toEqual(["subnet-0a1b2c3d4e5f60003", "subnet-0a1b2c3d4e5f60004"]);
    expect(nlb.subnet_mapping).toBeUndefined();
    expect(nlb.enable_cross_zone_load_balancing).toBe(false);
    const attachments = Object.keys(provider.resource.aws_lb_target_group_attachment);
    expect(attachments).toHaveLength(20); // 10 target groups x 2 endpoint IPs
  });

  test("the consumer reads the provider's state through a relative local path that validate never opens", () => {
    const consumer = JSON.parse(fs.readFileSync(path.join(stackDir("single-az", "consumer"), "cdk.tf.json"), "utf8"));
    const remoteStates = Object.values(consumer.data.terraform_remote_state) as { backend: string; config: { path: string } }[];
    expect(remoteStates).toEqual([{ backend: "local", config: { path: "../../../state/provider.tfstate" } }]);
    expect(consumer.terraform.backend).toEqual({ local: { path: "../../../state/consumer.tfstate" } });
    // init and validate created no state file, neither where the path leads nor anywhere in the project.
    for (const layout of LAYOUTS) expect(fs.existsSync(path.join(projectDir(layout), "state"))).toBe(false);
  });
});
