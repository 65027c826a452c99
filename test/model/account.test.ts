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
});
