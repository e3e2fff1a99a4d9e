/**
 * Managed sessions, one service for every front door: {@link dev.sandbox4j.service.SessionService} opens sessions for
 * an owner (a tenant, and a scope within it: the REST API, an MCP session, a conversation), enforces one cap for all
 * sessions and caps per tenant, per principal and per scope, closes sessions that were idle too long or outlived their
 * lifetime, and lists and deletes them. The HTTP API, MCP (HTTP and stdio) and the LangChain4j and Spring AI tools
 * share one instance, so a session opened through one is seen, counted and reaped by all.
 */
@NullMarked
package dev.sandbox4j.service;

import org.jspecify.annotations.NullMarked;
