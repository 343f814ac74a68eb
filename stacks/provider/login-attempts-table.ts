import { Construct } from "constructs";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";

export interface LoginAttemptsTableOptions {
  readonly namePrefix: string;
}

/**
 * Failed logins per FTP user, for the identity provider's backoff
 * (functions/identity-provider/login-throttle.ts). One small item per user
 * with recent failures; TTL deletes it a day after the last one. On-demand
 * capacity: a login flood is billed, never throttled into refusing everyone.
 */
export class LoginAttemptsTable extends Construct {
  readonly table: DynamodbTable;

  constructor(scope: Construct, id: string, options: LoginAttemptsTableOptions) {
    super(scope, id);
    this.table = new DynamodbTable(this, "table", {
      name: `${options.namePrefix}-login-attempts`,
      billingMode: "PAY_PER_REQUEST",
      hashKey: "username",
      attribute: [{ name: "username", type: "S" }],
      // Epoch seconds, as DynamoDB TTL requires; the handler also ignores
      // expired items, since TTL deletes them only eventually.
      ttl: { enabled: true, attributeName: "expiresAt" },
      // Encrypted with the AWS managed key (aws/dynamodb) rather than the
      // default AWS owned key, so that reads show up in CloudTrail.
      serverSideEncryption: { enabled: true },
      // Counters that expire within a day are not worth restoring.
      pointInTimeRecovery: { enabled: false },
    });
  }
}
