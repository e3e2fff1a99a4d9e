package dev.sandbox4j.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import org.junit.jupiter.api.Test;

/** What a Pod's status says about its box, without an API server. */
class PodStatesTest {

    private static Pod pod(PodStatus status) {
        return new PodBuilder().withNewMetadata().withName("x").endMetadata().withStatus(status).build();
    }

    private static PodStatus waiting(String reason, String message) {
        return new PodStatusBuilder().withPhase("Pending")
                .addToContainerStatuses(new ContainerStatusBuilder().withName("sandbox").withNewState().withNewWaiting()
                        .withReason(reason).withMessage(message).endWaiting().endState().build())
                .build();
    }

    @Test
    void theTimeoutNamesWhatThePodWaitsFor() {
        Pod p = pod(new PodStatusBuilder().withPhase("Pending").addNewCondition().withType("PodScheduled")
                .withStatus("False").withReason("Unschedulable")
                .withMessage("0/1 nodes are available: 1 Insufficient memory.").endCondition().build());
        assertThat(PodStates.waitingReason(p))
                .isEqualTo("phase Pending; PodScheduled: 0/1 nodes are available: 1 Insufficient memory.");
        assertThat(PodStates.waitingReason(new Pod())).contains("no status yet");
    }

    @Test
    void anImageThatCannotBeHadIsAStartFailureOfItsOwnKind() {
        Pod p = pod(waiting("ErrImageNeverPull", "image is not present with pull policy Never"));
        assertThat(PodStates.startFailure(p))
                .isEqualTo("ErrImageNeverPull: image is not present with pull policy Never");
        assertThat(PodStates.imageFailure(p)).isTrue();
        assertThat(PodStates.running(p)).isFalse();

        Pod pulling = pod(waiting("ContainerCreating", "pulling"));
        assertThat(PodStates.startFailure(pulling)).as("still may start").isNull();
        assertThat(PodStates.imageFailure(pulling)).isFalse();
    }

    @Test
    void statesUseTheNamesTheCoreExpects() {
        assertThat(PodStates.state(pod(new PodStatusBuilder().withPhase("Pending").build()))).isEqualTo("created");
        assertThat(PodStates.state(pod(new PodStatusBuilder().withPhase("Running").build()))).isEqualTo("running");
        assertThat(PodStates.state(pod(new PodStatusBuilder().withPhase("Succeeded").build()))).isEqualTo("exited");
        assertThat(PodStates.state(pod(new PodStatusBuilder().withPhase("Failed").build()))).isEqualTo("exited");
        assertThat(PodStates.state(pod(new PodStatusBuilder().withPhase("Unknown").build()))).isEqualTo("unknown");
        Pod deleting = pod(new PodStatusBuilder().withPhase("Running").build());
        deleting.getMetadata().setDeletionTimestamp("2025-01-01T00:00:00Z");
        assertThat(PodStates.state(deleting)).isEqualTo("removing");
    }
}
