import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactCredentials, withoutCredentials } from '../../src/model/index.js';

describe('withoutCredentials', () => {
  it('drops credential keys at any depth, whatever their case, and keeps the rest', () => {
    const input = {
      token: 't', $token: 't', API_KEY: 'k', apiKey: 'k', writeKey: 'w', write_key: 'w',
      keep: 1,
      context: { headers: { Authorization: 'Bearer x', 'X-Api-Key': 'k', 'Proxy-Authorization': 'p', accept: '*/*' } },
      list: [{ token: 't', n: 1 }, 'token', 2],
    };
    assert.deepEqual(withoutCredentials(input), { keep: 1, context: { headers: { accept: '*/*' } }, list: [{ n: 1 }, 'token', 2] });
    assert.equal(input.token, 't', 'the input is not changed');
  });

  it('returns the same object when there is nothing to drop (no copy on the hot path)', () => {
    const clean = { a: 1, b: { c: [1, { d: 'token' }] } };
    assert.equal(withoutCredentials(clean), clean);
    const arr = [{ a: 1 }];
    assert.equal(withoutCredentials(arr), arr);
    assert.equal(withoutCredentials('token'), 'token');
    assert.equal(withoutCredentials(null), null);
  });

  it('keeps a "__proto__" key as data, not as the prototype', () => {
    const parsed = JSON.parse('{"__proto__":{"polluted":true},"token":"t"}') as object;
    const out = withoutCredentials(parsed) as Record<string, unknown>;
    assert.ok(Object.hasOwn(out, '__proto__'));
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.equal((out as { polluted?: boolean }).polluted, undefined);
  });
});

describe('redactCredentials', () => {
  it('blanks credential values of key-value pairs in text that may not parse', () => {
    assert.equal(
      redactCredentials('{"writeKey":"abc\\"d","api_key": 12345,"Authorization" : "Bearer x","name":"token","token":'),
      '{"writeKey":"[redacted]","api_key": "[redacted]","Authorization" : "[redacted]","name":"token","token":',
    );
  });

  it('blanks every occurrence of the key that sent it', () => {
    assert.equal(redactCredentials('key=cairn_abc&x=cairn_abc', 'cairn_abc'), 'key=[redacted]&x=[redacted]');
  });
});
