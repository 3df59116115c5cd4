import { registerSecrets } from '../observability/logger';
import { ConfigError, loadConfig, type ConnectorConfig } from './config';
import { loadDotEnv } from './dotenv';

export { ConfigError, loadConfig, withDevelopmentValues, readSettings, type ConnectorConfig } from './config';
export { SETTINGS } from './settings';
export { productionProblems } from './productionChecks';

/** Every secret of the configuration, for the logger to redact wherever it appears. */
export function registerConfigSecrets(config: ConnectorConfig): void {
  registerSecrets(
    config.monstock.apiToken,
    config.stripe.secretKey,
    ...config.stripe.webhookSecrets,
    ...config.monstock.webhookSecrets,
    ...config.temporal.encryptionKeys.map((key) => key.key.toString('base64')),
    config.admin.token,
    config.temporal.security.apiKey,
    config.databaseUrl,
  );
}

/**
 * Start-up entry for every process: `.env`, validation, secrets registered for redaction.
 * A bad configuration ends the process with the variable's name, never with a stack trace.
 */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): ConnectorConfig {
  loadDotEnv('.env', env);
  try {
    const config = loadConfig(env);
    registerConfigSecrets(config);
    return config;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee .env.example for every setting and its default.\n`);
      process.exit(1);
    }
    throw error;
  }
}
