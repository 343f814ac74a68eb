// The FTP client instance's role and the smoke-password key policy, as
// synthesized, evaluated by an IAM policy simulator (@cloud-copilot/iam-simulate,
// AGPL: tests only): the client may read only the smoke parameters and
// decrypt them only with that key, through Parameter Store, for those
// parameters; nobody else in the account may decrypt, even with kms:* in IAM;
// operators may encrypt when IAM allows them; the account keeps the key
// manageable.
//
// Parameter Store's KMS calls carry kms:ViaService = ssm.<region>.amazonaws.com
// and the encryption context PARAMETER_ARN = the parameter's ARN (AWS KMS
// Developer Guide, "How AWS Systems Manager Parameter Store uses AWS KMS").
//
// One limit of the simulator (0.1.173): it does not resolve condition keys
// whose variable part follows a colon, like kms:EncryptionContext:<key> (its
// normalizeSimulationParameters maps them onto the key's spec name, so no
// policy condition ever sees them; the last test below shows it). The
// encryption-context condition is therefore evaluated under a stand-in key
// it does resolve, renamed alike in the policies and in the requests:
// aws:RequestTag/PARAMETER_ARN, a single-valued string key, so StringLike
// and StringEquals behave on it as they do on kms:EncryptionContext:PARAMETER_ARN.
import { runSimulation, Simulation } from "@cloud-copilot/iam-simulate";
import { configWith } from "./support/config";
import { onlyResource, resourcesOf, synthStacks } from "./support/synth";

const ACCOUNT = "123456789012";
const REGION = "ap-northeast-1";
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const CLIENT_ROLE = `arn:aws:iam::${ACCOUNT}:role/tf-ftp-ftp-client`;
const SMOKE_PARAMETER = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/tf-ftp/smoke/0b5c6f1e-1111-4222-8333-944445555666`;
const OTHER_PARAMETER = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/tf-ftp/transfer-server-id`;
const VIA_SSM = { "kms:ViaService": `ssm.${REGION}.amazonaws.com` };
const ENCRYPTION_CONTEXT_KEY = "kms:EncryptionContext:PARAMETER_ARN";
const STAND_IN_KEY = "aws:RequestTag/PARAMETER_ARN";

type Policy = { Version: string; Statement: unknown[] };

const { consumer } = synthStacks(configWith());
const key = onlyResource(consumer, "aws_kms_key");
const role = onlyResource(consumer, "aws_iam_role");

/** The synthesized JSON with the plan-time references replaced by what they resolve to in one account. */
function resolved(document: string): Policy {
  const text = document
    .replace(/\$\{data\.aws_partition\.partition\.partition\}/g, "aws")
    .replace(/\$\{data\.aws_caller_identity\.account\.account_id\}/g, ACCOUNT)
    .replace(new RegExp(`\\$\\{${key.__address.replace(/\./g, "\\.")}\\.arn\\}`, "g"), KEY_ARN)
    .replace(new RegExp(`\\$\\{${role.__address.replace(/\./g, "\\.")}\\.arn\\}`, "g"), CLIENT_ROLE);
  expect(text).not.toMatch(/\$\{/); // nothing left unresolved
  expect(text).not.toContain(STAND_IN_KEY); // the stand-in is never in the real policies
  return JSON.parse(text.split(`"${ENCRYPTION_CONTEXT_KEY}"`).join(`"${STAND_IN_KEY}"`)) as Policy;
}

const keyPolicy = resolved(key.policy as string);
const clientPolicies = resourcesOf(consumer, "aws_iam_role_policy").map((p) => ({ name: String(p.name), policy: resolved(p.policy as string) }));

interface Request {
  readonly principal: string;
  readonly identityPolicies: { name: string; policy: Policy }[];
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string>;
  /** The key policy applies to KMS requests (a key's resource policy). */
  readonly resourcePolicy?: Policy;
}

async function decide(request: Request): Promise<string> {
  const context = Object.fromEntries(Object.entries(request.context ?? {}).map(([k, v]) => [k === ENCRYPTION_CONTEXT_KEY ? STAND_IN_KEY : k, v]));
  return simulate({ ...request, context });
}

async function simulate(request: Request): Promise<string> {
  const simulation: Simulation = {
    identityPolicies: request.identityPolicies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: request.resourcePolicy ?? (request.action.startsWith("kms:") ? keyPolicy : undefined),
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: ACCOUNT },
      contextVariables: request.context ?? {},
    },
  } as Simulation;
  const response = await runSimulation(simulation, {});
  if (response.resultType === "error") throw new Error(`simulation refused its input: ${JSON.stringify(response.errors)}`);
  return response.overallResult;
}

const client = (action: string, resource: string, context?: Record<string, string>) =>
  decide({ principal: CLIENT_ROLE, identityPolicies: clientPolicies, action, resource, context });
const smokeContext = { ...VIA_SSM, "kms:EncryptionContext:PARAMETER_ARN": SMOKE_PARAMETER };
const allowAll = (actions: string | string[]): Policy => ({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: actions, Resource: "*" }] });

describe("the FTP client instance role", () => {
  test("has no managed policy attached (AmazonSSMManagedInstanceCore allows ssm:GetParameter and GetParameters on every parameter)", () => {
    expect(resourcesOf(consumer, "aws_iam_role_policy_attachment").map((a) => a.policy_arn)).toEqual([]);
  });

  test("reads the smoke parameters, and no other parameter", async () => {
    expect(await client("ssm:GetParameter", SMOKE_PARAMETER)).toBe("Allowed");
    expect(await client("ssm:GetParameter", OTHER_PARAMETER)).toBe("ImplicitlyDenied");
    expect(await client("ssm:GetParameters", SMOKE_PARAMETER)).toBe("ImplicitlyDenied");
    expect(await client("ssm:GetParametersByPath", `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/tf-ftp`)).toBe("ImplicitlyDenied");
    expect(await client("ssm:PutParameter", SMOKE_PARAMETER)).toBe("ImplicitlyDenied");
  });

  test("decrypts with the smoke key only through Parameter Store, only for the smoke parameters", async () => {
    expect(await client("kms:Decrypt", KEY_ARN, smokeContext)).toBe("Allowed");
    expect(await client("kms:Decrypt", KEY_ARN, { ...VIA_SSM, "kms:EncryptionContext:PARAMETER_ARN": OTHER_PARAMETER })).toBe("ImplicitlyDenied");
    // A direct KMS call (no kms:ViaService) with a ciphertext it got elsewhere.
    expect(await client("kms:Decrypt", KEY_ARN, { "kms:EncryptionContext:PARAMETER_ARN": SMOKE_PARAMETER })).toBe("ImplicitlyDenied");
    expect(await client("kms:Decrypt", KEY_ARN, { "kms:ViaService": `secretsmanager.${REGION}.amazonaws.com`, "kms:EncryptionContext:PARAMETER_ARN": SMOKE_PARAMETER })).toBe("ImplicitlyDenied");
    expect(await client("kms:Encrypt", KEY_ARN, smokeContext)).toBe("ImplicitlyDenied");
  });

  test("may do what the SSM agent needs for Run Command and sessions, and no more", async () => {
    const instance = `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0123456789abcdef0`;
    expect(await client("ssm:UpdateInstanceInformation", instance)).toBe("Allowed");
    expect(await client("ec2messages:GetMessages", "*")).toBe("Allowed");
    expect(await client("ssmmessages:OpenControlChannel", "*")).toBe("Allowed");
    expect(await client("ssm:SendCommand", `arn:aws:ssm:${REGION}:${ACCOUNT}:document/AWS-RunShellScript`)).toBe("ImplicitlyDenied");
    expect(await client("ssm:GetDocument", `arn:aws:ssm:${REGION}:${ACCOUNT}:document/any`)).toBe("ImplicitlyDenied");
    expect(await client("s3:GetObject", "arn:aws:s3:::any-bucket/any-key")).toBe("ImplicitlyDenied");
  });
});

describe("the smoke-password key policy", () => {
  const otherRole = `arn:aws:iam::${ACCOUNT}:role/some-other-instance`;

  test("no other principal may decrypt, even with kms:* on * in its IAM policy", async () => {
    const wide = [{ name: "kms-everything", policy: allowAll("kms:*") }];
    expect(await decide({ principal: otherRole, identityPolicies: wide, action: "kms:Decrypt", resource: KEY_ARN, context: smokeContext })).toBe("ImplicitlyDenied");
    const admin = [{ name: "AdministratorAccess", policy: allowAll("*") }];
    expect(await decide({ principal: `arn:aws:iam::${ACCOUNT}:role/Admin`, identityPolicies: admin, action: "kms:Decrypt", resource: KEY_ARN, context: smokeContext })).toBe("ImplicitlyDenied");
    // Another account, even through Parameter Store.
    expect(await decide({ principal: "arn:aws:iam::210987654321:role/tf-ftp-ftp-client", identityPolicies: wide, action: "kms:Decrypt", resource: KEY_ARN, context: smokeContext })).toBe("ImplicitlyDenied");
  });

  test("operators encrypt through Parameter Store when their IAM policy allows it (advanced parameters use GenerateDataKey)", async () => {
    const operator = `arn:aws:iam::${ACCOUNT}:role/ftp-operator`;
    const allowed = [{ name: "smoke", policy: allowAll(["kms:Encrypt", "kms:GenerateDataKey"]) }];
    for (const action of ["kms:Encrypt", "kms:GenerateDataKey"]) {
      expect(await decide({ principal: operator, identityPolicies: allowed, action, resource: KEY_ARN, context: smokeContext })).toBe("Allowed");
      // Not without IAM's consent, not outside Parameter Store, not for another parameter.
      expect(await decide({ principal: operator, identityPolicies: [], action, resource: KEY_ARN, context: smokeContext })).toBe("ImplicitlyDenied");
      expect(await decide({ principal: operator, identityPolicies: allowed, action, resource: KEY_ARN, context: { "kms:EncryptionContext:PARAMETER_ARN": SMOKE_PARAMETER } })).toBe("ImplicitlyDenied");
      expect(await decide({ principal: operator, identityPolicies: allowed, action, resource: KEY_ARN, context: { ...VIA_SSM, "kms:EncryptionContext:PARAMETER_ARN": OTHER_PARAMETER } })).toBe("ImplicitlyDenied");
    }
    expect(await decide({ principal: operator, identityPolicies: [{ name: "all", policy: allowAll("kms:*") }], action: "kms:Decrypt", resource: KEY_ARN, context: smokeContext })).toBe("ImplicitlyDenied");
  });

  test("(the simulator's limit) it cannot evaluate kms:EncryptionContext:<key> itself: a matching context is not seen", async () => {
    const policy: Policy = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { AWS: CLIENT_ROLE }, Action: "kms:Decrypt", Resource: "*", Condition: { StringLike: { [ENCRYPTION_CONTEXT_KEY]: "arn:aws:ssm:*" } } }],
    };
    // If this starts to pass as Allowed, the stand-in above can go.
    expect(await simulate({ principal: CLIENT_ROLE, identityPolicies: [], action: "kms:Decrypt", resource: KEY_ARN, resourcePolicy: policy, context: { [ENCRYPTION_CONTEXT_KEY]: SMOKE_PARAMETER } })).toBe("ImplicitlyDenied");
    // The same condition under the stand-in key is evaluated.
    const standIn = JSON.parse(JSON.stringify(policy).replace(ENCRYPTION_CONTEXT_KEY, STAND_IN_KEY)) as Policy;
    expect(await simulate({ principal: CLIENT_ROLE, identityPolicies: [], action: "kms:Decrypt", resource: KEY_ARN, resourcePolicy: standIn, context: { [STAND_IN_KEY]: SMOKE_PARAMETER } })).toBe("Allowed");
  });

  test("the account can still administer the key (the key-policy lockout rule) but cannot grant through CreateGrant", async () => {
    const admin = [{ name: "AdministratorAccess", policy: allowAll("*") }];
    const asAdmin = (action: string) => decide({ principal: `arn:aws:iam::${ACCOUNT}:role/Admin`, identityPolicies: admin, action, resource: KEY_ARN });
    expect(await asAdmin("kms:PutKeyPolicy")).toBe("Allowed");
    expect(await asAdmin("kms:DescribeKey")).toBe("Allowed");
    expect(await asAdmin("kms:ScheduleKeyDeletion")).toBe("Allowed");
    expect(await asAdmin("kms:CreateGrant")).toBe("ImplicitlyDenied");
    expect(await asAdmin("kms:ReEncryptFrom")).toBe("ImplicitlyDenied");
  });
});
