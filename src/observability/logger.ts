/**
 * A small structured logger: one JSON object per line on stderr, so logs stay greppable and
 * machine-readable, with a `redact` pass so secrets never reach a log even by accident.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

const secretValues = new Set<string>();

/** Registers values (keys, tokens, webhook secrets) that must never be printed. */
export function registerSecrets(...values: Array<string | undefined>): void {
  for (const value of values) {
    if (value && value.length >= 6) secretValues.add(value);
  }
}

const SECRET_FIELD = /(secret|token|password|authorization|api[-_]?key|signature)/i;

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    let out = value;
    for (const secret of secretValues) if (out.includes(secret)) out = out.split(secret).join('[redacted]');
    return out;
  }
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: value.name, message: redact(value.message, depth + 1) };
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    out[key] = SECRET_FIELD.test(key) ? '[redacted]' : redact(item, depth + 1);
  }
  return out;
}

export function createLogger(
  options: { level?: LogLevel; name?: string; fields?: Record<string, unknown>; write?: (line: string) => void } = {},
): Logger {
  const threshold = LEVEL_ORDER[options.level ?? (process.env.LOG_LEVEL as LogLevel | undefined) ?? 'info'] ?? 20;
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const base = { ...(options.name ? { logger: options.name } : {}), ...options.fields };
  const emit = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (LEVEL_ORDER[level] < threshold) return;
    const record = redact({ time: new Date().toISOString(), level, msg: message, ...base, ...fields });
    write(JSON.stringify(record));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ ...options, fields: { ...options.fields, ...fields } }),
  };
}

/** The shape of the Temporal SDK's `Logger` (bundler, runtime), so this file needs no SDK import. */
export interface SdkLogger {
  log(
    level: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR',
    message: string,
    meta?: Record<string | symbol, unknown>,
  ): void;
  trace(message: string, meta?: Record<string | symbol, unknown>): void;
  debug(message: string, meta?: Record<string | symbol, unknown>): void;
  info(message: string, meta?: Record<string | symbol, unknown>): void;
  warn(message: string, meta?: Record<string | symbol, unknown>): void;
  error(message: string, meta?: Record<string | symbol, unknown>): void;
}

/**
 * The connector's logger as a Temporal SDK logger. `infoAs: 'debug'` demotes the SDK's info
 * messages: the workflow bundler logs webpack's whole module listing at info, which is detail
 * for LOG_LEVEL=debug, not for a person starting the connector. Warnings and errors (a failed
 * build's webpack output is an error) keep their level.
 */
export function toSdkLogger(logger: Logger, options: { infoAs?: 'info' | 'debug' } = {}): SdkLogger {
  const infoAs = options.infoAs ?? 'info';
  const levels = { TRACE: 'debug', DEBUG: 'debug', INFO: infoAs, WARN: 'warn', ERROR: 'error' } as const;
  const log: SdkLogger['log'] = (level, message, meta) =>
    logger[levels[level] ?? 'info'](message, meta as Record<string, unknown> | undefined);
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}
