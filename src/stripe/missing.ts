/**
 * Stripe's answer for an object that does not exist (404, `resource_missing`), read in one place:
 * a reader that may meet a deleted or foreign id gets `undefined` instead of an error.
 */
export async function orMissing<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (error) {
    if (isStripeNotFound(error)) return undefined;
    throw error;
  }
}

export function isStripeNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { statusCode?: unknown }).statusCode === 404;
}
