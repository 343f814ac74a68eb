import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";

export interface AwsProviderOptions {
  readonly region: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly assumeRoleArn?: string;
  /** Provider alias, for a second AWS provider in the same stack. */
  readonly alias?: string;
}

/** The AWS provider for a stack: region, default tags on every resource, optional role. */
export function awsProvider(scope: Construct, id: string, options: AwsProviderOptions): AwsProvider {
  return new AwsProvider(scope, id, {
    region: options.region,
    alias: options.alias,
    defaultTags: [{ tags: { ...options.tags } }],
    ...(options.assumeRoleArn ? { assumeRole: [{ roleArn: options.assumeRoleArn, sessionName: "transfer-privatelink-ftp" }] } : {}),
  });
}
