/** HTML for the connector's read-only pages: every value goes through `escapeHtml`, no external assets. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export interface PageAnswer {
  status: number;
  contentType: string;
  body: string;
}

export const HTML_CONTENT_TYPE = 'text/html; charset=utf-8';

const STYLE = `
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1b1f24;max-width:80rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #d0d7de;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}
.bad{color:#b42318}.ok{color:#067647}.muted{color:#57606a}
nav a{margin-right:1rem}code{font-size:.9em}
`;

/**
 * A whole page; `title` is escaped here, `body` must already be safe HTML. `pagesBase` is where the
 * connection's pages live (`''` for the environment's, `/connections/<id>` for a connection's), so
 * the navigation stays within the connection the page is about.
 */
export function layout(title: string, body: string, pagesBase = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><nav><a href="${escapeHtml(`${pagesBase}/reports/latest`)}">Latest report</a><a href="${escapeHtml(`${pagesBase}/problems`)}">Problems</a>${pagesBase ? '<a href="/problems">All connections</a>' : ''}</nav>
${body}
</body></html>`;
}

export function htmlPage(status: number, title: string, body: string, pagesBase = ''): PageAnswer {
  return { status, contentType: HTML_CONTENT_TYPE, body: layout(title, body, pagesBase) };
}

export function link(href: string, text: string): string {
  return `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>`;
}
