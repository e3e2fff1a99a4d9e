/**
 * Docker backend: boxes are hardened Docker containers driven through the Engine API (docker-java, unix socket or
 * {@code tcp://} from {@code DOCKER_HOST}); also builds the runtime images locally ({@link
 * dev.sandbox4j.docker.DockerImageBuilder}).
 */
@NullMarked
package dev.sandbox4j.docker;

import org.jspecify.annotations.NullMarked;
