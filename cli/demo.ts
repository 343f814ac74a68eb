// `npm run demo`: the whole deployment, for someone without an AWS account.
//
// Starts the local AWS emulator (emulator/moto_launcher.py, on 127.0.0.1),
// creates what the article assumes already exists (two VPCs with the same
// CIDR, a subnet in each, the S3 bucket), writes a config for them (FTP and
// SFTP), runs `cdktf deploy provider consumer`, prints what was created, then
// the article's last step (cli/demo-transfer-path.ts): users added with
// `npm run users`, an lftp upload from the consumer side through the
// PrivateLink path (network namespaces) to the Transfer stand-in, which asks
// the deployed identity provider, and the object shown in the bucket; another
// user cannot read it; wrong passwords and the backoff; an SFTP key login.
// Then `cdktf destroy consumer provider`, and the emulator stops. The last
// step needs root (network namespaces) and lftp, socat, curl and sftp;
// without them it is skipped with a message and a user is only added. Cleanup also runs
// on failure and on Ctrl-C (a second Ctrl-C skips the destroy).
//
// Your AWS credentials and config are never read: every command runs with the
// emulator's environment (AWS_ENDPOINT_URL, dummy keys, AWS_CONFIG_FILE and
// AWS_SHARED_CREDENTIALS_FILE = /dev/null). Everything happens in a temporary
// copy of the project; your cdktf.out and state/ are left alone.
//
//   npm run demo                 # progress lines only
//   npm run demo -- --verbose    # every line cdktf and terraform print
//   npm run demo -- --keep       # keep the temporary folder (config, state, cdktf.out)
import { inCi } from "../emulator/prerequisites";
import { articleLastStep, transferPathPrerequisites } from "./demo-transfer-path";
import {
  addFtpUser,
  closeSession,
  CONSUMER_DEPLOY_ROLE,
  configDocument,
  createPreexistingResources,
  demoPrerequisites,
  deploy,
  describeDeployment,
  destroy,
  destroyWhatExists,
  emulatorAnswers,
  formatDeployment,
  formatDuration,
  formatTimings,
  interruptCommands,
  leftovers,
  openSession,
  PROVIDER_DEPLOY_ROLE,
  Session,
  writeConfig,
} from "./demo-session";
import { progress } from "./progress";

const HOW_TO_INSTALL: Record<string, string> = {
  terraform: "Terraform CLI >= 1.4: https://developer.hashicorp.com/terraform/install",
  mirror:
    "hashicorp/aws 5.100.0 unpacked for this platform: on a machine with registry access, `terraform init` any configuration that requires it, copy the resulting .terraform/providers folder here and set TF_PROVIDER_MIRROR=<that folder>",
  moto: "python3 with moto 5.2: pip install 'moto[server]==5.2.*'",
  aws: "AWS CLI: pip install awscli (v1) or https://aws.amazon.com/cli/ (v2)",
};

function installHint(name: string): string {
  if (/mirror/i.test(name)) return HOW_TO_INSTALL.mirror;
  if (/moto/i.test(name)) return HOW_TO_INSTALL.moto;
  if (/AWS CLI/i.test(name)) return HOW_TO_INSTALL.aws;
  if (/terraform/i.test(name)) return HOW_TO_INSTALL.terraform;
  return name;
}

// Without --verbose: the milestones, the load balancer's wait and the restart step.
const PROGRESS = /Apply complete!|Destroy complete!|No changes\.|passive-ip restart:|aws_lb\.[\w-]*nlb\w*.*(Creating\.\.\.|Still creating|Creation complete)|\bError:/;

// Every line goes through `out`, so that a phase silent for 15 s says it is still at work.
const out = progress({ say: (line) => process.stdout.write(`${line}\n`) });

function say(text = ""): void {
  out.say(text);
}

function heading(text: string): void {
  say(`\n== ${text}`);
}

async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes("--verbose");
  const keep = argv.includes("--keep");
  const unknown = argv.filter((a) => !["--verbose", "--keep"].includes(a));
  if (argv.includes("--help") || argv.includes("-h")) {
    say("usage: npm run demo [-- --verbose] [-- --keep]");
    return 0;
  }
  if (unknown.length > 0) {
    process.stderr.write(`usage: npm run demo [-- --verbose] [-- --keep]\ndemo: unknown argument ${JSON.stringify(unknown[0])}\n`);
    return 2;
  }

  const missing = demoPrerequisites.filter((p) => {
    try {
      return !p.check();
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    process.stderr.write(
      "npm run demo needs a few tools that are missing on this machine:\n" +
        // A name that already says how to get it is not repeated as its own install hint.
        missing.map((p) => `  - ${p.name}\n${installHint(p.name) === p.name ? "" : `    install: ${installHint(p.name)}\n`}`).join("") +
        "Nothing was started.\n",
    );
    return 2;
  }

  const started = Date.now();
  let session: Session | undefined;
  let interrupts = 0;
  let deployed = false;
  let cleanedUp = false;
  const onSigint = () => {
    interrupts += 1;
    if (interrupts === 1) {
      say("\nInterrupted: stopping the running command, then cleaning up (Ctrl-C again to skip the destroy).");
      interruptCommands("SIGINT");
    } else {
      say("\nSkipping the destroy: stopping the emulator (everything it held is gone with it).");
      interruptCommands("SIGKILL");
      void closeSession(session, { keep }).finally(() => process.exit(130));
    }
  };
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigint);

  try {
    heading("Starting the local AWS emulator (moto on 127.0.0.1) and a temporary copy of the project");
    session = await out.phase("starting the emulator", () => openSession({
      label: "demo",
      onLine: (line) => {
        if (verbose || PROGRESS.test(line)) say(`    ${line}`);
      },
    }));
    say(`emulator: ${session.emulator.endpoint}   region: ${session.emulator.region}`);
    say(`working copy: ${session.workDir}`);

    heading("Creating the resources the article assumes already exist (AWS CLI)");
    const current = session;
    const pre = await out.phase("creating the pre-existing resources", () => createPreexistingResources(current));
    say(`provider VPC ${pre.providerVpcId} ${pre.vpcCidr}, subnet ${pre.providerSubnets[0].id} ${pre.providerSubnets[0].cidr} (${pre.providerSubnets[0].availabilityZone})`);
    say(`consumer VPC ${pre.consumerVpcId} ${pre.vpcCidr} (the same CIDR), subnet ${pre.consumerSubnets[0].id} ${pre.consumerSubnets[0].cidr}`);
    say(`S3 bucket ${pre.bucketName}`);

    heading("Writing the config");
    // SFTP beside the article's FTP: the last step shows a key login too.
    writeConfig(session, configDocument(pre, { nlbPrivateIp: "10.0.3.119", restartTimeoutSeconds: 120, protocols: ["FTP", "SFTP"] }));
    say(`TRANSFER_CONFIG=${session.configFile}`);
    say(
      `deploying as the roles ${PROVIDER_DEPLOY_ROLE} and ${CONSUMER_DEPLOY_ROLE} (provider.assumeRoleArn, consumer.assumeRoleArn), ` +
        "each holding only the policy `npm run deployer-policies` prints for this config: the emulator judges every request by it",
    );

    heading("Deploying: cdktf deploy provider consumer --auto-approve --skip-provider-lock");
    say("(about a minute: the AWS provider waits for the load balancer to become active)");
    deployed = true;
    await out.phase("deploying", () => deploy(current));

    heading("What was created");
    say(formatDeployment(await out.phase("reading back what was created", () => describeDeployment(current))));

    // After the deploy: users' secrets are encrypted with the provider stack's user-secrets key.
    const missingForPath = transferPathPrerequisites.filter((p) => {
      try {
        return !p.check();
      } catch {
        return true;
      }
    });
    let uploaded = true;
    if (missingForPath.length === 0) {
      heading("The article's last step: a user logs in through PrivateLink and puts test.txt into the bucket");
      const step = await out.phase("the article's last step", () =>
        articleLastStep(current, { bucket: pre.bucketName, tag: `${process.pid}d`, say: (line) => say(line) }),
      );
      uploaded = step.upload.code === 0 && step.stored !== undefined && step.stored.equals(step.sent);
      say(uploaded ? `test.txt is in the bucket at s3://${pre.bucketName}/${step.key}` : "the upload did not arrive in the bucket");
    } else {
      heading("Adding an FTP user: npm run users -- add demo");
      const secret = await out.phase("adding the FTP user", () => addFtpUser(current, "demo", "demo-password-123"));
      say(`secret ${secret} (an scrypt hash, never the password)`);
      say(`The article's last step (an upload through the PrivateLink path) needs: ${missingForPath.map((p) => p.name).join("; ")}. Skipped.`);
    }

    heading("Destroying: cdktf destroy consumer provider --auto-approve --skip-provider-lock");
    await out.phase("destroying", () => destroy(current));
    cleanedUp = true;
    const left = await out.phase("checking that nothing is left", () => leftovers(current));
    say(left.length === 0 ? "nothing left behind" : `still there:\n  ${left.join("\n  ")}`);

    heading(`Done in ${formatDuration(Date.now() - started)}`);
    say(formatTimings(session));
    for (const note of session.notes) say(`note: ${note}`);
    return left.length === 0 && uploaded ? 0 : 1;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // After Ctrl-C the command's own complaint (the last lines of cdktf's output) is noise.
    process.stderr.write(interrupts > 0 ? `\nInterrupted: ${message.split("\n")[0]}\n` : `\nFailed: ${message}\n`);
    return interrupts > 0 ? 130 : 1;
  } finally {
    if (session && deployed && !cleanedUp && interrupts < 2) {
      heading("Cleaning up");
      if (await emulatorAnswers(session.emulator)) {
        say("terraform destroy of whatever was deployed");
        const left = session;
        const problems = await out.phase("cleaning up", () => destroyWhatExists(left));
        for (const problem of problems) process.stderr.write(`cleanup: ${problem}\n`);
      } else {
        say("The emulator has already stopped (a Ctrl-C in the terminal reaches it too): everything it held is gone with it.");
      }
    }
    if (interrupts < 2) {
      await closeSession(session, { keep });
      if (session) say(keep ? `emulator stopped; kept ${session.tmpDir}` : "emulator stopped, temporary files removed");
    }
    process.off("SIGINT", onSigint);
    process.off("SIGTERM", onSigint);
  }
}

void main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`${inCi() ? "" : "unexpected error: "}${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
