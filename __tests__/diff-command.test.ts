// `npm run diff` plans both stacks, provider first, each under a heading that
// names it (cdktf diff plans only the first stack it is given: upstream
// hashicorp/terraform-cdk #2235, #2157). Here the cdktf CLI is a recording
// stand-in that prints what cdktf would; the real run (real cdktf, Terraform
// and the emulator) is deploy.test.ts step e2.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runDiff, USAGE } from "../cli/diff-command";
import { exampleWith } from "./support/config";

interface Run {
  code: number;
  out: string[];
  err: string[];
  calls: string[][];
}

let project: string;

beforeEach(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), "diff-command-"));
});
afterEach(() => fs.rmSync(project, { recursive: true, force: true }));

function writeConfig(document: unknown): void {
  fs.writeFileSync(path.join(project, "config.json"), JSON.stringify(document));
}

/** A stand-in cdktf: prints `lines[stack]` and exits with `codes[stack]`. */
async function run(argv: string[], lines: Record<string, string[]>, codes: Record<string, number> = {}): Promise<Run> {
  const result: Run = { code: -1, out: [], err: [], calls: [] };
  result.code = await runDiff(argv, {
    cwd: project,
    env: { TRANSFER_CONFIG: path.join(project, "config.json") },
    out: (line) => result.out.push(line),
    err: (line) => result.err.push(line),
    cdktf: async (args, onLine) => {
      result.calls.push([...args]);
      for (const line of lines[args[1]] ?? []) onLine(line);
      return codes[args[1]] ?? 0;
    },
  });
  return result;
}

const PROVIDER_PLAN = ["provider  Plan: 65 to add, 0 to change, 0 to destroy."];
const CONSUMER_PLAN = ["consumer  Plan: 5 to add, 0 to change, 0 to destroy."];

test("provider, then consumer (without a second synth), each part under its stack's heading", async () => {
  writeConfig(exampleWith());
  fs.mkdirSync(path.join(project, "state"));
  fs.writeFileSync(path.join(project, "state", "provider.tfstate"), JSON.stringify({ version: 4, outputs: { endpoint_service_name: { value: "com.amazonaws.vpce.x" } } }));
  const result = await run(["--skip-provider-lock"], { provider: PROVIDER_PLAN, consumer: CONSUMER_PLAN });
  expect(result.calls).toEqual([
    ["diff", "provider", "--skip-provider-lock"],
    ["diff", "consumer", "--skip-synth", "--skip-provider-lock"],
  ]);
  expect(result.out).toEqual([
    "==== provider stack: cdktf diff provider ====",
    ...PROVIDER_PLAN,
    "",
    "==== consumer stack: cdktf diff consumer (against the provider's current state) ====",
    ...CONSUMER_PLAN,
    "",
    "diff: provider planned; consumer planned",
  ]);
  expect(result.code).toBe(0);
});

test("no provider state yet (local backend): the consumer is not run, and the reason is said", async () => {
  writeConfig(exampleWith());
  const result = await run([], { provider: PROVIDER_PLAN });
  expect(result.calls).toEqual([["diff", "provider"]]);
  expect(result.out).toContain("consumer: not planned: the provider stack has no state yet (state/provider.tfstate holds no outputs).");
  expect(result.out.join("\n")).toContain("it can be planned only after the provider has been applied once");
  expect(result.out[result.out.length - 1]).toBe("diff: provider planned; consumer not planned: no provider state yet");
  expect(result.code).toBe(0);
});

test("no provider state yet (s3 backend): Terraform's 'Unable to find remote state' explained", async () => {
  writeConfig({ ...exampleWith(), backend: { type: "s3", bucket: "tf-state", keyPrefix: "ftp", region: "ap-northeast-1" } });
  const result = await run([], {
    provider: PROVIDER_PLAN,
    consumer: ["consumer  ╷", "consumer  │ Error: Unable to find remote state", "consumer  │   with data.terraform_remote_state.provider"],
  }, { consumer: 1 });
  expect(result.calls).toHaveLength(2);
  expect(result.out).toContain("consumer  │ Error: Unable to find remote state");
  expect(result.out).toContain("consumer: not planned: the provider stack has no state yet (the s3 backend has no provider state).");
  expect(result.code).toBe(0);
});

test("a failed plan fails the command, and the summary says which stack", async () => {
  writeConfig(exampleWith());
  const result = await run([], { provider: ["provider  Error: Resource precondition failed"] }, { provider: 1 });
  expect(result.out[result.out.length - 1]).toBe("diff: provider FAILED (see its part above); consumer not planned: no provider state yet");
  expect(result.code).toBe(1);
});

test("--help, unknown arguments (usage first, the error last) and a bad config plan nothing", async () => {
  writeConfig(exampleWith());
  const help = await run(["--help"], {});
  expect(help).toMatchObject({ code: 0, out: [USAGE], calls: [] });
  const unknown = await run(["provider"], {});
  expect(unknown).toMatchObject({ code: 2, err: [USAGE, 'diff: unknown argument "provider"'], calls: [] });
  writeConfig(exampleWith({ region: "eu-central-9" }));
  const bad = await run([], {});
  expect(bad.code).toBe(1);
  expect(bad.err.join("\n")).toContain('region: expected an AWS region');
  expect(bad.calls).toEqual([]);
});
