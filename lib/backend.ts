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
