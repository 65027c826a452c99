import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { httpDriver } from './clickhouse-driver.js';
import { ClickHouseStore } from './clickhouse-store.js';

/** Where the store lives on a ClickHouse server or cluster (cairn.yaml `engine`, the password from the environment). */
export interface ClickHouseConnection {
  url: string;
  database: string;
  username?: string;
  password?: string;
  /** Shard the tables over this cluster (remote_servers). */
  cluster?: string;
  /** Every host's HTTP URL, for schema changes on a cluster; by default the cluster's hosts (system.clusters) at the URL's port. */
  hosts?: readonly string[];
  /** How long a status refresh's claim holds without a heartbeat (tests shorten it). */
  statusLeaseMs?: number;
}

const DATABASE = /^[a-z_][a-z0-9_]*$/;

/**
 * Opens the store over HTTP with `@clickhouse/client`, creating the database on first use
 * (the client names a database on every request, so it must exist first), on every host of a
 * cluster.
 */
export async function openClickHouseStore(c: ClickHouseConnection): Promise<ClickHouseStore> {
  if (!DATABASE.test(c.database)) throw new Error(`invalid database name: ${c.database}`);
  // Errors reach the caller as exceptions; the client's own log would print them twice (and the feature probes' too).
  const auth = { username: c.username ?? 'default', password: c.password ?? '', log: { level: ClickHouseLogLevel.OFF } };
  const hostUrls = c.cluster ? (c.hosts?.length ? [...c.hosts] : await clusterHosts(c.url, c.cluster, auth)) : [c.url];
  for (const url of hostUrls) {
    const bootstrap = createClient({ url, ...auth });
    try {
      await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${c.database}` });
    } finally {
      await bootstrap.close();
    }
  }
  // A bulk load or a discovery over millions of rows may take minutes: no 30 s client timeout.
  const driverFor = (url: string) => httpDriver(createClient({ url, database: c.database, request_timeout: 3_600_000, ...auth }));
  const driver = driverFor(c.url);
  if (!c.cluster) return ClickHouseStore.open({ driver, database: c.database, statusLeaseMs: c.statusLeaseMs });
  // The store owns every host's driver (schema changes, refresh claims) and closes them.
  const hosts = hostUrls.map((url) => ({ url, driver: url === c.url ? driver : driverFor(url) }));
  return ClickHouseStore.open({ driver, database: c.database, cluster: { name: c.cluster, hosts }, statusLeaseMs: c.statusLeaseMs });
}

/** The cluster's hosts from system.clusters, reached over HTTP at the URL's scheme and port. */
async function clusterHosts(url: string, cluster: string, auth: { username: string; password: string }): Promise<string[]> {
  const client = createClient({ url, ...auth, log: { level: ClickHouseLogLevel.OFF } });
  try {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(cluster)) throw new Error(`invalid cluster name: ${cluster}`);
    const rows = await (await client.query({ query: `SELECT host_name FROM system.clusters WHERE cluster = '${cluster}'`, format: 'JSONEachRow' })).json<{ host_name: string }>();
    const base = new URL(url);
    return rows.map((r) => `${base.protocol}//${r.host_name}:${base.port || (base.protocol === 'https:' ? 443 : 8123)}`);
  } finally {
    await client.close();
  }
}
