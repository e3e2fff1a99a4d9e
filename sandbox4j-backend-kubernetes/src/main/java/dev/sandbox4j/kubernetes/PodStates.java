package dev.sandbox4j.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What a Pod's status says about its box: running, failed to start (and why), waiting for what, and its state in the
 * Docker-like names the core expects. Pure functions of the Pod object as the API server returned it.
 */
final class PodStates {
    private static final Set<String> IMAGE_ERRORS =
            Set.of("ErrImagePull", "ImagePullBackOff", "ErrImageNeverPull", "InvalidImageName");
    private static final Set<String> START_ERRORS = Set.of("CreateContainerConfigError", "CreateContainerError",
            "RunContainerError", "CrashLoopBackOff", "StartError");

    private PodStates() {
    }

    /** Whether the Pod runs (and is not being deleted), with its container up. */
    static boolean running(Pod p) {
        if (p.getStatus() == null || !"Running".equals(p.getStatus().getPhase())
                || p.getMetadata().getDeletionTimestamp() != null) {
            return false;
        }
        for (ContainerStatus cs : containerStatuses(p)) {
            if (cs.getState() != null && cs.getState().getRunning() != null) {
                return true;
            }
        }
        // a server that reports the phase only (older or simulated ones)
        return containerStatuses(p).isEmpty();
    }

    /** Why the Pod will not start, or {@code null} while it still may. */
    static @Nullable String startFailure(Pod p) {
        if (p.getStatus() == null) {
            return null;
        }
        String phase = p.getStatus().getPhase();
        if ("Failed".equals(phase) || "Succeeded".equals(phase)) {
            return "it ended (" + phase + (p.getStatus().getReason() == null ? "" : ", " + p.getStatus().getReason())
                    + (p.getStatus().getMessage() == null ? "" : ": " + p.getStatus().getMessage()) + ")";
        }
        for (ContainerStatus cs : containerStatuses(p)) {
            if (cs.getState() == null) {
                continue;
            }
            if (cs.getState().getWaiting() != null) {
                String reason = cs.getState().getWaiting().getReason();
                if (reason != null && (IMAGE_ERRORS.contains(reason) || START_ERRORS.contains(reason))) {
                    String msg = cs.getState().getWaiting().getMessage();
                    return reason + (msg == null ? "" : ": " + msg);
                }
            }
            if (cs.getState().getTerminated() != null) {
                var t = cs.getState().getTerminated();
                return "its container exited (" + t.getExitCode() + (t.getReason() == null ? "" : ", "
                        + t.getReason()) + (t.getMessage() == null ? "" : ": " + t.getMessage()) + ")";
            }
        }
        return null;
    }

    /** Whether the Pod waits because its image cannot be had (pull errors, pull policy Never, a bad name). */
    static boolean imageFailure(Pod p) {
        for (ContainerStatus cs : containerStatuses(p)) {
            if (cs.getState() != null && cs.getState().getWaiting() != null
                    && IMAGE_ERRORS.contains(cs.getState().getWaiting().getReason())) {
                return true;
            }
        }
        return false;
    }

    /** What a Pod that is not running waits for: unschedulable, pulling, ... */
    static String waitingReason(Pod p) {
        if (p.getStatus() == null) {
            return "no status yet (is a scheduler and kubelet running?)";
        }
        List<String> reasons = new ArrayList<>();
        reasons.add("phase " + p.getStatus().getPhase());
        if (p.getStatus().getConditions() != null) {
            for (PodCondition c : p.getStatus().getConditions()) {
                if ("False".equals(c.getStatus()) && c.getMessage() != null) {
                    reasons.add(c.getType() + ": " + c.getMessage());
                }
            }
        }
        for (ContainerStatus cs : containerStatuses(p)) {
            if (cs.getState() != null && cs.getState().getWaiting() != null) {
                var w = cs.getState().getWaiting();
                reasons.add(w.getReason() + (w.getMessage() == null ? "" : ": " + w.getMessage()));
            }
        }
        return String.join("; ", reasons);
    }

    private static List<ContainerStatus> containerStatuses(Pod p) {
        return p.getStatus() == null || p.getStatus().getContainerStatuses() == null ? List.of()
                : p.getStatus().getContainerStatuses();
    }

    /** Docker-like state names, as the core's reaper expects: running, created, exited, removing, unknown. */
    static String state(Pod p) {
        if (p.getMetadata().getDeletionTimestamp() != null) {
            return "removing";
        }
        String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
        if (phase == null || phase.equals("Pending")) {
            return "created";
        }
        return switch (phase) {
            case "Running" -> running(p) ? "running" : "exited";
            case "Succeeded", "Failed" -> "exited";
            default -> "unknown";
        };
    }
}
