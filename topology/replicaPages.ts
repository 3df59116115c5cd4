import { request } from 'undici';

/**
 * The same admin pages read from every webhook replica's admin listener, and compared byte for
 * byte: replicas share their state through the database, so nothing may differ but one thing:
 * /problems is a live read of Temporal and says when it was read (`<time id="checked-at">`),
 * which two reads a few milliseconds apart legitimately disagree on. That element alone is blanked
 * before comparing; everything else is compared as served.
 */
export const COMPARED_PAGES = ['/reports/latest', '/problems'] as const;

export interface PageComparison {
  statuses: number[];
  lengths: number[];
  identical: boolean;
  /** Where the first two bodies first differ (after normalising), with a little of each around it. */
  firstDifference?: { offset: number; excerpts: string[] };
}

export interface ReplicaPages {
  identical: boolean;
  pages: Record<string, PageComparison>;
}

const CHECKED_AT = /<time id="checked-at">[^<]*<\/time>/g;

export function normalisePage(body: string): string {
  return body.replace(CHECKED_AT, '<time id="checked-at"></time>');
}

export async function compareReplicaPages(adminUrls: readonly string[], adminToken: string): Promise<ReplicaPages> {
  const pages: ReplicaPages['pages'] = {};
  for (const page of COMPARED_PAGES) {
    const answers = await Promise.all(adminUrls.map((url) => readPage(`${url}${page}`, adminToken)));
    const bodies = answers.map((answer) => normalisePage(answer.body));
    const identical = answers.every((answer) => answer.status === 200) && bodies.every((body) => body === bodies[0]);
    const comparison: PageComparison = {
      statuses: answers.map((answer) => answer.status),
      lengths: answers.map((answer) => answer.body.length),
      identical,
    };
    const offset = firstDifference(bodies[0] ?? '', bodies[1] ?? '');
    if (offset !== undefined)
      comparison.firstDifference = {
        offset,
        excerpts: bodies.slice(0, 2).map((body) => body.slice(Math.max(0, offset - 60), offset + 60)),
      };
    pages[page] = comparison;
  }
  return { identical: Object.values(pages).every((page) => page.identical), pages };
}

function firstDifference(a: string, b: string): number | undefined {
  if (a === b) return undefined;
  let index = 0;
  while (index < a.length && index < b.length && a[index] === b[index]) index += 1;
  return index;
}

async function readPage(url: string, adminToken: string): Promise<{ status: number; body: string }> {
  const answer = await request(url, { headers: { authorization: `Bearer ${adminToken}` } });
  return { status: answer.statusCode, body: await answer.body.text() };
}
