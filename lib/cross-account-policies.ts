// The IAM documents of the two-account setup (docs/cross-account.md): who may
// assume which role, and what each role may do. That page shows these exact
// documents for the emulator's accounts; __tests__/cross-account-policies.test.ts
// checks the page against them and evaluates them with an IAM policy simulator.
// The two-account end-to-end test creates its roles from them.
import { PolicyStatement } from "./iam-policies";

/** A policy document as an object (these are written to files and the README, not into Terraform). */
export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly (Omit<PolicyStatement, "Resource"> & { readonly Resource?: string | readonly string[]; readonly Principal?: { readonly AWS: string } })[];
}

export interface CrossAccountIds {
  /** The account that owns the Transfer server, the NLB and the endpoint service. */
  readonly providerAccountId: string;
  /** The account that owns the consumer VPC and its interface endpoint. */
  readonly consumerAccountId: string;
  readonly region: string;
}

/** Trust of a role that principals of `trustedAccountId` (its administrators delegate who) may assume. */
export function trustAccountPolicy(trustedAccountId: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${trustedAccountId}:root` }, Action: "sts:AssumeRole" }],
  };
}

/**
 * `consumer.serviceOwnerRoleArn`, in the provider account: accept (create) and
 * reject (destroy) connections to this account's endpoint services, and read
 * them (aws_vpc_endpoint_connection_accepter calls exactly these three:
 * terraform-provider-aws internal/service/ec2/vpc_endpoint_connection_accepter.go).
 * DescribeVpcEndpointConnections has no resource-level permissions (Service
 * Authorization Reference, Amazon EC2), hence "*".
 */
export function serviceOwnerPolicy(ids: CrossAccountIds): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DecideConnections",
        Effect: "Allow",
        Action: ["ec2:AcceptVpcEndpointConnections", "ec2:RejectVpcEndpointConnections"],
        Resource: `arn:aws:ec2:${ids.region}:${ids.providerAccountId}:vpc-endpoint-service/*`,
      },
      { Sid: "ReadConnections", Effect: "Allow", Action: "ec2:DescribeVpcEndpointConnections", Resource: "*" },
    ],
  };
}

/**
 * `consumer.assumeRoleArn`, in the consumer account: what the consumer stack
 * (client instance off) creates and reads — the endpoint's security group and
 * its rules, the interface endpoint, their tags — in the configured region
 * only. The two-account end-to-end test records every action the deploy, plan
 * and destroy made through the role; each is here, and each action here that
 * the run did not make is listed in CONSUMER_DEPLOY_ACTIONS_FOR_CHANGES.
 */
export function consumerDeployPolicy(ids: CrossAccountIds): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "Read",
        Effect: "Allow",
        Action: [
          "ec2:DescribeSubnets",
          "ec2:DescribeSecurityGroups",
          "ec2:DescribeSecurityGroupRules",
          "ec2:DescribePrefixLists",
          "ec2:DescribeVpcEndpoints",
          "ec2:DescribeNetworkInterfaces",
        ],
        Resource: "*",
      },
      {
        Sid: "ManageEndpointAndItsSecurityGroup",
        Effect: "Allow",
        Action: [
          "ec2:CreateSecurityGroup",
          "ec2:DeleteSecurityGroup",
          "ec2:AuthorizeSecurityGroupIngress",
          "ec2:RevokeSecurityGroupIngress",
          "ec2:RevokeSecurityGroupEgress",
          "ec2:ModifySecurityGroupRules",
          "ec2:CreateVpcEndpoint",
          "ec2:ModifyVpcEndpoint",
          "ec2:DeleteVpcEndpoints",
          "ec2:CreateTags",
          "ec2:DeleteTags",
        ],
        Resource: "*",
        Condition: { StringEquals: { "aws:RequestedRegion": ids.region } },
      },
    ],
  };
}

/** Actions of consumerDeployPolicy that a deploy + destroy does not call, and why they are there. */
export const CONSUMER_DEPLOY_ACTIONS_FOR_CHANGES: Readonly<Record<string, string>> = {
  "ec2:DescribeSubnets": "the plan-time AZ-ID check reads the consumer subnets (data aws_subnet)",
  "ec2:ModifySecurityGroupRules": "a changed rule (e.g. its description) is updated in place",
  "ec2:ModifyVpcEndpoint": "changed consumer.subnetIds or security groups are updated in place",
  // EC2 authorizes tags given at creation (TagSpecifications) as ec2:CreateTags on the new resource
  // (EC2 User Guide, "Grant permission to tag resources during creation").
  "ec2:CreateTags": "tags at creation (default_tags, Name) and tag changes",
  "ec2:DeleteTags": "removed tags",
};
