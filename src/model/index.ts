/**
 * The types every part of Cairn shares, and the rules that turn raw input into them.
 *
 * An event is an action a user took on an object in a place, with metadata about that
 * occurrence; users belong to accounts, the paying customers. Accounts carry facts over time
 * (plan, seats, mrr, status) in their history. Whatever fails these rules goes to quarantine
 * with a reason; nothing is dropped. One rule holds for text (text.ts) and numbers (number.ts)
 * whatever the source, and one for CSV leaving Cairn (csv-text.ts: formulas neutralised) and
 * HTML (html-text.ts).
 */
export * from './event.js';
export * from './text.js';
export * from './number.js';
export * from './account.js';
export * from './quarantine.js';
export * from './patch.js';
export * from './result.js';
export * from './csv-text.js';
export * from './html-text.js';
export * from './credentials.js';
export * from './source.js';
