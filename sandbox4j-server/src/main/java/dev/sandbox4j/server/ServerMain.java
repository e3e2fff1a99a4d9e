package dev.sandbox4j.server;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Runs the server without the CLI: {@code java -cp ... dev.sandbox4j.server.ServerMain [--config FILE] [--host H]
 * [--port N]}. API keys may also come from {@value ServerConfigFiles#API_KEYS_ENV}, the operator key from
 * {@value ServerConfigFiles#OPERATOR_KEY_ENV}. Prints
 * {@code listening on <uri>} on standard output once it accepts requests, and shuts down gracefully on SIGTERM or
 * SIGINT. {@code sandbox4j serve} is the full-featured way to start it.
 */
public final class ServerMain {
    private ServerMain() {}

    public static void main(String[] args) throws InterruptedException {
        ServerConfig.Builder b = ServerConfig.builder();
        for (int i = 0; i + 1 < args.length; i++) { // the file first, so that options override it
            if (args[i].equals("--config")) {
                b = ServerConfigFiles.load(Path.of(args[i + 1]));
            }
        }
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                usage("missing value after " + a);
            }
            switch (a) {
                case "--config" -> i++;
                case "--host" -> b.host(args[++i]);
                case "--port" -> b.port(Integer.parseInt(args[++i]));
                default -> usage("unknown option " + a + " in " + Arrays.toString(args));
            }
        }
        String env = System.getenv(ServerConfigFiles.API_KEYS_ENV);
        if (env != null && !env.isBlank()) {
            ServerConfig c = b.build();
            java.util.List<ApiKey> keys = new java.util.ArrayList<>(c.apiKeys());
            keys.addAll(ServerConfigFiles.parseKeys(env));
            b.apiKeys(keys);
        }
        String operatorKey = System.getenv(ServerConfigFiles.OPERATOR_KEY_ENV);
        if (operatorKey != null && !operatorKey.isBlank()) {
            b.operatorKey(operatorKey.trim());
        }
        SandboxServer server = SandboxServer.start(b.build());
        server.closeOnSignals();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "sandbox4j-server-shutdown"));
        System.out.println("listening on " + server.uri());
        System.out.flush();
        server.awaitShutdown();
        System.exit(0);
    }

    private static void usage(String problem) {
        System.err.println("sandbox4j server: " + problem);
        System.err.println("usage: ServerMain [--config FILE] [--host HOST] [--port PORT]");
        System.exit(2);
    }
}
