import Stripe from 'stripe';
import { isStripeNotFound, orMissing } from '../../src/stripe/missing';

describe('Stripe objects that do not exist', () => {
  const missing = () =>
    new Stripe.errors.StripeInvalidRequestError({
      type: 'invalid_request_error',
      message: 'No such payment_intent',
      code: 'resource_missing',
      statusCode: 404,
    });
  const refused = () =>
    new Stripe.errors.StripeInvalidRequestError({ type: 'invalid_request_error', message: 'bad', statusCode: 400 });

  it('reads a 404 as missing, and only a 404', () => {
    expect(isStripeNotFound(missing())).toBe(true);
    expect(isStripeNotFound(refused())).toBe(false);
    expect(isStripeNotFound(new Error('boom'))).toBe(false);
    expect(isStripeNotFound(undefined)).toBe(false);
  });

  it('turns a missing object into undefined and lets every other failure through', async () => {
    await expect(orMissing(Promise.resolve('pi_1'))).resolves.toBe('pi_1');
    await expect(orMissing(Promise.reject(missing()))).resolves.toBeUndefined();
    await expect(orMissing(Promise.reject(refused()))).rejects.toThrow('bad');
  });
});
