import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { USER_OBJECT_ACTIONS } from "../../functions/identity-provider/user-record";
import { AccountScope, policyDocument, transferUserTrustPolicy } from "../../lib/iam-policies";

export interface TransferS3AccessRoleOptions extends AccountScope {
  readonly name: string;
  readonly bucketName: string;
  /** The Transfer server whose users may be given this role. */
  readonly serverId: string;
}

/**
 * The role Transfer Family assumes on behalf of an authenticated FTP user to
 * reach S3 (the article's `Transfer-Family-Role`, without AmazonS3FullAccess):
 * list the one bucket, read and write its objects. The identity provider adds
 * a per-user session policy that narrows this to the user's home prefix.
 *
 * Trusted only for the users of this one server (`user/<server-id>/*`). The
 * server references the identity-provider function, whose environment holds
 * this role's ARN; so the function gets the ARN built from the role's name
 * (arnOf), not a reference to the role, and the role can reference the server
 * without a dependency cycle.
 */
export class TransferS3AccessRole extends Construct {
  readonly role: IamRole;

  /** The ARN AWS gives a role of this name (path "/"), known before the role exists. */
  static arnOf(options: Pick<TransferS3AccessRoleOptions, "partition" | "accountId" | "name">): string {
    return `arn:${options.partition}:iam::${options.accountId}:role/${options.name}`;
  }

  constructor(scope: Construct, id: string, options: TransferS3AccessRoleOptions) {
    super(scope, id);
    const bucketArn = `arn:${options.partition}:s3:::${options.bucketName}`;
    this.role = new IamRole(this, "role", {
      name: options.name,
      description: "Assumed by AWS Transfer Family for FTP users: S3 access to the transfer bucket",
      assumeRolePolicy: transferUserTrustPolicy(options, options.serverId),
    });
    new IamRolePolicy(this, "bucket-access", {
      name: "transfer-bucket-access",
      role: this.role.id,
      policy: policyDocument([
        { Sid: "ListTheBucket", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: bucketArn },
        {
          Sid: "ReadWriteObjects",
          Effect: "Allow",
          // Multipart included (see USER_OBJECT_ACTIONS); the session policy narrows it to the home.
          Action: [...USER_OBJECT_ACTIONS],
          Resource: `${bucketArn}/*`,
        },
      ]),
    });
  }
}
