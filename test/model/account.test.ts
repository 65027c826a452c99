import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeAccount, normalizeAccountHistory } from '../../src/model/index.js';

describe('normalizeAccount', () => {
  it('reads a CSV row', () => {
    const r = normalizeAccount({ account_id: ' acc_1 ', name: 'Acme, Inc', created_at: '2025-01-02', plan: 'pro', seats: '4', churned_at: '' });
    assert.ok(r.ok);
    assert.deepEqual(r.value, { accountId: 'acc_1', name: 'Acme, Inc', createdAt: Date.UTC(2025, 0, 2), plan: 'pro', seats: 4, churnedAt: null });
  });

  it('rejects what cannot be an account, naming the field', () => {
    const bad = (row: Record<string, string>) => {
      const r = normalizeAccount({ account_id: 'a', created_at: '2025-01-02', ...row });
      assert.equal(r.ok, false);
      return r.ok ? null : r.reject;
    };
    assert.equal(bad({ account_id: '' })?.field, 'account_id');
    assert.equal(bad({ created_at: '' })?.reason, 'missing_field');
    assert.equal(bad({ created_at: 'soon' })?.field, 'created_at');
    assert.equal(bad({ seats: '2.5' })?.field, 'seats');
    assert.equal(bad({ seats: '-1' })?.field, 'seats');
    assert.equal(bad({ churned_at: '2024-01-01' })?.message, 'churned_at is before created_at');
  });

  it('holds every value to what the store can hold: seats within 32 bits, decimal only, dates up to 9999', () => {
    const bad = (row: Record<string, string>) => {
      const r = normalizeAccount({ account_id: 'a', created_at: '2025-01-02', ...row });
      return r.ok ? null : r.reject;
    };
    assert.deepEqual(bad({ seats: '3000000000' }), { reason: 'invalid_field', field: 'seats', message: 'seats must be a whole number from 0 to 1,000,000,000, got "3000000000"' });
    assert.equal(bad({ seats: '0x10' })?.field, 'seats');
    assert.equal(bad({ seats: '1e400' })?.field, 'seats');
    assert.equal(bad({ created_at: '+275760-09-13' })?.field, 'created_at');
    assert.equal(bad({ churned_at: '10000-01-01' })?.field, 'churned_at');
    assert.equal(bad({ seats: '1000000000' }), null);
  });

  it('holds account_id, name and plan to the rule of every text field: control characters and lone surrogates refused', () => {
    const bad = (row: Record<string, string>) => {
      const r = normalizeAccount({ account_id: 'a', created_at: '2025-01-02', ...row });
      return r.ok ? null : r.reject;
    };
    for (const field of ['account_id', 'name', 'plan']) {
      assert.deepEqual(bad({ [field]: 'x\x1b]0;pwned\x07' }), { reason: 'invalid_text', field, message: `${field} contains a control character (U+001B) at position 1` });
      assert.equal(bad({ [field]: 'x\ud800' })?.reason, 'invalid_text');
    }
    assert.equal(bad({ account_id: 'a'.repeat(257) })?.field, 'account_id');
    assert.equal(bad({ name: 'n'.repeat(201) })?.field, 'name');
  });
});

describe('normalizeAccountHistory', () => {
  it('reads a row and defaults the status to active', () => {
    const r = normalizeAccountHistory({ account_id: 'a', valid_from: '2025-02-01', plan: 'pro', seats: '5', mrr: '245.5', status: '' });
    assert.ok(r.ok);
    assert.deepEqual(r.value, { accountId: 'a', validFrom: Date.UTC(2025, 1, 1), plan: 'pro', seats: 5, mrr: 245.5, status: 'active' });
  });

  it('rejects an unknown status and a bad mrr', () => {
    const r1 = normalizeAccountHistory({ account_id: 'a', valid_from: '2025-02-01', status: 'gone' });
    assert.equal(r1.ok ? null : r1.reject.field, 'status');
    const r2 = normalizeAccountHistory({ account_id: 'a', valid_from: '2025-02-01', mrr: 'lots' });
    assert.equal(r2.ok ? null : r2.reject.field, 'mrr');
  });

  it('rejects values the store cannot hold, and ill-formed text', () => {
    const field = (row: Record<string, string>) => {
      const r = normalizeAccountHistory({ account_id: 'a', valid_from: '2025-02-01', ...row });
      return r.ok ? null : r.reject.field;
    };
    assert.equal(field({ seats: '3000000000' }), 'seats');
    assert.equal(field({ mrr: '1e400' }), 'mrr');
    assert.equal(field({ mrr: '0x10' }), 'mrr');
    assert.equal(field({ valid_from: '+275760-01-01' }), 'valid_from');
    assert.equal(field({ account_id: 'a\u0007' }), 'account_id');
    assert.equal(field({ plan: 'p\udc00' }), 'plan');
  });
});
