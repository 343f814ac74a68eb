// IAM policy documents as JSON strings. Tokens inside (account ID, ARNs)
// render as Terraform interpolations, so the plan shows the final JSON.

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Action: string | readonly string[];
  readonly Resource?: string | readonly string[];
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

/**
 * Trust for roles Transfer Family assumes, with confused-deputy protection:
 * only Transfer servers of this account and region. (The server's own ARN
 * cannot be used: the server references the identity-provider function,
 * whose environment holds the S3 role's ARN - a dependency cycle.)
 */
export function transferAssumeRolePolicy(scope: AccountScope): string {
  return assumeRolePolicy("transfer.amazonaws.com", {
    StringEquals: { "aws:SourceAccount": scope.accountId },
    ArnLike: { "aws:SourceArn": `arn:${scope.partition}:transfer:${scope.region}:${scope.accountId}:server/*` },
  });
}
