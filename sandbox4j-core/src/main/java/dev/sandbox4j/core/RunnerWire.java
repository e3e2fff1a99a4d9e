package dev.sandbox4j.core;

import dev.sandbox4j.spi.ExecRequest;
import dev.sandbox4j.spi.Frames;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The resident runner's wire format ({@code box/runner.pl} describes it): requests to it, as a count of
 * length-prefixed fields, and the frames it answers with (1 type byte, u32 length, payload).
 */
final class RunnerWire {
    /** A sane runner sends at most 64 KiB per frame; anything much larger means the stream is not the runner's. */
    static final int MAX_FRAME = 1 << 20;

    private RunnerWire() {}

    /**
     * The run request: count, then (length, bytes) of "run", options, workdir, stdin, argc, argv..., env...,
     * trailing...
     *
     * @param cpuLimit the CPU time of the run's processes together, or {@code null} for none
     */
    static byte[] run(ExecRequest request, @Nullable Duration timeout, @Nullable Duration cpuLimit, int spare,
            String moreOptions, List<byte[]> trailing) {
        List<byte[]> fields = new ArrayList<>();
        fields.add("run".getBytes(StandardCharsets.US_ASCII));
        String options = (timeout != null ? "timeout_ms=" + Math.max(1, timeout.toMillis()) + "\n" : "")
                + (cpuLimit != null ? "cpu_ms=" + Math.max(1, cpuLimit.toMillis()) + "\n" : "")
                + (spare > 0 ? "spare=" + spare + "\n" : "") + moreOptions;
        fields.add(options.getBytes(StandardCharsets.UTF_8));
        fields.add(request.workdir().getBytes(StandardCharsets.UTF_8));
        fields.add(request.stdin());
        fields.add(Integer.toString(request.argv().size()).getBytes(StandardCharsets.US_ASCII));
        for (String a : request.argv()) {
            fields.add(a.getBytes(StandardCharsets.UTF_8));
        }
        request.env().forEach((k, v) -> fields.add((k + "=" + v).getBytes(StandardCharsets.UTF_8)));
        fields.addAll(trailing);
        return request(fields);
    }

    /** The value of {@code key=...} in a space-separated payload, or null. */
    static @Nullable String fieldText(byte[] payload, String key) {
        for (String kv : new String(payload, StandardCharsets.US_ASCII).strip().split(" ")) {
            if (kv.startsWith(key + "=")) {
                return kv.substring(key.length() + 1);
            }
        }
        return null;
    }

    /** The number of {@code key=...} in a space-separated payload, or {@code otherwise}. */
    static long field(byte[] payload, String key, long otherwise) {
        String v = fieldText(payload, key);
        try {
            return v == null ? otherwise : Long.parseLong(v);
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    /** A request: count, then (length, bytes) of each field. */
    static byte[] request(List<byte[]> fields) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(4).putInt(fields.size()).array());
        for (byte[] f : fields) {
            out.writeBytes(ByteBuffer.allocate(4).putInt(f.length).array());
            out.writeBytes(f);
        }
        return out.toByteArray();
    }

    /** Receives the frames. */
    interface Receiver {
        void frame(char type, byte[] payload);

        /** The stream broke the format: nothing more is parsed. */
        void garbage();
    }

    /**
     * Cuts the resident runner's stdout into frames (1 type byte, u32 length, payload) with the one frame decoder
     * ({@link Frames}); called on the backend's stream thread only. A frame of an unknown type or of an absurd length
     * means the stream is not the runner's: the parser then stops for good and says so once.
     */
    static final class Parser {
        private final Frames.Decoder decoder;
        private final Receiver receiver;
        private boolean broken;

        /** @param types the frame types the runner sends, one character each */
        Parser(String types, Receiver receiver) {
            this.decoder = Frames.typedDecoder(types, MAX_FRAME);
            this.receiver = receiver;
        }

        void feed(byte[] chunk) {
            if (broken) {
                return;
            }
            try {
                decoder.feed(chunk, f -> receiver.frame(f.type(), f.payload()));
            } catch (Frames.FrameException e) {
                broken = true; // not the runner speaking: stop trusting this stream
                receiver.garbage();
            }
        }
    }
}
