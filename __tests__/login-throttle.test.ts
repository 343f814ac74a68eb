import { ConditionalCheckFailedException, DeleteItemCommand, DynamoDBClient, GetItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-jest";
import {
  backoffDelayMs,
  DEFAULT_BACKOFF,
  expiresAtSeconds,
  LoginThrottle,
  maxChecksIn,
  remainingBackoffMs,
  windowOpenCondition,
} from "../functions/identity-provider/login-throttle";

describe("the backoff", () => {
  it("5 free failures, then 1 s doubling per failure, capped at 15 minutes", () => {
    const delays = Array.from({ length: 17 }, (_, failures) => backoffDelayMs(failures));
    expect(delays).toEqual([0, 0, 0, 0, 0, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 512_000, 900_000, 900_000]);
    expect(backoffDelayMs(10_000)).toBe(15 * 60_000);
    expect(backoffDelayMs(Number.MAX_SAFE_INTEGER)).toBe(15 * 60_000);
    expect(backoffDelayMs(Number.NaN)).toBe(0);
  });

  it("an attacker gets at most 109 password checks a day per user name (the README's number)", () => {
    // 5 at once, 10 after growing windows (1 s .. 512 s, 1023 s in all), then one per 15 minutes: 94 more.
    expect(maxChecksIn(24 * 3600_000)).toBe(109);
    expect(maxChecksIn(1)).toBe(5);
    expect(maxChecksIn(1023_001)).toBe(15);
  });

  it("the window runs from the last failure", () => {
    expect(remainingBackoffMs({ failures: 6, lastFailureAt: 10_000 }, 10_500)).toBe(1_500);
    expect(remainingBackoffMs({ failures: 6, lastFailureAt: 10_000 }, 12_000)).toBe(0);
    expect(remainingBackoffMs({ failures: 4, lastFailureAt: 10_000 }, 10_000)).toBe(0);
  });

  it("items expire a day after the last failure (TTL in epoch seconds), never before the longest window closes", () => {
    expect(expiresAtSeconds(1_000_000)).toBe(1_000 + 86_400);
    expect(expiresAtSeconds(0, { ...DEFAULT_BACKOFF, maxDelayMs: 48 * 3600_000 })).toBe(48 * 3600);
  });
});

describe("the window-open condition says what remainingBackoffMs says", () => {
  // The condition DynamoDB evaluates, evaluated here on plain numbers (its terms are `failures < :free`,
  // `(failures = :fK AND lastFailureAt <= :tK)` and `(failures >= :fK AND lastFailureAt <= :tK)`).
  function evaluate(expression: string, values: Record<string, { N?: string }>, item: { failures: number; lastFailureAt: number }): boolean {
    const v = (name: string) => Number(values[name].N);
    return expression.split(" OR ").some((term) => {
      let m = /^failures < (:\w+)$/.exec(term);
      if (m) return item.failures < v(m[1]);
      m = /^\(failures (=|>=) (:\w+) AND lastFailureAt <= (:\w+)\)$/.exec(term);
      if (!m) throw new Error(`unexpected term ${term}`);
      const countMatches = m[1] === "=" ? item.failures === v(m[2]) : item.failures >= v(m[2]);
      return countMatches && item.lastFailureAt <= v(m[3]);
    });
  }

  it.each([0, 4, 5, 6, 9, 14, 15, 16, 40])("after %i failures, open exactly when no time is left", (failures) => {
    const now = 1_800_000_000_000;
    const { expression, values } = windowOpenCondition(now);
    for (const ago of [0, 1, 999, 1_000, 1_999, 2_000, 511_999, 512_000, 899_999, 900_000, 86_400_000]) {
      const item = { failures, lastFailureAt: now - ago };
      expect([failures, ago, evaluate(expression, values, item)]).toEqual([failures, ago, remainingBackoffMs(item, now) === 0]);
    }
  });

  it("stays well inside DynamoDB's limits (an expression of at most 4 KB)", () => {
    const { expression, values } = windowOpenCondition(Date.now());
    expect(expression.length).toBeLessThan(1_000);
    expect(Object.keys(values)).toHaveLength(1 + 2 * 11);
  });
});

describe("LoginThrottle against DynamoDB", () => {
  const dynamodb = mockClient(DynamoDBClient);
  const client = new DynamoDBClient({ region: "ap-northeast-1", credentials: { accessKeyId: "t", secretAccessKey: "t" } });
  const NOW = 1_800_000_000_000;
  const throttle = new LoginThrottle(client, "attempts", DEFAULT_BACKOFF, () => NOW);
  beforeEach(() => dynamodb.reset());

  it("a reservation that finds the window closed returns the stored count and the time left", async () => {
    const Item = { failures: { N: "6" }, lastFailureAt: { N: String(NOW - 500) }, expiresAt: { N: String(NOW / 1000 + 60) } };
    dynamodb.on(UpdateItemCommand).rejects(new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {}, Item }));
    await expect(throttle.reserve("alice", true)).resolves.toEqual({ reserved: false, failures: 6, retryAfterMs: 1_500 });
  });

  it("a reservation returns the count DynamoDB computed (concurrent attempts all count)", async () => {
    dynamodb.on(UpdateItemCommand).resolves({ Attributes: { failures: { N: "9" } } });
    await expect(throttle.reserve("alice", true)).resolves.toEqual({ reserved: true, failures: 9 });
    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, { ReturnValues: "UPDATED_NEW", ReturnValuesOnConditionCheckFailure: "ALL_OLD" });
  });

  it("passes other errors on", async () => {
    dynamodb.on(UpdateItemCommand).rejects(Object.assign(new Error("x"), { name: "ResourceNotFoundException" }));
    await expect(throttle.reserve("alice", true)).rejects.toThrow("x");
    dynamodb.on(DeleteItemCommand).rejects(Object.assign(new Error("y"), { name: "AccessDeniedException" }));
    await expect(throttle.forgetExpired("alice")).rejects.toThrow("y");
  });

  it("forgetting an item that has not expired (or does not exist) is not an error", async () => {
    dynamodb.on(DeleteItemCommand).rejects(new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} }));
    await expect(throttle.forgetExpired("alice")).resolves.toBeUndefined();
    expect(dynamodb).toHaveReceivedCommandWith(DeleteItemCommand, { ConditionExpression: "expiresAt <= :nowSeconds", ExpressionAttributeValues: { ":nowSeconds": { N: String(NOW / 1000) } } });
  });

  it("peek reads a live item into the remaining window, and ignores an expired one", async () => {
    dynamodb.on(GetItemCommand).resolves({
      Item: { failures: { N: "6" }, lastFailureAt: { N: String(NOW - 500) }, expiresAt: { N: String(NOW / 1000 + 60) } },
    });
    await expect(throttle.peek("alice")).resolves.toEqual({ hasRecord: true, failures: 6, retryAfterMs: 1_500 });
    dynamodb.on(GetItemCommand).resolves({
      Item: { failures: { N: "60" }, lastFailureAt: { N: String(NOW - 500) }, expiresAt: { N: String(NOW / 1000 - 1) } },
    });
    await expect(throttle.peek("alice")).resolves.toEqual({ hasRecord: false, failures: 0, retryAfterMs: 0 });
  });
});
