// Per-user throttling of failed logins with exponential backoff, stored in a
// small DynamoDB table (stacks/provider/login-attempts-table.ts).
//
// Why per user: behind the NLB every client has the NLB's address as its
// sourceIp, so a per-address limit would throttle everyone at once.
// Why backoff and not a lock-out: a lock-out after N failures lets anyone who
// knows a user name lock that user out until an administrator acts; a backoff
// window closes by itself.
//
// Reserve, then check: an attempt is counted as a failure *before* its
// password is checked, by one conditional write that succeeds only while the
// user's window is open (DynamoDB evaluates a condition expression and applies
// the update atomically, one item at a time: DynamoDB developer guide,
// "Condition expressions" and "Conditional writes"). A right password then
// clears the record. So however many guesses arrive at once, a closed window
// lets none of them be checked, and an open one lets through only as many as
// the count allows: the free failures, then one per window. Checking first and
// counting after (as before) let every parallel guess be checked.
//
// Only known users get an item: for any other name the same write is sent
// with a condition that needs an existing item, so it costs the same call and
// writes nothing — the table never holds a password typed into the user-name
// field.
import {
  AttributeValue,
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

/** TTL attribute value (epoch seconds, as DynamoDB TTL requires): long enough for any window. */
export function expiresAtSeconds(now: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  return Math.ceil((now + Math.max(policy.forgetAfterMs, policy.maxDelayMs)) / 1000);
}

/**
 * The most password checks one user name can get in `periodMs` when every
 * attempt comes the moment the window opens and fails (the reservation makes
 * parallel attempts no better than these sequential ones).
 */
export function maxChecksIn(periodMs: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  let elapsed = 0;
  let checks = 0;
  for (;;) {
    elapsed += backoffDelayMs(checks, policy);
    if (elapsed >= periodMs) return checks;
    checks++;
  }
}

/**
 * "The window is open" as a DynamoDB condition: fewer than the free failures,
 * or the window of the stored count has passed. The delay doubles per
 * failure, which a condition cannot compute, so each count below the cap gets
 * its own term with the time its window closes before `now`.
 */
export function windowOpenCondition(now: number, policy: BackoffPolicy = DEFAULT_BACKOFF): { expression: string; values: Record<string, AttributeValue> } {
  const terms = ["failures < :free"];
  const values: Record<string, AttributeValue> = { ":free": { N: String(policy.freeFailures) } };
  let k = policy.freeFailures;
  for (; backoffDelayMs(k, policy) < policy.maxDelayMs && k < policy.freeFailures + 64; k++) {
    terms.push(`(failures = :f${k} AND lastFailureAt <= :t${k})`);
    values[`:f${k}`] = { N: String(k) };
    values[`:t${k}`] = { N: String(now - backoffDelayMs(k, policy)) };
  }
  terms.push(`(failures >= :f${k} AND lastFailureAt <= :t${k})`);
  values[`:f${k}`] = { N: String(k) };
  values[`:t${k}`] = { N: String(now - backoffDelayMs(k, policy)) };
  return { expression: terms.join(" OR "), values };
}

export type Reservation =
  /** The attempt is counted (`failures` includes it): check the password now. */
  | { readonly reserved: true; readonly failures: number }
  /** The window is closed (or the name has no record): do not check the password. */
  | { readonly reserved: false; readonly failures: number; readonly retryAfterMs: number };

export interface ThrottleCheck {
  /** The user has a live failure record. */
  readonly hasRecord: boolean;
  readonly failures: number;
  readonly retryAfterMs: number;
}

function isConditionFailure(error: unknown): error is ConditionalCheckFailedException {
  return error instanceof ConditionalCheckFailedException || (error as Error)?.name === "ConditionalCheckFailedException";
}

/** The table's item: `username` (hash key), `failures`, `lastFailureAt` (ms), `expiresAt` (TTL, s). */
export class LoginThrottle {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly policy: BackoffPolicy = DEFAULT_BACKOFF,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Deletes the name's item if it expired (a day after its last failure):
   * DynamoDB's TTL deletes expired items only eventually ("typically within a
   * few days", DynamoDB developer guide, "Time to Live"), and a stale count
   * must not shorten the user's free attempts. Sent for every password login,
   * known name or not, before the reservation.
   */
  async forgetExpired(username: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { username: { S: username } },
          ConditionExpression: "expiresAt <= :nowSeconds",
          ExpressionAttributeValues: { ":nowSeconds": { N: String(Math.floor(this.now() / 1000)) } },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /**
   * Counts one attempt as a failure if, and only if, the window is open — one
   * conditional UpdateItem. `createRecord`: whether a name without an item may
   * get one (known users only); for any other name the condition needs an
   * existing item, so nothing new is written.
   */
  async reserve(username: string, createRecord: boolean): Promise<Reservation> {
    const now = this.now();
    const open = windowOpenCondition(now, this.policy);
    try {
      const output = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { username: { S: username } },
          UpdateExpression: "ADD failures :one SET lastFailureAt = :now, expiresAt = :expires",
          ConditionExpression: createRecord ? `attribute_not_exists(username) OR ${open.expression}` : `attribute_exists(username) AND (${open.expression})`,
          ExpressionAttributeValues: {
            ...open.values,
            ":one": { N: "1" },
            ":now": { N: String(now) },
            ":expires": { N: String(expiresAtSeconds(now, this.policy)) },
          },
          ReturnValues: "UPDATED_NEW",
          // The item that closed the window, for the log (failures, time left).
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      return { reserved: true, failures: Number(output.Attributes?.failures?.N ?? 1) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const item = error.Item;
      const failures = Number(item?.failures?.N ?? 0);
      const lastFailureAt = Number(item?.lastFailureAt?.N ?? 0);
      return { reserved: false, failures, retryAfterMs: item ? remainingBackoffMs({ failures, lastFailureAt }, now, this.policy) : 0 };
    }
  }

  /** Reads the name's window without counting anything (SFTP key lookups). */
  async peek(username: string): Promise<ThrottleCheck> {
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
    if (!item || expiresAt * 1000 <= now) return { hasRecord: false, failures: 0, retryAfterMs: 0 };
    return { hasRecord: true, failures, retryAfterMs: remainingBackoffMs({ failures, lastFailureAt }, now, this.policy) };
  }

  /** A right password forgets the failures (the reserved attempt included). */
  async clear(username: string): Promise<void> {
    await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: { username: { S: username } } }));
  }
}
