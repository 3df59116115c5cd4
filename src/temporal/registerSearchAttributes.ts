import type { Client } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';
import { temporal } from '@temporalio/proto';

const INDEXED_VALUE_TYPE: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  [SearchAttributeType.KEYWORD]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.KEYWORD_LIST]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  [SearchAttributeType.TEXT]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  [SearchAttributeType.BOOL]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  [SearchAttributeType.INT]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  [SearchAttributeType.DOUBLE]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  [SearchAttributeType.DATETIME]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
};

/** Adds the custom search attributes that are missing; returns the names it added. */
export async function registerSearchAttributes(
  client: Client,
  namespace: string,
  keys: ReadonlyArray<SearchAttributeKey<SearchAttributeType>>,
): Promise<string[]> {
  const existing = await client.connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set([
    ...Object.keys(existing.customAttributes ?? {}),
    ...Object.keys(existing.systemAttributes ?? {}),
  ]);
  const missing = keys.filter((key) => !known.has(key.name));
  if (missing.length === 0) return [];
  await client.connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((key) => [key.name, INDEXED_VALUE_TYPE[key.type]!])),
  });
  return missing.map((key) => key.name);
}

/** The namespace lacks search attributes the workflows set, and this process may not add them. */
export class MissingSearchAttributes extends Error {
  constructor(
    readonly namespace: string,
    cause: unknown,
  ) {
    super(
      `Temporal namespace "${namespace}" lacks the connector's search attributes and this worker could not add them ` +
        `(${(cause as Error).message}). Run \`npm run setup\` once with credentials allowed to add search attributes.`,
      { cause },
    );
    this.name = 'MissingSearchAttributes';
  }
}

/**
 * A worker's start: every workflow sets these attributes, so a namespace without them fails
 * every workflow task in a loop. Registers what is missing (as `npm run setup` does), or refuses
 * to start with the command that fixes it.
 */
export async function ensureSearchAttributes(
  client: Client,
  namespace: string,
  keys: ReadonlyArray<SearchAttributeKey<SearchAttributeType>>,
): Promise<string[]> {
  try {
    return await registerSearchAttributes(client, namespace, keys);
  } catch (error) {
    throw new MissingSearchAttributes(namespace, error);
  }
}
