// IAM evaluation for tests: the policies the stacks really synthesize,
// resolved to concrete values, evaluated by @cloud-copilot/iam-simulate.
//
// @cloud-copilot/iam-simulate is AGPL-3.0: a devDependency, imported by tests
// only (never by stacks/, functions/ or scripts/).
//
// Typical use (see __tests__/iam-evaluation.test.ts):
//   const iam = new SynthesizedIam(synthStacks(config).provider, WORLD);
//   const role = iam.roleNamed("tf-ftp-transfer-s3-access");
//   await assumeRole(role, { service: "transfer.amazonaws.com", sourceArn, sourceAccount })  // "Allowed" | ...
//   await evaluateIdentity({ identityPolicies: role.policies, sessionPolicy, action, resource, context })
import { createHash } from "crypto";
import { runSimulation } from "@cloud-copilot/iam-simulate";

export type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";
export type PolicyDocument = { Version: string; Statement: Record<string, unknown>[] };

/**
 * The concrete values the tests give to what Terraform only knows at apply
 * time. Another account and server exist so that tests can ask "and from
 * somewhere else?".
 */
export interface World {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  /** ID AWS gives the Transfer server at apply time. */
  readonly serverId: string;
}

export const WORLD: World = {
  partition: "aws",
  region: "ap-northeast-1",
  accountId: "111122223333",
  serverId: "s-0123456789abcdef0",
};
export const OTHER_ACCOUNT = "444455556666";
export const OTHER_SERVER_ID = "s-0fedcba9876543210";

type Blocks = Record<string, Record<string, Record<string, unknown>>>;

interface StackJson {
  resource?: Blocks;
  data?: Blocks;
}

/**
 * THE one place where Terraform references in synthesized policies become
 * concrete values. Each rule says how AWS forms the value (the ARN formats
 * are those of the Service Authorization Reference, "Resource types" of each
 * service; a log group's `arn` attribute in hashicorp/aws 5.x has no `:*`).
 * A reference nobody taught it fails the test loudly, so a new resource type
 * in a policy cannot be silently mis-resolved.
 */
function resolveReference(expression: string, stack: StackJson, world: World): string {
  const parts = expression.split(".");
  const { partition: p, region: r, accountId: a } = world;
  const body = (kind: "resource" | "data", type: string, name: string) => {
    const found = stack[kind]?.[type]?.[name];
    if (!found) throw new Error(`reference ${expression}: no ${kind} ${type}.${name} in the synthesized stack`);
    return found;
  };
  if (parts[0] === "data") {
    const [, type, name, attribute] = parts;
    body("data", type, name);
    if (type === "aws_caller_identity" && attribute === "account_id") return a;
    if (type === "aws_partition" && attribute === "partition") return p;
  } else {
    const [type, name, attribute] = parts;
    const resource = body("resource", type, name);
    const named = (key: string) => resolveString(String(resource[key]), stack, world);
    switch (`${type}.${attribute}`) {
      case "aws_iam_role.arn":
        return `arn:${p}:iam::${a}:role${resource.path ?? "/"}${named("name")}`;
      case "aws_iam_role.id":
      case "aws_iam_role.name":
        return named("name");
      case "aws_cloudwatch_log_group.arn":
        return `arn:${p}:logs:${r}:${a}:log-group:${named("name")}`;
      case "aws_cloudwatch_log_group.name":
        return named("name");
      case "aws_transfer_server.arn":
        return `arn:${p}:transfer:${r}:${a}:server/${world.serverId}`;
      case "aws_transfer_server.id":
        return world.serverId;
      case "aws_lambda_function.arn":
        return `arn:${p}:lambda:${r}:${a}:function:${named("function_name")}`;
      case "aws_lambda_function.function_name":
        return named("function_name");
      // KMS assigns a key ID (a UUID) at creation; a fixed one per resource stands in for it.
      case "aws_kms_key.arn":
        return `arn:${p}:kms:${r}:${a}:key/${standInKeyId(name)}`;
      case "aws_kms_key.key_id":
        return standInKeyId(name);
      case "aws_dynamodb_table.arn":
        return `arn:${p}:dynamodb:${r}:${a}:table/${named("name")}`;
      case "aws_dynamodb_table.name":
        return named("name");
      case "aws_ssm_parameter.name":
        return named("name");
    }
  }
  throw new Error(`reference \${${expression}} has no concrete value: teach resolveReference in __tests__/support/iam-simulator.ts`);
}

/** A UUID-shaped key ID derived from the key's Terraform name (stable, distinct per key). */
export function standInKeyId(resourceName: string): string {
  const hex = createHash("sha256").update(resourceName).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Replaces every `${...}` in a synthesized string with its concrete value. */
export function resolveString(text: string, stack: StackJson, world: World): string {
  return text.replace(/\$\{([^}]+)\}/g, (_, expression: string) => resolveReference(expression.trim(), stack, world));
}

export interface SynthesizedRole {
  /** Terraform address, e.g. `aws_iam_role.transfer-s3-access_role_48CEDE01`. */
  readonly address: string;
  readonly name: string;
  readonly arn: string;
  readonly trustPolicy: PolicyDocument;
  /** Inline policies (aws_iam_role_policy) and attached managed policies with a known document. */
  readonly policies: { readonly name: string; readonly policy: PolicyDocument }[];
  /** Terraform addresses of the aws_iam_role_policy resources of this role. */
  readonly inlinePolicyAddresses: readonly string[];
  /** ARNs of aws_iam_role_policy_attachment resources. */
  readonly managedPolicyArns: readonly string[];
}

/** An aws_kms_key of a stack: its ARN and key policy, resolved like every other policy. */
export interface SynthesizedKmsKey {
  readonly address: string;
  readonly arn: string;
  readonly policy: PolicyDocument;
}

export interface SynthesizedLambdaPermission {
  readonly address: string;
  readonly functionArn: string;
  /** The function's resource-based policy statement as AWS writes it for AddPermission. */
  readonly resourcePolicy: PolicyDocument;
}

/** A synthesized stack's IAM, with every reference resolved against a World. */
export class SynthesizedIam {
  private readonly stack: StackJson;

  constructor(synthesized: string, readonly world: World, private readonly managedPolicies: Record<string, PolicyDocument> = {}) {
    this.stack = JSON.parse(synthesized) as StackJson;
  }

  resolve(text: string): string {
    return resolveString(text, this.stack, this.world);
  }

  /** Terraform addresses of every resource of a type. */
  addresses(type: string): string[] {
    return Object.keys(this.stack.resource?.[type] ?? {}).map((name) => `${type}.${name}`);
  }

  roles(): SynthesizedRole[] {
    return Object.keys(this.stack.resource?.aws_iam_role ?? {}).map((name) => this.role(name));
  }

  roleNamed(roleName: string): SynthesizedRole {
    const found = this.roles().filter((role) => role.name === roleName);
    if (found.length !== 1) throw new Error(`expected one aws_iam_role named ${roleName}, found ${found.length}`);
    return found[0];
  }

  private role(logicalName: string): SynthesizedRole {
    const resources = this.stack.resource ?? {};
    const body = resources.aws_iam_role[logicalName];
    const address = `aws_iam_role.${logicalName}`;
    const name = this.resolve(String(body.name));
    const refersToThisRole = (value: unknown) =>
      typeof value === "string" && new RegExp(`^\\$\\{${address.replace(/\./g, "\\.")}\\.(id|name)\\}$`).test(value);
    const inline = Object.entries(resources.aws_iam_role_policy ?? {}).filter(([, policy]) => refersToThisRole(policy.role));
    const attached = Object.values(resources.aws_iam_role_policy_attachment ?? {})
      .filter((attachment) => refersToThisRole(attachment.role))
      .map((attachment) => this.resolve(String(attachment.policy_arn)));
    const managed = attached.map((arn) => {
      const policy = this.managedPolicies[arn];
      if (!policy) throw new Error(`${address} attaches ${arn}: give its document to SynthesizedIam (managedPolicies)`);
      return { name: arn, policy };
    });
    return {
      address,
      name,
      arn: this.resolve(`\${${address}.arn}`),
      trustPolicy: JSON.parse(this.resolve(String(body.assume_role_policy))),
      policies: [
        ...inline.map(([, policy]) => ({ name: String(policy.name), policy: JSON.parse(this.resolve(String(policy.policy))) })),
        ...managed,
      ],
      inlinePolicyAddresses: inline.map(([id]) => `aws_iam_role_policy.${id}`),
      managedPolicyArns: attached,
    };
  }

  /** Every aws_kms_key with its resolved ARN and key policy. */
  kmsKeys(): SynthesizedKmsKey[] {
    return Object.entries(this.stack.resource?.aws_kms_key ?? {}).map(([name, body]) => ({
      address: `aws_kms_key.${name}`,
      arn: this.resolve(`\${aws_kms_key.${name}.arn}`),
      policy: JSON.parse(this.resolve(String(body.policy))) as PolicyDocument,
    }));
  }

  /** The one aws_kms_key whose alias (aws_kms_alias) is `alias/<name>` (undefined when there is none and `required` is false). */
  kmsKeyWithAlias(alias: string): SynthesizedKmsKey;
  kmsKeyWithAlias(alias: string, required: false): SynthesizedKmsKey | undefined;
  kmsKeyWithAlias(alias: string, required = true): SynthesizedKmsKey | undefined {
    const aliases = Object.values(this.stack.resource?.aws_kms_alias ?? {}).filter((body) => this.resolve(String(body.name)) === alias);
    if (aliases.length === 0 && !required) return undefined;
    if (aliases.length !== 1) throw new Error(`expected one aws_kms_alias named ${alias}, found ${aliases.length}`);
    const target = /^\$\{(aws_kms_key\.[^.]+)\.key_id\}$/.exec(String(aliases[0].target_key_id));
    if (!target) throw new Error(`${alias} does not target an aws_kms_key of this stack`);
    const found = this.kmsKeys().find((key) => key.address === target[1]);
    if (!found) throw new Error(`${alias}: no ${target[1]}`);
    return found;
  }

  /**
   * Each aws_lambda_permission as the statement Lambda adds to the function's
   * resource-based policy (Lambda developer guide, "Viewing resource-based
   * IAM policies in Lambda": `Principal.Service`, `Condition.StringEquals
   * AWS:SourceAccount`, `Condition.ArnLike AWS:SourceArn`).
   */
  lambdaPermissions(): SynthesizedLambdaPermission[] {
    return Object.entries(this.stack.resource?.aws_lambda_permission ?? {}).map(([id, body]) => {
      const functionName = this.resolve(String(body.function_name));
      const { partition: p, region: r, accountId: a } = this.world;
      const functionArn = functionName.startsWith("arn:") ? functionName : `arn:${p}:lambda:${r}:${a}:function:${functionName}`;
      const condition: Record<string, Record<string, string>> = {};
      if (body.source_account) condition.StringEquals = { "AWS:SourceAccount": this.resolve(String(body.source_account)) };
      if (body.source_arn) condition.ArnLike = { "AWS:SourceArn": this.resolve(String(body.source_arn)) };
      return {
        address: `aws_lambda_permission.${id}`,
        functionArn,
        resourcePolicy: {
          Version: "2012-10-17",
          Statement: [
            {
              Sid: String(body.statement_id),
              Effect: "Allow",
              Principal: { Service: String(body.principal) },
              Action: String(body.action),
              Resource: functionArn,
              ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
            },
          ],
        },
      };
    });
  }
}

/**
 * Terraform addresses of the roles, inline policies and Lambda permissions
 * that an evaluation has used so far in this test file: a test can then
 * require that every one the stacks emit was evaluated.
 */
export const evaluatedAddresses = new Set<string>();

/** A session of a role: its identity policies, optionally narrowed by a session policy. */
export interface RoleSession {
  readonly policies: readonly { name: string; policy: unknown }[];
  readonly sessionPolicy?: unknown;
  /** Addresses of the synthesized policies involved (recorded in evaluatedAddresses). */
  readonly addresses: readonly string[];
  /** The role's ARN (aws:PrincipalArn of its sessions), when the session is a synthesized role's. */
  readonly roleArn?: string;
}

export function sessionOf(role: SynthesizedRole, sessionPolicy?: unknown): RoleSession {
  return { policies: role.policies, sessionPolicy, addresses: role.inlinePolicyAddresses, roleArn: role.arn };
}

export interface Request {
  /** Who calls: a service principal (`transfer.amazonaws.com`) or an IAM ARN. */
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  /** Account that owns the resource (for S3 ARNs, which carry none). */
  readonly resourceAccount?: string;
  readonly context?: Record<string, string | string[]>;
}

/** The account in an ARN; S3 ARNs carry none, so the world's account owns the bucket. */
function accountOf(arn: string): string {
  return arn.split(":")[4] || WORLD.accountId;
}

/** One call of the simulator; a validation error (bad policy, unknown action or context key) throws. */
async function simulate(
  request: Request,
  policies: { identity?: { name: string; policy: unknown }[]; resource?: unknown },
): Promise<Decision> {
  const result = await runSimulation(
    {
      request: {
        principal: request.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: request.resourceAccount ?? accountOf(request.resource) },
        contextVariables: request.context ?? {},
      },
      identityPolicies: policies.identity ?? [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(policies.resource ? { resourcePolicy: policies.resource } : {}),
    },
    { simulationMode: "Strict" },
  );
  if (result.resultType === "error") throw new Error(`simulation refused its input: ${JSON.stringify(result.errors)}`);
  if (result.resultType !== "single") throw new Error(`expected a single-resource result, got ${result.resultType}`);
  const ignored = result.result.ignoredContextKeys ?? [];
  if (ignored.length > 0) {
    throw new Error(`context keys ${ignored.join(", ")} do not apply to ${request.action}: the request is not what AWS sends`);
  }
  return result.overallResult as Decision;
}

/** A service assuming a role: the role's trust policy is the resource policy of sts:AssumeRole. */
export async function assumeRole(
  role: SynthesizedRole,
  caller: { service: string; sourceArn?: string; sourceAccount?: string },
): Promise<Decision> {
  evaluatedAddresses.add(role.address);
  const context: Record<string, string> = {};
  if (caller.sourceArn) context["aws:SourceArn"] = caller.sourceArn;
  if (caller.sourceAccount) context["aws:SourceAccount"] = caller.sourceAccount;
  return simulate(
    { principal: caller.service, action: "sts:AssumeRole", resource: role.arn, context },
    { resource: role.trustPolicy },
  );
}

/** A service principal invoking a function through its resource-based policy. */
export async function invokeFunction(
  permission: SynthesizedLambdaPermission,
  caller: { service: string; sourceArn?: string; sourceAccount?: string },
): Promise<Decision> {
  evaluatedAddresses.add(permission.address);
  const context: Record<string, string> = {};
  if (caller.sourceArn) context["aws:SourceArn"] = caller.sourceArn;
  if (caller.sourceAccount) context["aws:SourceAccount"] = caller.sourceAccount;
  return simulate(
    { principal: caller.service, action: "lambda:InvokeFunction", resource: permission.functionArn, context },
    { resource: permission.resourcePolicy },
  );
}

/**
 * A request by a role session: its identity policies, intersected with the
 * session policy when there is one.
 *
 * The intersection is computed here, explicitly: IAM "Policy evaluation
 * logic" - a session's permissions are what BOTH the identity-based policies
 * and the session policy allow, and an explicit deny in either denies
 * (Transfer user guide, "Example session policy", says the same). The
 * simulator's README lists session policies as "coming soon", so its own
 * session support is not relied on; where it does answer, the two must agree
 * or the test fails (a disagreement is a finding to look at, not to hide).
 */
export async function evaluateSession(
  session: RoleSession,
  request: Omit<Request, "principal"> & { principal?: string },
): Promise<Decision> {
  session.addresses.forEach((address) => evaluatedAddresses.add(address));
  const principal = request.principal ?? `arn:${WORLD.partition}:sts::${WORLD.accountId}:assumed-role/session-role/session`;
  const full = { ...request, principal };
  const identity = await simulate(full, { identity: [...session.policies] });
  if (!session.sessionPolicy) return identity;
  const sessionOnly = await simulate(full, { identity: [{ name: "session-policy", policy: session.sessionPolicy }] });
  let combined: Decision;
  if (identity === "ExplicitlyDenied" || sessionOnly === "ExplicitlyDenied") combined = "ExplicitlyDenied";
  else if (identity === "Allowed" && sessionOnly === "Allowed") combined = "Allowed";
  else combined = "ImplicitlyDenied";

  const builtIn = await runSimulation(
    {
      request: {
        principal,
        action: full.action,
        resource: { resource: full.resource, accountId: full.resourceAccount ?? accountOf(full.resource) },
        contextVariables: full.context ?? {},
      },
      identityPolicies: [...session.policies],
      sessionPolicy: session.sessionPolicy,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    { simulationMode: "Strict" },
  );
  if (builtIn.resultType === "single" && builtIn.overallResult !== combined) {
    throw new Error(
      `session evaluation disagrees for ${full.action} ${full.resource}: explicit intersection ${combined}, simulator ${builtIn.overallResult}`,
    );
  }
  return combined;
}

/**
 * A KMS call a service makes on a caller's behalf: DynamoDB decrypting its
 * table key, Secrets Manager or Parameter Store decrypting a value, Lambda
 * decrypting a function's environment. KMS sees the caller as the principal,
 * `kms:ViaService` = `<service>.<region>.amazonaws.com` and `kms:CallerAccount`
 * = the caller's account (AWS KMS developer guide, "kms:ViaService",
 * "kms:CallerAccount"), plus the service's encryption context; the key policy
 * is the resource policy. So the caller's identity policies (an explicit Deny
 * above all) and the key policy both decide, as for a direct call.
 *
 * The simulator (0.1.173) does not resolve kms:EncryptionContext:<key>
 * (it maps the variable part away, so no condition ever sees it): each such key
 * is renamed to the stand-in aws:RequestTag/<key>, a single-valued string key
 * it does resolve, alike in every policy and in the request, so StringEquals
 * and StringLike behave as they would on the real key.
 */
export interface OnBehalfKmsCall {
  /** Service prefix of the endpoint that calls KMS: `dynamodb`, `secretsmanager`, `ssm`, `lambda`, `ec2`. */
  readonly via: string;
  readonly action: string;
  readonly key: { readonly arn: string; readonly policy: unknown };
  readonly encryptionContext?: Record<string, string>;
  /** The caller's ARN when it is not a synthesized role's session (an administrator, an operator). */
  readonly principal?: string;
}

const ENCRYPTION_CONTEXT = "kms:EncryptionContext:";
const ENCRYPTION_CONTEXT_STAND_IN = "aws:RequestTag/";

function withStandInContextKeys(policy: unknown): unknown {
  const text = JSON.stringify(policy);
  if (text.includes(`"${ENCRYPTION_CONTEXT_STAND_IN}`)) throw new Error("a real policy uses the stand-in key aws:RequestTag/: the evaluation would be wrong");
  return JSON.parse(text.split(`"${ENCRYPTION_CONTEXT}`).join(`"${ENCRYPTION_CONTEXT_STAND_IN}`));
}

export async function evaluateOnBehalfKms(session: RoleSession, call: OnBehalfKmsCall): Promise<Decision> {
  session.addresses.forEach((address) => evaluatedAddresses.add(address));
  const callerArn = call.principal ?? session.roleArn;
  if (!callerArn) throw new Error("evaluateOnBehalfKms: a session of a synthesized role (sessionOf) or an explicit principal");
  // A role's session calls as arn:<p>:sts::<account>:assumed-role/<role>/<session>;
  // key policies name the role, matched through aws:PrincipalArn (the role's ARN).
  const role = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(callerArn);
  const principal = role ? `arn:${role[1]}:sts::${role[2]}:assumed-role/${role[3]}/on-behalf-call` : callerArn;
  const callerAccount = callerArn.split(":")[4];
  const context: Record<string, string> = {
    "kms:ViaService": `${call.via}.${WORLD.region}.amazonaws.com`,
    "kms:CallerAccount": callerAccount,
    "aws:PrincipalArn": callerArn,
  };
  for (const [key, value] of Object.entries(call.encryptionContext ?? {})) context[`${ENCRYPTION_CONTEXT_STAND_IN}${key}`] = value;
  const request: Request = { principal, action: call.action, resource: call.key.arn, context };
  const identity = session.policies.map((p) => ({ name: p.name, policy: withStandInContextKeys(p.policy) }));
  const resource = withStandInContextKeys(call.key.policy);
  // A session policy narrows grants made to the session's identity, not those a resource
  // policy makes to the role by name: not modelled here, and no on-behalf caller has one.
  if (session.sessionPolicy) throw new Error("evaluateOnBehalfKms: sessions with a session policy are not modelled");
  return simulate(request, { identity, resource });
}
