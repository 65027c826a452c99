/**
 * What the SDKs teams already use send, read as Cairn's model: one message (a native event, a
 * Segment call, a PostHog event) becomes an event, a patch to an account or user, or the reason
 * it cannot be stored. Pure: the collector and quarantine replay both call it.
 */
import {
  LIMITS,
  accountDate,
  accountFactsProblem,
  normalizeEvent,
  objectField,
  seatsValue,
  splitEventName,
  textValue,
  timestampValue,
  typeOf,
  wellFormedJson,
  withoutCredentials,
  type AccountPatch,
  type QuarantineKind,
  type Rejection,
  type TrackedEvent,
  type UserPatch,
} from '../../model/index.js';

export type Protocol = 'native' | 'segment' | 'posthog';

/** The quarantine kind of each protocol's messages, so replay reads them the same way. */
export const QUARANTINE_KIND: Record<Protocol, QuarantineKind> = { native: 'event', segment: 'segment', posthog: 'posthog' };

/** Patches as a message states them; the collector adds who sent them. */
export type MappedAccount = Omit<AccountPatch, 'source' | 'origin'>;
export type MappedUser = Omit<UserPatch, 'source'>;

export type Mapped =
  | { kind: 'event'; event: TrackedEvent }
  | { kind: 'account'; account: MappedAccount; user: MappedUser | null }
  | { kind: 'user'; user: MappedUser }
  /** A call with nothing to store (Segment alias). */
  | { kind: 'skip' }
  | { kind: 'rejected'; reject: Rejection };

export interface MapContext {
  /** When the message was received, epoch ms: the default timestamp and the upper bound. */
  now: number;
  /** The account a user was last seen in (identify and group calls), for events that do not name one. */
  accountOf(userId: string): string | undefined;
  /** The PostHog group type that names accounts; the first of `$groups` when not set. */
  posthogGroupType?: string;
}

type Raw = Record<string, unknown>;

export const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Rejections made here, so a helper's result can be told from a value (traits are objects too). */
const REJECTIONS = new WeakSet<object>();
function rejected(reason: string, message: string, field?: string): Mapped {
  const r: Mapped = { kind: 'rejected', reject: field === undefined ? { reason, message } : { reason, field, message } };
  REJECTIONS.add(r);
  return r;
}

export function mapMessage(protocol: Protocol, raw: unknown, ctx: MapContext): Mapped {
  if (!isObject(raw)) return rejected('not_an_object', `a message must be a JSON object, got ${typeOf(raw)}`);
  if (protocol === 'segment') return mapSegment(raw, ctx);
  if (protocol === 'posthog') return mapPosthog(raw, ctx);
  return event(raw, ctx);
}

function event(native: Raw, ctx: MapContext): Mapped {
  const checked = normalizeEvent(native, { now: ctx.now });
  return checked.ok ? { kind: 'event', event: checked.value } : { kind: 'rejected', reject: checked.reject };
}

/** An id as text (numbers allowed), or undefined when absent; a Rejection when unusable. */
function id(v: unknown, field: string): string | undefined | Mapped {
  const checked = textValue(v, field, LIMITS.idLength);
  if (!checked.ok) return rejected(checked.reject.reason, checked.reject.message, field);
  return checked.value ?? undefined;
}

/** A key the message itself holds, never one inherited from Object.prototype (`constructor`). */
const own = (o: Raw, key: string): unknown => (Object.hasOwn(o, key) ? o[key] : undefined);

const failed = (v: unknown): v is Mapped => typeof v === 'object' && v !== null && REJECTIONS.has(v);

/** A call's time: its timestamp when given and readable, else when it was received. */
function when(v: unknown, ctx: MapContext, field: string): number | Mapped {
  if (v === undefined || v === null || v === '') return ctx.now;
  // The same bounds as an event's; a value the store cannot hold would stop every later write.
  const checked = timestampValue(v, field, ctx.now);
  return checked.ok ? checked.value : rejected(checked.reject.reason, checked.reject.message, field);
}

/** A date fact of an account: undefined when absent, null when cleared, else epoch ms in 1990–9999 (the import's rule). */
function dateFact(v: unknown, field: string): number | null | undefined | Mapped {
  if (v === undefined) return undefined;
  const checked = accountDate(v, field);
  return checked.ok ? checked.value : rejected(checked.reject.reason, checked.reject.message, field);
}

/** A part of a message that must be a JSON object when present ({} when absent), never silently dropped. */
function objectOf(v: unknown, field: string): Raw | Mapped {
  const checked = objectField(v, field);
  return checked.ok ? checked.value : rejected(checked.reject.reason, checked.reject.message, field);
}

/** Traits as stored: free JSON like metadata, without the credentials clients put in them. */
const storedTraits = (traits: Raw): Raw => wellFormedJson(withoutCredentials(traits));

// ---------------------------------------------------------------------------------------------
// Segment: https://segment.com/docs/connections/spec/ — track, identify, group, page, screen.

function mapSegment(call: Raw, ctx: MapContext): Mapped {
  const context = objectOf(call.context, 'context');
  if (failed(context)) return context;
  const userId = id(call.userId ?? call.user_id, 'userId');
  if (failed(userId)) return userId;
  const contextGroup = id(context.groupId ?? call.groupId, context.groupId === undefined || context.groupId === null ? 'groupId' : 'context.groupId');
  if (failed(contextGroup)) return contextGroup;
  const type = call.type ?? (call.event !== undefined ? 'track' : undefined);
  switch (type) {
    case 'track': {
      const props = objectOf(call.properties, 'properties');
      if (failed(props)) return props;
      const named = typeof call.event === 'string' ? splitEventName(call.event) : null;
      const { action, object, place, account_id, ...metadata } = props;
      if ((action ?? named?.action) === undefined || (object ?? named?.object) === undefined) {
        return rejected('invalid_field', `event name ${JSON.stringify(call.event)} is not "Object Action" and properties name no action/object`, 'event');
      }
      const page = isObject(context.page) ? context.page : {};
      return event(
        {
          message_id: call.messageId,
          timestamp: call.timestamp ?? call.originalTimestamp ?? ctx.now,
          account_id: contextGroup ?? account_id ?? (userId === undefined ? undefined : ctx.accountOf(userId)),
          user_id: userId,
          anonymous_id: call.anonymousId,
          action: action ?? named?.action,
          object: object ?? named?.object,
          place: place ?? page.path,
          metadata,
        },
        ctx,
      );
    }
    case 'page':
    case 'screen': {
      const props = objectOf(call.properties, 'properties');
      if (failed(props)) return props;
      const page = isObject(context.page) ? context.page : {};
      return event(
        {
          message_id: call.messageId,
          timestamp: call.timestamp ?? call.originalTimestamp ?? ctx.now,
          account_id: contextGroup ?? (userId === undefined ? undefined : ctx.accountOf(userId)),
          user_id: userId,
          anonymous_id: call.anonymousId,
          action: 'viewed',
          object: type,
          place: props.path ?? page.path ?? call.name ?? props.name,
          metadata: call.name === undefined ? props : { name: call.name, ...props },
        },
        ctx,
      );
    }
    case 'identify': {
      if (userId === undefined) return rejected('missing_field', 'identify needs a userId', 'userId');
      const traits = objectOf(call.traits ?? context.traits, 'traits');
      if (failed(traits)) return traits;
      const seenAt = when(call.timestamp, ctx, 'timestamp');
      if (failed(seenAt)) return seenAt;
      const company = isObject(traits.company) ? id(traits.company.id, 'traits.company.id') : undefined;
      if (failed(company)) return company;
      return { kind: 'user', user: { userId, accountId: contextGroup ?? company ?? null, traits: storedTraits(traits), seenAt } };
    }
    case 'group': {
      const groupId = id(call.groupId, 'groupId');
      if (failed(groupId)) return groupId;
      if (groupId === undefined) return rejected('missing_field', 'group needs a groupId', 'groupId');
      const traits = objectOf(call.traits, 'traits');
      if (failed(traits)) return traits;
      return accountPatch(groupId, traits, userId, call.timestamp, ctx);
    }
    case 'alias':
      return { kind: 'skip' };
    default:
      return rejected('invalid_field', `type must be track, identify, group, page, screen or alias, got ${JSON.stringify(type)}`, 'type');
  }
}

/** An account patch from group traits: name, plan, seats, created_at and churned_at are facts; the rest stay traits. */
function accountPatch(accountId: string, traits: Raw, userId: string | undefined, timestamp: unknown, ctx: MapContext): Mapped {
  const seenAt = when(timestamp, ctx, 'timestamp');
  if (failed(seenAt)) return seenAt;
  const { name, plan, seats, created_at, createdAt, churned_at, churnedAt, ...rest } = traits;
  // Traits are free JSON, kept like metadata; the facts are checked.
  const patch: MappedAccount = { accountId, traits: storedTraits(rest), seenAt };
  for (const [field, v] of [['name', name], ['plan', plan]] as const) {
    if (v === undefined) continue;
    // Numbers are not names here (unlike ids): a plan of 3 is a sender's mistake.
    if (v !== null && typeof v !== 'string') return rejected('invalid_field', `traits.${field} must be a string`, `traits.${field}`);
    const checked = textValue(v, `traits.${field}`, LIMITS.nameLength);
    if (!checked.ok) return rejected(checked.reject.reason, checked.reject.message, `traits.${field}`);
    patch[field] = v;
  }
  if (seats !== undefined) {
    const checked = seatsValue(seats, 'traits.seats');
    if (!checked.ok) return rejected(checked.reject.reason, checked.reject.message, 'traits.seats');
    patch.seats = checked.value;
  }
  const created = dateFact(created_at ?? createdAt, 'traits.created_at');
  if (failed(created)) return created;
  if (created !== undefined && created !== null) patch.createdAt = created;
  const churned = dateFact(churned_at ?? churnedAt, 'traits.churned_at');
  if (failed(churned)) return churned;
  if (churned !== undefined) patch.churnedAt = churned;
  // The rules an imported account keeps, as far as the call alone can show.
  const problem = accountFactsProblem(patch);
  if (problem) return rejected(problem.reason, problem.message, `traits.${problem.field}`);
  const user: MappedUser | null = userId === undefined ? null : { userId, accountId, traits: {}, seenAt };
  return { kind: 'account', account: patch, user };
}

// ---------------------------------------------------------------------------------------------
// PostHog: https://posthog.com/docs/api/capture — custom events, $identify, $groupidentify,
// $pageview and $screen; other $-events are PostHog's own and are quarantined as system events.

function mapPosthog(e: Raw, ctx: MapContext): Mapped {
  const props = objectOf(e.properties, 'properties');
  if (failed(props)) return props;
  const name = e.event;
  if (typeof name !== 'string' || name === '') return rejected('missing_field', 'event is required', 'event');
  const distinct = id(e.distinct_id ?? props.distinct_id, 'distinct_id');
  if (failed(distinct)) return distinct;
  const groups = objectOf(props.$groups, '$groups');
  if (failed(groups)) return groups;
  const groupKey = ctx.posthogGroupType === undefined ? Object.values(groups)[0] : own(groups, ctx.posthogGroupType);
  const group = id(groupKey, '$groups');
  if (failed(group)) return group;
  const account = group ?? (distinct === undefined ? undefined : ctx.accountOf(distinct));
  const timestamp = e.timestamp ?? props.timestamp ?? ctx.now;

  if (name === '$identify' || name === '$set') {
    if (distinct === undefined) return rejected('missing_field', `${name} needs a distinct_id`, 'distinct_id');
    const set = objectOf(props.$set ?? e.$set, '$set');
    if (failed(set)) return set;
    const once = objectOf(props.$set_once ?? e.$set_once, '$set_once');
    if (failed(once)) return once;
    const seenAt = when(timestamp, ctx, 'timestamp');
    if (failed(seenAt)) return seenAt;
    return { kind: 'user', user: { userId: distinct, accountId: group ?? null, traits: storedTraits({ ...once, ...set }), seenAt } };
  }
  if (name === '$groupidentify') {
    const type = props.$group_type;
    if (ctx.posthogGroupType !== undefined && type !== ctx.posthogGroupType) {
      return rejected('unplanned_group_type', `$group_type ${JSON.stringify(type)} is not the account group type ${JSON.stringify(ctx.posthogGroupType)}`, '$group_type');
    }
    const key = id(props.$group_key, '$group_key');
    if (failed(key)) return key;
    if (key === undefined) return rejected('missing_field', '$groupidentify needs a $group_key', '$group_key');
    const set = objectOf(props.$group_set, '$group_set');
    if (failed(set)) return set;
    return accountPatch(key, set, undefined, timestamp, ctx);
  }

  // fromEntries keeps a `__proto__` key as data: assigning it would set the prototype (and the account).
  const metadata: Raw = Object.fromEntries(Object.entries(props).filter(([k]) => k[0] !== '$' && k !== 'distinct_id' && k !== 'timestamp'));
  const { action, object, place, account_id, ...rest } = metadata;
  let named: { action: string; object: string } | null;
  let where = place;
  if (name === '$pageview' || name === '$screen') {
    named = { action: 'viewed', object: name === '$pageview' ? 'page' : 'screen' };
    where ??= props.$pathname ?? pathOf(props.$current_url) ?? props.$screen_name;
  } else if (name[0] === '$') {
    return rejected('system_event', `${name} is PostHog's own event, not a product action`, 'event');
  } else named = splitEventName(name);
  if ((action ?? named?.action) === undefined || (object ?? named?.object) === undefined) {
    return rejected('invalid_field', `event name ${JSON.stringify(name)} is not "Object Action" and properties name no action/object`, 'event');
  }
  return event(
    {
      message_id: e.uuid ?? props.$insert_id,
      timestamp,
      account_id: account ?? account_id,
      user_id: distinct,
      action: action ?? named?.action,
      object: object ?? named?.object,
      place: where,
      metadata: rest,
    },
    ctx,
  );
}

function pathOf(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  try {
    return new URL(url).pathname;
  } catch {
    return undefined;
  }
}
