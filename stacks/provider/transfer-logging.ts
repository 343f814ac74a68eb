import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { AccountScope, policyDocument, transferServerTrustPolicy } from "../../lib/iam-policies";

export interface TransferLoggingOptions extends AccountScope {
  readonly namePrefix: string;
  readonly retentionDays: number;
}

/**
 * Where the Transfer server writes its structured (JSON) logs - logins,
 * uploads, downloads, errors - and the role it writes them with, limited to
 * that one log group.
 */
export class TransferLogging extends Construct {
  readonly logGroup: CloudwatchLogGroup;
  readonly role: IamRole;

  constructor(scope: Construct, id: string, options: TransferLoggingOptions) {
    super(scope, id);
    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `/aws/transfer/${options.namePrefix}-ftp`,
      retentionInDays: options.retentionDays,
    });
    this.role = new IamRole(this, "role", {
      name: `${options.namePrefix}-transfer-logging`,
      description: "Lets the Transfer server write its logs to its own log group",
      assumeRolePolicy: transferServerTrustPolicy(options),
    });
    new IamRolePolicy(this, "write-logs", {
      name: "write-transfer-logs",
      role: this.role.id,
      policy: policyDocument([
        {
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
          Resource: `${this.logGroup.arn}:*`,
        },
      ]),
    });
  }

  /** The value aws_transfer_server.structured_log_destinations expects. */
  get destination(): string {
    return `${this.logGroup.arn}:*`;
  }
}
