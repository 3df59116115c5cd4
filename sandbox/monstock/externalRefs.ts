import type { ExternalRefs } from './types';

/** Key-by-key merge; `null` or `""` removes a key (see externalRefsPatchSchema for why both). */
export function mergeExternalRefs(
  current: ExternalRefs,
  patch: Record<string, string | null> | undefined,
): ExternalRefs {
  if (!patch) return current;
  const next: ExternalRefs = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || value === '') delete next[key];
    else next[key] = value;
  }
  return next;
}
