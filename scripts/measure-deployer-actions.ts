// `npm run measure-deployer-actions [-- m1|m2]` (minutes; one emulator per
// variant): deploys both stacks on the emulator as deployer roles
// (provider.assumeRoleArn, consumer.assumeRoleArn, and in m2
// consumer.serviceOwnerRoleArn), changes them, destroys them, and records
// which IAM action each role made in which phase (emulator patch
// role_request_log: every request signed with a role's credentials). Writes
// __tests__/fixtures/deployer-actions.json, with the config documents used,
// which __tests__/deployer-policies.test.ts checks against
// lib/deployer-policies.ts. Run it after a change to the stacks' resources
// (under the shared heavy-test lock where one exists).
import * as fs from "fs";
import * as path from "path";
import type { TransferConfigInput } from "../config/schema";
import { aws } from "../emulator/client";
import { closeSession, configDocument, createPreexistingResources, deploy, destroy, openSession, Session, writeConfig } from "../cli/demo-session";
import { projectRoot } from "../lib/project-root";

const ACCOUNT = "123456789012";
const ROLES = { provider: "m-provider-deploy", consumer: "m-consumer-deploy", owner: "m-service-owner" };
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const TRUST = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "sts:AssumeRole" }] });

type Doc = TransferConfigInput & { provider: Record<string, unknown>; consumer: Record<string, unknown>; tags: Record<string, string> };

interface Variant {
  readonly description: string;
  readonly twoProviderSubnets: boolean;
  /** The config documents deployed one after another (then the last is destroyed). */
  configs(session: Session, pre: Awaited<ReturnType<typeof createPreexistingResources>>): Promise<Doc[]>;
}

const VARIANTS: Record<string, Variant> = {
  m1: {
    description:
      "one account; single AZ, NLB IP pinned then moved (a new NLB, one restart), terraform_data restart, client on, host name in a new zone, " +
      "FTP + SFTP, alarm topic created, reserved concurrency; then tags, allowed CIDRs and log retention changed",
    twoProviderSubnets: false,
    async configs(_, pre) {
      const first = configDocument(pre, { nlbPrivateIp: "10.0.3.119", clientEnabled: true, dnsName: "ftp.corp.internal", protocols: ["FTP", "SFTP"] }) as Doc;
      first.provider.assumeRoleArn = roleArn(ROLES.provider);
      first.consumer.assumeRoleArn = roleArn(ROLES.consumer);
      first.provider.monitoring = { createAlarmTopic: true };
      first.provider.identityProvider = { reservedConcurrency: 5 };
      const second = JSON.parse(JSON.stringify(first)) as Doc;
      second.provider.nlbPrivateIp = "10.0.3.120";
      second.tags.Extra = "changed";
      second.provider.allowedCidrs = ["10.0.0.0/16", "10.9.0.0/16"];
      second.consumer.allowedCidrs = ["10.0.0.0/16", "10.9.0.0/16"];
      second.provider.logRetentionDays = 60;
      return [first, second];
    },
  },
  m2: {
    description:
      "one account with a service-owner role; two AZs with control-connection, then one AZ with nlb (a new NLB, one restart), lambda restart, " +
      "existing alarm topic, no client, no host name (the emulator's hosted zone IDs do not start with Z, so consumer.hostedZoneId cannot name one)",
    twoProviderSubnets: true,
    async configs(session, pre) {
      const emu = session.emulator;
      const topic = await aws(emu, ["sns", "create-topic", "--name", "ops-alarms"]);
      const first = configDocument(pre, { passiveIpMode: "control-connection", clientEnabled: false }) as Doc;
      first.provider.assumeRoleArn = roleArn(ROLES.provider);
      first.consumer.assumeRoleArn = roleArn(ROLES.consumer);
      first.consumer.serviceOwnerRoleArn = roleArn(ROLES.owner);
      first.provider.restartResource = "lambda";
      delete first.provider.restartTimeoutSeconds;
      first.provider.monitoring = { alarmTopicArn: topic.TopicArn };
      const second = JSON.parse(JSON.stringify(first)) as Doc;
      second.provider.subnetIds = [pre.providerSubnets[0].id];
      second.provider.passiveIpMode = "nlb";
      second.tags.Extra = "changed";
      return [first, second];
    },
  },
};

async function measure(name: string): Promise<{ description: string; configs: Doc[]; roles: Record<string, Record<string, string[]>> }> {
  const variant = VARIANTS[name];
  if (!variant) throw new Error(`unknown variant ${name} (${Object.keys(VARIANTS).join(", ")})`);
  const session = await openSession({ label: `measure-${name}`, onLine: (line) => process.stderr.write(`${line}\n`) });
  const roles: Record<string, Record<string, string[]>> = {};
  let seen = 0;
  const collect = async (phase: string) => {
    const calls = (await session.emulator.calls()).slice(seen);
    seen += calls.length;
    for (const call of calls) {
      if (call.action !== "RoleRequest") continue;
      const role = String(call.roleArn).split("/").pop()!;
      // Only the deployer roles (the restart function's own role, for one, is not one).
      if (!Object.values(ROLES).includes(role)) continue;
      const phases = ((roles[role] ??= {})[String(call.iamAction)] ??= []);
      if (!phases.includes(phase)) phases.push(phase);
    }
  };
  try {
    await Promise.all(Object.values(ROLES).map((role) => aws(session.emulator, ["iam", "create-role", "--role-name", role, "--assume-role-policy-document", TRUST])));
    const pre = await createPreexistingResources(session, { twoProviderSubnets: variant.twoProviderSubnets });
    const configs = await variant.configs(session, pre);
    await collect("setup");
    for (const [index, document] of configs.entries()) {
      writeConfig(session, document);
      await deploy(session, `deploy ${index}`);
      await collect(`deploy${index}`);
    }
    await destroy(session);
    await collect("destroy");
    return { description: variant.description, configs, roles };
  } finally {
    await closeSession(session);
  }
}

async function main(): Promise<void> {
  const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(VARIANTS);
  const file = path.join(projectRoot(), "__tests__", "fixtures", "deployer-actions.json");
  const fixture = fs.existsSync(file)
    ? JSON.parse(fs.readFileSync(file, "utf8"))
    : { source: "scripts/measure-deployer-actions.ts (emulator patch role_request_log)", account: ACCOUNT, variants: {} };
  for (const name of names) {
    fixture.variants[name] = await measure(name);
    fs.writeFileSync(file, `${JSON.stringify(fixture, null, 1)}\n`);
    process.stderr.write(`measured ${name}: ${Object.entries(fixture.variants[name].roles).map(([r, a]) => `${r} ${Object.keys(a as object).length}`).join(", ")}\n`);
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
