import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { httpDriver } from './clickhouse-driver.js';
import { ClickHouseStore } from './clickhouse-store.js';

/** Where the store lives on a ClickHouse server (cairn.yaml `engine`, the password from the environment). */
export interface ClickHouseConnection {
  url: string;
  database: string;
  username?: string;
  password?: string;
}

const DATABASE = /^[a-z_][a-z0-9_]*$/;

/**
 * Opens the store over HTTP with `@clickhouse/client`, creating the database on first use
 * (the client names a database on every request, so it must exist first).
 */
export async function openClickHouseStore(c: ClickHouseConnection): Promise<ClickHouseStore> {
  if (!DATABASE.test(c.database)) throw new Error(`invalid database name: ${c.database}`);
  // Errors reach the caller as exceptions; the client's own log would print them twice (and the feature probes' too).
  const auth = { username: c.username ?? 'default', password: c.password ?? '', log: { level: ClickHouseLogLevel.OFF } };
  const bootstrap = createClient({ url: c.url, ...auth });
  try {
    await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${c.database}` });
  } finally {
    await bootstrap.close();
  }
  return ClickHouseStore.open({ driver: httpDriver(createClient({ url: c.url, database: c.database, ...auth })) });
}
