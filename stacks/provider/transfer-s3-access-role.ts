import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { AccountScope, policyDocument, transferAssumeRolePolicy } from "../../lib/iam-policies";

export interface TransferS3AccessRoleOptions extends AccountScope {
  readonly name: string;
  readonly bucketName: string;
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
      assumeRolePolicy: transferAssumeRolePolicy(options),
    });
    new IamRolePolicy(this, "bucket-access", {
      name: "transfer-bucket-access",
      role: this.role.id,
      policy: policyDocument([
        { Sid: "ListTheBucket", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: bucketArn },
        {
          Sid: "ReadWriteObjects",
          Effect: "Allow",
          Action: ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:GetObjectVersion"],
          Resource: `${bucketArn}/*`,
        },
      ]),
    });
  }
}
