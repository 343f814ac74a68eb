// Prints the deployer policies (lib/deployer-policies.ts) for the config in
// TRANSFER_CONFIG (default config/example.json), as one JSON object of named
// documents: provider-deploy, consumer-deploy, service-owner (with
// consumer.serviceOwnerRoleArn) and trust. The accounts come from the config's
// role ARNs where it names them (provider.assumeRoleArn, consumer.assumeRoleArn,
// consumer.serviceOwnerRoleArn), else from the options; the consumer defaults to
// the provider's account.
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from "../config/load";
import { TransferConfig } from "../config/schema";
import { deployerPolicies, DeployerIds } from "../lib/deployer-policies";

export interface DeployerPoliciesIo {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

const USAGE = "usage: npm run deployer-policies [-- --provider-account 123456789012] [--consumer-account 210987654321]";
const ACCOUNT = /^\d{12}$/;

const accountOf = (arn: string | undefined) => arn?.split(":")[4];

/** The accounts of the two stacks: from the options, else from the config's role ARNs. */
export function deployerIds(config: TransferConfig, options: { providerAccount?: string; consumerAccount?: string }): DeployerIds | string {
  const providerAccountId = options.providerAccount ?? accountOf(config.provider.assumeRoleArn) ?? accountOf(config.consumer.serviceOwnerRoleArn);
  if (!providerAccountId) return "the provider account is not in the config (no provider.assumeRoleArn or consumer.serviceOwnerRoleArn): give --provider-account";
  const consumerAccountId = options.consumerAccount ?? accountOf(config.consumer.assumeRoleArn) ?? providerAccountId;
  return { providerAccountId, consumerAccountId };
}

export function runDeployerPolicies(args: readonly string[], io: DeployerPoliciesIo): number {
  const options: { providerAccount?: string; consumerAccount?: string } = {};
  for (let i = 0; i < args.length; i++) {
    const [flag, value] = [args[i], args[i + 1]];
    if ((flag === "--provider-account" || flag === "--consumer-account") && value !== undefined && ACCOUNT.test(value)) {
      options[flag === "--provider-account" ? "providerAccount" : "consumerAccount"] = value;
      i++;
    } else {
      io.stderr.write(`${flag === "--help" ? "" : `unexpected ${JSON.stringify(flag)}${value === undefined ? "" : " (account IDs are 12 digits)"}\n`}${USAGE}\n`);
      return flag === "--help" ? 0 : 2;
    }
  }
  const file = io.env.TRANSFER_CONFIG || DEFAULT_CONFIG_PATH;
  let config: TransferConfig;
  try {
    config = loadConfig(file);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const ids = deployerIds(config, options);
  if (typeof ids === "string") {
    io.stderr.write(`${ids}\n${USAGE}\n`);
    return 2;
  }
  io.stderr.write(`deployer policies for ${file}: provider account ${ids.providerAccountId}, consumer account ${ids.consumerAccountId}\n`);
  const policies = deployerPolicies(config, ids);
  for (const [name, document] of Object.entries(policies)) {
    if (name !== "trust") io.stderr.write(`  ${policySizeNote(name, document)}\n`);
  }
  io.stdout.write(`${JSON.stringify(policies, null, 2)}\n`);
  return 0;
}

// IAM user guide, "IAM and AWS STS quotas": a role's inline policies may hold 10,240 characters
// in all, a managed policy 6,144 (whitespace not counted in either).
export const INLINE_POLICY_LIMIT = 10_240;
export const MANAGED_POLICY_LIMIT = 6_144;

/** Where a policy document fits: as the role's inline policy, as a managed policy, or neither. */
export function policySizeNote(name: string, document: unknown): string {
  const size = JSON.stringify(document).length;
  const fits = size <= MANAGED_POLICY_LIMIT ? "an inline or a managed policy" : size <= INLINE_POLICY_LIMIT ? `the role's inline policy (over a managed policy's ${MANAGED_POLICY_LIMIT})` : "NEITHER an inline nor a managed policy: split it";
  return `${name}: ${size} characters without whitespace; fits ${fits}`;
}
