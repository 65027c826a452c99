import { readSecretFile, SecretError, type WebhookEventType, type WebhooksConfig } from '../config/index.js';

/** An endpoint ready to deliver to: its URL and secret read from where cairn.yaml says (never stored). */
export interface Endpoint {
  name: string;
  url: string;
  format: 'json' | 'slack';
  /** The signing secret; null for Slack, which signs nothing. */
  secret: string | null;
  events: ReadonlySet<WebhookEventType>;
  /** Segments whose entries and exits it is sent; null: all. */
  segments: ReadonlySet<string> | null;
}

/** Why an endpoint cannot be used as configured (a variable unset, a secret file others can read). */
export class EndpointError extends Error {}

/** Reads every endpoint's URL and secret from the environment and secret files. */
export async function resolveEndpoints(config: WebhooksConfig, wsDir: string, env: NodeJS.ProcessEnv = process.env): Promise<Endpoint[]> {
  const out: Endpoint[] = [];
  for (const [name, e] of Object.entries(config.endpoints)) {
    const at = `webhooks.endpoints.${name}`;
    const fromEnv = (variable: string, key: string) => {
      const v = env[variable];
      if (!v) throw new EndpointError(`${at}.${key}: the environment variable ${variable} is not set`);
      return v;
    };
    const url = e.url ?? fromEnv(e.url_env!, 'url_env');
    if (!/^https?:\/\//.test(url)) throw new EndpointError(`${at}.url_env: ${e.url_env} must hold an http(s) URL`);
    let secret: string | null = null;
    if (e.secret_env) secret = fromEnv(e.secret_env, 'secret_env');
    else if (e.secret_file) {
      try {
        secret = await readSecretFile(wsDir, e.secret_file, `${at}.secret_file`);
      } catch (err) {
        throw err instanceof SecretError ? new EndpointError(err.message) : err;
      }
      if (!secret) throw new EndpointError(`${at}.secret_file ${e.secret_file} is empty`);
    }
    out.push({ name, url, format: e.format, secret, events: new Set(e.events), segments: e.segments ? new Set(e.segments) : null });
  }
  return out;
}
