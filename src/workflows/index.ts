export { orderPaymentWorkflow } from './orderPayment/orderPaymentWorkflow';
export { unmatchedPaymentWorkflow } from './unmatchedPayment/unmatchedPaymentWorkflow';
export { customerSyncWorkflow } from './customerSync/customerSyncWorkflow';
export { monstockOrderFeedWorkflow } from './orderFeed/orderFeedWorkflow';
export { reconciliationWorkflow } from './reconciliation/reconciliationWorkflow';
