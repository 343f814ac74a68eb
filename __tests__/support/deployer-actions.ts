// The IAM actions the deployer roles made when the stacks were deployed,
// changed and destroyed as roles on the emulator, per phase, with the config
// documents used: __tests__/fixtures/deployer-actions.json, written by
// scripts/measure-deployer-actions.ts (emulator patch role_request_log records
// every request signed with a role's credentials).
import * as fs from "fs";
import * as path from "path";
import { parseConfig } from "../../config/load";
import { TransferConfig, TransferConfigInput } from "../../config/schema";
import { DeployerIds, DeployerPolicyName } from "../../lib/deployer-policies";

interface MeasuredVariant {
  readonly description: string;
  readonly configs: TransferConfigInput[];
  /** role name -> IAM action -> phases ("deploy0", "deploy1", ..., "destroy"). */
  readonly roles: Record<string, Record<string, readonly string[]>>;
}

interface Fixture {
  readonly source: string;
  readonly account: string;
  readonly variants: Record<string, MeasuredVariant>;
}

const FIXTURE = path.join(__dirname, "..", "fixtures", "deployer-actions.json");

export function deployerActionsFixture(): Fixture {
  return JSON.parse(fs.readFileSync(FIXTURE, "utf8")) as Fixture;
}

/**
 * The IAM service prefix of a recorded action: the emulator names actions after its own
 * service names, which are IAM's but for Lambda's (Service Authorization Reference: "lambda").
 */
const IAM_PREFIX: Record<string, string> = { awslambda: "lambda" };
/**
 * Operations whose IAM action has another name than the API operation the emulator records
 * (Service Authorization Reference, Lambda: the Invoke API is authorized by lambda:InvokeFunction).
 */
const IAM_OPERATION: Record<string, string> = { "lambda:Invoke": "lambda:InvokeFunction" };
export function iamActionName(recorded: string): string {
  const [service, operation] = recorded.split(":");
  const action = `${IAM_PREFIX[service] ?? service}:${operation}`;
  return IAM_OPERATION[action] ?? action;
}

/** Which deployer policy judges each measured role. */
const ROLE_POLICY: Record<string, DeployerPolicyName> = {
  "m-provider-deploy": "provider-deploy",
  "m-consumer-deploy": "consumer-deploy",
  "m-service-owner": "service-owner",
};

export interface RecordedPhase {
  readonly variant: string;
  readonly phase: string;
  /** The config in effect in that phase (a destroy: the last one deployed). */
  readonly config: TransferConfig;
  readonly ids: DeployerIds;
  /** Policy name -> the actions its role made in the phase. */
  readonly actions: Partial<Record<DeployerPolicyName, string[]>>;
}

/** Every measured phase of every variant, with its config and the actions per deployer policy. */
export function recordedPhases(): RecordedPhase[] {
  const fixture = deployerActionsFixture();
  const ids: DeployerIds = { providerAccountId: fixture.account, consumerAccountId: fixture.account };
  return Object.entries(fixture.variants).flatMap(([variant, measured]) => {
    const configs = measured.configs.map((document, i) => parseConfig(document, `${variant} config ${i}`));
    const phases = [...new Set(Object.values(measured.roles).flatMap((actions) => Object.values(actions).flat()))].sort();
    return phases.map((phase) => {
      const index = phase.startsWith("deploy") ? Number(phase.slice("deploy".length)) : configs.length - 1;
      const actions: Partial<Record<DeployerPolicyName, string[]>> = {};
      for (const [role, byAction] of Object.entries(measured.roles)) {
        const policy = ROLE_POLICY[role];
        if (!policy) throw new Error(`a measured role ${role} is not a deployer role`);
        const made = Object.entries(byAction).filter(([, inPhases]) => inPhases.includes(phase)).map(([action]) => iamActionName(action));
        if (made.length) actions[policy] = made.sort();
      }
      return { variant, phase, config: configs[index], ids, actions };
    });
  });
}
