// What the stand-in knows about the server it plays: read at start from the
// emulator, as a Transfer server reads its own configuration when it starts.
//
// Transfer applies PassiveIp only after a stop and start ("If you change the
// PassiveIp value, you must stop and then restart your Transfer Family server
// for the change to take effect": Transfer API reference, ProtocolDetails), so
// the stand-in reads DescribeServer once, when it starts; restarting it is the
// stand-in's StartServer.
import { DescribeServerCommand, TransferClient } from "@aws-sdk/client-transfer";
import * as http from "http";
import type { ServiceClients } from "./identity-provider";
import type { TransferLog } from "./transfer-log";

export type Protocol = "FTP" | "FTPS" | "SFTP";
export type TlsSessionResumptionMode = "DISABLED" | "ENABLED" | "ENFORCED";
export type SftpAuthenticationMethods = "PASSWORD" | "PUBLIC_KEY" | "PUBLIC_KEY_OR_PASSWORD" | "PUBLIC_KEY_AND_PASSWORD";

export interface FtpsCertificate {
  readonly arn: string;
  readonly certificate: string;
  readonly chain: string;
  readonly privateKey: string;
}

export interface ServerConfig {
  readonly serverId: string;
  readonly arn: string;
  readonly region: string;
  readonly accountId: string;
  readonly state: string;
  readonly protocols: readonly Protocol[];
  /** As DescribeServer answers it: an IPv4 address, "0.0.0.0" or "AUTO". */
  readonly passiveIp: string;
  readonly tlsSessionResumptionMode: TlsSessionResumptionMode;
  readonly setStatOption: "DEFAULT" | "ENABLE_NO_OP";
  readonly securityPolicyName: string;
  readonly identityProviderFunction: string;
  readonly sftpAuthenticationMethods: SftpAuthenticationMethods;
  readonly hostKey: string;
  readonly hostKeyFingerprint: string;
  readonly certificate?: FtpsCertificate;
  /**
   * S3StorageOptions.DirectoryListingOptimization. DISABLED (the API's default): a LOGICAL home's
   * root folder must exist before the user logs in - a zero-byte object whose key ends in "/"
   * (Transfer user guide, "Implementing logical directories": "If you are not using Amazon S3
   * performance optimization settings your root directory must exist on startup"). ENABLED:
   * Transfer does without it.
   */
  readonly directoryListingOptimization: "ENABLED" | "DISABLED";
}

/** What each listener (FTP/FTPS, SFTP) needs to play one server. */
export interface ListenerOptions {
  readonly config: ServerConfig;
  readonly clients: ServiceClients;
  readonly listenAddress: string;
  readonly port: number;
  readonly s3Endpoint: string | undefined;
  readonly log: TransferLog;
}

export class ServerConfigError extends Error {}

interface ServiceKeys {
  hostKey: string;
  hostKeyFingerprint: string;
  certificate: FtpsCertificate | null;
  certificateProblem?: string;
}

function launcherKeys(endpoint: string, serverId: string): Promise<ServiceKeys> {
  const url = `${endpoint.replace(/\/$/, "")}/_launcher/transfer/service-keys?serverId=${encodeURIComponent(serverId)}`;
  return new Promise((resolve, reject) => {
    const request = http.get(url, { timeout: 10_000 }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => {
        if (response.statusCode !== 200) reject(new ServerConfigError(`${url}: HTTP ${response.statusCode}: ${body}`));
        else resolve(JSON.parse(body) as ServiceKeys);
      });
    });
    request.on("timeout", () => request.destroy(new ServerConfigError(`${url}: timed out`)));
    request.on("error", reject);
  });
}

/** DescribeServer plus the keys Transfer holds, as one checked configuration. */
export async function loadServerConfig(transfer: TransferClient, endpoint: string, serverId: string, region: string): Promise<ServerConfig> {
  const { Server } = await transfer.send(new DescribeServerCommand({ ServerId: serverId }));
  if (!Server) throw new ServerConfigError(`DescribeServer ${serverId}: no server in the answer`);
  const problems: string[] = [];
  const protocols = (Server.Protocols ?? []) as Protocol[];
  if (Server.IdentityProviderType !== "AWS_LAMBDA") problems.push(`IdentityProviderType is ${Server.IdentityProviderType}; the stand-in plays a server with a Lambda identity provider only`);
  const fn = Server.IdentityProviderDetails?.Function;
  if (!fn) problems.push("IdentityProviderDetails.Function is missing");
  if (Server.Domain && Server.Domain !== "S3") problems.push(`Domain ${Server.Domain}: only S3 is imitated`);
  const keys = await launcherKeys(endpoint, serverId);
  if (protocols.includes("FTPS") && !keys.certificate) {
    problems.push(`FTPS needs the certificate ${Server.Certificate ?? "(none)"} in the emulator's ACM: ${keys.certificateProblem ?? "no Certificate on the server"}`);
  }
  if (problems.length > 0) throw new ServerConfigError(`server ${serverId}:\n  ${problems.join("\n  ")}`);
  const details = Server.ProtocolDetails ?? {};
  return {
    serverId,
    arn: Server.Arn ?? "",
    region,
    accountId: (Server.Arn ?? "").split(":")[4] ?? "",
    state: Server.State ?? "",
    protocols,
    passiveIp: details.PassiveIp ?? "AUTO",
    tlsSessionResumptionMode: (details.TlsSessionResumptionMode ?? "ENFORCED") as TlsSessionResumptionMode,
    setStatOption: (details.SetStatOption ?? "DEFAULT") as "DEFAULT" | "ENABLE_NO_OP",
    securityPolicyName: Server.SecurityPolicyName ?? "TransferSecurityPolicy-2018-11",
    identityProviderFunction: fn!,
    sftpAuthenticationMethods: (Server.IdentityProviderDetails?.SftpAuthenticationMethods ?? "PUBLIC_KEY_OR_PASSWORD") as SftpAuthenticationMethods,
    hostKey: keys.hostKey,
    hostKeyFingerprint: keys.hostKeyFingerprint,
    ...(keys.certificate ? { certificate: keys.certificate } : {}),
    directoryListingOptimization: Server.S3StorageOptions?.DirectoryListingOptimization === "ENABLED" ? "ENABLED" : "DISABLED",
  };
}
