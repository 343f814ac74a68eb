import { Construct } from "constructs";
import { DataResource, Fn, ITerraformDependable, TerraformResource } from "cdktf";
import { LambdaInvocation } from "@cdktf/provider-aws/lib/lambda-invocation";
import { DataAwsNetworkInterface } from "@cdktf/provider-aws/lib/data-aws-network-interface";
import { assumeRoleShell, awsCliProvisioner } from "../../lib/aws-cli-role";

export interface TransferEndpointAddressesOptions {
  readonly subnetIds: readonly string[];
  /** The server's VPC endpoint ID (known only after the server exists). */
  readonly vpcEndpointId: string;
  /** Region of the endpoint (for the AWS CLI of the wait step). */
  readonly region: string;
  /** Role the AWS CLI acts with (provider.assumeRoleArn), as the stack's AWS provider does. */
  readonly assumeRoleArn?: string;
  /** Bound on the wait for the endpoint to become available. */
  readonly timeoutSeconds: number;
  readonly pollSeconds?: number;
  /**
   * provider.restartResource "lambda": wait by invoking the restart function
   * (./restart-function.ts) instead of local-exec with the AWS CLI.
   */
  readonly waitFunctionName?: string;
  /** What the invocation must wait for beside the function: its role's policy (RestartFunction.permissions). */
  readonly waitFunctionDependsOn?: readonly ITerraformDependable[];
}

export interface EndpointAddress {
  readonly subnetId: string;
  readonly privateIp: string;
}

/**
 * The two descriptions AWS documents for an interface endpoint's
 * requester-managed ENI: "VPC Endpoint Interface vpce-…" and
 * "VPC Endpoint Interface: vpce-…" (EC2 user guide, "Requester-managed
 * network interfaces"). Values of one filter are OR'ed (EC2 API, Filter).
 */
export function endpointEniDescriptions(vpcEndpointId: string): string[] {
  return [`VPC Endpoint Interface ${vpcEndpointId}`, `VPC Endpoint Interface: ${vpcEndpointId}`];
}

/**
 * Waits until a VPC endpoint is `available`, polling with the AWS CLI (the
 * same CLI the passive-IP restart already needs where Terraform runs).
 * POSIX sh without `${`, which Terraform would read as an interpolation.
 */
export const WAIT_FOR_ENDPOINT_COMMAND = `set -e
fail() { echo "transfer endpoint wait: $*" >&2; exit 1; }
command -v aws >/dev/null 2>&1 || fail "the AWS CLI (aws) is not installed where Terraform runs; it is needed to wait for VPC endpoint $VPC_ENDPOINT_ID of the Transfer server to become available."
${assumeRoleShell("transfer endpoint wait", "transfer-endpoint-wait", "did not wait for VPC endpoint $VPC_ENDPOINT_ID")}set -u
deadline=$(( $(date +%s) + TIMEOUT_SECONDS ))
while :; do
  state=$(aws ec2 describe-vpc-endpoints --region "$AWS_REGION" --vpc-endpoint-ids "$VPC_ENDPOINT_ID" --query 'VpcEndpoints[0].State' --output text) || fail "cannot describe VPC endpoint $VPC_ENDPOINT_ID in $AWS_REGION"
  state=$(printf '%s' "$state" | tr '[:upper:]' '[:lower:]')
  case "$state" in
    available) echo "transfer endpoint wait: VPC endpoint $VPC_ENDPOINT_ID is available"; exit 0 ;;
    failed|rejected|deleting|deleted|expired) fail "VPC endpoint $VPC_ENDPOINT_ID of the Transfer server is $state" ;;
  esac
  [ "$(date +%s)" -lt "$deadline" ] || fail "VPC endpoint $VPC_ENDPOINT_ID is still $state after $TIMEOUT_SECONDS s"
  echo "transfer endpoint wait: VPC endpoint $VPC_ENDPOINT_ID is $state; waiting"
  sleep "$POLL_SECONDS"
done
`;

/**
 * Finds the private IP of the Transfer server's VPC endpoint in each
 * configured subnet (the article read 10.0.3.225 off the console).
 *
 * One lookup per configured subnet, not a for_each over the endpoint's
 * network_interface_ids: those IDs are unknown at the first plan and
 * Terraform cannot for_each over unknown keys. The subnets are known, and the
 * ENI is found by its description (both documented forms).
 *
 * The wait: Transfer reports a new server ONLINE before its VPC endpoint is
 * `available` (hashicorp/aws internal/service/transfer/server.go, comment in
 * updateServer), and the provider's create waits only for ONLINE, so lookups
 * read right after the server was created can find no ENI. No provider
 * resource or data source waits for an endpoint it does not own: data
 * sources never retry (`data aws_vpc_endpoint` with a state filter fails at
 * once), and the resources that do wait (aws_vpc_endpoint_subnet_association,
 * _security_group_association, _policy) would take over part of the endpoint
 * Transfer manages and change it on destroy. So a `terraform_data` polls with
 * the AWS CLI, and the lookups depend on it. It is replaced only when the
 * endpoint ID changes (a new server), so it adds no work and no deferred reads
 * to other plans. Limits: it needs the AWS CLI where Terraform runs, and
 * credentials allowed ec2:DescribeVpcEndpoints: provider.assumeRoleArn's role
 * when set, else the runner's own (as the restart step).
 */
export class TransferEndpointAddresses extends Construct {
  readonly addresses: readonly EndpointAddress[];
  readonly endpointAvailable: TerraformResource;

  constructor(scope: Construct, id: string, options: TransferEndpointAddressesOptions) {
    super(scope, id);
    const triggers = { vpc_endpoint_id: options.vpcEndpointId };
    this.endpointAvailable = options.waitFunctionName
      ? new LambdaInvocation(this, "endpoint-available", {
          functionName: options.waitFunctionName,
          input: Fn.jsonencode({
            action: "wait-for-endpoint",
            vpcEndpointId: options.vpcEndpointId,
            timeoutSeconds: options.timeoutSeconds,
            pollSeconds: options.pollSeconds ?? 5,
          }),
          triggers,
          dependsOn: [...(options.waitFunctionDependsOn ?? [])],
        })
      : new DataResource(this, "endpoint-available", {
          triggersReplace: triggers,
          provisioners: [
            // The local-exec form (restartResource null_resource or terraform_data).
            awsCliProvisioner(WAIT_FOR_ENDPOINT_COMMAND, options.region, options.assumeRoleArn, {
              VPC_ENDPOINT_ID: options.vpcEndpointId,
              TIMEOUT_SECONDS: String(options.timeoutSeconds),
              POLL_SECONDS: String(options.pollSeconds ?? 5),
            }),
          ],
        });
    this.addresses = options.subnetIds.map((subnetId) => {
      const eni = new DataAwsNetworkInterface(this, subnetId, {
        filter: [
          { name: "subnet-id", values: [subnetId] },
          { name: "description", values: endpointEniDescriptions(options.vpcEndpointId) },
        ],
        dependsOn: [this.endpointAvailable],
      });
      return { subnetId, privateIp: eni.privateIp };
    });
  }
}
