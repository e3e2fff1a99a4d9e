package dev.sandbox4j.server;

import static java.util.Objects.requireNonNull;

/**
 * Who made a request: the API key's id and tenant and the limits that apply to it.
 *
 * @param keyId the key's id ({@code local} when authentication is off)
 * @param tenant the tenant; sessions are visible only to requests of the same tenant
 * @param maxSessions most sessions this key may have open
 * @param maxConcurrentRuns most runs this key may have in flight
 */
record Caller(String keyId, String tenant, int maxSessions, int maxConcurrentRuns) {
    /** The caller when authentication is off (loopback only). */
    static final String LOCAL = "local";

    Caller {
        requireNonNull(keyId, "keyId");
        requireNonNull(tenant, "tenant");
    }

    /** {@code tenant/key} for audit events of the library. */
    String principal() {
        return tenant + "/" + keyId;
    }
}
