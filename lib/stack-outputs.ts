// Output names of both stacks: a contract. The consumer reads the provider's
// through remote state, and `npm run smoke` reads the consumer's with
// `terraform output`. Renaming one breaks that hand-off. (No cdktf imports
// here, so the command-line tools can use these without loading cdktf.)

export const PROVIDER_OUTPUTS = {
  endpointServiceName: "endpoint_service_name",
  endpointServiceId: "endpoint_service_id",
  nlbPrivateIp: "nlb_private_ip",
  /** Comma-separated AZ IDs (e.g. "apne1-az4,apne1-az1") of the subnets the NLB, and so the endpoint service, serves. */
  nlbAvailabilityZoneIds: "nlb_availability_zone_ids",
  transferServerId: "transfer_server_id",
  /** Only with SFTP: "SHA256:<base64>" of the server's host key (aws_transfer_server.host_key_fingerprint). */
  sftpHostKeyFingerprint: "sftp_host_key_fingerprint",
  // Read by `npm run users -- add` (KmsKeyId of new user secrets).
  userSecretsKeyArn: "user_secrets_key_arn",
} as const;

export const CONSUMER_OUTPUTS = {
  vpcEndpointId: "vpc_endpoint_id",
  vpcEndpointDnsName: "vpc_endpoint_dns_name",
  clientInstanceId: "client_instance_id",
  smokePasswordKeyArn: "smoke_password_key_arn",
  /** The host FTP clients connect to: consumer.dnsName when set, else the endpoint's DNS name. */
  ftpHost: "ftp_host",
} as const;
