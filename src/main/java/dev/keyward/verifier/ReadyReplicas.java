package dev.keyward.verifier;

import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many verifier replicas are ready, from the EndpointSlices of the verifier's Service (label
 * {@code kubernetes.io/service-name}): each replica divides a key's limit by it when limits are
 * kept locally. At least 1; 1 until the slices are known, or when they cannot be read (the limit is
 * then this replica's alone, as with a single replica). Never part of readiness.
 */
public final class ReadyReplicas implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ReadyReplicas.class);

  private final KubernetesClient client;
  private final String namespace;
  private final String service;
  private SharedIndexInformer<EndpointSlice> informer;
  private volatile int ready = 1;

  public ReadyReplicas(KubernetesClient client, String namespace, String service) {
    this.client = client;
    this.namespace = namespace;
    this.service = service;
  }

  /** Starts watching the Service's EndpointSlices; returns at once. */
  public void start() {
    informer =
        client
            .discovery()
            .v1()
            .endpointSlices()
            .inNamespace(namespace)
            .withLabel("kubernetes.io/service-name", service)
            .runnableInformer(0);
    informer.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(EndpointSlice slice) {
            recount();
          }

          @Override
          public void onUpdate(EndpointSlice old, EndpointSlice slice) {
            recount();
          }

          @Override
          public void onDelete(EndpointSlice slice, boolean unknown) {
            recount();
          }
        });
    informer.exceptionHandler(
        (started, t) -> {
          log.warn(
              "Watching the EndpointSlices of Service {}/{} failed, retrying (rate limits are not"
                  + " divided among replicas meanwhile): {}",
              namespace,
              service,
              t.getClass().getSimpleName());
          return true;
        });
    try {
      informer.start();
    } catch (RuntimeException e) {
      log.warn(
          "Cannot watch the EndpointSlices of Service {}/{}: {}",
          namespace,
          service,
          e.getClass().getSimpleName());
    }
  }

  private void recount() {
    int count = count(informer.getStore().list());
    if (count != ready) {
      log.info(
          "{} ready verifier replica(s) behind Service {}/{}: local rate limits divided by {}",
          count,
          namespace,
          service,
          count);
      ready = count;
    }
  }

  /**
   * Ready endpoints over all slices, each pod once (a pod can be in two slices while they move).
   */
  static int count(List<EndpointSlice> slices) {
    Set<String> seen = new HashSet<>();
    for (EndpointSlice slice : slices) {
      if (slice.getEndpoints() == null) {
        continue;
      }
      for (Endpoint endpoint : slice.getEndpoints()) {
        boolean ready =
            endpoint.getConditions() == null
                || endpoint.getConditions().getReady() == null
                || endpoint.getConditions().getReady();
        if (!ready) {
          continue;
        }
        String id =
            endpoint.getTargetRef() != null && endpoint.getTargetRef().getUid() != null
                ? endpoint.getTargetRef().getUid()
                : String.valueOf(endpoint.getAddresses());
        seen.add(id);
      }
    }
    return Math.max(1, seen.size());
  }

  /** Ready replicas now, at least 1. */
  public int ready() {
    return ready;
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.stop();
    }
  }
}
