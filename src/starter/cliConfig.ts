import { ConfigError, loadConfig, registerConfigSecrets, withDevelopmentValues, type ConnectorConfig } from '../config';
import { loadDotEnv } from '../config/dotenv';

/**
 * The configuration an operator's command (`npm run reconcile`, `npm run connections`) reads, as
 * the worker reads it: production unless CONNECTOR_MODE says otherwise, so a missing or development
 * secret is named here, never filled in behind the operator's back; development values only when
 * development mode is asked for by name. undefined (after saying why on stderr) when it is invalid.
 */
export function loadCliConfig(): ConnectorConfig | undefined {
  loadDotEnv();
  try {
    const env = process.env.CONNECTOR_MODE === 'development' ? withDevelopmentValues(process.env) : process.env;
    const config = loadConfig(env);
    registerConfigSecrets(config);
    return config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\nSee .env.example for every setting and its default.\n`);
    return undefined;
  }
}
