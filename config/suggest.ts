// "Did you mean ...?" for a value that is not one of a known list: an enum
// value, a key, a region, an instance type. Edit distance from
// fastest-levenshtein; a candidate that differs only in case wins outright.
import { distance } from "fastest-levenshtein";

/**
 * The candidate nearest to `value`, or undefined when none is near enough to
 * be a likely typo: at most 2 edits, and fewer than a third of the longer
 * word's length for short words ("ftp" must not suggest "nlb").
 */
export function nearest(value: string, candidates: readonly string[]): string | undefined {
  const folded = value.toLowerCase();
  const sameLetters = candidates.find((candidate) => candidate.toLowerCase() === folded);
  if (sameLetters !== undefined) return sameLetters;
  let best: { candidate: string; edits: number } | undefined;
  for (const candidate of candidates) {
    const edits = distance(folded, candidate.toLowerCase());
    if (best === undefined || edits < best.edits) best = { candidate, edits };
  }
  if (!best) return undefined;
  const longer = Math.max(value.length, best.candidate.length);
  return best.edits <= 2 && best.edits * 3 < longer ? best.candidate : undefined;
}

/** ` (did you mean "s3"?)`, or "" when nothing is near. */
export function didYouMean(value: unknown, candidates: readonly string[]): string {
  if (typeof value !== "string") return "";
  const match = nearest(value, candidates);
  return match === undefined || match === value ? "" : ` (did you mean ${JSON.stringify(match)}?)`;
}
