// IAM policy documents as JSON strings. Tokens inside (account ID, ARNs)
// render as Terraform interpolations, so the plan shows the final JSON.

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Action: string | readonly string[];
  readonly Resource?: string | readonly string[];
  /** Everything but these (for a Deny that caps what an AWS-managed policy grants). */
  readonly NotResource?: string | readonly string[];
  readonly Condition?: Record<string, Record<string, string | readonly string[]>>;
}

export function policyDocument(statements: readonly PolicyStatement[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/** Trust policy letting one AWS service assume a role, with optional conditions. */
export function assumeRolePolicy(service: string, condition?: PolicyStatement["Condition"]): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole", ...(condition ? { Condition: condition } : {}) },
    ],
  });
}

export interface AccountScope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
}

// Trust for roles Transfer Family assumes, with confused-deputy protection.
// Transfer assumes a user role "in the context of a Transfer user ARN"
// (arn:<partition>:transfer:<region>:<account>:user/<server-id>/<user>) and
// a server's own roles (logging, invocation) in the context of the server ARN (AWS
// Transfer Family user guide, "Cross-service confused deputy prevention",
// awsdocs/aws-transfer-user-guide doc_source/confused-deputy.md).

function transferTrust(scope: AccountScope, sourceArnPattern: string): string {
  return assumeRolePolicy("transfer.amazonaws.com", {
    StringEquals: { "aws:SourceAccount": scope.accountId },
    ArnLike: { "aws:SourceArn": sourceArnPattern },
  });
}

/** A role Transfer assumes for the users of one server. */
export function transferUserTrustPolicy(scope: AccountScope, serverId: string): string {
  return transferTrust(scope, `arn:${scope.partition}:transfer:${scope.region}:${scope.accountId}:user/${serverId}/*`);
}
