import { DefaultLogger, Runtime } from '@temporalio/worker';

// Worker logs at INFO drown test output; failures still show through the assertions.
try {
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
} catch {
  // Installed already in this process.
}
