// A LOGICAL home: the paths a user sees, mapped onto S3 (Transfer user guide,
// "Using logical directories to simplify your Transfer Family directory
// structures"). With one mapping {Entry: "/", Target: "/bucket/prefix"} the
// user is chrooted: "/" is the prefix and nothing above it can be named
// ("users are not able to navigate to a directory outside of the home or root
// directory that you've configured for them"). Targets begin with "/" and have
// no trailing "/"; with Entry "/" there can be only one mapping. Several
// mappings make a virtual tree: their Entries and the folders above them are
// directories the user can list but not write.
import * as path from "path";

export interface HomeMapping {
  readonly entry: string;
  readonly bucket: string;
  /** Key prefix without a trailing "/" ("" = the whole bucket). */
  readonly prefix: string;
}

/** The mappings of a HomeDirectoryDetails string, or why they are unusable. */
export function parseLogicalHome(details: unknown): HomeMapping[] | string {
  if (typeof details !== "string") return "missing (required with HomeDirectoryType LOGICAL)";
  let parsed: unknown;
  try {
    parsed = JSON.parse(details);
  } catch {
    return "not JSON";
  }
  if (!Array.isArray(parsed) || parsed.length === 0) return "not a non-empty list";
  const mappings: HomeMapping[] = [];
  for (const item of parsed) {
    const entry = (item as Record<string, unknown>)?.Entry;
    const target = (item as Record<string, unknown>)?.Target;
    if (typeof entry !== "string" || !entry.startsWith("/")) return `Entry ${JSON.stringify(entry)} must start with /`;
    if (typeof target !== "string" || !target.startsWith("/") || (target.length > 1 && target.endsWith("/"))) {
      return `Target ${JSON.stringify(target)} must start with / and not end with /`;
    }
    const [bucket, ...rest] = target.slice(1).split("/");
    if (!bucket) return `Target ${target} names no bucket`;
    mappings.push({ entry: path.posix.normalize(entry), bucket, prefix: rest.join("/") });
  }
  if (mappings.some((m) => m.entry === "/") && mappings.length > 1) return 'Entry "/" must be the only mapping';
  return mappings;
}

/** Where a logical path lives in S3, or that it is a virtual folder of the mapping tree. */
export type Resolved =
  | { readonly kind: "s3"; readonly bucket: string; /** Object key ("" for the mapping's root itself, which is a folder). */ readonly key: string; readonly mappingRoot: boolean }
  | { readonly kind: "virtual"; readonly children: readonly string[] };

/** Normalizes a client's path against its working directory; never leaves "/". */
export function absolute(cwd: string, input: string): string {
  const joined = input.startsWith("/") ? input : path.posix.join(cwd, input || ".");
  const normal = path.posix.normalize(joined);
  return normal.length > 1 && normal.endsWith("/") ? normal.slice(0, -1) : normal;
}

export function resolve(mappings: readonly HomeMapping[], logical: string): Resolved | undefined {
  let best: HomeMapping | undefined;
  for (const m of mappings) {
    const inside = m.entry === "/" || logical === m.entry || logical.startsWith(`${m.entry}/`);
    if (inside && (!best || m.entry.length > best.entry.length)) best = m;
  }
  if (best) {
    const rest = best.entry === "/" ? logical.slice(1) : logical.slice(best.entry.length + 1);
    const key = [best.prefix, rest].filter(Boolean).join("/");
    return { kind: "s3", bucket: best.bucket, key, mappingRoot: rest === "" };
  }
  // Above the mappings: a folder if some Entry lies below it.
  const children = new Set<string>();
  const base = logical === "/" ? "/" : `${logical}/`;
  for (const m of mappings) if (m.entry.startsWith(base)) children.add(m.entry.slice(base.length).split("/")[0]);
  return children.size > 0 ? { kind: "virtual", children: [...children].sort() } : undefined;
}
