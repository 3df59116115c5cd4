export { orderPaymentWorkflow } from './orderPayment/orderPaymentWorkflow';
