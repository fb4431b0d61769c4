/** Broker addresses: the URL forms, the password sources and the rule against open brokers off loopback. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkBrokerSecurity, isLoopback, parseBrokerUrl } from "../../src/broker/index.js";

describe("broker address", () => {
  it("parses host, port, database, user, password and TLS, and masks the password for logs", () => {
    const a = parseBrokerUrl("rediss://learner:s%40cret@10.0.0.5:6380/3", {});
    assert.deepEqual(
      { host: a.host, port: a.port, db: a.db, user: a.username, pw: a.password, tls: a.tls },
      { host: "10.0.0.5", port: 6380, db: 3, user: "learner", pw: "s@cret", tls: true },
    );
    assert.ok(!a.display.includes("cret"), a.display);
    const b = parseBrokerUrl("redis://localhost", {});
    assert.deepEqual([b.port, b.db, b.tls, b.password], [6379, 0, false, undefined]);
    assert.equal(parseBrokerUrl("redis://h", { REDIS_PASSWORD: "pw" }).password, "pw");
  });

  it("rejects other schemes, a bad database and garbage, naming the value", () => {
    assert.throws(() => parseBrokerUrl("http://h:1", {}), /scheme.*"http:"/);
    assert.throws(() => parseBrokerUrl("redis://h/99", {}), /database.*"99"/);
    assert.throws(() => parseBrokerUrl("not a url", {}), /broker address.*"not a url"/);
  });

  it("refuses a broker outside loopback without a password unless insecure", () => {
    for (const h of ["localhost", "127.0.0.1", "127.3.2.1", "::1"]) assert.ok(isLoopback(h), h);
    for (const h of ["10.0.0.5", "redis.example.org", "128.0.0.1"]) assert.ok(!isLoopback(h), h);
    assert.doesNotThrow(() => checkBrokerSecurity(parseBrokerUrl("redis://127.0.0.1:7000", {})));
    assert.throws(() => checkBrokerSecurity(parseBrokerUrl("redis://10.0.0.5", {})), /password.*--insecure/);
    assert.doesNotThrow(() => checkBrokerSecurity(parseBrokerUrl("redis://:pw@10.0.0.5", {})));
    assert.doesNotThrow(() =>
      checkBrokerSecurity(parseBrokerUrl("redis://10.0.0.5", {}), { insecure: true }),
    );
  });
});
