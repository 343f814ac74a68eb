// Transfer acts as itself, the service principal transfer.amazonaws.com, when
// it invokes the identity provider and when it assumes a user's role: the
// function's resource policy and the role's trust policy decide, with
// aws:SourceArn set to the server (invocation) or to the Transfer user
// (arn:aws:transfer:<region>:<account>:user/<server-id>/<user>: Transfer user
// guide, "Cross-service confused deputy prevention") and aws:SourceAccount to
// the server's account. The emulator hands out credentials that it judges as
// that principal (POST /_launcher/iam/service-credentials, its IAM
// enforcement), so the deployed Lambda permission and trust policy are what
// let the stand-in in - or keep it out.
import { LambdaClient } from "@aws-sdk/client-lambda";
import { STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity } from "@aws-sdk/types";
import * as http from "http";
import type { ServiceClients } from "./identity-provider";
import type { ServerConfig } from "./server-config";

export const TRANSFER_PRINCIPAL = "transfer.amazonaws.com";

function post(url: string, body: unknown): Promise<Record<string, string>> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: "POST", timeout: 10_000, headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) } },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (text += chunk));
        response.on("end", () => {
          if (response.statusCode !== 200) reject(new Error(`${url}: HTTP ${response.statusCode}: ${text}`));
          else resolve(JSON.parse(text) as Record<string, string>);
        });
      },
    );
    request.on("timeout", () => request.destroy(new Error(`${url}: timed out`)));
    request.on("error", reject);
    request.end(payload);
  });
}

/** Credentials judged as transfer.amazonaws.com acting for `sourceArn`. */
export async function serviceCredentials(endpoint: string, config: ServerConfig, sourceArn: string): Promise<AwsCredentialIdentity> {
  const answer = await post(`${endpoint.replace(/\/$/, "")}/_launcher/iam/service-credentials`, {
    service: TRANSFER_PRINCIPAL,
    account: config.accountId,
    sourceArn,
    sourceAccount: config.accountId,
  });
  return { accessKeyId: answer.accessKeyId, secretAccessKey: answer.secretAccessKey, sessionToken: answer.sessionToken };
}

/** The Transfer user ARN a login acts for (the trust policy's aws:SourceArn). */
export function transferUserArn(config: ServerConfig, username: string): string {
  return `arn:aws:transfer:${config.region}:${config.accountId}:user/${config.serverId}/${username}`;
}

/** Lambda (as Transfer for this server) and STS (as Transfer for each user) clients. */
export async function transferServiceClients(endpoint: string, config: ServerConfig): Promise<ServiceClients> {
  const lambda = new LambdaClient({ region: config.region, credentials: await serviceCredentials(endpoint, config, config.arn) });
  return {
    lambda,
    s3Endpoint: endpoint,
    stsFor: async (username: string) =>
      new STSClient({ region: config.region, credentials: await serviceCredentials(endpoint, config, transferUserArn(config, username)) }),
  };
}
