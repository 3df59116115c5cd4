import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { envDetectorSync, Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { subscribeHttpClientSpans } from './httpClientSpans';

/**
 * This process's tracing: the spans of the webhook server, the Temporal interceptors (client,
 * workflow, activity) and outgoing HTTP calls, exported over OTLP/HTTP. Registered globally
 * (tracer provider, async context, W3C propagation) because Temporal's interceptors propagate
 * through the global propagator; `shutdown` flushes and unregisters everything, so a test can
 * start and stop it.
 */
export interface Tracing {
  tracer: Tracer;
  /** What the workflow span sink and the Temporal interceptors need. */
  resource: Resource;
  spanProcessor: SpanProcessor;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

export function startTracing(options: {
  /** The service name unless OTEL_SERVICE_NAME says otherwise. */
  serviceName: string;
  /** Default: OTLP/HTTP (JSON), configured by the standard OTEL_EXPORTER_OTLP_* variables. */
  exporter?: SpanExporter;
}): Tracing {
  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (the env detector) win over the default name.
  const resource = Resource.default()
    .merge(new Resource({ [ATTR_SERVICE_NAME]: options.serviceName }))
    .merge(envDetectorSync.detect());
  const spanProcessor = new BatchSpanProcessor(options.exporter ?? new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  const tracer = trace.getTracer('monstock-stripe');
  const unsubscribe = subscribeHttpClientSpans(tracer);
  return {
    tracer,
    resource,
    spanProcessor,
    forceFlush: () => provider.forceFlush(),
    async shutdown() {
      unsubscribe();
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
