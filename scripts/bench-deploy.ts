// The emulator half of `npm run bench`: wall time of the first `cdktf deploy`
// of both stacks against the local AWS emulator, and of a PassiveIp change
// (passiveIpMode nlb -> control-connection), each next to the number of
// restarts (Stop/StartServer pairs) the emulator recorded for it. The
// invariants (README, "Day-2 changes") are 0 and 1; a regression in either
// time or count shows up as a number. Prints one JSON line on stdout.
import { Call } from "../emulator/client";
import {
  closeSession,
  configDocument,
  createPreexistingResources,
  deploy,
  openSession,
  Session,
  stackOutputs,
  writeConfig,
} from "../cli/demo-session";

function restarts(calls: readonly Call[], serverId: string): number {
  return calls.filter((c) => c.serverId === serverId && c.action === "StopServer").length;
}

async function timedDeploy(session: Session, step: string): Promise<{ seconds: number; calls: Call[] }> {
  const before = (await session.emulator.calls()).length;
  const started = Date.now();
  await deploy(session, step);
  return { seconds: (Date.now() - started) / 1000, calls: (await session.emulator.calls()).slice(before) };
}

async function main(): Promise<void> {
  let session: Session | undefined;
  try {
    session = await openSession({ label: "bench-deploy" });
    const pre = await createPreexistingResources(session);
    writeConfig(session, configDocument(pre, { clientEnabled: false }));
    const first = await timedDeploy(session, "cdktf deploy (first)");
    const serverId = (await stackOutputs(session, "provider")).transfer_server_id;
    writeConfig(session, configDocument(pre, { clientEnabled: false, passiveIpMode: "control-connection" }));
    const change = await timedDeploy(session, "cdktf deploy (PassiveIp change)");
    process.stdout.write(
      JSON.stringify({
        firstDeploy: { seconds: first.seconds, restarts: restarts(first.calls, serverId) },
        passiveIpChange: { seconds: change.seconds, restarts: restarts(change.calls, serverId) },
      }) + "\n",
    );
  } finally {
    await closeSession(session);
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
