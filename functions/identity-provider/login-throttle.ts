// Per-user throttling of failed logins with exponential backoff, stored in a
// small DynamoDB table (stacks/provider/login-attempts-table.ts).
//
// Why per user: behind the NLB every client has the NLB's address as its
// sourceIp, so a per-address limit would throttle everyone at once.
// Why backoff and not a lock-out: a lock-out after N failures lets anyone who
// knows a user name lock that user out until an administrator acts; a backoff
// window closes by itself, while still bounding an attacker to about one guess
// per MAX_DELAY_MS per user (README "Brute force").
//
// Only known users get an item (failures are recorded after the user's secret
// was found), so the table never holds a password typed into the user-name
// field.
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";

export interface BackoffPolicy {
  /** Failures that cost nothing; the next failure opens the first window. */
  readonly freeFailures: number;
  /** First window; each further failure doubles it. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** An item is forgotten this long after its last failure (TTL). */
  readonly forgetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  freeFailures: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 15 * 60_000,
  forgetAfterMs: 24 * 60 * 60_000,
};

/**
 * How long logins wait after the `failures`-th consecutive failure:
 * 0 for the free ones, then base, 2×base, 4×base, ... capped at maxDelayMs.
 */
export function backoffDelayMs(failures: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  if (!Number.isFinite(failures) || failures < policy.freeFailures) return 0;
  const doublings = Math.min(failures - policy.freeFailures, 52); // 2^52 ms is far beyond any cap
  return Math.min(policy.baseDelayMs * 2 ** doublings, policy.maxDelayMs);
}

export interface FailureState {
  readonly failures: number;
  /** Epoch milliseconds of the last recorded failure. */
  readonly lastFailureAt: number;
}

/** Milliseconds until the next login may be checked (0: now). */
export function remainingBackoffMs(state: FailureState, now: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  return Math.max(0, state.lastFailureAt + backoffDelayMs(state.failures, policy) - now);
}

/** TTL attribute value (epoch seconds, as DynamoDB TTL requires). */
export function expiresAtSeconds(now: number, failures: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  return Math.ceil((now + Math.max(policy.forgetAfterMs, backoffDelayMs(failures, policy))) / 1000);
}

export interface ThrottleCheck {
  /** The user has a live failure record (a success deletes it). */
  readonly hasRecord: boolean;
  readonly failures: number;
  readonly retryAfterMs: number;
}

/** The table's item: `username` (hash key), `failures`, `lastFailureAt` (ms), `expiresAt` (TTL, s). */
export class LoginThrottle {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly policy: BackoffPolicy = DEFAULT_BACKOFF,
    private readonly now: () => number = Date.now,
  ) {}

  async check(username: string): Promise<ThrottleCheck> {
    const output = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { username: { S: username } },
        // Strongly consistent: a failure a moment ago in another container counts.
        ConsistentRead: true,
        ProjectionExpression: "failures, lastFailureAt, expiresAt",
      }),
    );
    const item = output.Item;
    const now = this.now();
    const failures = Number(item?.failures?.N ?? 0);
    const lastFailureAt = Number(item?.lastFailureAt?.N ?? 0);
    const expiresAt = Number(item?.expiresAt?.N ?? 0);
    // DynamoDB deletes expired items only eventually ("typically within a few
    // days", DynamoDB developer guide, "Time to Live"): an expired item is no record.
    if (!item || expiresAt * 1000 <= now) return { hasRecord: false, failures: 0, retryAfterMs: 0 };
    return { hasRecord: true, failures, retryAfterMs: remainingBackoffMs({ failures, lastFailureAt }, now, this.policy) };
  }

  /** Adds one failure atomically (concurrent failures all count); returns the new count. */
  async recordFailure(username: string): Promise<number> {
    const now = this.now();
    try {
      const output = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { username: { S: username } },
          UpdateExpression: "ADD failures :one SET lastFailureAt = :now, expiresAt = :expires",
          // A live item is counted on; an expired one that TTL has not swept yet is restarted below.
          ConditionExpression: "attribute_not_exists(username) OR expiresAt > :nowSeconds",
          ExpressionAttributeValues: {
            ":one": { N: "1" },
            ":now": { N: String(now) },
            ":nowSeconds": { N: String(Math.floor(now / 1000)) },
            // The window of the count after this failure is unknown until the
            // update returns; the longest possible one keeps the item alive.
            ":expires": { N: String(expiresAtSeconds(now, Number.MAX_SAFE_INTEGER, this.policy)) },
          },
          ReturnValues: "UPDATED_NEW",
        }),
      );
      return Number(output.Attributes?.failures?.N ?? 1);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException) && (error as Error)?.name !== "ConditionalCheckFailedException") throw error;
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { username: { S: username } },
          UpdateExpression: "SET failures = :one, lastFailureAt = :now, expiresAt = :expires",
          ExpressionAttributeValues: {
            ":one": { N: "1" },
            ":now": { N: String(now) },
            ":expires": { N: String(expiresAtSeconds(now, 1, this.policy)) },
          },
        }),
      );
      return 1;
    }
  }

  /** A successful login forgets the failures. */
  async reset(username: string): Promise<void> {
    await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: { username: { S: username } } }));
  }
}
