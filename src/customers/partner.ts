/**
 * Choosing, among records with the same e-mail on the other side, the one a customer is the same
 * as. Used once per customer: after that the cross-references decide. A record already linked to
 * someone else is never taken; one that already points back at us (a retried sync that had
 * created it) comes first; otherwise the oldest, then the smallest id, so every run picks the same.
 */
export interface PartnerCandidate {
  id: string;
  /** Creation time in any unit, the same for all candidates. */
  createdAt: number;
  /** The id of the record it is linked to on our side, if any. */
  linkedTo?: string | undefined;
}

export function choosePartner(candidates: readonly PartnerCandidate[], selfId: string): string | undefined {
  const pointingBack = candidates.filter((candidate) => candidate.linkedTo === selfId);
  const free = pointingBack.length > 0 ? pointingBack : candidates.filter((candidate) => !candidate.linkedTo);
  const [first] = [...free].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return first?.id;
}
