// The wait for the Transfer server's VPC endpoint: its
// command run by /bin/sh against a stand-in `aws` that answers
// describe-vpc-endpoints from a list of states, one per call.
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { endpointEniDescriptions, WAIT_FOR_ENDPOINT_COMMAND } from "../stacks/provider/transfer-endpoint-addresses";

const run = promisify(execFile);

const FAKE_AWS = `#!/bin/sh
if [ "$1" = sts ]; then
  [ "$FAKE_ASSUME" = refuse ] && { echo "An error occurred (AccessDenied) when calling the AssumeRole operation" >&2; exit 254; }
  echo "ASIAASSUMEDKEY	assumed-secret	assumed-token"; exit 0
fi
echo "$*" >> "$FAKE_DIR/calls"
echo "$AWS_ACCESS_KEY_ID" >> "$FAKE_DIR/keys"
state=$(head -n 1 "$FAKE_DIR/states")
[ "$(wc -l < "$FAKE_DIR/states")" -gt 1 ] && sed -i 1d "$FAKE_DIR/states"
[ "$state" = error ] && { echo "An error occurred (InvalidVpcEndpointId.NotFound)" >&2; exit 254; }
echo "$state"
`;

describe("wait for the Transfer server's VPC endpoint", () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "endpoint-wait-"));
    fs.mkdirSync(path.join(dir, "bin"));
    fs.writeFileSync(path.join(dir, "bin", "aws"), FAKE_AWS, { mode: 0o755 });
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function wait(states: string[], timeoutSeconds = 30, withAws = true, extraEnv: Record<string, string> = {}) {
    fs.writeFileSync(path.join(dir, "states"), `${states.join("\n")}\n`);
    const env = {
      AWS_ACCESS_KEY_ID: "AKIAAMBIENTKEY",
      ...extraEnv,
      PATH: withAws ? `${path.join(dir, "bin")}:/usr/bin:/bin` : "/nonexistent",
      FAKE_DIR: dir,
      AWS_REGION: "ap-northeast-1",
      VPC_ENDPOINT_ID: "vpce-0123456789abcdef0",
      TIMEOUT_SECONDS: String(timeoutSeconds),
      POLL_SECONDS: "0",
    };
    try {
      const { stdout, stderr } = await run("/bin/sh", ["-c", WAIT_FOR_ENDPOINT_COMMAND], { env, timeout: 20_000 });
      return { code: 0, stdout, stderr, calls: readCalls() };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr, calls: readCalls() };
    }
  }
  const readCalls = () => (fs.existsSync(path.join(dir, "calls")) ? fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n") : []);

  test("polls while pending and returns once available (AWS answers lower case; capitals tolerated)", async () => {
    const result = await wait(["pending", "Pending", "available"]);
    expect(result.code).toBe(0);
    expect(result.calls).toEqual(
      Array(3).fill("ec2 describe-vpc-endpoints --region ap-northeast-1 --vpc-endpoint-ids vpce-0123456789abcdef0 --query VpcEndpoints[0].State --output text"),
    );
    expect(result.stdout).toContain("VPC endpoint vpce-0123456789abcdef0 is pending; waiting");
    expect(result.stdout).toContain("VPC endpoint vpce-0123456789abcdef0 is available");
  });

  test("acts with provider.assumeRoleArn's temporary credentials when it is set, and stops plainly when the role is refused", async () => {
    const assumed = await wait(["pending", "available"], 30, true, { ASSUME_ROLE_ARN: "arn:aws:iam::123456789012:role/ftp-deployer" });
    expect(assumed.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, "keys"), "utf8").trim().split("\n")).toEqual(["ASIAASSUMEDKEY", "ASIAASSUMEDKEY"]);
    expect(`${assumed.stdout}${assumed.stderr}`).not.toContain("assumed-secret");
    fs.rmSync(path.join(dir, "keys"));
    const refused = await wait(["available"], 30, true, { ASSUME_ROLE_ARN: "arn:aws:iam::123456789012:role/ftp-deployer", FAKE_ASSUME: "refuse" });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("cannot assume role arn:aws:iam::123456789012:role/ftp-deployer");
    expect(fs.existsSync(path.join(dir, "keys"))).toBe(false);
    const ambient = await wait(["available"]);
    expect(ambient.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, "keys"), "utf8").trim()).toBe("AKIAAMBIENTKEY");
  });

  test("fails at once on a state that never becomes available", async () => {
    const result = await wait(["pending", "failed"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("VPC endpoint vpce-0123456789abcdef0 of the Transfer server is failed");
    expect(result.calls).toHaveLength(2);
  });

  test("the wait is bounded", async () => {
    const result = await wait(["pending"], 0);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("is still pending after 0 s");
  });

  test("an AWS CLI error or a missing AWS CLI is a plain failure", async () => {
    const error = await wait(["error"]);
    expect(error.code).toBe(1);
    expect(error.stderr).toContain("cannot describe VPC endpoint vpce-0123456789abcdef0 in ap-northeast-1");
    const missing = await wait(["available"], 30, false);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("the AWS CLI (aws) is not installed where Terraform runs");
  });

  test("the command has nothing Terraform would interpolate; both ENI description forms are looked up", () => {
    expect(WAIT_FOR_ENDPOINT_COMMAND).not.toContain("${");
    expect(WAIT_FOR_ENDPOINT_COMMAND).not.toContain("%{");
    expect(endpointEniDescriptions("vpce-1")).toEqual(["VPC Endpoint Interface vpce-1", "VPC Endpoint Interface: vpce-1"]);
  });
});
