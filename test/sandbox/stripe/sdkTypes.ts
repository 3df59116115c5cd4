import fs from 'node:fs';
import path from 'node:path';

/**
 * Reads the required (non-optional) property names of an interface from the installed SDK's
 * generated `.d.ts` files, so the shape test follows the pinned API version rather than a list
 * copied by hand. The files are generated with one property per line at a fixed indent.
 */
const RESOURCES = path.join(path.dirname(require.resolve('stripe')), 'resources');

function block(text: string, header: RegExp, indent: number): string | undefined {
  const match = header.exec(text);
  if (!match) return undefined;
  const start = match.index + match[0].length;
  const end = text.indexOf(`\n${' '.repeat(indent)}}`, start);
  return end < 0 ? undefined : text.slice(start, end);
}

/**
 * `name` is `Charge` for the top-level object or `Charge.Outcome`, `Charge.PaymentMethodDetails.Card` for nested ones.
 */
export function requiredFields(file: string, name: string): string[] {
  let text = fs.readFileSync(path.join(RESOURCES, file), 'utf8');
  const [root, ...nested] = name.split('.');
  let indent = 0;
  let body: string | undefined;
  if (nested.length === 0) {
    body = block(text, new RegExp(`^export interface ${root} \\{`, 'm'), 0);
  } else {
    text = block(text, new RegExp(`^export declare namespace ${root} \\{`, 'm'), 0) ?? '';
    indent = 4;
    for (const [index, part] of nested.entries()) {
      const last = index === nested.length - 1;
      const pad = ' '.repeat(indent);
      if (last) body = block(text, new RegExp(`^${pad}interface ${part} \\{`, 'm'), indent);
      else {
        text = block(text, new RegExp(`^${pad}namespace ${part} \\{`, 'm'), indent) ?? '';
        indent += 4;
      }
    }
  }
  if (!body) throw new Error(`interface ${name} not found in ${file}`);
  const pad = ' '.repeat(indent + 4);
  return [...body.matchAll(new RegExp(`^${pad}([a-z_0-9]+):`, 'gm'))].map((found) => found[1] as string);
}
