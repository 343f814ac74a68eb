import "cdktf/lib/testing/adapters/jest";
import { configWithBackend } from "./support/config";
import { synthStacks } from "./support/synth";

const terraformBlock = (synthesized: string) => JSON.parse(synthesized).terraform;
const remoteState = (synthesized: string) => JSON.parse(synthesized).data.terraform_remote_state["provider-state"];

describe("local backend", () => {
  const stacks = synthStacks(configWithBackend({ type: "local", dir: "var/state" }));

  test("each stack keeps its state at a relative path inside the project", () => {
    expect(terraformBlock(stacks.provider).backend).toEqual({ local: { path: "../../../var/state/provider.tfstate" } });
    expect(terraformBlock(stacks.consumer).backend).toEqual({ local: { path: "../../../var/state/consumer.tfstate" } });
  });

  test("the consumer reads the provider's state file", () => {
    expect(remoteState(stacks.consumer)).toEqual({ backend: "local", config: { path: "../../../var/state/provider.tfstate" } });
  });
});

describe("s3 backend", () => {
  const backend = { type: "s3", bucket: "acme-terraform-state", keyPrefix: "network/transfer-ftp", region: "us-east-1" };
  const stacks = synthStacks(configWithBackend(backend));

  test("one key per stack, encrypted, with S3-native locking", () => {
    expect(terraformBlock(stacks.provider).backend.s3).toEqual({
      bucket: "acme-terraform-state",
      key: "network/transfer-ftp/provider.tfstate",
      region: "us-east-1",
      encrypt: true,
      use_lockfile: true,
    });
    expect(terraformBlock(stacks.consumer).backend.s3.key).toBe("network/transfer-ftp/consumer.tfstate");
  });

  test("the consumer reads the provider's key", () => {
    expect(remoteState(stacks.consumer)).toEqual({
      backend: "s3",
      config: { bucket: "acme-terraform-state", key: "network/transfer-ftp/provider.tfstate", region: "us-east-1" },
    });
  });

  test("a state role, when configured, is assumed by backend and remote state alike", () => {
    const roleArn = "arn:aws:iam::123456789012:role/terraform-state";
    const withRole = synthStacks(configWithBackend({ ...backend, roleArn }));
    expect(terraformBlock(withRole.provider).backend.s3.assume_role).toEqual({ role_arn: roleArn });
    expect(remoteState(withRole.consumer).config.assume_role).toEqual({ role_arn: roleArn });
  });
});

describe("Terraform Cloud backend", () => {
  const stacks = synthStacks(
    configWithBackend({ type: "cloud", organization: "acme", providerWorkspace: "ftp-provider", consumerWorkspace: "ftp-consumer" }),
  );

  test("each stack has its own named workspace", () => {
    expect(terraformBlock(stacks.provider).cloud).toEqual({
      hostname: "app.terraform.io",
      organization: "acme",
      workspaces: { name: "ftp-provider" },
    });
    expect(terraformBlock(stacks.consumer).cloud.workspaces).toEqual({ name: "ftp-consumer" });
    expect(terraformBlock(stacks.provider).backend).toBeUndefined();
  });

  test("the consumer reads the provider workspace's outputs through the remote backend", () => {
    expect(remoteState(stacks.consumer)).toEqual({
      backend: "remote",
      config: { hostname: "app.terraform.io", organization: "acme", workspaces: { name: "ftp-provider" } },
    });
  });
});
