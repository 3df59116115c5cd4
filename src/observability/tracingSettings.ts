import { z } from 'zod';

/**
 * Whether this process exports traces, read from the standard OpenTelemetry variables so any
 * collector setup works unchanged: off unless OTEL_TRACES_EXPORTER=otlp or an OTLP endpoint is
 * set; OTEL_TRACES_EXPORTER=none forces it off. The exporter itself reads the endpoint, headers
 * and timeout variables; only the switch is decided here.
 */
const tracingEnv = z.object({
  OTEL_TRACES_EXPORTER: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(['otlp', 'none'], { message: 'only otlp (OTLP over HTTP) or none are supported' }))
    .optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
});

export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const parsed = tracingEnv.parse(withoutEmpty(env));
  if (parsed.OTEL_TRACES_EXPORTER === 'none') return false;
  return (
    parsed.OTEL_TRACES_EXPORTER === 'otlp' ||
    parsed.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined ||
    parsed.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined
  );
}

/** An empty variable counts as unset, as in the OpenTelemetry specification. */
function withoutEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''),
  );
}
