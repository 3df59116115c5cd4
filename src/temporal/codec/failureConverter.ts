import { DefaultFailureConverter } from '@temporalio/common';

/**
 * The connector's failure converter: Temporal's default, with a failure's message and stack trace
 * moved into `encodedAttributes`, a payload, so the payload codec encrypts them like every other
 * payload. Error messages quote order references, e-mails and Stripe errors; in history the
 * failure reads "Encoded failure" until a client (or the Web UI, through the codec endpoint)
 * decodes it. Failures recorded before this, in clear, still read as they were.
 *
 * Loaded by path (`failureConverterPath`): the worker bundles it into the workflow code, where
 * workflow failures (which carry their activities' failures as causes) are converted.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
