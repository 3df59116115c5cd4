export { orderPaymentWorkflow } from './orderPayment/orderPaymentWorkflow';
export { unmatchedPaymentWorkflow } from './unmatchedPayment/unmatchedPaymentWorkflow';
