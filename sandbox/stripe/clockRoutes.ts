import { z } from 'zod';
import type { AdminRoute, SandboxContext } from './context';
import { ok } from './context';
import { invalidRequest } from './errors';
import { expireDueAuthorizations } from './manualCapture';

/** Admin routes to read and advance the sandbox clock (ageing events, maturing balances, lapsing holds). */
const advanceBody = z
  .object({
    seconds: z
      .number()
      .int()
      .positive()
      .max(10 * 365 * 24 * 60 * 60),
  })
  .strict();

export function clockAdminRoutes(ctx: SandboxContext): AdminRoute[] {
  const state = () => ({ now: ctx.clock.nowSeconds(), offset_seconds: ctx.clock.offsetSeconds() });
  return [
    { method: 'GET', path: '/_sandbox/clock', handler: () => ok(state()) },
    {
      method: 'POST',
      path: '/_sandbox/clock/advance',
      handler: ({ body }) => {
        const parsed = advanceBody.safeParse(body);
        if (!parsed.success) throw invalidRequest(z.prettifyError(parsed.error), 'seconds');
        ctx.clock.advance(parsed.data.seconds);
        // Authorisations the new "now" has passed lapse at once, as they would have meanwhile.
        expireDueAuthorizations(ctx);
        ctx.logger.info('sandbox clock advanced', {
          seconds: parsed.data.seconds,
          offsetSeconds: ctx.clock.offsetSeconds(),
        });
        return ok(state());
      },
    },
  ];
}
