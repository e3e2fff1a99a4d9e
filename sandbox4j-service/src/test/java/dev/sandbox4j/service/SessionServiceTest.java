package dev.sandbox4j.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox4j.SandboxClient;
import dev.sandbox4j.SandboxEventListener;
import dev.sandbox4j.SessionEvent;
import dev.sandbox4j.SessionOptions;
import dev.sandbox4j.testing.FakeBackend;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SessionServiceTest {
    static final SessionOwner ALICE_REST = new SessionOwner("acme", SessionOwner.REST, "acme/alice");
    static final SessionOwner ALICE_MCP = new SessionOwner("acme", "mcp/1", "acme/alice");
    static final SessionOwner BOB = new SessionOwner("globex", SessionOwner.REST, "globex/bob");

    final FakeBackend backend = new FakeBackend();
    final List<SessionEvent> audit = new CopyOnWriteArrayList<>();
    final SandboxClient client = SandboxClient.builder().backendFactory(backend.factory()).reapOrphans(false)
            .eventListener(new SandboxEventListener() {
                @Override
                public void sessionOpened(SessionEvent event) {
                    audit.add(event);
                }
            }).build();
    final MutableClock clock = new MutableClock();
    final List<String> closedReasons = new CopyOnWriteArrayList<>();
    SessionService service = service(SessionService.builder(client).maxSessions(4).maxSessionsPerTenant(3)
            .principalLimit(o -> o.principal().equals("acme/alice") ? 2 : 0));

    SessionService service(SessionService.Builder b) {
        SessionService s = b.reaperInterval(Duration.ZERO).clock(clock).idleTimeout(Duration.ofMinutes(10)).build();
        s.addListener(new SessionService.Listener() {
            @Override
            public void closed(ManagedSession session, String reason, Duration took) {
                closedReasons.add(session.label() + ":" + reason);
            }
        });
        return s;
    }

    @AfterEach
    void close() {
        service.close();
        client.close();
        assertThat(backend.boxes).as("boxes left").isEmpty();
    }

    ManagedSession open(SessionOwner owner) {
        return service.open(SessionRequest.of(owner, "python", SessionOptions.defaults()));
    }

    @Test
    void aTenantSeesItsSessionsFromEveryScopeAndNoOneElseDoes() {
        ManagedSession rest = open(ALICE_REST);
        ManagedSession mcp = service.open(new SessionRequest(ALICE_MCP, "py", SessionOptions.defaults(), "work",
                null, 4, null));
        ManagedSession bob = open(BOB);
        assertThat(service.list("acme")).containsExactly(rest, mcp);
        assertThat(service.list("acme", "mcp/1")).containsExactly(mcp);
        assertThat(service.find("acme", mcp.id())).contains(mcp);
        assertThat(service.find("globex", mcp.id())).as("another tenant's session does not exist for it").isEmpty();
        assertThat(service.findByName(ALICE_MCP, "work")).contains(mcp);
        assertThat(service.findByName(ALICE_REST, "work")).as("names belong to a scope").isEmpty();
        assertThat(mcp.label()).isEqualTo("work");
        assertThat(rest.label()).isEqualTo(rest.id());
        assertThat(service.list("globex")).containsExactly(bob);
    }

    @Test
    void auditEventsCarryTheOwnersPrincipal() {
        open(ALICE_MCP);
        open(SessionOwner.local("chat-1"));
        assertThat(audit).extracting(SessionEvent::principal).first().isEqualTo("acme/alice");
        assertThat(audit.get(1).principal()).as("no principal of its own: the client's").isNotBlank()
                .isNotEqualTo("acme/alice");
    }

    @Test
    void oneCapForAllAndCapsPerTenantPrincipalAndScope() {
        open(ALICE_REST);
        service.open(new SessionRequest(ALICE_MCP, "python", SessionOptions.defaults(), null, null, 1, null));
        assertThatThrownBy(() -> open(ALICE_MCP)).isInstanceOfSatisfying(SessionLimitException.class,
                e -> assertThat(e.cap()).isEqualTo(SessionLimitException.Cap.PRINCIPAL))
                .hasMessage("'acme/alice' already has 2 open sessions (its limit is 2)");
        SessionOwner alice2 = new SessionOwner("acme", "mcp/2", "acme/alice2");
        open(alice2);
        assertThatThrownBy(() -> open(alice2)).isInstanceOfSatisfying(SessionLimitException.class,
                e -> assertThat(e.cap()).isEqualTo(SessionLimitException.Cap.TENANT));
        SessionOwner carol = new SessionOwner("initech", "mcp/3", "initech/carol");
        service.open(new SessionRequest(carol, "python", SessionOptions.defaults(), null, null, 1, null));
        assertThatThrownBy(() -> service.open(new SessionRequest(carol, "python", SessionOptions.defaults(), null,
                null, 1, null))).isInstanceOfSatisfying(SessionLimitException.class,
                e -> assertThat(e.cap()).isEqualTo(SessionLimitException.Cap.SCOPE));
        assertThatThrownBy(() -> open(BOB)).isInstanceOfSatisfying(SessionLimitException.class,
                e -> assertThat(e.cap()).isEqualTo(SessionLimitException.Cap.SERVICE))
                .hasMessage("4 sessions are open (the limit for all together)");
        assertThat(backend.boxes).as("nothing opened past a cap").hasSize(4);

        service.close(service.list("acme").get(0), "deleted");
        assertThat(open(BOB)).as("closing frees a slot").isNotNull();
    }

    @Test
    void sessionsBeingOpenedCountAgainstTheCap() throws Exception {
        service.close();
        service = service(SessionService.builder(client).maxSessions(3));
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<?>> tries = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            SessionOwner o = new SessionOwner("t" + i, "rest", null);
            tries.add(pool.submit(() -> open(o)));
        }
        int ok = 0;
        for (Future<?> f : tries) {
            try {
                f.get();
                ok++;
            } catch (java.util.concurrent.ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(SessionLimitException.class);
            }
        }
        pool.shutdown();
        assertThat(ok).isEqualTo(3);
        assertThat(service.size()).isEqualTo(3);
        assertThat(backend.boxes).hasSize(3);
    }

    @Test
    void namesAreUniqueInAScope() {
        service.open(SessionRequest.of(ALICE_MCP, "python", SessionOptions.defaults()).withName("a"));
        assertThatThrownBy(() -> service.open(SessionRequest.of(ALICE_MCP, "python", SessionOptions.defaults())
                .withName("a"))).isInstanceOf(SessionNameTakenException.class).hasMessageContaining("'a'");
        assertThat(service.open(SessionRequest.of(BOB, "python", SessionOptions.defaults()).withName("a")))
                .isNotNull();
        assertThatThrownBy(() -> SessionRequest.of(BOB, "python", SessionOptions.defaults()).withName("../x"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void idleSessionsCloseUnlessInUseAndLifetimeEndsThemAnyway() {
        service.close();
        service = service(SessionService.builder(client).maxLifetime(Duration.ofMinutes(30)));
        ManagedSession idle = open(ALICE_REST);
        ManagedSession busy = open(ALICE_REST);
        ManagedSession used = open(BOB);
        clock.advance(Duration.ofMinutes(6));
        used.use().close();
        try (ManagedSession.Use u = busy.exclusive()) {
            clock.advance(Duration.ofMinutes(5));
            assertThat(service.reap()).as("only the unused one").isEqualTo(1);
            assertThat(idle.isOpen()).isFalse();
            assertThat(busy.isOpen()).isTrue();
        }
        assertThat(service.closedReason("acme", idle.id())).contains("idle");
        assertThat(service.find("acme", idle.id())).isEmpty();
        assertThat(busy.expiresAt()).isEqualTo(busy.createdAt().plus(Duration.ofMinutes(30)));
        assertThat(busy.options().sessionTimeout()).as("the engine bounds the box's life too")
                .isEqualTo(Duration.ofMinutes(30));
        clock.advance(Duration.ofMinutes(20));
        try (ManagedSession.Use u = busy.use()) {
            assertThat(service.reap()).isEqualTo(2);
        }
        assertThat(closedReasons).containsExactlyInAnyOrder(idle.id() + ":idle", busy.id() + ":lifetime",
                used.id() + ":lifetime");
    }

    @Test
    void closingAScopeClosesItsSessionsOnly() {
        open(ALICE_MCP);
        open(ALICE_MCP.inScope("mcp/2"));
        ManagedSession rest = open(new SessionOwner("acme", SessionOwner.REST, null));
        assertThat(service.closeScope(ALICE_MCP, "ended")).isEqualTo(1);
        assertThat(service.closeScope(ALICE_MCP.inScope("mcp/2"), "ended")).isEqualTo(1);
        assertThat(service.list("acme")).containsExactly(rest);
    }

    @Test
    void closeClosesEverySessionAndRefusesNewOnes() {
        open(ALICE_REST);
        open(BOB);
        service.close();
        service.close();
        assertThat(backend.boxes).isEmpty();
        assertThat(closedReasons).allMatch(r -> r.endsWith(":shutdown")).hasSize(2);
        assertThatThrownBy(() -> open(BOB)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void aSessionWhoseBoxWentAwayIsForgotten() {
        ManagedSession s = open(ALICE_REST);
        s.session().close();
        assertThat(service.find("acme", s.id())).isEmpty();
        assertThat(service.size()).isZero();
        assertThat(service.closedReason("acme", s.id())).contains("lifetime");
    }

    @Test
    void builderRejectsNonsense() {
        assertThatThrownBy(() -> SessionService.builder(client).maxSessions(0))
                .hasMessage("maxSessions (0) must be at least 1");
        assertThatThrownBy(() -> SessionService.builder(client).idleTimeout(Duration.ZERO))
                .hasMessage("idleTimeout (PT0S) must be positive");
        assertThatThrownBy(() -> new SessionOwner("", "rest", null)).isInstanceOf(IllegalArgumentException.class);
    }

    static final class MutableClock extends Clock {
        private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
