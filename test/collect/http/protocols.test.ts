import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapMessage, QUARANTINE_KIND, type MapContext, type Mapped, type MappedAccount, type MappedUser, type Protocol } from '../../../src/collect/http/protocols.js';
import type { TrackedEvent } from '../../../src/model/index.js';

const NOW = Date.UTC(2025, 5, 1, 12);
const T = Date.UTC(2025, 5, 1, 9, 30);
const ISO = new Date(T).toISOString();

/** Users placed in accounts by earlier identify/group calls. */
const MEMBERS: Record<string, string> = { u_known: 'acc_known' };
const ctx = (over: Partial<MapContext> = {}): MapContext => ({ now: NOW, accountOf: (u) => MEMBERS[u], ...over });

const map = (protocol: Protocol, raw: unknown, c: MapContext = ctx()) => mapMessage(protocol, raw, c);

function eventOf(m: Mapped): TrackedEvent {
  assert.equal(m.kind, 'event', `expected an event, got ${JSON.stringify(m)}`);
  return (m as { event: TrackedEvent }).event;
}
function accountOf(m: Mapped): { account: MappedAccount; user: MappedUser | null } {
  assert.equal(m.kind, 'account', `expected an account patch, got ${JSON.stringify(m)}`);
  return m as { account: MappedAccount; user: MappedUser | null };
}
function userOf(m: Mapped): MappedUser {
  assert.equal(m.kind, 'user', `expected a user patch, got ${JSON.stringify(m)}`);
  return (m as { user: MappedUser }).user;
}
function reasonOf(m: Mapped): { reason: string; field?: string } {
  assert.equal(m.kind, 'rejected', `expected a rejection, got ${JSON.stringify(m)}`);
  const r = (m as { reject: { reason: string; field?: string } }).reject;
  return r.field === undefined ? { reason: r.reason } : { reason: r.reason, field: r.field };
}

describe('mapMessage: Segment', () => {
  it('track: "Object Action" names become object + action, context.groupId the account, properties the metadata', () => {
    const e = eventOf(
      map('segment', {
        type: 'track',
        messageId: 'seg-1',
        timestamp: ISO,
        userId: 'u_1',
        anonymousId: 'anon-1',
        event: 'Conversation Closed',
        properties: { state: 'resolved', conversation_id: 'c9' },
        context: { groupId: 'acc_1', library: { name: 'analytics-node' } },
      }),
    );
    assert.deepEqual(e, {
      messageId: 'seg-1',
      accountId: 'acc_1',
      userId: 'u_1',
      anonymousId: 'anon-1',
      action: 'closed',
      object: 'conversation',
      place: null,
      metadata: { state: 'resolved', conversation_id: 'c9' },
      timestamp: T,
      count: 1,
    });
  });

  it('track: several words make a snake_case object; the type defaults to track when there is an event', () => {
    const e = eventOf(map('segment', { event: 'Help Center Article Published', userId: 'u_1', context: { groupId: 'acc_1' }, timestamp: ISO }));
    assert.deepEqual([e.object, e.action], ['help_center_article', 'published']);
  });

  it('track: explicit properties.action/object/place/account_id win over the name and leave the metadata', () => {
    const e = eventOf(
      map('segment', {
        type: 'track',
        event: 'Something Else Happened',
        userId: 'u_1',
        timestamp: ISO,
        properties: { action: 'exported', object: 'report', place: 'reports', account_id: 'acc_p', format: 'csv' },
        context: { page: { path: '/ignored' } },
      }),
    );
    assert.deepEqual([e.action, e.object, e.place, e.accountId, e.metadata], ['exported', 'report', 'reports', 'acc_p', { format: 'csv' }]);
  });

  it('track: context.groupId wins over properties.account_id; context.page.path is the place', () => {
    const e = eventOf(
      map('segment', { type: 'track', event: 'Report Exported', userId: 'u_1', timestamp: ISO, properties: { account_id: 'acc_p' }, context: { groupId: 'acc_ctx', page: { path: '/reports' } } }),
    );
    assert.deepEqual([e.accountId, e.place, e.metadata], ['acc_ctx', '/reports', {}]);
  });

  it('track: a call-level groupId names the account too', () => {
    assert.equal(eventOf(map('segment', { type: 'track', event: 'Report Exported', groupId: 'acc_g', timestamp: ISO })).accountId, 'acc_g');
  });

  it('track: without an account named, the account the user was put in (accountOf) is used', () => {
    const e = eventOf(map('segment', { type: 'track', event: 'Report Exported', userId: 'u_known', timestamp: ISO }));
    assert.equal(e.accountId, 'acc_known');
    assert.deepEqual(reasonOf(map('segment', { type: 'track', event: 'Report Exported', userId: 'u_stranger', timestamp: ISO })), {
      reason: 'missing_field',
      field: 'account_id',
    });
    assert.deepEqual(reasonOf(map('segment', { type: 'track', event: 'Report Exported', anonymousId: 'anon', timestamp: ISO })), {
      reason: 'missing_field',
      field: 'account_id',
    });
  });

  it('track: timestamp falls back to originalTimestamp, then to when it was received', () => {
    assert.equal(eventOf(map('segment', { event: 'Report Exported', groupId: 'a', originalTimestamp: ISO })).timestamp, T);
    assert.equal(eventOf(map('segment', { event: 'Report Exported', groupId: 'a', timestamp: T })).timestamp, T, 'epoch ms');
    assert.equal(eventOf(map('segment', { event: 'Report Exported', groupId: 'a' })).timestamp, NOW);
  });

  it('track: a message id is derived from the content when absent, so a resend is the same event', () => {
    const call = { event: 'Report Exported', groupId: 'a', timestamp: ISO, properties: { n: 1 } };
    const a = eventOf(map('segment', call));
    assert.match(a.messageId, /^d_[0-9a-f]{32}$/);
    assert.equal(eventOf(map('segment', structuredClone(call))).messageId, a.messageId);
    assert.notEqual(eventOf(map('segment', { ...call, properties: { n: 2 } })).messageId, a.messageId);
  });

  it('track: a one-word name with no action/object in properties is rejected, naming the event field', () => {
    assert.deepEqual(reasonOf(map('segment', { type: 'track', event: 'Signup', groupId: 'a', timestamp: ISO })), { reason: 'invalid_field', field: 'event' });
    assert.deepEqual(reasonOf(map('segment', { type: 'track', groupId: 'a', timestamp: ISO })), { reason: 'invalid_field', field: 'event' });
    // ... but properties can name both.
    const e = eventOf(map('segment', { type: 'track', event: 'Signup', groupId: 'a', timestamp: ISO, properties: { action: 'signed_up', object: 'account' } }));
    assert.deepEqual([e.action, e.object], ['signed_up', 'account']);
  });

  it('page and screen: viewed page/screen, the place from properties.path, context.page.path or the name', () => {
    const page = eventOf(
      map('segment', { type: 'page', name: 'Pricing', userId: 'u_1', timestamp: ISO, properties: { path: '/pricing', referrer: 'x' }, context: { groupId: 'acc_1' } }),
    );
    assert.deepEqual([page.action, page.object, page.place, page.accountId, page.metadata], ['viewed', 'page', '/pricing', 'acc_1', { name: 'Pricing', path: '/pricing', referrer: 'x' }]);
    const fromContext = eventOf(map('segment', { type: 'page', userId: 'u_known', timestamp: ISO, context: { page: { path: '/inbox' } } }));
    assert.deepEqual([fromContext.place, fromContext.accountId, fromContext.metadata], ['/inbox', 'acc_known', {}]);
    const screen = eventOf(map('segment', { type: 'screen', name: 'Home', groupId: 'acc_1', timestamp: ISO }));
    assert.deepEqual([screen.action, screen.object, screen.place], ['viewed', 'screen', 'Home']);
  });

  it('identify: a user patch with traits; the account from context.groupId or traits.company.id', () => {
    assert.deepEqual(userOf(map('segment', { type: 'identify', userId: 'u_1', traits: { email: 'a@b.c' }, timestamp: ISO })), {
      userId: 'u_1',
      accountId: null,
      traits: { email: 'a@b.c' },
      seenAt: T,
    });
    assert.equal(userOf(map('segment', { type: 'identify', userId: 'u_1', traits: {}, context: { groupId: 'acc_1' } })).accountId, 'acc_1');
    const viaCompany = userOf(map('segment', { type: 'identify', userId: 'u_1', traits: { company: { id: 'acc_c', name: 'C' } } }));
    assert.equal(viaCompany.accountId, 'acc_c');
    assert.equal(viaCompany.seenAt, NOW, 'no timestamp: when received');
    // Rudder copies identify traits into context.traits; those are read when traits are absent.
    assert.deepEqual(userOf(map('segment', { type: 'identify', userId: 7, context: { traits: { plan: 'x' } } })), { userId: '7', accountId: null, traits: { plan: 'x' }, seenAt: NOW });
  });

  it('identify: no userId, traits that are not an object, a bad timestamp are rejected', () => {
    assert.deepEqual(reasonOf(map('segment', { type: 'identify', anonymousId: 'anon', traits: {} })), { reason: 'missing_field', field: 'userId' });
    assert.deepEqual(reasonOf(map('segment', { type: 'identify', userId: 'u', traits: ['x'] })), { reason: 'invalid_field', field: 'traits' });
    assert.deepEqual(reasonOf(map('segment', { type: 'identify', userId: 'u', timestamp: 'yesterday-ish' })), { reason: 'invalid_timestamp', field: 'timestamp' });
    assert.deepEqual(reasonOf(map('segment', { type: 'identify', userId: 'u', timestamp: 9e15 })), { reason: 'invalid_timestamp', field: 'timestamp' });
    assert.deepEqual(reasonOf(map('posthog', { event: '$identify', distinct_id: 'u', timestamp: -1e20 })), { reason: 'invalid_timestamp', field: 'timestamp' });
    assert.deepEqual(reasonOf(map('posthog', { event: '$groupidentify', properties: { $group_key: 'a' }, timestamp: NOW + 3 * 86_400_000 })), {
      reason: 'timestamp_out_of_range',
      field: 'timestamp',
    });
  });

  it('group: an account patch with name, plan, seats and dates as facts, the rest as traits, and the user put in it', () => {
    const { account, user } = accountOf(
      map('segment', {
        type: 'group',
        groupId: 'acc_1',
        userId: 'u_1',
        timestamp: ISO,
        traits: { name: 'Acme', plan: 'pro', seats: '12', created_at: '2024-01-15', industry: 'retail', employees: 40 },
      }),
    );
    assert.deepEqual(account, { accountId: 'acc_1', name: 'Acme', plan: 'pro', seats: 12, createdAt: Date.UTC(2024, 0, 15), traits: { industry: 'retail', employees: 40 }, seenAt: T });
    assert.deepEqual(user, { userId: 'u_1', accountId: 'acc_1', traits: {}, seenAt: T });
    const churned = accountOf(map('segment', { type: 'group', groupId: 'acc_2', traits: { churnedAt: '2025-03-01T00:00:00Z', seats: null } }));
    assert.deepEqual(churned, { kind: 'account', account: { accountId: 'acc_2', seats: null, churnedAt: Date.UTC(2025, 2, 1), traits: {}, seenAt: NOW }, user: null });
    // The accounts file's rule: an empty date or seats clears it, as an empty CSV cell does.
    const cleared = accountOf(map('segment', { type: 'group', groupId: 'acc_3', traits: { churned_at: '', seats: '' } }));
    assert.deepEqual(cleared.account, { accountId: 'acc_3', seats: null, churnedAt: null, traits: {}, seenAt: NOW });
  });

  it('group: a missing groupId and badly typed facts are rejected with the field', () => {
    const cases: [unknown, string, string][] = [
      [{ type: 'group', userId: 'u', traits: {} }, 'missing_field', 'groupId'],
      [{ type: 'group', groupId: { id: 1 } }, 'invalid_field', 'groupId'],
      [{ type: 'group', groupId: 'a', traits: 'pro' }, 'invalid_field', 'traits'],
      [{ type: 'group', groupId: 'a', traits: { plan: 3 } }, 'invalid_field', 'traits.plan'],
      [{ type: 'group', groupId: 'a', traits: { name: 'x'.repeat(201) } }, 'invalid_field', 'traits.name'],
      [{ type: 'group', groupId: 'a', traits: { name: 'a\u0000b' } }, 'invalid_text', 'traits.name'],
      [{ type: 'group', groupId: 'a', traits: { seats: -1 } }, 'invalid_field', 'traits.seats'],
      [{ type: 'group', groupId: 'a', traits: { seats: 2.5 } }, 'invalid_field', 'traits.seats'],
      [{ type: 'group', groupId: 'a', traits: { seats: 'many' } }, 'invalid_field', 'traits.seats'],
      [{ type: 'group', groupId: 'a', traits: { created_at: 'soon' } }, 'invalid_field', 'traits.created_at'],
      [{ type: 'group', groupId: 'a', traits: { created_at: '1970-01-02' } }, 'invalid_field', 'traits.created_at'],
      [{ type: 'group', groupId: 'a', traits: { churned_at: 'never' } }, 'invalid_field', 'traits.churned_at'],
      [{ type: 'group', groupId: 'a', timestamp: 'nope' }, 'invalid_timestamp', 'timestamp'],
      // Values the store cannot hold must not reach it: one would stop every later write.
      [{ type: 'group', groupId: 'a', timestamp: 1e20 }, 'invalid_timestamp', 'timestamp'],
      [{ type: 'group', groupId: 'a', timestamp: '1989-06-01' }, 'timestamp_out_of_range', 'timestamp'],
      [{ type: 'group', groupId: 'a', traits: { created_at: 1e20 } }, 'invalid_field', 'traits.created_at'],
      [{ type: 'group', groupId: 'a', traits: { churned_at: -1e20 } }, 'invalid_field', 'traits.churned_at'],
      [{ type: 'group', groupId: 'a', traits: { churned_at: 9e15 } }, 'invalid_field', 'traits.churned_at'],
    ];
    for (const [raw, reason, field] of cases) assert.deepEqual(reasonOf(map('segment', raw)), { reason, field }, JSON.stringify(raw));
  });

  it('alias has nothing to store; an unknown type is rejected naming the type', () => {
    assert.deepEqual(map('segment', { type: 'alias', userId: 'u', previousId: 'anon' }), { kind: 'skip' });
    assert.deepEqual(reasonOf(map('segment', { type: 'flush', userId: 'u' })), { reason: 'invalid_field', field: 'type' });
    assert.deepEqual(reasonOf(map('segment', { userId: 'u' })), { reason: 'invalid_field', field: 'type' });
  });

  it('ids: numbers become text; objects, over-long ids and control characters are rejected', () => {
    assert.equal(eventOf(map('segment', { event: 'Report Exported', userId: 42, groupId: 7, timestamp: ISO })).userId, '42');
    assert.equal(eventOf(map('segment', { event: 'Report Exported', userId: 42, groupId: 7, timestamp: ISO })).accountId, '7');
    assert.deepEqual(reasonOf(map('segment', { event: 'Report Exported', userId: { id: 1 }, groupId: 'a' })), { reason: 'invalid_field', field: 'userId' });
    assert.deepEqual(reasonOf(map('segment', { event: 'Report Exported', userId: 'x'.repeat(257), groupId: 'a' })), { reason: 'invalid_field', field: 'userId' });
    assert.deepEqual(reasonOf(map('segment', { event: 'Report Exported', userId: 'u\u0000', groupId: 'a' })), { reason: 'invalid_text', field: 'userId' });
    assert.deepEqual(reasonOf(map('segment', { event: 'Report Exported', context: { groupId: ['a'] } })), { reason: 'invalid_field', field: 'context.groupId' });
  });

  it('timestamps: garbage, before 1990 and more than a day ahead are rejected', () => {
    const at = (timestamp: unknown) => reasonOf(map('segment', { event: 'Report Exported', groupId: 'a', timestamp }));
    assert.deepEqual(at('not a date at all'), { reason: 'invalid_timestamp', field: 'timestamp' });
    assert.deepEqual(at(true), { reason: 'invalid_timestamp', field: 'timestamp' });
    assert.deepEqual(at('1989-12-31T23:59:59Z'), { reason: 'timestamp_out_of_range', field: 'timestamp' });
    assert.deepEqual(at(new Date(NOW + 2 * 86_400_000).toISOString()), { reason: 'timestamp_out_of_range', field: 'timestamp' });
    assert.equal(eventOf(map('segment', { event: 'Report Exported', groupId: 'a', timestamp: new Date(NOW + 3_600_000).toISOString() })).timestamp, NOW + 3_600_000, 'an hour ahead is clock drift');
  });

  it('action, object and place names: control characters and over-long names are rejected', () => {
    assert.deepEqual(reasonOf(map('segment', { event: 'Report Exported', groupId: 'a', properties: { action: 'ex\u0000ported' } })), { reason: 'invalid_text', field: 'action' });
    assert.equal(eventOf(map('segment', { event: 'Report Exported', groupId: 'a', properties: { object: 5 } })).object, '5', 'a number is read as text');
    assert.deepEqual(reasonOf(map('segment', { event: 'Report Exported', groupId: 'a', properties: { place: 'p'.repeat(201) } })), { reason: 'invalid_field', field: 'place' });
    assert.deepEqual(reasonOf(map('segment', { event: 'Report Exported', groupId: 'a', properties: { object: { x: 1 } } })), { reason: 'invalid_field', field: 'object' });
  });
});

describe('mapMessage: PostHog', () => {
  it('a custom event: "Object Action" name, $groups the account, $-properties dropped from metadata, uuid the message id', () => {
    const e = eventOf(
      map('posthog', {
        event: 'Report Exported',
        distinct_id: 'u_1',
        uuid: '0190a0a0-0000-7000-8000-000000000001',
        timestamp: ISO,
        properties: { format: 'pdf', $lib: 'posthog-node', $groups: { company: 'acc_1' }, distinct_id: 'u_1', $geoip_disable: true },
      }),
    );
    assert.deepEqual(e, {
      messageId: '0190a0a0-0000-7000-8000-000000000001',
      accountId: 'acc_1',
      userId: 'u_1',
      anonymousId: null,
      action: 'exported',
      object: 'report',
      place: null,
      metadata: { format: 'pdf' },
      timestamp: T,
      count: 1,
    });
  });

  it('the configured group type names the account; otherwise the first of $groups', () => {
    const raw = { event: 'Report Exported', distinct_id: 'u_1', timestamp: ISO, properties: { $groups: { project: 'p_1', company: 'acc_1' } } };
    assert.equal(eventOf(map('posthog', raw)).accountId, 'p_1');
    assert.equal(eventOf(map('posthog', raw, ctx({ posthogGroupType: 'company' }))).accountId, 'acc_1');
  });

  it('without $groups: the account of the distinct id (accountOf), then properties.account_id', () => {
    assert.equal(eventOf(map('posthog', { event: 'Report Exported', distinct_id: 'u_known', timestamp: ISO })).accountId, 'acc_known');
    assert.equal(eventOf(map('posthog', { event: 'Report Exported', distinct_id: 'u_x', timestamp: ISO, properties: { account_id: 'acc_p' } })).accountId, 'acc_p');
    assert.deepEqual(reasonOf(map('posthog', { event: 'Report Exported', distinct_id: 'u_x', timestamp: ISO })), { reason: 'missing_field', field: 'account_id' });
  });

  it('explicit properties.action/object/place win over the name; $insert_id is the id when there is no uuid', () => {
    const e = eventOf(
      map('posthog', {
        event: 'clicked button',
        distinct_id: 'u_1',
        timestamp: ISO,
        properties: { $groups: { company: 'a' }, action: 'closed', object: 'conversation', place: 'inbox', $insert_id: 'ins-1', state: 'resolved' },
      }),
    );
    assert.deepEqual([e.action, e.object, e.place, e.messageId, e.metadata], ['closed', 'conversation', 'inbox', 'ins-1', { state: 'resolved' }]);
  });

  it('$pageview and $screen: viewed page/screen, the place from $pathname or the URL path', () => {
    const page = eventOf(
      map('posthog', { event: '$pageview', distinct_id: 'u_known', timestamp: ISO, properties: { $current_url: 'https://app.example.com/inbox/42?x=1', title: 'Inbox' } }),
    );
    assert.deepEqual([page.action, page.object, page.place, page.accountId, page.metadata], ['viewed', 'page', '/inbox/42', 'acc_known', { title: 'Inbox' }]);
    assert.equal(eventOf(map('posthog', { event: '$pageview', distinct_id: 'u_known', properties: { $pathname: '/p', $current_url: 'https://x/q' } })).place, '/p');
    const screen = eventOf(map('posthog', { event: '$screen', distinct_id: 'u_known', properties: { $screen_name: 'Settings' } }));
    assert.deepEqual([screen.object, screen.place, screen.timestamp], ['screen', 'Settings', NOW]);
  });

  it('$identify: a user patch from $set_once and $set ($set wins), in the account of $groups', () => {
    const u = userOf(
      map('posthog', {
        event: '$identify',
        distinct_id: 'u_1',
        timestamp: ISO,
        properties: { $set: { email: 'new@x.io', plan: 'pro' }, $set_once: { email: 'old@x.io', first: 'yes' }, $groups: { company: 'acc_1' } },
      }),
    );
    assert.deepEqual(u, { userId: 'u_1', accountId: 'acc_1', traits: { email: 'new@x.io', first: 'yes', plan: 'pro' }, seenAt: T });
    assert.deepEqual(reasonOf(map('posthog', { event: '$identify', properties: { $set: {} } })), { reason: 'missing_field', field: 'distinct_id' });
    assert.deepEqual(reasonOf(map('posthog', { event: '$identify', distinct_id: 'u', properties: { $set: 'x' } })), { reason: 'invalid_field', field: '$set' });
  });

  it('$groupidentify: an account patch from $group_set', () => {
    const { account, user } = accountOf(
      map('posthog', {
        event: '$groupidentify',
        distinct_id: '$company_acc_1',
        timestamp: ISO,
        properties: { $group_type: 'company', $group_key: 'acc_1', $group_set: { name: 'Acme', plan: 'pro', seats: 5, region: 'eu' } },
      }),
    );
    assert.deepEqual(account, { accountId: 'acc_1', name: 'Acme', plan: 'pro', seats: 5, traits: { region: 'eu' }, seenAt: T });
    assert.equal(user, null);
    assert.deepEqual(reasonOf(map('posthog', { event: '$groupidentify', distinct_id: 'x', properties: { $group_type: 'company' } })), { reason: 'missing_field', field: '$group_key' });
    assert.deepEqual(
      reasonOf(map('posthog', { event: '$groupidentify', distinct_id: 'x', properties: { $group_type: 'project', $group_key: 'p' } }, ctx({ posthogGroupType: 'company' }))),
      { reason: 'unplanned_group_type', field: '$group_type' },
    );
  });

  it("PostHog's own $-events ($autocapture, $pageleave, ...) are system events", () => {
    for (const event of ['$autocapture', '$pageleave', '$feature_flag_called', '$exception']) {
      assert.deepEqual(reasonOf(map('posthog', { event, distinct_id: 'u_known', properties: { $groups: { company: 'a' } } })), { reason: 'system_event', field: 'event' }, event);
    }
  });

  it('a missing or non-text event name, a bad distinct_id or timestamp are rejected', () => {
    assert.deepEqual(reasonOf(map('posthog', { distinct_id: 'u' })), { reason: 'missing_field', field: 'event' });
    assert.deepEqual(reasonOf(map('posthog', { event: 12, distinct_id: 'u' })), { reason: 'missing_field', field: 'event' });
    assert.deepEqual(reasonOf(map('posthog', { event: 'Report Exported', distinct_id: ['u'] })), { reason: 'invalid_field', field: 'distinct_id' });
    assert.deepEqual(reasonOf(map('posthog', { event: 'Report Exported', distinct_id: 'u', properties: { $groups: { company: { k: 1 } } } })), { reason: 'invalid_field', field: '$groups' });
    assert.deepEqual(reasonOf(map('posthog', { event: 'Reported', distinct_id: 'u_known' })), { reason: 'invalid_field', field: 'event' });
    assert.deepEqual(reasonOf(map('posthog', { event: 'Report Exported', distinct_id: 'u_known', timestamp: '1970-01-01T00:00:00Z' })), {
      reason: 'timestamp_out_of_range',
      field: 'timestamp',
    });
  });
});

describe('mapMessage: native', () => {
  it('a native event is read as it is', () => {
    const e = eventOf(
      map('native', { message_id: 'n1', timestamp: ISO, account_id: 'acc_1', user_id: 'u_1', action: 'closed', object: 'conversation', place: 'inbox', metadata: { state: 'resolved' }, count: 3 }),
    );
    assert.deepEqual(e, { messageId: 'n1', accountId: 'acc_1', userId: 'u_1', anonymousId: null, action: 'closed', object: 'conversation', place: 'inbox', metadata: { state: 'resolved' }, timestamp: T, count: 3 });
  });

  it('does not use accountOf: a native event names its account', () => {
    assert.deepEqual(reasonOf(map('native', { timestamp: ISO, user_id: 'u_known', action: 'closed', object: 'conversation' })), { reason: 'missing_field', field: 'account_id' });
  });

  it('bad fields are rejected with their reason and field', () => {
    const base = { message_id: 'n1', timestamp: ISO, account_id: 'acc_1', action: 'closed', object: 'conversation' };
    const cases: [Record<string, unknown>, string, string | undefined][] = [
      [{ ...base, action: undefined }, 'missing_field', 'action'],
      [{ ...base, object: '' }, 'missing_field', 'object'],
      [{ ...base, timestamp: undefined }, 'missing_field', 'timestamp'],
      [{ ...base, timestamp: 'garbage-garbage' }, 'invalid_timestamp', 'timestamp'],
      [{ ...base, timestamp: '1985-01-01' }, 'timestamp_out_of_range', 'timestamp'],
      [{ ...base, timestamp: NOW + 3 * 86_400_000 }, 'timestamp_out_of_range', 'timestamp'],
      [{ ...base, account_id: true }, 'invalid_field', 'account_id'],
      [{ ...base, action: ['closed'] }, 'invalid_field', 'action'],
      [{ ...base, user_id: { id: 1 } }, 'invalid_field', 'user_id'],
      [{ ...base, object: 'con\u0000versation' }, 'invalid_text', 'object'],
      [{ ...base, metadata: [1, 2] }, 'invalid_field', 'metadata'],
      [{ ...base, metadata: 'x' }, 'invalid_field', 'metadata'],
      [{ ...base, count: 0 }, 'invalid_field', 'count'],
      [{ ...base, count: 'lots' }, 'invalid_field', 'count'],
      [{ ...base, message_id: { id: 1 } }, 'invalid_field', 'message_id'],
    ];
    for (const [raw, reason, field] of cases) assert.deepEqual(reasonOf(map('native', raw)), field === undefined ? { reason } : { reason, field }, JSON.stringify(raw));
  });

  it(
    'an epoch number beyond what a Date holds is rejected, not thrown',
    () => {
      for (const timestamp of [1e20, -1e20, 8.64e15 + 1]) {
        const base = { message_id: 'n1', account_id: 'acc_1', action: 'closed', object: 'conversation', timestamp };
        for (const protocol of ['native', 'segment', 'posthog'] as const) {
          const raw = protocol === 'native' ? base : protocol === 'segment' ? { event: 'Conversation Closed', groupId: 'a', timestamp } : { event: 'Conversation Closed', distinct_id: 'u_known', timestamp };
          assert.ok(['timestamp_out_of_range', 'invalid_timestamp'].includes(reasonOf(map(protocol, raw)).reason), `${protocol} ${timestamp}`);
        }
      }
    },
  );

  it('numbers as text for ids and counts are read as such', () => {
    const e = eventOf(map('native', { message_id: 5, timestamp: T, account_id: 12, user_id: 3, action: 'closed', object: 'conversation', count: '2' }));
    assert.deepEqual([e.messageId, e.accountId, e.userId, e.count], ['5', '12', '3', 2]);
  });
});

describe('mapMessage: any protocol', () => {
  it('a message that is not an object is not_an_object', () => {
    for (const protocol of ['native', 'segment', 'posthog'] as const) {
      for (const raw of [null, 42, 'text', [1, 2], true]) assert.deepEqual(reasonOf(map(protocol, raw)), { reason: 'not_an_object' }, `${protocol} ${JSON.stringify(raw)}`);
    }
  });

  it('each protocol quarantines under its own kind, so replay reads it the same way', () => {
    assert.deepEqual(QUARANTINE_KIND, { native: 'event', segment: 'segment', posthog: 'posthog' });
  });
});
