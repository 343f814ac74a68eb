// Regression snapshot of both synthesized stacks. A renamed construct changes
// a logical ID, which Terraform treats as destroy + create of that resource:
// this snapshot makes such a change visible in review. Asset hashes are masked
// so that a change to the Lambda's code alone does not churn the snapshot.
import { configWith } from "./support/config";
import { synthStacks } from "./support/synth";

function masked(synthesized: string): unknown {
  const json = JSON.parse(synthesized);
  delete json.terraform?.required_providers;
  return JSON.parse(
    JSON.stringify(json)
      .replace(/(assets\/[\w-]+\/)[0-9A-F]{32}\//g, "$1<HASH>/")
      .replace(/"source_code_hash":"[^"]+"/g, '"source_code_hash":"<HASH>"'),
  );
}

test("provider and consumer stacks (example config)", () => {
  const { provider, consumer } = synthStacks(configWith());
  expect(masked(provider)).toMatchSnapshot("provider");
  expect(masked(consumer)).toMatchSnapshot("consumer");
});
