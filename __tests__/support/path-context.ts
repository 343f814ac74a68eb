// What the PrivateLink-path suites (__tests__/support/path-suites/) share: the
// deployed three-protocol server on the emulator, filled in by the end-to-end
// scenario that deployed it (__tests__/integration/protocols-deploy.test.ts),
// and small helpers over the emulator's S3 and the server's PassiveIp.
// Each suite builds its own namespaces and stand-in and adds its own users
// with `npm run users`, so the suites do not depend on each other's order.
import * as crypto from "crypto";
import { DescribeServerCommand, StartServerCommand, StopServerCommand, TransferClient, UpdateServerCommand } from "@aws-sdk/client-transfer";
import type { PrivateLinkPath } from "../../emulator/privatelink-path";
import type { Session } from "../../cli/demo-session";
import { addUser, bucketKeys, bucketObject, openTransferPath, putBucketObject } from "../../cli/demo-transfer-path";

export interface PathContext {
  readonly session: Session;
  readonly serverId: string;
  readonly functionName: string;
  readonly bucket: string;
  /** FTPS: the CA that issued the server's certificate, another CA, the certificate's host name. */
  readonly ca: string;
  readonly otherCa: string;
  readonly hostName: string;
  /** SFTP: the server's published host key fingerprint (provider output sftp_host_key_fingerprint). */
  readonly hostKeyFingerprint: string;
}

export type ContextSource = () => PathContext;

export const sha256 = (data: Buffer) => crypto.createHash("sha256").update(data).digest("hex");

/** A path for one suite: its own namespaces (tag: the test process's PID and a letter). */
export function openPath(ctx: PathContext, letter: string, idleTimeoutSeconds?: number): Promise<PrivateLinkPath> {
  return openTransferPath(ctx.session, ctx.serverId, `${process.pid}${letter}`, idleTimeoutSeconds);
}

/** `npm run users -- add` for several users, three at a time. */
export async function addUsers(ctx: PathContext, users: readonly { name: string; password: string; protocols?: readonly string[] }[]): Promise<void> {
  for (let i = 0; i < users.length; i += 3) {
    await Promise.all(users.slice(i, i + 3).map((u) => addUser(ctx.session, u.name, u.password, u.protocols)));
  }
}

/** The user's object at home/<user>/<name>, or undefined. */
export function homeObject(ctx: PathContext, user: string, name: string): Promise<Buffer | undefined> {
  return bucketObject(ctx.session, ctx.bucket, `home/${user}/${name}`);
}

/** Object names under home/<user>/ (what the user's "/" holds). */
export async function homeListing(ctx: PathContext, user: string): Promise<string[]> {
  return (await bucketKeys(ctx.session, ctx.bucket, `home/${user}/`)).map((key) => key.slice(`home/${user}/`.length));
}

export function putHomeObject(ctx: PathContext, user: string, name: string, body: Buffer): Promise<void> {
  return putBucketObject(ctx.session, ctx.bucket, `home/${user}/${name}`, body);
}

/**
 * Sets the server's PassiveIp as an operator would (UpdateServer, then stop
 * and start: "If you change the PassiveIp value, you must stop and then
 * restart your Transfer Family server for the change to take effect",
 * Transfer API reference, ProtocolDetails) and restarts the stand-in, which
 * reads it at start. Nothing happens when the value is already in effect.
 */
/** The emulator's Transfer API, in-process (no AWS CLI start-up per call). */
export function transferApi(ctx: PathContext): TransferClient {
  const { emulator } = ctx.session;
  return new TransferClient({
    region: emulator.region,
    endpoint: emulator.endpoint,
    credentials: { accessKeyId: emulator.env.AWS_ACCESS_KEY_ID, secretAccessKey: emulator.env.AWS_SECRET_ACCESS_KEY },
  });
}

async function waitForState(api: TransferClient, serverId: string, state: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { Server } = await api.send(new DescribeServerCommand({ ServerId: serverId }));
    if (Server?.State === state) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server ${serverId} did not become ${state} within 10 s`);
}

export async function usePassiveIp(ctx: PathContext, transferPath: PrivateLinkPath, value: string): Promise<void> {
  const ready = [...transferPath.standInLog()].reverse().find((e) => e.event === "ready");
  if (ready?.passiveIp === value) return;
  const api = transferApi(ctx);
  await api.send(new UpdateServerCommand({ ServerId: ctx.serverId, ProtocolDetails: { PassiveIp: value } }));
  await api.send(new StopServerCommand({ ServerId: ctx.serverId }));
  await waitForState(api, ctx.serverId, "OFFLINE");
  await api.send(new StartServerCommand({ ServerId: ctx.serverId }));
  await waitForState(api, ctx.serverId, "ONLINE");
  await transferPath.restartStandIn();
}

/** Sets TlsSessionResumptionMode (UpdateServer) and restarts the stand-in. */
export async function useTlsSessionResumption(ctx: PathContext, transferPath: PrivateLinkPath, mode: "DISABLED" | "ENABLED" | "ENFORCED"): Promise<void> {
  await transferApi(ctx).send(new UpdateServerCommand({ ServerId: ctx.serverId, ProtocolDetails: { TlsSessionResumptionMode: mode } }));
  await transferPath.restartStandIn();
}

/** Sets the server's protocols (UpdateServer); the stand-in must be restarted to serve them. */
export async function useProtocols(ctx: PathContext, protocols: ("FTP" | "FTPS" | "SFTP")[]): Promise<void> {
  await transferApi(ctx).send(new UpdateServerCommand({ ServerId: ctx.serverId, Protocols: protocols }));
}

/** The stand-in's FTP log lines of one user's sessions (commands, replies), in order. */
export function ftpLines(transferPath: PrivateLinkPath, user: string, since = 0): { command?: string; reply?: string; client?: string }[] {
  const sessions = new Set(transferPath.standInLog().slice(since).filter((e) => e.user === user).map((e) => e.session));
  return transferPath
    .standInLog()
    .slice(since)
    .filter((e) => sessions.has(e.session) && (e.event === "command" || e.event === "reply"))
    .map((e) => ({ command: e.command as string | undefined, reply: e.reply as string | undefined, client: e.client as string | undefined }));
}
