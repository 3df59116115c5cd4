import { parseServiceRequests, phaseCost, type CostSnapshot } from '../../bench/costMeter';

describe('bench cost meter', () => {
  it('sums the frontend service_requests by operation, not the history and matching hops of the same request', () => {
    const text = [
      '# HELP service_requests service_requests counter',
      '# TYPE service_requests counter',
      'service_requests{namespace="default",operation="SignalWithStartWorkflowExecution",service_name="frontend"} 3',
      'service_requests{namespace="default",operation="SignalWithStartWorkflowExecution",service_name="history"} 3',
      'service_requests{namespace="default",operation="DescribeWorkflowExecution",service_name="frontend"} 4',
      'service_requests{namespace="default",operation="DescribeWorkflowExecution",service_name="history"} 4',
      'service_requests{namespace="default",operation="PollWorkflowTaskQueue",service_name="frontend"} 10',
      'service_requests{namespace="default",operation="PollWorkflowTaskQueue",service_name="matching"} 12',
      'service_requests{namespace="default",operation="RecordWorkflowTaskStarted",service_name="history"} 14',
      'service_requests{namespace="temporal_system",operation="PollActivityTaskQueue",service_name="frontend"} 30',
      'service_requests_total{namespace="default",operation="StartWorkflowExecution"} 1.5e1',
      'service_requests_other{operation="X",service_name="frontend"} 9',
      'service_latency_count{operation="StartWorkflowExecution",service_name="frontend"} 4',
    ].join('\n');
    expect(parseServiceRequests(text)).toEqual({
      SignalWithStartWorkflowExecution: 3,
      DescribeWorkflowExecution: 4,
      PollWorkflowTaskQueue: 10,
      StartWorkflowExecution: 15,
    });
  });

  it('divides each process delta by the payments', () => {
    const start: CostSnapshot = {
      at: 1_000,
      cpuMs: {
        temporal: 100,
        worker: 200,
        webhooks: 50,
        stripeSandbox: 10,
        monstockSandbox: 20,
        database: 30,
        load: 5,
      },
      temporalRequests: { A: 10, B: 5 },
      stripeRequests: 100,
      monstockRequests: 40,
    };
    const end: CostSnapshot = {
      at: 11_000,
      cpuMs: {
        temporal: 300,
        worker: 600,
        webhooks: 150,
        stripeSandbox: 30,
        monstockSandbox: 60,
        database: 50,
        load: 25,
      },
      temporalRequests: { A: 30, B: 5, C: 20 },
      stripeRequests: 130,
      monstockRequests: 80,
    };
    expect(phaseCost(start, end, 10)).toEqual({
      payments: 10,
      seconds: 10,
      cpuMsPerPayment: {
        temporal: 20,
        worker: 40,
        webhooks: 10,
        stripeSandbox: 2,
        monstockSandbox: 4,
        database: 2,
        load: 2,
      },
      connectorCpuMsPerPayment: 50,
      allProcessesCpuMsPerPayment: 80,
      temporalRpcsPerPayment: 4,
      temporalRpcsPerPaymentByOperation: { A: 2, C: 2 },
      stripeRequestsPerPayment: 3,
      monstockRequestsPerPayment: 4,
    });
  });

  it('answers null where a side was not read', () => {
    const cost = phaseCost({ at: 0, cpuMs: { worker: 1 } }, { at: 0, cpuMs: { worker: 3, webhooks: 2 } }, 2);
    expect(cost.cpuMsPerPayment.worker).toBe(1);
    expect(cost.cpuMsPerPayment.webhooks).toBeNull();
    expect(cost.connectorCpuMsPerPayment).toBeNull();
    expect(cost.allProcessesCpuMsPerPayment).toBeNull();
    expect(cost.temporalRpcsPerPayment).toBeNull();
    expect(cost.stripeRequestsPerPayment).toBeNull();
  });
});
