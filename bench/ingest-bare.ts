/**
 * The baseline for bench/ingest: a bare Fastify server that reads the same requests, parses
 * them and counts the events, with nothing checked or kept. Prints {"url"} when listening.
 */
import Fastify from 'fastify';

const app = Fastify({ bodyLimit: 500 * 1024, logger: false });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
let events = 0;
app.post('/v1/events', async (req) => {
  const batch = JSON.parse((req.body as Buffer).toString('utf8')) as unknown[];
  events += batch.length;
  return { ok: true, accepted: batch.length };
});
app.get('/count', async () => ({ events }));
const url = await app.listen({ port: 0, host: '127.0.0.1' });
console.log(JSON.stringify({ url }));
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
