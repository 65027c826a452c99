/**
 * Every (action, object, place) the demo emits, numbered, with its JSON fragment precomputed
 * so writing a line is a few string concatenations.
 */

import { CONVERSATION, FEATURES, SETUP_STEPS, type Category, type Feature } from './catalog.js';

export interface EventType {
  action: string;
  object: string;
  place: string;
  /** `","action":…,"place":…,"metadata":` — sits between user_id and the metadata object. */
  jsonMiddle: string;
  /** Segment "Object Action" name, e.g. "Help Center Article Published". */
  segmentName: string;
  category: Category | null;
  level: 'basic' | 'mature' | null;
}

const titleWords = (s: string): string =>
  s
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');

function eventType(action: string, object: string, place: string, category: Category | null = null, level: Feature['level'] = null): EventType {
  return {
    action,
    object,
    place,
    jsonMiddle: `","action":"${action}","object":"${object}","place":"${place}","metadata":`,
    segmentName: `${titleWords(object)} ${titleWords(action)}`,
    category,
    level,
  };
}

export const SETUP_TYPE0 = 0;
export const OPENED = SETUP_STEPS.length;
export const CLOSED = OPENED + 1;
export const FEATURE_TYPE0 = CLOSED + 1;

/** Place variants follow the features, in feature order. */
export const ALT_TYPE0 = FEATURE_TYPE0 + FEATURES.length;

export const EVENT_TYPES: readonly EventType[] = [
  ...SETUP_STEPS.map((s) => eventType(s.action, s.object, s.place)),
  eventType(CONVERSATION.opened, CONVERSATION.object, CONVERSATION.place),
  eventType(CONVERSATION.closed, CONVERSATION.object, CONVERSATION.place),
  ...FEATURES.map((f) => eventType(f.action, f.object, f.place, f.category, f.level)),
  ...FEATURES.filter((f) => f.altPlace).map((f) => eventType(f.action, f.object, f.altPlace!.place, f.category, f.level)),
];

/** Per feature: the event type of its second place, or -1 when it has none. */
export const ALT_TYPE: readonly number[] = (() => {
  let next = ALT_TYPE0;
  return FEATURES.map((f) => (f.altPlace ? next++ : -1));
})();

// Event lines are written as ASCII without UTF-8 encoding (writers.ts), so names must be ASCII.
for (const t of EVENT_TYPES) {
  if (!/^[\x20-\x7e]*$/.test(t.jsonMiddle)) throw new Error(`demo event names must be ASCII: ${t.action} ${t.object}`);
}

/** Index of a catalog feature in FEATURES; throws on a name that is not in the catalog. */
export function featureIndex(action: string, object: string): number {
  const i = FEATURES.findIndex((f) => f.action === action && f.object === object);
  if (i < 0) throw new Error(`unknown demo feature: ${action} ${object}`);
  return i;
}
