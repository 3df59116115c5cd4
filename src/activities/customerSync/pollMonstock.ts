import type { MonstockClient } from '../../monstock/client';
import { readChangesPage } from '../../monstock/walkChanges';
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
  return async function pollMonstockCustomers(
    input: CustomerPollInput<MonstockCustomerCursor>,
  ): Promise<CustomerPollResult<MonstockCustomerCursor>> {
    return withActivityFailures(async () => {
      const cursor: MonstockCustomerCursor = {
        ...input.cursor,
        seenAtUpdatedSince: [...input.cursor.seenAtUpdatedSince],
      };
      const collector = new ChangeCollector();
      for (let pages = 0; pages < PAGES_PER_CALL; pages += 1) {
        // A refused page cursor re-reads from updatedSince; the echo check makes that cheap.
        const page = await readChangesPage((options) => monstock.listCustomers(options), cursor, PAGE);
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
