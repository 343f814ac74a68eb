// config/aws-data.json (the regions and instance types the validator accepts)
// is what `npm run aws-data` makes from the installed botocore's data, so it
// neither drifts from its source nor was edited by hand. Outside CI, a machine
// without botocore skips this (missingPrerequisites); CI must have it.
import * as fs from "fs";
import { AWS_DATA_FILE, buildAwsData, findBotocoreData, renderAwsData } from "../scripts/aws-data";
import { missingPrerequisites } from "./support/prerequisites";

const missing = missingPrerequisites("config/aws-data.json against botocore", [
  { name: "botocore's data (python3 -c 'import botocore', from the AWS CLI v1)", check: () => findBotocoreData() !== undefined },
]);
const describeWithBotocore = missing.length ? describe.skip : describe;

describeWithBotocore("config/aws-data.json", () => {
  test("is what `npm run aws-data` generates from the installed botocore", () => {
    const botocore = findBotocoreData()!;
    // On failure with a newer AWS CLI: run `npm run aws-data` and commit the file.
    expect(fs.readFileSync(AWS_DATA_FILE, "utf8")).toBe(renderAwsData(buildAwsData(botocore.dir, botocore.version)));
  });
});

describe("config/aws-data.json's content", () => {
  const data = JSON.parse(fs.readFileSync(AWS_DATA_FILE, "utf8")) as { regions: string[]; instanceTypes: string[] };
  test("holds the regions and instance types the examples and the article use", () => {
    expect(data.regions).toEqual(expect.arrayContaining(["ap-northeast-1", "us-east-1", "eu-central-1", "us-gov-west-1", "cn-north-1"]));
    expect(data.instanceTypes).toEqual(expect.arrayContaining(["t3.micro", "t4g.nano", "m5.large"]));
    expect(data.regions).not.toContain("eu-central-9");
    expect(data.instanceTypes).not.toContain("t3.mirco");
  });
});
