// Config fixtures for tests: the shipped example, with overrides merged in.
import * as fs from "fs";
import * as path from "path";
import { ConfigError, parseConfig } from "../../config/load";
import { TransferConfig, TransferConfigInput } from "../../config/schema";
import { deepMerge } from "../../lib/deep-merge";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/**
 * The tests' baseline: the shipped config/example.json with the EC2 client
 * instance on, as in the article's layout (the shipped example keeps the
 * documented default, off), so that every test sees the client's resources.
 */
export function exampleDocument(): TransferConfigInput {
  const document = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "config", "example.json"), "utf8")) as TransferConfigInput;
  return { ...document, consumer: { ...document.consumer, client: { enabled: true, instanceType: "t3.micro" } } };
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** The example document with `overrides` deep-merged (a `null` value deletes a key). */
export function exampleWith(overrides: DeepPartial<TransferConfigInput> | Record<string, unknown> = {}): TransferConfigInput {
  return deepMerge(exampleDocument(), overrides) as TransferConfigInput;
}

/** A validated config: the example with overrides. */
export function configWith(overrides: DeepPartial<TransferConfigInput> | Record<string, unknown> = {}): TransferConfig {
  return parseConfig(exampleWith(overrides), "(test)");
}

/** The example config with its backend section replaced (not merged). */
export function configWithBackend(backend: Record<string, unknown>): TransferConfig {
  return parseConfig({ ...exampleDocument(), backend } as TransferConfigInput, "(test)");
}

/** Overrides for the multi-AZ layout: two provider subnets, passive IP 0.0.0.0, no pinned NLB IP. */
export const TWO_AZ = {
  provider: {
    subnetIds: ["subnet-0a1b2c3d4e5f60003", "subnet-0a1b2c3d4e5f60004"],
    subnetCidrs: null,
    nlbPrivateIp: null,
    passiveIpMode: "control-connection",
  },
};

/** Every problem the validator reports for a document, in its order (empty when it is valid). */
export function problemsOf(document: unknown): string[] {
  try {
    parseConfig(document, "test.json");
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

/** An ACM certificate ARN in the example's region and account (the emulator and unit tests never read it). */
export const EXAMPLE_CERTIFICATE_ARN = "arn:aws:acm:ap-northeast-1:123456789012:certificate/0a1b2c3d-0000-4000-8000-0123456789ab";

/** FTP, FTPS and SFTP on one server; a host name the FTPS certificate can carry. */
export const THREE_PROTOCOLS = {
  provider: { protocols: ["FTP", "FTPS", "SFTP"], certificateArn: EXAMPLE_CERTIFICATE_ARN },
  consumer: { dnsName: "ftp.corp.internal" },
};

/** SFTP only (no passive IP, health checks on 22). */
export const SFTP_ONLY = { provider: { protocols: ["SFTP"] } };
