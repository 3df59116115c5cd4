import {
  customerSyncWorkflowId,
  orderWorkflowId,
  parseCustomerSyncWorkflowId,
  parseOrderWorkflowId,
  parseUnmatchedPaymentWorkflowId,
  unmatchedPaymentWorkflowId,
} from '../../src/shared/ids';

describe('workflow ids', () => {
  it.each([
    ['default', 'ord_123'],
    ['shop-2', 'ord/with/slashes'],
  ])('orderWorkflowId(%p, %p) round-trips', (connectionId, orderId) => {
    const id = orderWorkflowId(connectionId, orderId);
    expect(id.startsWith(`order-payment/${connectionId}/`)).toBe(true);
    expect(parseOrderWorkflowId(id)).toEqual({ connectionId, orderId });
  });

  it('round-trips the unmatched payment and customer sync ids', () => {
    expect(parseUnmatchedPaymentWorkflowId(unmatchedPaymentWorkflowId('default', 'pi_1'))).toEqual({
      connectionId: 'default',
      paymentIntentId: 'pi_1',
    });
    expect(parseCustomerSyncWorkflowId(customerSyncWorkflowId('default'))).toEqual({ connectionId: 'default' });
  });

  it('refuses ids of other kinds', () => {
    expect(parseOrderWorkflowId('customer-sync/default')).toBeUndefined();
    expect(parseOrderWorkflowId('order-payment/default')).toBeUndefined();
    expect(parseUnmatchedPaymentWorkflowId(orderWorkflowId('default', 'x'))).toBeUndefined();
    expect(parseCustomerSyncWorkflowId('customer-sync/default/extra')).toBeUndefined();
  });
});
