// The provider's role for the AWS CLI in the stacks' local-exec steps (the
// passive-IP restart, the wait for the Transfer endpoint): when
// provider.assumeRoleArn is set, the step assumes it, as the stack's AWS
// provider does, instead of acting with the runner's own credentials.

import type { LocalExecProvisioner } from "cdktf";

/**
 * POSIX sh (no `${`, which Terraform would read as an interpolation) that
 * reads ASSUME_ROLE_ARN (set in the provisioner's environment only when a
 * role is configured) and, if it is set, assumes the role with
 * `aws sts assume-role` and exports its temporary credentials for this
 * process only: nothing is written to disk and the keys are never printed.
 * Must run before `set -u`, and after a `fail` function is defined. `label`
 * prefixes the progress line, `sessionName` names the STS session (its
 * characters must be [\w+=,.@-]), `notDone` ends the failure messages (what
 * was not done, and what to do instead).
 */
export function assumeRoleShell(label: string, sessionName: string, notDone: string): string {
  return `role_arn=$ASSUME_ROLE_ARN
if [ -n "$role_arn" ]; then
  echo "${label}: assuming role $role_arn" 2>/dev/null || :
  credentials=$(aws sts assume-role --region "$AWS_REGION" --role-arn "$role_arn" --role-session-name "${sessionName}" --query "Credentials.[AccessKeyId,SecretAccessKey,SessionToken]" --output text) || fail "cannot assume role $role_arn with the credentials Terraform runs with (they need sts:AssumeRole on it); ${notDone}"
  set -f; set -- $credentials; set +f
  [ "$#" -eq 3 ] || fail "sts assume-role for $role_arn returned no credentials; ${notDone}"
  AWS_ACCESS_KEY_ID=$1 AWS_SECRET_ACCESS_KEY=$2 AWS_SESSION_TOKEN=$3
  export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
  unset AWS_PROFILE
fi
`;
}

/**
 * A local-exec step that runs `command` (POSIX sh, with assumeRoleShell in
 * it) with the AWS CLI's region and, when configured, the role to assume in
 * its environment, plus `environment`. `quiet = true` (Terraform >= 1.4)
 * keeps the long command out of every apply log; its own progress lines still
 * show. cdktf 0.21's LocalExecProvisioner type lacks `quiet`, but cdktf writes
 * every property of a provisioner as given (snake_cased), so it is added here.
 */
export function awsCliProvisioner(
  command: string,
  region: string,
  assumeRoleArn: string | undefined,
  environment: Record<string, string>,
): LocalExecProvisioner & { readonly quiet: boolean } {
  return {
    type: "local-exec",
    interpreter: ["/bin/sh", "-c"],
    command,
    quiet: true,
    environment: { AWS_REGION: region, AWS_DEFAULT_REGION: region, ...environment, ...assumeRoleEnvironment(assumeRoleArn) },
  };
}

/** The provisioner environment entry that turns assumeRoleShell on. */
export function assumeRoleEnvironment(assumeRoleArn: string | undefined): Record<string, string> {
  return assumeRoleArn ? { ASSUME_ROLE_ARN: assumeRoleArn } : {};
}
