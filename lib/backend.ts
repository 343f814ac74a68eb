import { Construct } from "constructs";
import {
  CloudBackend,
  DataTerraformRemoteState,
  DataTerraformRemoteStateLocal,
  DataTerraformRemoteStateS3,
  LocalBackend,
  NamedCloudWorkspace,
  NamedRemoteWorkspace,
  S3Backend,
  TerraformRemoteState,
  TerraformStack,
  TerraformVariable,
} from "cdktf";
import * as path from "path";
import { BackendConfig } from "../config/schema";

export type StackName = "provider" | "consumer";

// Terraform runs each stack from cdktf.out/stacks/<stack>/, three levels below
// the project root. Local state paths are written relative to that folder so
// that synthesized JSON never holds an absolute path of the machine it was
// built on (cdktf's default LocalBackend would).
const STACK_DIR_TO_PROJECT_ROOT = "../../..";

export function localStatePath(dir: string, stack: StackName): string {
  return path.posix.join(STACK_DIR_TO_PROJECT_ROOT, dir.replace(/\\/g, "/"), `${stack}.tfstate`);
}

function s3Key(keyPrefix: string, stack: StackName): string {
  return `${keyPrefix}/${stack}.tfstate`;
}

function workspaceName(backend: Extract<BackendConfig, { type: "cloud" }>, stack: StackName): string {
  return stack === "provider" ? backend.providerWorkspace : backend.consumerWorkspace;
}

/** Gives the stack the state backend the config asks for (one state per stack). */
export function configureBackend(stack: TerraformStack, backend: BackendConfig, name: StackName): void {
  switch (backend.type) {
    case "local":
      new LocalBackend(stack, { path: localStatePath(backend.dir, name) });
      return;
    case "s3": {
      const s3 = new S3Backend(stack, {
        bucket: backend.bucket,
        key: s3Key(backend.keyPrefix, name),
        region: backend.region,
        encrypt: true,
        ...(backend.roleArn ? { assumeRole: { roleArn: backend.roleArn } } : {}),
      });
      // S3-native state locking (Terraform >= 1.10); cdktf 0.21's S3Backend
      // predates the option, so it is set as an override.
      s3.addOverride("use_lockfile", true);
      return;
    }
    case "cloud":
      new CloudBackend(stack, {
        hostname: backend.hostname,
        organization: backend.organization,
        workspaces: new NamedCloudWorkspace(workspaceName(backend, name)),
      });
      return;
  }
}

/**
 * Reads another stack's state through the data source that matches the
 * backend. The consumer uses it for the provider's explicit, named outputs
 * (cdktf's automatic cross-stack references would be sensitive, hash-named
 * outputs that a reviewer cannot read in a plan).
 */
export function remoteStateOf(scope: Construct, id: string, backend: BackendConfig, name: StackName): TerraformRemoteState {
  switch (backend.type) {
    case "local":
      return new DataTerraformRemoteStateLocal(scope, id, { path: localStatePath(backend.dir, name) });
    case "s3":
      return new DataTerraformRemoteStateS3(scope, id, {
        bucket: backend.bucket,
        key: s3Key(backend.keyPrefix, name),
        region: backend.region,
        ...(backend.roleArn ? { assumeRole: { roleArn: backend.roleArn } } : {}),
      });
    case "cloud":
      return new DataTerraformRemoteState(scope, id, {
        hostname: backend.hostname,
        organization: backend.organization,
        workspaces: new NamedRemoteWorkspace(workspaceName(backend, name)),
      });
  }
}

// ---- HCP Terraform dynamic provider credentials (backend.dynamicCredentials) ----------
//
// HCP Terraform authenticates the default AWS provider of a run by itself (workspace
// variables TFC_AWS_PROVIDER_AUTH and TFC_AWS_RUN_ROLE_ARN). Every further configuration
// of the same provider needs its own "tagged" variables (TFC_AWS_PROVIDER_AUTH_<TAG>,
// TFC_AWS_RUN_ROLE_ARN_<TAG>, ...), the input variable tfc_aws_dynamic_credentials
// declared in the configuration, through which HCP Terraform hands over one shared config
// file per tag, and the provider block pointed at that file: shared_config_files =
// [var.tfc_aws_dynamic_credentials.aliases["<TAG>"].shared_config_file] (HCP Terraform
// docs, "Dynamic credentials with the AWS provider", "Specifying multiple configurations").

/** The input variable HCP Terraform fills in during runs; the name is HashiCorp's. */
export const TFC_AWS_DYNAMIC_CREDENTIALS = "tfc_aws_dynamic_credentials";
/**
 * The tag of the consumer stack's service-owner provider (alias service_owner), which accepts
 * the endpoint connection: workspace variables TFC_AWS_PROVIDER_AUTH_SERVICE_OWNER,
 * TFC_AWS_RUN_ROLE_ARN_SERVICE_OWNER.
 */
export const SERVICE_OWNER_CREDENTIALS_TAG = "SERVICE_OWNER";
/** Its type, as HashiCorp documents it. */
export const TFC_AWS_DYNAMIC_CREDENTIALS_TYPE =
  "object({ default = object({ shared_config_file = string }), aliases = map(object({ shared_config_file = string })) })";

/** Whether the config asks for dynamic provider credentials (cloud backend only). */
export function usesDynamicCredentials(backend: BackendConfig): boolean {
  return backend.type === "cloud" && backend.dynamicCredentials;
}

/**
 * For an aliased AWS provider under dynamic credentials: declares tfc_aws_dynamic_credentials
 * in the stack (once) and returns the provider's shared_config_files, the file HCP Terraform
 * wrote for `tag` (the suffix of the workspace's TFC_AWS_*_<TAG> variables). Undefined when
 * the config does not use dynamic credentials: the provider keeps its usual credential chain.
 */
export function dynamicCredentialsConfigFiles(stack: TerraformStack, backend: BackendConfig, tag: string): string[] | undefined {
  if (!usesDynamicCredentials(backend)) return undefined;
  if (!/^[A-Za-z0-9_]+$/.test(tag) || tag === "TYPE") {
    // HashiCorp: letters, digits and underscores; TYPE is reserved.
    throw new Error(`dynamic credentials tag ${JSON.stringify(tag)}: expected letters, digits and underscores, not TYPE`);
  }
  if (!stack.node.tryFindChild(TFC_AWS_DYNAMIC_CREDENTIALS)) {
    const variable = new TerraformVariable(stack, TFC_AWS_DYNAMIC_CREDENTIALS, {
      description: "Object containing AWS dynamic credentials configuration (set by HCP Terraform during runs)",
      type: TFC_AWS_DYNAMIC_CREDENTIALS_TYPE,
    });
    variable.overrideLogicalId(TFC_AWS_DYNAMIC_CREDENTIALS);
  }
  return [`\${var.${TFC_AWS_DYNAMIC_CREDENTIALS}.aliases["${tag}"].shared_config_file}`];
}
