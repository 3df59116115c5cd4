import { ApplicationFailure } from '@temporalio/common';
import { isValidReportId } from '../shared/reconciliation';

/**
 * Report ids, checked before anything is stored or read under one: reconciliation writes
 * reports under the id its workflow was handed, and the pages look them up by the id in a URL.
 * An id that is not one (`../../etc/x`, `a/b`, 10 kB of text) is refused here.
 */
export { isValidReportId };

/** The type of the failure an invalid report id throws. */
export const INVALID_REPORT_ID = 'InvalidReportId';

/**
 * Throws unless `reportId` is a valid report id. The error is a non-retryable ApplicationFailure,
 * so an activity handed a bad id fails at once instead of retrying forever.
 */
export function assertValidReportId(reportId: unknown): asserts reportId is string {
  if (!isValidReportId(reportId)) throw invalidReportId(reportId);
}

function invalidReportId(reportId: unknown): ApplicationFailure {
  const shown = typeof reportId === 'string' ? JSON.stringify(reportId.slice(0, 80)) : typeof reportId;
  return ApplicationFailure.create({
    type: INVALID_REPORT_ID,
    message: `invalid report id ${shown}: a report id is 1-128 letters, digits, dashes or underscores`,
    nonRetryable: true,
  });
}
