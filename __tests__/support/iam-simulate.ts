// IAM evaluation for tests: one request against identity (and resource) policies,
// decided by @cloud-copilot/iam-simulate (AGPL; a devDependency, never imported by
// product code).
import { runSimulation, Simulation } from "@cloud-copilot/iam-simulate";
import { PolicyDocument } from "../../lib/cross-account-policies";

export interface Request {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly resourceAccount: string;
  readonly context?: Record<string, string>;
}

/** The simulator's decision for one request by a role with `policy` attached (and an optional resource policy). */
export async function decide(policy: PolicyDocument, request: Request, resourcePolicy?: PolicyDocument): Promise<string> {
  const simulation: Simulation = {
    identityPolicies: [{ name: "policy", policy: policy as never }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(resourcePolicy ? { resourcePolicy: resourcePolicy as never } : {}),
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: request.resourceAccount },
      contextVariables: request.context ?? {},
    },
  };
  const response = await runSimulation(simulation, {});
  if (response.resultType === "error") throw new Error(`simulator: ${JSON.stringify(response.errors)}`);
  return response.overallResult;
}

