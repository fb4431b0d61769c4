/**
 * Broker addresses: `redis://[user][:password@]host[:port][/db]`, or `rediss://…` for TLS. The password may
 * also come from REDIS_PASSWORD. A broker outside loopback must have a password unless the caller insists
 * (`--insecure`): anyone who can reach it could otherwise feed the learner or read the weights.
 */
import { InvalidArgumentError } from "../util/index.js";

export interface BrokerAddress {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
  /** The address with the password masked, for logs. */
  display: string;
}

const URL_FORM = "redis://[user][:password@]host[:port][/db] or rediss://… (TLS)";

export function parseBrokerUrl(
  url: string,
  env: Record<string, string | undefined> = process.env,
): BrokerAddress {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InvalidArgumentError("broker address", url, URL_FORM);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:")
    throw new InvalidArgumentError("broker address scheme", u.protocol, URL_FORM);
  const host = u.hostname.replace(/^\[|\]$/g, "");
  if (!host) throw new InvalidArgumentError("broker host", url, URL_FORM);
  const port = u.port ? Number(u.port) : 6379;
  const path = u.pathname.replace(/^\//, "");
  const db = path === "" ? 0 : Number(path);
  if (!Number.isInteger(db) || db < 0 || db > 15)
    throw new InvalidArgumentError("broker database", path, "an integer in [0, 15] after the host, e.g. /0");
  const password = u.password ? decodeURIComponent(u.password) : env.REDIS_PASSWORD || undefined;
  const username = u.username ? decodeURIComponent(u.username) : undefined;
  const shown = `${u.protocol}//${username ?? ""}${password ? ":***@" : username ? "@" : ""}${u.host}/${db}`;
  return { host, port, db, username, password, tls: u.protocol === "rediss:", display: shown };
}

/** localhost, 127.0.0.0/8 and ::1. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Refuses a broker outside loopback without a password unless `insecure`. */
export function checkBrokerSecurity(addr: BrokerAddress, opts: { insecure?: boolean } = {}): void {
  if (isLoopback(addr.host) || addr.password || opts.insecure) return;
  throw new InvalidArgumentError(
    "broker address",
    addr.display,
    "a password for a broker outside loopback (redis://:PASSWORD@host or REDIS_PASSWORD), or --insecure",
  );
}
