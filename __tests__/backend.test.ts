import "cdktf/lib/testing/adapters/jest";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { configWithBackend, exampleDocument, problemsOf } from "./support/config";
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

// HCP Terraform docs, "Dynamic credentials with the AWS provider" / "Specifying multiple
// configurations": the default AWS provider is authenticated by the run (TFC_AWS_PROVIDER_AUTH,
// TFC_AWS_RUN_ROLE_ARN); an aliased one reads the shared config file HCP Terraform passes in
// var.tfc_aws_dynamic_credentials for its tag.
describe("Terraform Cloud backend with dynamicCredentials", () => {
  const cloud = { type: "cloud", organization: "acme", providerWorkspace: "ftp-provider", consumerWorkspace: "ftp-consumer" };
  const stacks = synthStacks(configWithBackend({ ...cloud, dynamicCredentials: true }));
  const providers = (synthesized: string) => JSON.parse(synthesized).provider.aws as Record<string, unknown>[];
  const documentedType =
    "object({ default = object({ shared_config_file = string }), aliases = map(object({ shared_config_file = string })) })";

  test("the consumer declares tfc_aws_dynamic_credentials with the documented type", () => {
    expect(JSON.parse(stacks.consumer).variable).toEqual({
      tfc_aws_dynamic_credentials: { description: expect.stringContaining("AWS dynamic credentials"), type: documentedType },
    });
  });

  test("the service owner's aliased provider reads its shared config file (tag SERVICE_OWNER); the default provider is left to the run", () => {
    expect(stacks.consumer).toHaveProviderWithProperties(
      AwsProvider,
      {
        alias: "service_owner",
        shared_config_files: ['${var.tfc_aws_dynamic_credentials.aliases["SERVICE_OWNER"].shared_config_file}'],
      },
    );
    const [defaultProvider, ...aliased] = providers(stacks.consumer);
    expect(defaultProvider.alias).toBeUndefined();
    expect(defaultProvider).not.toHaveProperty("shared_config_files");
    expect(aliased.map((p) => p.alias)).toEqual(["service_owner"]);
  });

  test("the provider stack has one AWS provider: nothing to declare, the run's default credentials", () => {
    expect(JSON.parse(stacks.provider).variable?.tfc_aws_dynamic_credentials).toBeUndefined();
    expect(providers(stacks.provider)).toHaveLength(1);
    expect(providers(stacks.provider)[0]).not.toHaveProperty("shared_config_files");
  });

  test("off by default: no variable, no shared_config_files", () => {
    const plain = synthStacks(configWithBackend(cloud));
    expect(JSON.parse(plain.consumer).variable).toBeUndefined();
    expect(providers(plain.consumer).some((p) => "shared_config_files" in p)).toBe(false);
  });
});

describe("dynamicCredentials on another backend", () => {
  test.each([
    ["local", { type: "local", dir: "state", dynamicCredentials: true }],
    ["s3", { type: "s3", bucket: "acme-terraform-state", keyPrefix: "ftp", region: "us-east-1", dynamicCredentials: true }],
  ])("%s: refused, naming the key and the backend type", (type, backend) => {
    expect(problemsOf({ ...exampleDocument(), backend })).toEqual([
      `backend.dynamicCredentials: only the "cloud" backend has dynamic provider credentials (HCP Terraform); backend.type is "${type}": remove the key or use backend.type "cloud"`,
    ]);
  });

  test("a non-boolean on the cloud backend is refused", () => {
    const backend = { type: "cloud", organization: "acme", providerWorkspace: "a", consumerWorkspace: "b", dynamicCredentials: "yes" };
    expect(problemsOf({ ...exampleDocument(), backend })).toEqual(["backend.dynamicCredentials: expected boolean, got string"]);
  });
});
