import { MonstockApiError } from '../../monstock/errors';
import type { MonstockClient } from '../../monstock/client';
import type { MonstockCustomerCursor } from '../../shared/customerSync';
import { withActivityFailures } from '../failures';
import { ChangeCollector, observeMonstock } from './changes';
import type { CustomerPollInput, CustomerPollResult } from './types';

const PAGE = 200;
const PAGES_PER_CALL = 10;

/**
 * Monstock customers changed since the cursor, oldest first. The cursor moves past every record
 * read (echoes included), so a worker restart resumes here instead of re-reading everything.
 */
export function createPollMonstockCustomers(monstock: MonstockClient) {
  return async function pollMonstockCustomers(input: CustomerPollInput<MonstockCustomerCursor>): Promise<CustomerPollResult<MonstockCustomerCursor>> {
    return withActivityFailures(async () => {
      const cursor: MonstockCustomerCursor = { ...input.cursor, seenAtUpdatedSince: [...input.cursor.seenAtUpdatedSince] };
      const collector = new ChangeCollector();
      for (let pages = 0; pages < PAGES_PER_CALL; pages += 1) {
        const page = await listFrom(monstock, cursor);
        for (const customer of page.data) {
          if (customer.updatedAt === cursor.updatedSince) {
            if (cursor.seenAtUpdatedSince.includes(customer.id)) continue;
            cursor.seenAtUpdatedSince.push(customer.id);
          } else {
            cursor.updatedSince = customer.updatedAt;
            cursor.seenAtUpdatedSince = [customer.id];
          }
          collector.add(observeMonstock(customer));
        }
        if (page.nextCursor) cursor.page = page.nextCursor;
        else delete cursor.page;
        if (!page.nextCursor) return { changes: collector.changes(), echoes: collector.echoes, cursor, more: false };
        if (collector.size >= input.maxChanges) break;
      }
      return { changes: collector.changes(), echoes: collector.echoes, cursor, more: true };
    });
  };
}

/**
 * A page cursor Monstock no longer accepts (400) is dropped: reading again from `updatedSince`
 * re-reads a little, which the echo check makes cheap, instead of failing every poll.
 */
async function listFrom(monstock: MonstockClient, cursor: MonstockCustomerCursor) {
  const since = cursor.updatedSince ? { updatedSince: cursor.updatedSince } : {};
  try {
    return await monstock.listCustomers({ ...since, limit: PAGE, ...(cursor.page ? { cursor: cursor.page } : {}) });
  } catch (error) {
    if (!(cursor.page && error instanceof MonstockApiError && error.status === 400)) throw error;
    delete cursor.page;
    return monstock.listCustomers({ ...since, limit: PAGE });
  }
}
