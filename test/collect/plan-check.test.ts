import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePlan } from '../../src/collect/http/plan-check.js';
import { loadTrackingPlan, parseTrackingPlan, HELPDESK_DIR } from '../../src/config/index.js';
import type { TrackedEvent } from '../../src/model/index.js';

const ev = (action: string, object: string, over: Partial<TrackedEvent> = {}): TrackedEvent => ({
  messageId: 'm',
  accountId: 'acc_1',
  userId: 'u_1',
  anonymousId: null,
  action,
  object,
  place: null,
  metadata: {},
  timestamp: Date.UTC(2025, 0, 1),
  count: 1,
  ...over,
});

const plan = (yaml: string) => compilePlan(parseTrackingPlan(yaml));

const CLOSED = `
unplanned: quarantine
events:
  - action: closed
    object: conversation
    places: [inbox]
    metadata:
      conversation_id: { type: string, required: true }
      state: { type: string, enum: [resolved, unresolved] }
      seconds: { type: number }
      bot: { type: boolean }
      tags: { type: array }
      extra: { type: object }
`;

describe('compilePlan', () => {
  const check = plan(CLOSED);
  const ok = { conversation_id: 'c1' };

  it('accepts a planned event that keeps every rule', () => {
    assert.deepEqual(check(ev('closed', 'conversation', { place: 'inbox', metadata: { ...ok, state: 'resolved', seconds: 3, bot: false, tags: [], extra: {} } })), {
      disposition: 'accept',
    });
    assert.deepEqual(check(ev('closed', 'conversation', { metadata: ok })), { disposition: 'accept' }, 'no place given is fine');
    assert.deepEqual(check(ev('closed', 'conversation', { metadata: { ...ok, state: null } })), { disposition: 'accept' }, 'null is not set');
  });

  it('an unplanned (action, object) gets the plan-wide disposition', () => {
    assert.deepEqual(check(ev('opened', 'conversation')), {
      disposition: 'quarantine',
      reason: 'unplanned_event',
      field: null,
      message: '(opened, conversation) is not in the tracking plan',
    });
    assert.equal(plan('unplanned: flag\nevents: []')(ev('a', 'b')).disposition, 'flag');
    assert.deepEqual(plan('unplanned: accept\nevents: []')(ev('a', 'b')), { disposition: 'accept' });
  });

  it('names the rule, the field and what was expected', () => {
    const cases: [Partial<TrackedEvent>, string, string | null, RegExp][] = [
      [{ place: 'settings', metadata: ok }, 'unplanned_place', 'place', /place "settings" is not planned for \(closed, conversation\); expected one of inbox/],
      [{ metadata: {} }, 'missing_metadata', 'metadata.conversation_id', /metadata\.conversation_id is required/],
      [{ metadata: { conversation_id: 7 } }, 'metadata_type', 'metadata.conversation_id', /^metadata\.conversation_id must be a string, got number$/],
      [{ metadata: { ...ok, seconds: '3' } }, 'metadata_type', 'metadata.seconds', /must be a number, got string/],
      [{ metadata: { ...ok, bot: 1 } }, 'metadata_type', 'metadata.bot', /must be a boolean, got number/],
      [{ metadata: { ...ok, tags: {} } }, 'metadata_type', 'metadata.tags', /must be an array, got object/],
      [{ metadata: { ...ok, extra: [] } }, 'metadata_type', 'metadata.extra', /must be an object, got array/],
      [{ metadata: { ...ok, state: 'pending' } }, 'metadata_enum', 'metadata.state', /^metadata\.state must be one of "resolved", "unresolved", got "pending"$/],
    ];
    for (const [over, reason, field, message] of cases) {
      const v = check(ev('closed', 'conversation', over));
      assert.equal(v.disposition, 'quarantine', reason);
      assert.equal(v.reason, reason);
      assert.equal(v.field, field);
      assert.match(v.message, message);
    }
  });

  it('the first failing rule decides: place, then required, type, enum, unplanned keys', () => {
    const v = check(ev('closed', 'conversation', { place: 'nowhere', metadata: { state: 'x', other: 1 } }));
    assert.equal(v.disposition !== 'accept' && v.reason, 'unplanned_place');
    const w = check(ev('closed', 'conversation', { metadata: { state: 'x', other: 1 } }));
    assert.equal(w.disposition !== 'accept' && w.reason, 'missing_metadata');
  });

  it('per event: violations and unplanned_metadata choose accept, flag or quarantine', () => {
    const yaml = (violations: string, extra: string) => `
unplanned: accept
events:
  - action: sent
    object: message
    places: [inbox]
    metadata: { channel: { type: string, required: true } }
    violations: ${violations}
    unplanned_metadata: ${extra}
`;
    const bad = ev('sent', 'message', { place: 'outbox', metadata: { channel: 1, extra: true } });
    const extraOnly = ev('sent', 'message', { metadata: { channel: 'email', extra: true } });
    const flag = plan(yaml('flag', 'quarantine'));
    assert.equal(flag(bad).disposition, 'flag');
    assert.equal(flag(extraOnly).disposition, 'quarantine');
    const extra = flag(extraOnly);
    assert.deepEqual(extra.disposition !== 'accept' && [extra.reason, extra.field], ['unplanned_metadata', 'metadata.extra']);

    // Declared rules off: only the undeclared key is left to judge.
    const lenient = plan(yaml('accept', 'flag'));
    const v = lenient(bad);
    assert.deepEqual(v.disposition !== 'accept' && [v.disposition, v.reason], ['flag', 'unplanned_metadata']);
    assert.deepEqual(plan(yaml('accept', 'accept'))(bad), { disposition: 'accept' });
  });

  it('violations default to quarantine; undeclared metadata to accept', () => {
    const check = plan('events:\n  - { action: a, object: b, places: [x] }');
    assert.equal(check(ev('a', 'b', { place: 'y' })).disposition, 'quarantine');
    assert.deepEqual(check(ev('a', 'b', { metadata: { anything: 1 } })), { disposition: 'accept' });
  });

  it('metadata keys named like Object.prototype members (toString, constructor, __proto__) are keys like any other', () => {
    const check = plan(`
unplanned: accept
events:
  - action: sent
    object: message
    unplanned_metadata: quarantine
    metadata:
      toString: { type: string }
      constructor: { type: number }
      __proto__: { type: string, required: true }
`);
    const verdict = (metadata: Record<string, unknown>) => {
      const v = check(ev('sent', 'message', { metadata }));
      return v.disposition === 'accept' ? 'accept' : `${v.reason} ${v.field}`;
    };
    // JSON.parse makes `__proto__` an own key, as it arrives in a body.
    const md = (json: string) => JSON.parse(json) as Record<string, unknown>;
    assert.equal(verdict(md('{"__proto__":"x"}')), 'accept', 'absent optional toString/constructor are not inherited functions');
    assert.equal(verdict({}), 'missing_metadata metadata.__proto__', 'a required __proto__ is enforced');
    assert.equal(verdict(md('{"__proto__":7}')), 'metadata_type metadata.__proto__');
    assert.equal(verdict(md('{"__proto__":"x","toString":1}')), 'metadata_type metadata.toString');
    assert.equal(verdict(md('{"__proto__":"x","constructor":2,"toString":"s"}')), 'accept');
    assert.equal(verdict(md('{"__proto__":"x","hasOwnProperty":"y"}')), 'unplanned_metadata metadata.hasOwnProperty');
  });

  it('loads the shipped example plan and accepts its events', async () => {
    const check = compilePlan(await loadTrackingPlan(`${HELPDESK_DIR}tracking-plan.yaml`));
    assert.deepEqual(check(ev('closed', 'conversation', { place: 'inbox', metadata: { conversation_id: 'c', state: 'resolved' } })), { disposition: 'accept' });
    assert.equal(check(ev('frobbed', 'widget')).disposition, 'flag');
  });

  // Its speed is the ingest benchmark's to measure (bench/ingest), not a timed test's.
  it('checks 100k events, each on its own', () => {
    const events = Array.from({ length: 100_000 }, (_, i) => ev('closed', 'conversation', { place: 'inbox', metadata: { conversation_id: `c${i}`, state: i % 1000 === 0 ? 'lost' : 'resolved' } }));
    const verdicts = events.map((e) => check(e).disposition);
    assert.equal(verdicts.filter((v) => v === 'accept').length, 99_900);
  });
});
