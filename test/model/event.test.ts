import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveMessageId, normalizeEvent, parseTimestamp, splitEventName } from '../../src/model/index.js';

const NOW = Date.UTC(2026, 0, 1);
const base = {
  message_id: 'm1',
  timestamp: '2025-03-04T12:00:00Z',
  account_id: 'acc_1',
  user_id: 'u_1',
  action: 'closed',
  object: 'conversation',
  place: 'inbox',
  metadata: { state: 'resolved' },
};
const check = (e: unknown) => normalizeEvent(e, { now: NOW });
const reasonOf = (e: unknown) => {
  const r = check(e);
  assert.equal(r.ok, false, 'expected a rejection');
  return r.ok ? null : r.reject;
};

describe('normalizeEvent', () => {
  it('keeps a native event as given', () => {
    const r = check({ ...base, count: 3 });
    assert.ok(r.ok);
    assert.deepEqual(r.value, {
      messageId: 'm1',
      accountId: 'acc_1',
      userId: 'u_1',
      anonymousId: null,
      action: 'closed',
      object: 'conversation',
      place: 'inbox',
      metadata: { state: 'resolved' },
      timestamp: Date.UTC(2025, 2, 4, 12),
      count: 3,
    });
  });

  it('treats numeric ids as text and missing optional fields as null', () => {
    const r = check({ ...base, account_id: 42, user_id: undefined, place: '', metadata: undefined });
    assert.ok(r.ok);
    assert.equal(r.value.accountId, '42');
    assert.equal(r.value.userId, null);
    assert.equal(r.value.place, null);
    assert.deepEqual(r.value.metadata, {});
    assert.equal(r.value.count, 1);
  });

  it('derives a stable message id from the content when none is given', () => {
    const { message_id: _, ...noId } = base;
    const a = check(noId);
    const b = check({ ...noId });
    const c = check({ ...noId, timestamp: '2025-03-04T12:00:01Z' });
    assert.ok(a.ok && b.ok && c.ok);
    assert.match(a.value.messageId, /^d_[0-9a-f]{32}$/);
    assert.equal(a.value.messageId, b.value.messageId);
    assert.notEqual(a.value.messageId, c.value.messageId);
    const { messageId: _id, ...rest } = a.value;
    assert.equal(deriveMessageId(rest), a.value.messageId);
  });

  it('maps a Segment track call: "Object Action" names, groupId as account, properties as metadata', () => {
    const r = check({
      type: 'track',
      event: 'Help Center Article Published',
      messageId: 'seg-1',
      timestamp: '2025-03-04T12:00:00.000Z',
      userId: 'u_9',
      context: { groupId: 'acc_9' },
      properties: { locale: 'fr', place: 'help_center' },
    });
    assert.ok(r.ok);
    assert.equal(r.value.object, 'help_center_article');
    assert.equal(r.value.action, 'published');
    assert.equal(r.value.accountId, 'acc_9');
    assert.equal(r.value.place, 'help_center');
    assert.deepEqual(r.value.metadata, { locale: 'fr' });
  });

  it('lets explicit properties.action/object win over the event name', () => {
    const r = check({ event: 'Something Happened', timestamp: base.timestamp, context: { groupId: 'a' }, properties: { action: 'closed', object: 'conversation' } });
    assert.ok(r.ok);
    assert.equal(r.value.action, 'closed');
    assert.equal(r.value.object, 'conversation');
  });

  it('names the reason and the field of every rejection', () => {
    assert.deepEqual(reasonOf([1, 2])?.reason, 'not_an_object');
    assert.deepEqual(reasonOf('text')?.reason, 'not_an_object');
    assert.deepEqual(reasonOf({ ...base, action: undefined }), { reason: 'missing_field', field: 'action', message: 'action is required' });
    assert.equal(reasonOf({ ...base, account_id: '' })?.field, 'account_id');
    assert.equal(reasonOf({ ...base, object: { a: 1 } })?.reason, 'invalid_field');
    assert.equal(reasonOf({ ...base, action: 'x'.repeat(201) })?.reason, 'invalid_field');
    assert.equal(reasonOf({ ...base, action: 'clo\tsed' })?.message, 'action contains a control character (U+0009) at position 3');
    assert.equal(reasonOf({ ...base, timestamp: undefined })?.reason, 'missing_field');
    assert.equal(reasonOf({ ...base, timestamp: 'yesterday' })?.reason, 'invalid_timestamp');
    assert.equal(reasonOf({ ...base, timestamp: '1970-01-02T00:00:00Z' })?.reason, 'timestamp_out_of_range');
    assert.equal(reasonOf({ ...base, timestamp: '2026-01-03T00:00:00Z' })?.reason, 'timestamp_out_of_range');
    assert.equal(reasonOf({ ...base, metadata: [1] })?.field, 'metadata');
    assert.equal(reasonOf({ ...base, metadata: 'state=resolved' })?.reason, 'invalid_field');
    assert.equal(reasonOf({ ...base, count: 0 })?.field, 'count');
    assert.equal(reasonOf({ ...base, count: 1.5 })?.field, 'count');
    assert.equal(reasonOf({ event: 'Closed', timestamp: base.timestamp, context: { groupId: 'a' } })?.field, 'event');
  });

  it('refuses ill-formed text in every id and name (lone surrogates would merge ids in the store), naming the field', () => {
    for (const field of ['message_id', 'account_id', 'user_id', 'anonymous_id', 'action', 'object', 'place']) {
      for (const lone of ['\ud800', '\udbff', '\udc00', '\udfff']) {
        assert.deepEqual(reasonOf({ ...base, [field]: `x${lone}` }), {
          reason: 'invalid_text',
          field,
          message: `${field} is not well-formed Unicode: a lone surrogate (U+${lone.charCodeAt(0).toString(16).toUpperCase()}) at position 1`,
        });
      }
    }
    assert.equal(check({ ...base, account_id: 'acc_😀', place: '📥' }).ok, true, 'a surrogate pair is a character');
    assert.equal(reasonOf({ ...base, user_id: 'u\x9b31m' })?.reason, 'invalid_text', 'C1 controls (CSI) too');
    assert.equal(check({ ...base, place: 'in\u202ebox' }).ok, true, 'format characters are not controls');
  });

  it('keeps metadata with lone surrogates, made U+FFFD in keys and values (stores cannot query them)', () => {
    const r = check({ ...base, metadata: { s: 'a\ud800b', ['k\udfff']: ['\udc00', { deep: 'x\ud83d' }], ok: '😀', n: 1 } });
    assert.ok(r.ok);
    assert.deepEqual(r.value.metadata, { s: 'a\ufffdb', 'k\ufffd': ['\ufffd', { deep: 'x\ufffd' }], ok: '😀', n: 1 });
    const clean = { state: 'resolved', list: [1, 'a'] };
    const kept = check({ ...base, metadata: clean });
    assert.ok(kept.ok && kept.value.metadata === clean, 'clean metadata is not copied');
  });

  it('reads counts as plain decimal only: "0x10", "1e400" and "Infinity" are not counts', () => {
    for (const count of ['0x10', '0b11', '0o7', 'Infinity', '1e400', '1e10', ' ', true]) {
      if (count === ' ') assert.equal((check({ ...base, count }) as { value: { count: number } }).value.count, 1, 'blank is absent');
      else assert.equal(reasonOf({ ...base, count })?.field, 'count', JSON.stringify(count));
    }
    for (const [count, n] of [['16', 16], [' 3 ', 3], ['2.0', 2], ['1e3', 1000], [7, 7]] as const) {
      const r = check({ ...base, count });
      assert.ok(r.ok && r.value.count === n, JSON.stringify(count));
    }
  });

  it('refuses Segment properties or context that are not objects, rather than dropping them', () => {
    const seg = { event: 'Conversation Closed', timestamp: base.timestamp, context: { groupId: 'a' } };
    assert.deepEqual(reasonOf({ ...seg, properties: ['x'] }), { reason: 'invalid_field', field: 'properties', message: 'properties must be a JSON object, got array' });
    assert.equal(reasonOf({ ...seg, properties: 'state=resolved' })?.field, 'properties');
    assert.equal(reasonOf({ ...seg, context: 'a' })?.field, 'context');
    assert.equal(check({ ...seg, properties: null }).ok, true, 'null is absent');
  });

  it('accepts a timestamp a day ahead (clock drift) but not more', () => {
    assert.ok(check({ ...base, timestamp: new Date(NOW + 23 * 3600e3).toISOString() }).ok);
  });
});

describe('parseTimestamp', () => {
  it('reads ISO-8601 with and without zone (UTC), SQL style and epoch milliseconds', () => {
    const t = Date.UTC(2024, 4, 1, 10, 0, 0);
    assert.equal(parseTimestamp('2024-05-01T10:00:00Z'), t);
    assert.equal(parseTimestamp('2024-05-01T10:00:00'), t);
    assert.equal(parseTimestamp('2024-05-01 10:00:00'), t);
    assert.equal(parseTimestamp('2024-05-01T12:00:00+02:00'), t);
    assert.equal(parseTimestamp('2024-05-01'), Date.UTC(2024, 4, 1));
    assert.equal(parseTimestamp(t), t);
    assert.equal(parseTimestamp('not a date'), null);
    assert.equal(parseTimestamp(Number.NaN), null);
    assert.equal(parseTimestamp({}), null);
  });
});

describe('splitEventName', () => {
  it('takes the last word as the action and the rest as the object', () => {
    assert.deepEqual(splitEventName('Conversation Closed'), { object: 'conversation', action: 'closed' });
    assert.deepEqual(splitEventName('custom_sla_rule Created'), { object: 'custom_sla_rule', action: 'created' });
    assert.equal(splitEventName('Closed'), null);
  });
});
