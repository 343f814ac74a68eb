import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";

export interface TransferS3AccessRoleOptions {
  readonly name: string;
  readonly bucketName: string;
  readonly partition: string;
  readonly accountId: string;
  readonly region: string;
}

/**
 * The role Transfer Family assumes on behalf of an authenticated FTP user to
 * reach S3 (the article's `Transfer-Family-Role`, without AmazonS3FullAccess):
 * list the one bucket, read and write its objects. The identity provider adds
 * a per-user session policy that narrows this to the user's home prefix.
 */
export class TransferS3AccessRole extends Construct {
  readonly role: IamRole;

  constructor(scope: Construct, id: string, options: TransferS3AccessRoleOptions) {
    super(scope, id);
    const bucketArn = `arn:${options.partition}:s3:::${options.bucketName}`;
    this.role = new IamRole(this, "role", {
      name: options.name,
      description: "Assumed by AWS Transfer Family for FTP users: S3 access to the transfer bucket",
      // Confused-deputy protection: only Transfer servers of this account and
      // region may assume the role. The server's own ARN cannot be used here:
      // the server references the identity-provider function, whose
      // environment holds this role's ARN (a dependency cycle).
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "transfer.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: {
              StringEquals: { "aws:SourceAccount": options.accountId },
              ArnLike: { "aws:SourceArn": `arn:${options.partition}:transfer:${options.region}:${options.accountId}:server/*` },
            },
          },
        ],
      }),
    });
    new IamRolePolicy(this, "bucket-access", {
      name: "transfer-bucket-access",
      role: this.role.id,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Sid: "ListTheBucket", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: bucketArn },
          {
            Sid: "ReadWriteObjects",
            Effect: "Allow",
            Action: ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:GetObjectVersion"],
            Resource: `${bucketArn}/*`,
          },
        ],
      }),
    });
  }
}
