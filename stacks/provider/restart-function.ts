import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { markerParameterName } from "../../functions/passive-ip-restart/marker";
import { assumeRolePolicy, policyDocument } from "../../lib/iam-policies";
import { NodejsFunctionAsset } from "../shared/nodejs-function-asset";

export const RESTART_FUNCTION_ENTRY = "functions/passive-ip-restart/handler.ts";
/** Lambda's limit for one invocation (Lambda developer guide, quotas: function timeout 900 s). */
export const LAMBDA_MAX_TIMEOUT_SECONDS = 900;

export interface RestartFunctionOptions {
  readonly projectRoot: string;
  readonly namePrefix: string;
  readonly partition: string;
  readonly accountId: string;
  readonly region: string;
  readonly serverId: string;
  readonly serverArn: string;
  readonly logRetentionDays: number;
}

/**
 * provider.restartResource "lambda": the function that does, with the AWS SDK
 * the Lambda runtime provides, what the local-exec steps do with the AWS CLI:
 * the passive-IP restart (PassiveIpRestart invokes it) and the wait for a new
 * server's VPC endpoint (TransferEndpointAddresses invokes it). Terraform
 * invokes it through the AWS provider (aws_lambda_invocation), so nothing but
 * Terraform is needed where it runs: HCP Terraform's hosted workers included.
 * Its role may describe, stop and start this one server, read and write its
 * marker parameter, and describe VPC endpoints; nothing else.
 */
export class RestartFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: IamRole;
  /**
   * The role's inline policy. Whatever invokes the function in the same apply
   * must depend on it (and on the function): IAM changes are eventually
   * consistent (IAM user guide, troubleshooting, "Changes that I make are not
   * always immediately visible"), and nothing else orders an invocation after
   * the policy that permits its calls - the function itself references only
   * the role. The function also retries authorization errors for a while
   * (functions/passive-ip-restart/handler.ts), for the propagation that
   * ordering cannot wait out.
   */
  readonly permissions: IamRolePolicy;

  constructor(scope: Construct, id: string, options: RestartFunctionOptions) {
    super(scope, id);
    const functionName = `${options.namePrefix}-passive-ip-restart`;
    const code = new NodejsFunctionAsset(this, "code", { projectRoot: options.projectRoot, entry: RESTART_FUNCTION_ENTRY });
    const logGroup = new CloudwatchLogGroup(this, "logs", { name: `/aws/lambda/${functionName}`, retentionInDays: options.logRetentionDays });
    const role = (this.role = new IamRole(this, "role", {
      name: functionName,
      description: "Execution role of the passive-IP restart function: this server, its marker, the endpoint wait",
      assumeRolePolicy: assumeRolePolicy("lambda.amazonaws.com"),
    }));
    const marker = markerParameterName(options.namePrefix, options.serverId);
    this.permissions = new IamRolePolicy(this, "permissions", {
      name: "passive-ip-restart",
      role: role.id,
      policy: policyDocument([
        { Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${logGroup.arn}:*` },
        {
          Sid: "RestartThisServer",
          Effect: "Allow",
          Action: ["transfer:DescribeServer", "transfer:StopServer", "transfer:StartServer"],
          Resource: options.serverArn,
        },
        {
          Sid: "ReadAndWriteItsMarker",
          Effect: "Allow",
          Action: ["ssm:GetParameter", "ssm:PutParameter"],
          Resource: `arn:${options.partition}:ssm:${options.region}:${options.accountId}:parameter${marker}`,
        },
        {
          // EC2 Describe* actions take no resource-level permissions (Service
          // Authorization Reference, Amazon EC2: DescribeVpcEndpoints, resource "*").
          Sid: "WaitForTheServersEndpoint",
          Effect: "Allow",
          Action: "ec2:DescribeVpcEndpoints",
          Resource: "*",
        },
      ]),
    });
    this.function = new LambdaFunction(this, "function", {
      functionName,
      description: "Stops and starts the Transfer server when a new PassiveIp must take effect; waits for its VPC endpoint",
      role: role.arn,
      runtime: "nodejs22.x",
      handler: code.handler,
      filename: code.path,
      sourceCodeHash: code.sourceCodeHash,
      architectures: ["arm64"],
      memorySize: 128,
      // Both waits of a restart (OFFLINE, then ONLINE) fit in one invocation:
      // the config allows restartTimeoutSeconds up to 420 with this form.
      timeout: LAMBDA_MAX_TIMEOUT_SECONDS,
      dependsOn: [logGroup, this.permissions],
    });
  }
}
