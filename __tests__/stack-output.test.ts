// stackOutput (cli/demo-session.ts): the lines cdktf printed for one stack, as the
// end-to-end suites read "Apply complete!" and "Destroy complete!" per stack. cdktf
// labels a line with its stack only when the previous line came from another stack.
import { stackOutput } from "../cli/demo-session";

const OUTPUT = [
  "provider: 63 resources, 4 data sources -> cdktf.out/stacks/provider/cdk.tf.json",
  "consumer  Initializing the backend...",
  "          aws_instance.client: Destroying...",
  "",
  "          Destroy complete! Resources: 18 destroyed.",
  "provider  aws_lb.nlb: Refreshing state...",
  "          Destroy complete! Resources: 60 destroyed.",
  "",
  "0 Stacks deploying     2 Stacks done     0 Stacks waiting",
  "          not a stack's line: after a line without a label",
].join("\n");

test("indented lines belong to the last labelled stack; blank lines do not end it; an unlabelled line does", () => {
  expect(stackOutput(OUTPUT, "consumer")).toBe(["Initializing the backend...", "aws_instance.client: Destroying...", "Destroy complete! Resources: 18 destroyed."].join("\n"));
  expect(stackOutput(OUTPUT, "provider")).toBe(["aws_lb.nlb: Refreshing state...", "Destroy complete! Resources: 60 destroyed."].join("\n"));
});
