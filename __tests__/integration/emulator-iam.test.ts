// The emulator judges IAM (emulator/moto_patches/iam_enforcement.py and its modules): every
// request signed by a role session, an IAM user or an AWS service principal is evaluated with
// the principal's policies, its session policy and the resource's policy, including the KMS calls
// services make for the caller, after the IAM propagation delay. One emulator for the file; each
// rule has an allowed and a refused request, refused with AWS's wording in the protocol's shape.
import { strToU8, zipSync } from "fflate";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  ACCOUNT_ID,
  assumeRole,
  aws,
  awsAs,
  AwsCredentials,
  Call,
  Emulator,
  emulatorPrerequisites,
  serviceCredentials,
  setIamPropagationSeconds,
  startEmulator,
} from "../../emulator/client";
import { missingPrerequisites } from "../support/prerequisites";

const missing = missingPrerequisites("emulator (IAM enforcement)", emulatorPrerequisites);
const describeEmulator = missing.length ? describe.skip : describe;

// Each AWS CLI call is a process start: a few seconds each on a busy 2-core machine.
jest.setTimeout(180_000);

const A = ACCOUNT_ID;
const REGION = "us-east-1";
const SERVER_ID = "s-0123456789abcdef0";
const OTHER_SERVER_ID = "s-0fedcba9876543210";
const SERVER_ARN = `arn:aws:transfer:${REGION}:${A}:server/${SERVER_ID}`;
const trustAccount = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: "sts:AssumeRole" }] };
const trustLambda = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] };
const policy = (...Statement: object[]) => ({ Version: "2012-10-17", Statement });
const sessionArn = (role: string, session = "test") => `arn:aws:sts::${A}:assumed-role/${role}/${session}`;

/* eslint-disable @typescript-eslint/no-explicit-any */
describeEmulator("the emulator judges IAM like AWS", () => {
  let emu: Emulator;
  let dir: string;

  // Set-up requests go raw over HTTP with the default credentials: the emulator takes the access key
  // from the Authorization header and checks no signature, and an AWS CLI process costs seconds of
  // CPU on a busy machine. The requests a test judges go through the AWS CLI (a real client that
  // parses each protocol's error shape), or raw where timing matters (the propagation delay).
  const raw = async (service: string, requestPath: string, body: string, headers: Record<string, string>, credentials?: AwsCredentials) => {
    const key = credentials?.accessKeyId ?? emu.env.AWS_ACCESS_KEY_ID;
    const response = await fetch(`${emu.endpoint}${requestPath}`, {
      method: headers["x-method"] ?? "POST",
      headers: {
        ...Object.fromEntries(Object.entries(headers).filter(([name]) => name !== "x-method")),
        Authorization: `AWS4-HMAC-SHA256 Credential=${key}/20260101/${REGION}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
        ...(credentials?.sessionToken ? { "X-Amz-Security-Token": credentials.sessionToken } : {}),
      },
      body: headers["x-method"] === "PUT" && !body ? undefined : body,
    });
    const text = await response.text();
    return { status: response.status, text };
  };
  const VERSIONS: Record<string, string> = { iam: "2010-05-08", sts: "2011-06-15", ec2: "2016-11-15" };
  const query = (service: string, action: string, params: Record<string, string>, credentials?: AwsCredentials) =>
    raw(service, "/", new URLSearchParams({ Action: action, Version: VERSIONS[service], ...params }).toString(), { "Content-Type": "application/x-www-form-urlencoded; charset=utf-8" }, credentials);
  const TARGETS: Record<string, string> = { ssm: "AmazonSSM", dynamodb: "DynamoDB_20120810", kms: "TrentService", secretsmanager: "secretsmanager" };
  const json = async (service: string, operation: string, body: object) => {
    const { status, text } = await raw(service, "/", JSON.stringify(body), { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": `${TARGETS[service]}.${operation}` });
    if (status >= 300) throw new Error(`${service} ${operation}: HTTP ${status}: ${text}`);
    return JSON.parse(text || "{}");
  };
  const setup = async (service: string, action: string, params: Record<string, string>) => {
    const { status, text } = await query(service, action, params);
    if (status >= 300) throw new Error(`${service} ${action}: HTTP ${status}: ${text}`);
    return text;
  };
  const createBucket = async (bucket: string) => {
    const { status, text } = await raw("s3", `/${bucket}`, "", { "x-method": "PUT" });
    if (status >= 300) throw new Error(`create bucket ${bucket}: HTTP ${status}: ${text}`);
  };
  const createRole = async (name: string, trust: object, permissions?: object) => {
    await setup("iam", "CreateRole", { RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust) });
    if (permissions) await setup("iam", "PutRolePolicy", { RoleName: name, PolicyName: "permissions", PolicyDocument: JSON.stringify(permissions) });
    return `arn:aws:iam::${A}:role/${name}`;
  };
  const as = (credentials: AwsCredentials, args: readonly string[]) => awsAs(emu, credentials, args);
  const decisions = async (filter: (call: Call) => boolean) => (await emu.calls()).filter((c) => c.action === "IamDecision" && filter(c));
  const createFunction = (name: string, role: string) =>
    aws(emu, ["lambda", "create-function", "--function-name", name, "--runtime", "nodejs22.x", "--handler", "index.handler", "--role", role, "--zip-file", `fileb://${path.join(dir, "function.zip")}`]);
  const invoke = async (credentials: AwsCredentials | undefined, name: string) => {
    const out = path.join(dir, `${name}-${Date.now()}-${Math.random()}.json`);
    const args = ["lambda", "invoke", "--function-name", name, "--payload", "{}", out];
    const response = credentials ? await as(credentials, args) : await aws(emu, args);
    return { functionError: response.FunctionError as string | undefined, payload: JSON.parse(fs.readFileSync(out, "utf8")) };
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "emulator-iam-"));
    fs.writeFileSync(path.join(dir, "function.zip"), zipSync({ "index.js": strToU8("exports.handler = async () => ({ ok: true });") }));
    // A function that reads a parameter as its role (the AWS SDK v3 comes with the runtime).
    fs.writeFileSync(
      path.join(dir, "reader.zip"),
      zipSync({
        "index.js": strToU8(`const { SSMClient, GetParameterCommand } = require("@aws-sdk/client-ssm");
exports.handler = async () => ({ value: (await new SSMClient({}).send(new GetParameterCommand({ Name: "/iam/for-function" }))).Parameter.Value });`),
      }),
    );
    // The delay is switched on by the test about it; the others make roles and use them at once.
    emu = await startEmulator({ region: REGION, iamPropagationSeconds: 0 });
  }, 120_000);

  afterAll(async () => {
    await emu?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test("a role session may do what its policies allow; anything else is refused with AWS's message, in each protocol's shape", async () => {
    await Promise.all([
      createRole("reader", trustAccount, policy(
        { Effect: "Allow", Action: ["ec2:DescribeVpcs", "ssm:GetParameter"], Resource: "*" },
        { Effect: "Deny", Action: "ssm:GetParameter", Resource: `arn:aws:ssm:${REGION}:${A}:parameter/iam/secret` },
      )),
      json("ssm", "PutParameter", { Name: "/iam/plain", Value: "v", Type: "String" }),
      json("ssm", "PutParameter", { Name: "/iam/secret", Value: "v", Type: "String" }),
      createBucket("iam-reader-bucket"),
    ]);
    const reader = await assumeRole(emu, `arn:aws:iam::${A}:role/reader`, "test");
    const who = sessionArn("reader");
    const [vpcs, parameter] = await Promise.all([as(reader, ["ec2", "describe-vpcs"]), as(reader, ["ssm", "get-parameter", "--name", "/iam/plain"])]);
    expect(Array.isArray(vpcs.Vpcs)).toBe(true);
    expect(parameter.Parameter.Value).toBe("v");
    const refusals = await Promise.all(
      [
        ["ec2", "describe-subnets"],
        ["ssm", "get-parameter", "--name", "/iam/secret"],
        ["iam", "list-roles"],
        ["s3api", "list-objects-v2", "--bucket", "iam-reader-bucket"],
        ["lambda", "list-functions"],
        ["dynamodb", "list-tables"],
        ["cloudwatch", "describe-alarms", "--alarm-name-prefix", "tf-ftp"],
      ].map((args) => as(reader, args).then(() => "allowed", (error: Error) => error.message)),
    );
    expect(refusals).toEqual([
      expect.stringContaining(
        `(UnauthorizedOperation) when calling the DescribeSubnets operation: You are not authorized to perform this operation. User: ${who} is not authorized to perform: ec2:DescribeSubnets because no identity-based policy allows the ec2:DescribeSubnets action`,
      ),
      expect.stringContaining(
        `(AccessDeniedException) when calling the GetParameter operation: User: ${who} is not authorized to perform: ssm:GetParameter on resource: arn:aws:ssm:${REGION}:${A}:parameter/iam/secret with an explicit deny in an identity-based policy`,
      ),
      expect.stringContaining(`(AccessDenied) when calling the ListRoles operation: User: ${who} is not authorized to perform: iam:ListRoles because no identity-based policy allows the iam:ListRoles action`),
      expect.stringContaining(
        `(AccessDenied) when calling the ListObjectsV2 operation: User: ${who} is not authorized to perform: s3:ListBucket on resource: arn:aws:s3:::iam-reader-bucket because no identity-based policy allows the s3:ListBucket action`,
      ),
      expect.stringContaining(`(AccessDeniedException) when calling the ListFunctions operation: User: ${who} is not authorized to perform: lambda:ListFunctions`),
      expect.stringContaining(`(AccessDeniedException) when calling the ListTables operation: User: ${who} is not authorized to perform: dynamodb:ListTables`),
      // A read that names no resource (alarms by prefix) is judged on all of the type.
      expect.stringContaining(
        `(AccessDenied) when calling the DescribeAlarms operation: User: ${who} is not authorized to perform: cloudwatch:DescribeAlarms on resource: arn:aws:cloudwatch:${REGION}:${A}:alarm:* because no identity-based policy allows the cloudwatch:DescribeAlarms action`,
      ),
    ]);
    // Each decision is in the call log: who, which operation, the action and resource evaluated, the outcome.
    // EC2 authorizes tags given at creation as ec2:CreateTags on the new resource.
    await createRole("sg-maker", trustAccount, policy({ Effect: "Allow", Action: "ec2:CreateSecurityGroup", Resource: "*" }));
    const sgMaker = await assumeRole(emu, `arn:aws:iam::${A}:role/sg-maker`, "test");
    const vpcId = new RegExp("<vpcId>([^<]+)</vpcId>").exec((await query("ec2", "CreateVpc", { CidrBlock: "10.0.0.0/16" })).text)?.[1] ?? "";
    const createGroup = (name: string, tags: string[]) => as(sgMaker, ["ec2", "create-security-group", "--group-name", name, "--description", "d", "--vpc-id", vpcId, ...tags]);
    const [untagged, tagged] = await Promise.all([
      createGroup("untagged", []),
      createGroup("tagged", ["--tag-specifications", "ResourceType=security-group,Tags=[{Key=Name,Value=tagged}]"]).then(() => "allowed", (e: Error) => e.message),
    ]);
    expect(untagged.GroupId).toMatch(/^sg-/);
    expect(tagged).toContain(
      `(UnauthorizedOperation) when calling the CreateSecurityGroup operation: You are not authorized to perform this operation. User: ${sessionArn("sg-maker")} is not authorized to perform: ec2:CreateTags on resource: arn:aws:ec2:${REGION}:${A}:security-group/* because no identity-based policy allows the ec2:CreateTags action`,
    );
    expect(await decisions((c) => c.principal === who)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ operation: "ec2:DescribeVpcs", iamAction: "ec2:DescribeVpcs", resource: "*", decision: "Allowed", principalArn: `arn:aws:iam::${A}:role/reader` }),
        expect.objectContaining({ operation: "ec2:DescribeSubnets", iamAction: "ec2:DescribeSubnets", decision: "ImplicitlyDenied" }),
        expect.objectContaining({ iamAction: "ssm:GetParameter", resource: `arn:aws:ssm:${REGION}:${A}:parameter/iam/secret`, decision: "ExplicitlyDenied" }),
      ]),
    );
  });

  test("an IAM user's access keys: the user's and its group's policies decide; the default credentials are not judged", async () => {
    await setup("iam", "CreateUser", { UserName: "operator" });
    await Promise.all([
      setup("iam", "PutUserPolicy", { UserName: "operator", PolicyName: "own", PolicyDocument: JSON.stringify(policy({ Effect: "Allow", Action: "ec2:DescribeVpcs", Resource: "*" })) }),
      setup("iam", "CreateGroup", { GroupName: "readers" }).then(() =>
        Promise.all([
          setup("iam", "AddUserToGroup", { GroupName: "readers", UserName: "operator" }),
          setup("iam", "PutGroupPolicy", { GroupName: "readers", PolicyName: "group", PolicyDocument: JSON.stringify(policy({ Effect: "Allow", Action: "iam:ListRoles", Resource: "*" })) }),
        ]),
      ),
    ]);
    const { AccessKey } = await aws(emu, ["iam", "create-access-key", "--user-name", "operator"]);
    const operator = { accessKeyId: AccessKey.AccessKeyId, secretAccessKey: AccessKey.SecretAccessKey, sessionToken: "" };
    const userArn = `arn:aws:iam::${A}:user/operator`;
    const [vpcs, roles, subnets] = await Promise.all([
      as(operator, ["ec2", "describe-vpcs"]),
      as(operator, ["iam", "list-roles"]),
      as(operator, ["ec2", "describe-subnets"]).then(() => "allowed", (error: Error) => error.message),
    ]);
    expect(vpcs.Vpcs).toBeDefined();
    expect(roles.Roles).toBeDefined();
    expect(subnets).toContain(`User: ${userArn} is not authorized to perform: ec2:DescribeSubnets because no identity-based policy allows the ec2:DescribeSubnets action`);
    // The default credentials (set-up calls, Terraform in the end-to-end tests) act unjudged.
    const before = (await emu.calls()).length;
    await aws(emu, ["ec2", "describe-subnets"]);
    expect((await emu.calls()).slice(before).filter((c) => c.action === "IamDecision")).toEqual([]);
  });

  test("a permissions boundary caps what the role's own policies allow", async () => {
    const { text } = await query("iam", "CreatePolicy", {
      PolicyName: "vpcs-only",
      PolicyDocument: JSON.stringify(policy({ Effect: "Allow", Action: "ec2:DescribeVpcs", Resource: "*" })),
    });
    const boundaryArn = /<Arn>([^<]+)<\/Arn>/.exec(text)?.[1] ?? "";
    await setup("iam", "CreateRole", { RoleName: "bounded", AssumeRolePolicyDocument: JSON.stringify(trustAccount), PermissionsBoundary: boundaryArn });
    await setup("iam", "PutRolePolicy", { RoleName: "bounded", PolicyName: "describe", PolicyDocument: JSON.stringify(policy({ Effect: "Allow", Action: "ec2:Describe*", Resource: "*" })) });
    const bounded = await assumeRole(emu, `arn:aws:iam::${A}:role/bounded`, "test");
    const [vpcs, subnets] = await Promise.all([as(bounded, ["ec2", "describe-vpcs"]), as(bounded, ["ec2", "describe-subnets"]).then(() => "allowed", (e: Error) => e.message)]);
    expect(vpcs.Vpcs).toBeDefined();
    expect(subnets).toContain(`User: ${sessionArn("bounded")} is not authorized to perform: ec2:DescribeSubnets because no permissions boundary allows the ec2:DescribeSubnets action`);
  });

  test("Transfer assumes the user role only for this server's users; the session can do the role ∩ the session policy", async () => {
    const bucket = "iam-transfer-bucket";
    const trust = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "transfer.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": A }, ArnLike: { "aws:SourceArn": `arn:aws:transfer:${REGION}:${A}:user/${SERVER_ID}/*` } },
        },
      ],
    };
    const [userRole] = await Promise.all([
      createRole("transfer-user", trust, policy(
        { Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload"], Resource: `arn:aws:s3:::${bucket}/*` },
        { Effect: "Allow", Action: "s3:ListBucket", Resource: `arn:aws:s3:::${bucket}` },
      )),
      createBucket(bucket),
    ]);
    const sessionPolicy = policy(
      { Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"], Resource: `arn:aws:s3:::${bucket}/home/alice/*` },
      { Effect: "Allow", Action: "s3:ListBucket", Resource: `arn:aws:s3:::${bucket}`, Condition: { StringLike: { "s3:prefix": ["home/alice/", "home/alice/*"] } } },
    );
    const transferAs = (sourceArn: string, sourceAccount = A) => serviceCredentials(emu, "transfer.amazonaws.com", { sourceArn, sourceAccount });
    const [forAlice, forServer, forOtherServer, fromOtherAccount] = await Promise.all([
      transferAs(`arn:aws:transfer:${REGION}:${A}:user/${SERVER_ID}/alice`),
      transferAs(SERVER_ARN),
      transferAs(`arn:aws:transfer:${REGION}:${A}:user/${OTHER_SERVER_ID}/alice`),
      transferAs(`arn:aws:transfer:${REGION}:${A}:user/${SERVER_ID}/alice`, "444455556666"),
    ]);
    const assume = (credentials: AwsCredentials) =>
      as(credentials, ["sts", "assume-role", "--role-arn", userRole, "--role-session-name", "alice", "--policy", JSON.stringify(sessionPolicy)]);
    const refused = await Promise.all([forServer, forOtherServer, fromOtherAccount].map((c) => assume(c).then(() => "allowed", (e: Error) => e.message)));
    for (const message of refused) {
      expect(message).toContain(
        `(AccessDenied) when calling the AssumeRole operation: User: transfer.amazonaws.com is not authorized to perform: sts:AssumeRole on resource: ${userRole} because no resource-based policy allows the sts:AssumeRole action`,
      );
    }
    const { Credentials } = await assume(forAlice);
    const alice = { accessKeyId: Credentials.AccessKeyId, secretAccessKey: Credentials.SecretAccessKey, sessionToken: Credentials.SessionToken };
    const body = path.join(dir, "upload.txt");
    fs.writeFileSync(body, "hello");
    const put = (key: string) => as(alice, ["s3api", "put-object", "--bucket", bucket, "--key", key, "--body", body]).then(() => "allowed", (e: Error) => e.message);
    const list = (prefix?: string) =>
      as(alice, ["s3api", "list-objects-v2", "--bucket", bucket, ...(prefix ? ["--prefix", prefix] : [])]).then(() => "allowed", (e: Error) => e.message);
    const [home, bob, listHome, listRoot, upload] = await Promise.all([
      put("home/alice/a.txt"),
      put("home/bob/a.txt"),
      list("home/alice/"),
      list(),
      as(alice, ["s3api", "create-multipart-upload", "--bucket", bucket, "--key", "home/alice/big.bin"]),
    ]);
    expect(home).toBe("allowed");
    expect(listHome).toBe("allowed");
    expect(upload.UploadId).toBeTruthy();
    expect(bob).toContain(
      `(AccessDenied) when calling the PutObject operation: User: ${sessionArn("transfer-user", "alice")} is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::${bucket}/home/bob/a.txt because no session policy allows the s3:PutObject action`,
    );
    expect(listRoot).toContain(`is not authorized to perform: s3:ListBucket on resource: arn:aws:s3:::${bucket} because no session policy allows the s3:ListBucket action`);
    // Delete is in the role but not in the session policy: refused.
    await expect(as(alice, ["s3api", "delete-object", "--bucket", bucket, "--key", "home/alice/a.txt"])).rejects.toThrow("because no session policy allows the s3:DeleteObject action");
  });

  test("Transfer invokes the identity provider through the function's resource policy: this server yes, another server no", async () => {
    const role = await createRole("idp-exec", trustLambda);
    await createFunction("idp", role);
    await aws(emu, [
      "lambda", "add-permission", "--function-name", "idp", "--statement-id", "AllowTransferServerInvoke", "--action", "lambda:InvokeFunction",
      "--principal", "transfer.amazonaws.com", "--source-arn", SERVER_ARN, "--source-account", A,
    ]);
    const [thisServer, otherServer] = await Promise.all([
      serviceCredentials(emu, "transfer.amazonaws.com", { sourceArn: SERVER_ARN, sourceAccount: A }),
      serviceCredentials(emu, "transfer.amazonaws.com", { sourceArn: `arn:aws:transfer:${REGION}:${A}:server/${OTHER_SERVER_ID}`, sourceAccount: A }),
    ]);
    const [allowed, refused] = await Promise.all([invoke(thisServer, "idp"), invoke(otherServer, "idp").then(() => "allowed", (e: Error) => e.message)]);
    expect(allowed).toEqual({ functionError: undefined, payload: { ok: true } });
    expect(refused).toContain(
      `(AccessDeniedException) when calling the Invoke operation: User: transfer.amazonaws.com is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:${REGION}:${A}:function:idp because no resource-based policy allows the lambda:InvokeFunction action`,
    );
  });

  test("DynamoDB decrypts with aws/dynamodb as the caller: an explicit Deny of kms:Decrypt refuses the read, one scoped by kms:ViaService does not", async () => {
    const table = "iam-attempts";
    const someKey = `arn:aws:kms:${REGION}:${A}:key/00000000-0000-0000-0000-000000000000`;
    const items = { Effect: "Allow", Action: ["dynamodb:GetItem", "dynamodb:UpdateItem"], Resource: `arn:aws:dynamodb:${REGION}:${A}:table/${table}` };
    await Promise.all([
      json("dynamodb", "CreateTable", {
        TableName: table, BillingMode: "PAY_PER_REQUEST", KeySchema: [{ AttributeName: "username", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "username", AttributeType: "S" }], SSESpecification: { Enabled: true },
      }).then(() => json("dynamodb", "PutItem", { TableName: table, Item: { username: { S: "alice" } } })),
      // The identity provider's statement as the stacks had it: decrypt with no key but one.
      createRole("ddb-deny", trustAccount, policy(items, { Effect: "Deny", Action: "kms:Decrypt", NotResource: someKey })),
      createRole("ddb-deny-direct-only", trustAccount, policy(items, {
        Effect: "Deny", Action: "kms:Decrypt", NotResource: someKey, Condition: { StringNotEquals: { "kms:ViaService": `dynamodb.${REGION}.amazonaws.com` } },
      })),
    ]);
    const [denied, scoped] = await Promise.all([assumeRole(emu, `arn:aws:iam::${A}:role/ddb-deny`, "test"), assumeRole(emu, `arn:aws:iam::${A}:role/ddb-deny-direct-only`, "test")]);
    const getItem = ["dynamodb", "get-item", "--table-name", table, "--key", JSON.stringify({ username: { S: "alice" } })];
    const { Table } = await json("dynamodb", "DescribeTable", { TableName: table });
    const keyArn = Table.SSEDescription.KMSMasterKeyArn;
    const [refusal, allowed] = await Promise.all([as(denied, getItem).then(() => "allowed", (e: Error) => e.message), as(scoped, getItem)]);
    expect(refusal).toContain(
      `(AccessDeniedException) when calling the GetItem operation: User: ${sessionArn("ddb-deny")} is not authorized to perform: kms:Decrypt on resource: ${keyArn} with an explicit deny in an identity-based policy`,
    );
    expect(allowed.Item).toEqual({ username: { S: "alice" } });
    expect(await decisions((c) => c.principal === sessionArn("ddb-deny") && c.iamAction === "kms:Decrypt")).toEqual([
      expect.objectContaining({ operation: "dynamodb:GetItem", resource: keyArn, decision: "ExplicitlyDenied", via: `dynamodb.${REGION}.amazonaws.com` }),
    ]);
  });

  test("Secrets Manager and Parameter Store call KMS as the caller, judged by the key's policy and the caller's", async () => {
    const prefix = "iam-users/";
    const reader = `arn:aws:iam::${A}:role/secret-reader`;
    const keyPolicy = policy(
      { Sid: "Root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: ["kms:Describe*", "kms:Get*", "kms:List*", "kms:PutKeyPolicy"], Resource: "*" },
      {
        Sid: "ReaderThroughSecretsManager", Effect: "Allow", Principal: { AWS: reader }, Action: "kms:Decrypt", Resource: "*",
        Condition: {
          StringEquals: { "kms:ViaService": `secretsmanager.${REGION}.amazonaws.com` },
          StringLike: { "kms:EncryptionContext:SecretARN": `arn:aws:secretsmanager:${REGION}:${A}:secret:${prefix}*` },
        },
      },
    );
    await createRole("secret-reader", trustAccount, policy(
      { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "*" },
      { Effect: "Allow", Action: "ssm:GetParameter", Resource: "*" },
      { Effect: "Deny", Action: "kms:Decrypt", Resource: "*", Condition: { StringEquals: { "kms:ViaService": `ssm.${REGION}.amazonaws.com` } } },
    ));
    const { KeyMetadata } = await json("kms", "CreateKey", { Policy: JSON.stringify(keyPolicy) });
    await Promise.all([
      json("secretsmanager", "CreateSecret", { Name: `${prefix}alice`, SecretString: "{}", KmsKeyId: KeyMetadata.Arn }),
      json("secretsmanager", "CreateSecret", { Name: "elsewhere/alice", SecretString: "{}", KmsKeyId: KeyMetadata.Arn }),
      json("ssm", "PutParameter", { Name: "/iam/secure", Value: "s3cr3t", Type: "SecureString" }),
    ]);
    const session = await assumeRole(emu, reader, "test");
    const [ok, outside, plain, decrypted] = await Promise.all([
      as(session, ["secretsmanager", "get-secret-value", "--secret-id", `${prefix}alice`]),
      as(session, ["secretsmanager", "get-secret-value", "--secret-id", "elsewhere/alice"]).then(() => "allowed", (e: Error) => e.message),
      as(session, ["ssm", "get-parameter", "--name", "/iam/secure"]),
      as(session, ["ssm", "get-parameter", "--name", "/iam/secure", "--with-decryption"]).then(() => "allowed", (e: Error) => e.message),
    ]);
    expect(ok.SecretString).toBe("{}");
    expect(outside).toContain(
      `(AccessDeniedException) when calling the GetSecretValue operation: Access to KMS is not allowed. User: ${sessionArn("secret-reader")} is not authorized to perform: kms:Decrypt on resource: ${KeyMetadata.Arn} because no identity-based policy allows the kms:Decrypt action`,
    );
    // Without decryption no KMS call is made; with it, aws/ssm would allow (its documented policy) but the caller's Deny applies.
    expect(plain.Parameter.Type).toBe("SecureString");
    expect(decrypted).toMatch(/\(AccessDeniedException\) when calling the GetParameter operation: User: .* is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:.* with an explicit deny in an identity-based policy/);
  });

  test("a KMS key is usable only as its key policy allows: an identity policy alone is not enough", async () => {
    const role = await createRole("kms-user", trustAccount, policy({ Effect: "Allow", Action: "kms:*", Resource: "*" }));
    const [delegating, closed] = await Promise.all([
      json("kms", "CreateKey", { Policy: JSON.stringify(policy({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: "kms:*", Resource: "*" })) }),
      json("kms", "CreateKey", { Policy: JSON.stringify(policy({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${A}:role/someone-else` }, Action: "kms:*", Resource: "*" })) }),
    ]);
    const session = await assumeRole(emu, role, "test");
    const encrypt = (key: string) => as(session, ["kms", "encrypt", "--key-id", key, "--plaintext", "aGVsbG8="]);
    const [allowed, refused] = await Promise.all([encrypt(delegating.KeyMetadata.KeyId), encrypt(closed.KeyMetadata.KeyId).then(() => "allowed", (e: Error) => e.message)]);
    expect(allowed.CiphertextBlob).toBeTruthy();
    expect(refused).toContain(
      `(AccessDeniedException) when calling the Encrypt operation: User: ${sessionArn("kms-user")} is not authorized to perform: kms:Encrypt on resource: ${closed.KeyMetadata.Arn} because no resource-based policy allows the kms:Encrypt action`,
    );
  });

  test("IAM propagation delay: a new role, a new trust and a policy change take effect only after it", async () => {
    // Raw requests, so each reaches the emulator milliseconds after the change it races (an AWS CLI
    // call takes seconds on a busy machine).
    const seconds = 3;
    const createFunctionRaw = (name: string, role: string) =>
      raw("lambda", "/2015-03-31/functions", JSON.stringify({
        FunctionName: name, Runtime: "nodejs22.x", Role: role, Handler: "index.handler",
        Code: { ZipFile: fs.readFileSync(path.join(dir, "function.zip")).toString("base64") },
      }), { "Content-Type": "application/json" });
    const assumeRaw = async (roleArn: string) => {
      const { status, text } = await query("sts", "AssumeRole", { RoleArn: roleArn, RoleSessionName: "test" });
      const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1] ?? "";
      return { status, text, credentials: { accessKeyId: field("AccessKeyId"), secretAccessKey: field("SecretAccessKey"), sessionToken: field("SessionToken") } };
    };
    const sleepUntil = (since: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, since + seconds * 1000 + 300 - Date.now())));
    const describeVpcs = (credentials: AwsCredentials) => query("ec2", "DescribeVpcs", {}, credentials);

    await setIamPropagationSeconds(emu, seconds);
    try {
      // Each change is in effect `seconds` after the emulator made it, i.e. at the latest that long after its answer.
      await Promise.all([
        query("iam", "CreateRole", { RoleName: "late", AssumeRolePolicyDocument: JSON.stringify(trustAccount) }),
        query("iam", "CreateRole", { RoleName: "late-function", AssumeRolePolicyDocument: JSON.stringify(trustLambda) }),
      ]);
      const created = Date.now();
      const [assumeNow, functionNow] = await Promise.all([assumeRaw(`arn:aws:iam::${A}:role/late`), createFunctionRaw("late-fn", `arn:aws:iam::${A}:role/late-function`)]);
      expect(Date.now() - created).toBeLessThan(seconds * 1000);
      expect(assumeNow.status).toBe(403);
      expect(assumeNow.text).toContain(`User: arn:aws:iam::${A}:root is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${A}:role/late`);
      // Lambda API reference, CreateFunction: InvalidParameterValueException; Terraform's AWS provider retries it.
      expect(functionNow.status).toBe(400);
      expect(functionNow.text).toContain("The role defined for the function cannot be assumed by Lambda.");
      await sleepUntil(created);
      const [{ credentials: session, status }, functionLater] = await Promise.all([
        assumeRaw(`arn:aws:iam::${A}:role/late`),
        createFunctionRaw("late-fn", `arn:aws:iam::${A}:role/late-function`),
      ]);
      expect([status, functionLater.status]).toEqual([200, 201]);

      // A policy put now is not in effect yet, then it is; deleted, it still is for a while.
      const document = JSON.stringify(policy({ Effect: "Allow", Action: "ec2:DescribeVpcs", Resource: "*" }));
      await query("iam", "PutRolePolicy", { RoleName: "late", PolicyName: "p", PolicyDocument: document });
      const put = Date.now();
      const early = await describeVpcs(session);
      expect(Date.now() - put).toBeLessThan(seconds * 1000);
      expect(early.text).toContain("because no identity-based policy allows the ec2:DescribeVpcs action");
      await sleepUntil(put);
      expect((await describeVpcs(session)).status).toBe(200);
      await query("iam", "DeleteRolePolicy", { RoleName: "late", PolicyName: "p" });
      const deleted = Date.now();
      expect((await describeVpcs(session)).status).toBe(200);
      expect(Date.now() - deleted).toBeLessThan(seconds * 1000);
      await sleepUntil(deleted);
      expect((await describeVpcs(session)).text).toContain("<Code>UnauthorizedOperation</Code>");
    } finally {
      await setIamPropagationSeconds(emu, 0);
    }
  });

  test("a function invoked right after its role's policy is put acts without it until the policy has propagated", async () => {
    // What a deployment that invokes a function in the same apply as its role policy meets on AWS.
    const role = await createRole("reader-fn", trustLambda);
    await Promise.all([
      json("ssm", "PutParameter", { Name: "/iam/for-function", Value: "v1", Type: "String" }),
      aws(emu, ["lambda", "create-function", "--function-name", "reader-fn", "--runtime", "nodejs22.x", "--handler", "index.handler", "--role", role, "--timeout", "10", "--zip-file", `fileb://${path.join(dir, "reader.zip")}`]),
    ]);
    const seconds = 8;
    await setIamPropagationSeconds(emu, seconds);
    try {
      await setup("iam", "PutRolePolicy", { RoleName: "reader-fn", PolicyName: "read", PolicyDocument: JSON.stringify(policy({ Effect: "Allow", Action: "ssm:GetParameter", Resource: "*" })) });
      const put = Date.now();
      const early = await invoke(undefined, "reader-fn");
      expect(Date.now() - put).toBeLessThan(seconds * 1000);
      expect(early.functionError).toBe("Unhandled");
      expect(early.payload.errorMessage).toContain(
        `User: ${sessionArn("reader-fn", "reader-fn")} is not authorized to perform: ssm:GetParameter on resource: arn:aws:ssm:${REGION}:${A}:parameter/iam/for-function because no identity-based policy allows the ssm:GetParameter action`,
      );
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, put + seconds * 1000 + 300 - Date.now())));
      expect(await invoke(undefined, "reader-fn")).toEqual({ functionError: undefined, payload: { value: "v1" } });
    } finally {
      await setIamPropagationSeconds(emu, 0);
    }
  });

  test("Lambda runs a function as its role only while the role's trust admits lambda.amazonaws.com", async () => {
    const role = await createRole("runner", trustLambda);
    await createFunction("runner-fn", role);
    expect(await invoke(undefined, "runner-fn")).toEqual({ functionError: undefined, payload: { ok: true } });
    await setup("iam", "UpdateAssumeRolePolicy", { RoleName: "runner", PolicyDocument: JSON.stringify(trustAccount) });
    const refused = await invoke(undefined, "runner-fn");
    expect(refused.functionError).toBe("Unhandled");
    expect(refused.payload.errorMessage).toContain(
      `Lambda could not assume the execution role ${role}: User: lambda.amazonaws.com is not authorized to perform: sts:AssumeRole on resource: ${role}`,
    );
  });

  test("EC2 condition keys come from the resource, only where the reference lists them: ec2:Vpc on a group's rules, a tag, not ec2:Vpc on a new group", async () => {
    const [{ Vpc: mine }, { Vpc: other }] = await Promise.all([aws(emu, ["ec2", "create-vpc", "--cidr-block", "10.20.0.0/16"]), aws(emu, ["ec2", "create-vpc", "--cidr-block", "10.21.0.0/16"])]);
    const vpcArn = `arn:aws:ec2:${REGION}:${A}:vpc/${mine.VpcId}`;
    const group = async (vpc: string, name: string, tag: string) =>
      (await aws(emu, ["ec2", "create-security-group", "--group-name", name, "--description", "d", "--vpc-id", vpc, "--tag-specifications", `ResourceType=security-group,Tags=[{Key=team,Value=${tag}}]`])).GroupId as string;
    const [inMine, inOther, taggedElsewhere] = await Promise.all([group(mine.VpcId, "in-mine", "ftp"), group(other.VpcId, "in-other", "web"), group(other.VpcId, "tagged", "ftp")]);
    const role = await createRole(
      "sg-manager",
      trustAccount,
      policy(
        { Effect: "Allow", Action: "ec2:RevokeSecurityGroupEgress", Resource: "*", Condition: { ArnEquals: { "ec2:Vpc": vpcArn } } },
        { Effect: "Allow", Action: "ec2:DeleteSecurityGroup", Resource: "*", Condition: { StringEquals: { "aws:ResourceTag/team": "ftp" } } },
        // CreateSecurityGroup's security-group resource has no ec2:Vpc (Service Authorization Reference): never matches.
        { Effect: "Allow", Action: "ec2:CreateSecurityGroup", Resource: "*", Condition: { ArnEquals: { "ec2:Vpc": vpcArn } } },
      ),
    );
    const session = await assumeRole(emu, role, "test");
    const revoke = (id: string) => as(session, ["ec2", "revoke-security-group-egress", "--group-id", id, "--ip-permissions", "IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]"]);
    await revoke(inMine);
    await expect(revoke(inOther)).rejects.toThrow(`not authorized to perform: ec2:RevokeSecurityGroupEgress on resource: arn:aws:ec2:${REGION}:${A}:security-group/${inOther}`);
    await as(session, ["ec2", "delete-security-group", "--group-id", taggedElsewhere]);
    await expect(as(session, ["ec2", "delete-security-group", "--group-id", inOther])).rejects.toThrow("not authorized to perform: ec2:DeleteSecurityGroup");
    await expect(as(session, ["ec2", "create-security-group", "--group-name", "new", "--description", "d", "--vpc-id", mine.VpcId])).rejects.toThrow(
      "not authorized to perform: ec2:CreateSecurityGroup",
    );
  });

  test("ELBv2 actions that share a name with the Classic API are judged by ELBv2's resource types: tagging a target group by its name", async () => {
    const { Vpc } = await aws(emu, ["ec2", "create-vpc", "--cidr-block", "10.30.0.0/16"]);
    const group = async (name: string) =>
      (await aws(emu, ["elbv2", "create-target-group", "--name", name, "--protocol", "TCP", "--port", "21", "--vpc-id", Vpc.VpcId])).TargetGroups[0].TargetGroupArn as string;
    const [mine, other] = await Promise.all([group("tf-ftp-21-x"), group("other-21-x")]);
    const role = await createRole(
      "tagger",
      trustAccount,
      policy({ Effect: "Allow", Action: "elasticloadbalancing:AddTags", Resource: `arn:aws:elasticloadbalancing:${REGION}:${A}:targetgroup/tf-ftp-*/*` }),
    );
    const session = await assumeRole(emu, role, "test");
    const tag = (arn: string) => as(session, ["elbv2", "add-tags", "--resource-arns", arn, "--tags", "Key=team,Value=ftp"]);
    await tag(mine);
    await expect(tag(other)).rejects.toThrow(`is not authorized to perform: elasticloadbalancing:AddTags on resource: ${other}`);
  });

  test("AWS's public SSM parameters (no account in their ARN) are read as the caller's own policy allows", async () => {
    const latest = `arn:aws:ssm:${REGION}::parameter/aws/service/ami-amazon-linux-latest/*`;
    const role = await createRole("ami-reader", trustAccount, policy({ Effect: "Allow", Action: "ssm:GetParameter", Resource: latest }));
    const session = await assumeRole(emu, role, "test");
    const name = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";
    expect((await as(session, ["ssm", "get-parameter", "--name", name])).Parameter.Value).toMatch(/^ami-/);
    await expect(as(session, ["ssm", "get-parameter", "--name", "/aws/service/global-infrastructure/regions/us-east-1"])).rejects.toThrow(
      `is not authorized to perform: ssm:GetParameter on resource: arn:aws:ssm:${REGION}::parameter/aws/service/global-infrastructure/regions/us-east-1`,
    );
  });

  test("an operation the emulator cannot map to IAM is refused, never allowed", async () => {
    const role = await createRole("partiql", trustAccount, policy({ Effect: "Allow", Action: "dynamodb:*", Resource: "*" }));
    const session = await assumeRole(emu, role, "test");
    await expect(as(session, ["dynamodb", "execute-statement", "--statement", "SELECT * FROM anything"])).rejects.toThrow(
      "(UnmappedIamOperation) when calling the ExecuteStatement operation: The emulator cannot judge dynamodb:ExecuteStatement under IAM",
    );
    expect(await decisions((c) => c.principal === sessionArn("partiql"))).toEqual([expect.objectContaining({ operation: "dynamodb:ExecuteStatement", decision: "Unmapped" })]);
  });

  test("every other account is an organization member: OrganizationAccountAccessRole is its administrator; a role that does not exist cannot be assumed", async () => {
    const member = "222233334444";
    const admin = await assumeRole(emu, `arn:aws:iam::${member}:role/OrganizationAccountAccessRole`, "setup");
    const { Vpc } = await as(admin, ["ec2", "create-vpc", "--cidr-block", "10.9.0.0/16"]);
    expect(Vpc.OwnerId).toBe(member);
    await expect(assumeRole(emu, `arn:aws:iam::${member}:role/no-such-role`, "setup")).rejects.toThrow(
      `User: arn:aws:iam::${A}:root is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${member}:role/no-such-role`,
    );
  });
});
