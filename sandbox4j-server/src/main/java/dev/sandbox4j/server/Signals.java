package dev.sandbox4j.server;

import java.lang.reflect.Proxy;
import java.util.function.IntConsumer;

/**
 * Installs handlers for POSIX signals through {@code sun.misc.Signal} (module {@code jdk.unsupported}), looked up
 * reflectively so that the build does not depend on the internal API, and so that a JVM without it only loses the
 * graceful handling.
 */
final class Signals {
    private Signals() {}

    /**
     * Replaces the JVM's handling of the signal {@code name} (e.g. {@code TERM}) with {@code handler}, which gets the
     * signal's number.
     *
     * @throws ReflectiveOperationException if the API is missing
     * @throws IllegalArgumentException if the signal is unknown or reserved on this platform
     */
    static void handle(String name, IntConsumer handler) throws ReflectiveOperationException {
        Class<?> signalClass = Class.forName("sun.misc.Signal");
        Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
        Object signal = signalClass.getConstructor(String.class).newInstance(name);
        Object proxy = Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handlerClass},
                (self, method, args) -> {
                    if (method.getName().equals("handle") && args != null && args.length == 1) {
                        handler.accept((Integer) signalClass.getMethod("getNumber").invoke(args[0]));
                        return null;
                    }
                    return switch (method.getName()) {
                        case "hashCode" -> System.identityHashCode(self);
                        case "equals" -> self == args[0];
                        case "toString" -> "sandbox4j signal handler";
                        default -> null;
                    };
                });
        signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, signal, proxy);
    }
}
