// c2sp.org/tlog-proof receipts: pure, no I/O.
export { type Receipt, type ReceiptPolicy, type VerifiedReceipt, RECEIPT_HEADER, formatReceipt, parseReceipt, verifyReceipt } from './receipt.js';
