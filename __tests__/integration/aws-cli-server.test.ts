// `aws()` (emulator/client.ts) runs each command in a child of emulator/aws_cli_server.py
// instead of a new `aws` process. What a command prints and its exit status must be those of
// `aws` itself, and concurrent commands must not see each other's environment.
import { execFile } from "child_process";
import { assumeRole, aws, AwsCliError, awsAs, awsEnv, Emulator, emulatorPrerequisites, startEmulator } from "../../emulator/client";
import { missingPrerequisites } from "../support/prerequisites";

const missing = missingPrerequisites("the AWS CLI server (emulator + AWS CLI)", emulatorPrerequisites);
const describeEmulator = missing.length ? describe.skip : describe;

/** The same command by a new `aws` process, as a user would run it. */
function awsProcess(emu: Emulator, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile("aws", [...args, "--output", "json"], { env: awsEnv(emu) }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

describeEmulator("aws() through the AWS CLI server", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({ iamPropagationSeconds: 0 });
  }, 120_000);
  afterAll(async () => {
    await emu?.stop();
  });

  it("answers what a new aws process answers, output and errors alike", async () => {
    const vpc = await aws(emu, ["ec2", "create-vpc", "--cidr-block", "10.0.0.0/16"]);
    const args = ["ec2", "describe-vpcs", "--vpc-ids", vpc.Vpc.VpcId];
    const direct = await awsProcess(emu, args);
    expect(direct.code).toBe(0);
    expect(await aws(emu, args)).toEqual(JSON.parse(direct.stdout));

    const bad = ["ec2", "describe-vpcs", "--vpc-ids", "vpc-0000000000000000f"];
    const directError = await awsProcess(emu, bad);
    expect(directError.code).not.toBe(0);
    const error = await aws(emu, bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsCliError);
    expect((error as AwsCliError).stderr.trim()).toBe(directError.stderr.trim());
  }, 60_000);

  it("keeps each command's environment its own, also when they run at once", async () => {
    await aws(emu, ["iam", "create-role", "--role-name", "cli-server-probe", "--assume-role-policy-document", JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${(await aws(emu, ["sts", "get-caller-identity"])).Account}:root` }, Action: "sts:AssumeRole" }],
    })]);
    const role = await assumeRole(emu, `arn:aws:iam::${(await aws(emu, ["sts", "get-caller-identity"])).Account}:role/cli-server-probe`, "probe");
    const who = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? awsAs(emu, role, ["sts", "get-caller-identity"]) : aws(emu, ["sts", "get-caller-identity"]))),
    );
    who.forEach((identity, i) => {
      if (i % 2) expect(identity.Arn).toMatch(/:assumed-role\/cli-server-probe\/probe$/);
      else expect(identity.Arn).not.toMatch(/assumed-role/);
    });
  }, 60_000);
});
