import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-jest";
import {
  backoffDelayMs,
  DEFAULT_BACKOFF,
  expiresAtSeconds,
  LoginThrottle,
  remainingBackoffMs,
} from "../functions/identity-provider/login-throttle";

describe("the backoff", () => {
  it("5 free failures, then 1 s doubling per failure, capped at 15 minutes", () => {
    const delays = Array.from({ length: 17 }, (_, failures) => backoffDelayMs(failures));
    expect(delays).toEqual([0, 0, 0, 0, 0, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 512_000, 900_000, 900_000]);
    expect(backoffDelayMs(10_000)).toBe(15 * 60_000);
    expect(backoffDelayMs(Number.MAX_SAFE_INTEGER)).toBe(15 * 60_000);
    expect(backoffDelayMs(Number.NaN)).toBe(0);
  });

  it("an attacker gets at most 5 + about 100 guesses a day per user", () => {
    // Each guess after the window opens waits for the previous window.
    let elapsed = 0;
    let failures = 0;
    while (elapsed < 24 * 3600_000) {
      elapsed += backoffDelayMs(failures);
      failures++;
    }
    expect(failures).toBeLessThan(5 + 24 * 4 + 12);
  });

  it("the window runs from the last failure", () => {
    expect(remainingBackoffMs({ failures: 6, lastFailureAt: 10_000 }, 10_500)).toBe(1_500);
    expect(remainingBackoffMs({ failures: 6, lastFailureAt: 10_000 }, 12_000)).toBe(0);
    expect(remainingBackoffMs({ failures: 4, lastFailureAt: 10_000 }, 10_000)).toBe(0);
  });

  it("items expire a day after the last failure (TTL in epoch seconds), never before their window closes", () => {
    expect(expiresAtSeconds(1_000_000, 1)).toBe(1_000 + 86_400);
    const longWindow = { ...DEFAULT_BACKOFF, maxDelayMs: 48 * 3600_000 };
    expect(expiresAtSeconds(0, 100, longWindow)).toBe(48 * 3600);
  });
});

describe("LoginThrottle against DynamoDB", () => {
  const dynamodb = mockClient(DynamoDBClient);
  const client = new DynamoDBClient({ region: "ap-northeast-1", credentials: { accessKeyId: "t", secretAccessKey: "t" } });
  const NOW = 1_800_000_000_000;
  const throttle = new LoginThrottle(client, "attempts", DEFAULT_BACKOFF, () => NOW);
  beforeEach(() => dynamodb.reset());

  it("restarts the count of an expired item that TTL has not deleted yet", async () => {
    dynamodb
      .on(UpdateItemCommand)
      .rejectsOnce(new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} }))
      .resolves({});
    await expect(throttle.recordFailure("alice")).resolves.toBe(1);
    const calls = dynamodb.commandCalls(UpdateItemCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1].args[0].input).toMatchObject({
      UpdateExpression: "SET failures = :one, lastFailureAt = :now, expiresAt = :expires",
      ExpressionAttributeValues: { ":one": { N: "1" }, ":now": { N: String(NOW) } },
    });
    expect(calls[1].args[0].input.ConditionExpression).toBeUndefined();
  });

  it("returns the count DynamoDB computed (concurrent failures all count)", async () => {
    dynamodb.on(UpdateItemCommand).resolves({ Attributes: { failures: { N: "9" } } });
    await expect(throttle.recordFailure("alice")).resolves.toBe(9);
    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, { ReturnValues: "UPDATED_NEW" });
  });

  it("passes other errors on", async () => {
    dynamodb.on(UpdateItemCommand).rejects(Object.assign(new Error("x"), { name: "ResourceNotFoundException" }));
    await expect(throttle.recordFailure("alice")).rejects.toThrow("x");
  });

  it("reads a live item into the remaining window", async () => {
    dynamodb.on(GetItemCommand).resolves({
      Item: { failures: { N: "6" }, lastFailureAt: { N: String(NOW - 500) }, expiresAt: { N: String(NOW / 1000 + 60) } },
    });
    await expect(throttle.check("alice")).resolves.toEqual({ hasRecord: true, failures: 6, retryAfterMs: 1_500 });
  });
});
