import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";

export interface AwsProviderOptions {
  readonly region: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly assumeRoleArn?: string;
  /** Provider alias, for a second AWS provider in the same stack. */
  readonly alias?: string;
  /** shared_config_files (HCP Terraform dynamic credentials of an aliased provider: lib/backend.ts). */
  readonly sharedConfigFiles?: readonly string[];
}

/** The AWS provider for a stack: region, default tags on every resource, optional role. */
export function awsProvider(scope: Construct, id: string, options: AwsProviderOptions): AwsProvider {
  return new AwsProvider(scope, id, {
    region: options.region,
    alias: options.alias,
    defaultTags: [{ tags: { ...options.tags } }],
    ...(options.sharedConfigFiles ? { sharedConfigFiles: [...options.sharedConfigFiles] } : {}),
    ...(options.assumeRoleArn ? { assumeRole: [{ roleArn: options.assumeRoleArn, sessionName: "transfer-privatelink-ftp" }] } : {}),
  });
}
