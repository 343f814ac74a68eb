// The Transfer Family stand-in: plays one Transfer server of the local AWS
// emulator on a real network address, for the PrivateLink path the tests and
// `npm run demo` build in network namespaces (emulator/privatelink-path.ts).
//
//   node scripts/run-ts.js emulator/transfer-stand-in/main.ts \
//     --server-id s-... --listen-address 10.0.3.225 [--region ap-northeast-1]
//
// With AWS_ENDPOINT_URL pointing at the emulator, it reads the server
// (server-config.ts), serves FTP/FTPS on 21 (ftp-server.ts) and SFTP on 22
// (sftp-server.ts) as the server's Protocols say, logs each login through
// the server's identity-provider function (identity-provider.ts) and keeps
// files in S3 with the user's session credentials (s3-home.ts). It prints one
// JSON line per event (transfer-log.ts), the first {"event": "ready", ...}
// once every port listens, and stops on SIGTERM.
//
// What it cannot prove and only real Transfer can: README "The Transfer stand-in".
import { TransferClient } from "@aws-sdk/client-transfer";
import type * as net from "net";
import { startFtpServer } from "./ftp-server";
import { loadServerConfig, ServerConfigError } from "./server-config";
import { transferServiceClients } from "./service-principal";
import { startSftpServer } from "./sftp-server";
import { TransferLog } from "./transfer-log";

interface Arguments {
  serverId: string;
  listenAddress: string;
  region: string;
  ftpPort: number;
  sftpPort: number;
}

function parseArguments(argv: string[]): Arguments | string {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith("--") || argv[i + 1] === undefined) return `unexpected argument ${argv[i]}`;
    values.set(argv[i].slice(2), argv[i + 1]);
  }
  const serverId = values.get("server-id") ?? "";
  const listenAddress = values.get("listen-address") ?? "";
  const region = values.get("region") ?? process.env.AWS_REGION ?? "";
  const problems = [
    ...(/^s-[0-9a-f]{17}$/.test(serverId) ? [] : ["--server-id s-<17 hex digits> is required"]),
    ...(/^\d{1,3}(\.\d{1,3}){3}$/.test(listenAddress) ? [] : ["--listen-address <IPv4> is required"]),
    ...(region ? [] : ["--region (or AWS_REGION) is required"]),
    ...(process.env.AWS_ENDPOINT_URL ? [] : ["AWS_ENDPOINT_URL must point at the emulator"]),
  ];
  if (problems.length > 0) return problems.join("; ");
  // Other ports only for tests without the privileges to bind 21 and 22.
  return { serverId, listenAddress, region, ftpPort: Number(values.get("ftp-port") ?? 21), sftpPort: Number(values.get("sftp-port") ?? 22) };
}

async function main(argv: string[]): Promise<number> {
  const args = parseArguments(argv);
  if (typeof args === "string") {
    process.stderr.write(`transfer stand-in: ${args}\n`);
    return 2;
  }
  const endpoint = process.env.AWS_ENDPOINT_URL!;
  const log = new TransferLog();
  const transfer = new TransferClient({ region: args.region });
  let config;
  try {
    config = await loadServerConfig(transfer, endpoint, args.serverId, args.region);
  } catch (error) {
    process.stderr.write(`transfer stand-in: ${error instanceof ServerConfigError ? error.message : String(error)}\n`);
    return 3;
  }
  if (config.state !== "ONLINE") {
    process.stderr.write(`transfer stand-in: server ${config.serverId} is ${config.state}, not ONLINE\n`);
    return 3;
  }
  // Transfer invokes the function and assumes the user's role as itself, the service
  // principal, for this server and for each user (service-principal.ts); the credentials
  // the stand-in was started with only read the server's configuration.
  const clients = await transferServiceClients(endpoint, config);
  const servers: { close(): void }[] = [];
  const common = { config, clients, listenAddress: args.listenAddress, s3Endpoint: endpoint, log };
  if (config.protocols.includes("FTP") || config.protocols.includes("FTPS")) {
    servers.push(await startFtpServer({ ...common, port: args.ftpPort }) as net.Server);
  }
  if (config.protocols.includes("SFTP")) servers.push(await startSftpServer({ ...common, port: args.sftpPort }));
  const stop = () => {
    for (const server of servers) server.close();
    setTimeout(() => process.exit(0), 200).unref();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  log.write({
    event: "ready",
    serverId: config.serverId,
    protocols: config.protocols,
    passiveIp: config.passiveIp,
    tlsSessionResumptionMode: config.tlsSessionResumptionMode,
    securityPolicyName: config.securityPolicyName,
    sftpAuthenticationMethods: config.sftpAuthenticationMethods,
    hostKeyFingerprint: config.hostKeyFingerprint,
    identityProvider: config.identityProviderFunction,
    listen: args.listenAddress,
  });
  return new Promise<number>(() => undefined); // runs until SIGTERM
}

void main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`transfer stand-in: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
