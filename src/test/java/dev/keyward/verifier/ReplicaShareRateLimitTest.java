package dev.keyward.verifier;

import static dev.keyward.verifier.VerifierForwardAuthTest.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.apikey.RateLimit;
import dev.keyward.testing.OperatorHarness;
import dev.keyward.testing.VerifierHarness;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Without a store, each replica keeps its share of a key's limit: the limit divided by the ready
 * endpoints of the verifier's Service, read from its EndpointSlices.
 */
class ReplicaShareRateLimitTest {

  private static final String SERVICE = "keyward-verifier";

  @RegisterExtension final VerifierHarness kv = new VerifierHarness();

  @Test
  void twoReplicasWithoutAStoreAdmitTheKeysLimitTogether() throws Exception {
    slice("a", endpoint("10.0.0.1", "pod-1", true), endpoint("10.0.0.2", "pod-2", true));
    slice("b", endpoint("10.0.0.3", "pod-3", false), endpoint("10.0.0.1", "pod-1", true));
    kv.rateLimiting(RateLimiting.local().withReplicasOf(kv.namespace(), SERVICE));
    List<Verifier> replicas = new ArrayList<>(List.of(kv.startSynced(), kv.startReplica()));
    for (Verifier replica : replicas) {
      OperatorHarness.waiting().until(() -> replica.rateLimitReplicas() == 2);
    }
    String key = kv.issue("busy", s -> s.setRateLimit(new RateLimit(100, "1m")));
    for (Verifier replica : replicas) {
      OperatorHarness.waiting().until(() -> replica.registry().apiKeys() == 1);
    }

    long started = System.nanoTime();
    SharedRateLimitTest.Tally tally = SharedRateLimitTest.spread(replicas, key, 1_000, 8);
    double minutes = (System.nanoTime() - started) / 60e9;

    // An even spread: each replica's 50 and its 50 per minute, 100 and 100 per minute in all.
    long bound = 100 + (long) Math.ceil(100 * minutes);
    System.out.printf(
        "No store, 2 replicas, 100/min, 1,000 requests in %.1f s: %d admitted (bound %d)%n",
        minutes * 60, tally.ok.get(), bound);
    assertThat(tally.ok.get()).isBetween(100, (int) bound);
    assertThat(tally.ok.get() + tally.limited.get()).isEqualTo(1_000);
    assertThat(tally.limitedWithoutRetryAfter.get()).isZero();
    assertThat(kv.get("/metrics").body()).contains("keyward_verifier_rate_limit_replicas 2.0");
  }

  @Test
  void theShareFollowsTheReadyReplicasAndReadinessDoesNotDependOnThem() throws Exception {
    kv.rateLimiting(RateLimiting.local().withReplicasOf(kv.namespace(), SERVICE));
    Verifier verifier = kv.startSynced();
    assertThat(verifier.rateLimitReplicas()).isEqualTo(1); // no slices: not divided
    assertThat(kv.get("/readyz").status()).isEqualTo(200);

    slice(
        "a",
        endpoint("10.0.0.1", "pod-1", true),
        endpoint("10.0.0.2", "pod-2", true),
        endpoint("10.0.0.3", "pod-3", true),
        endpoint("10.0.0.4", "pod-4", true));
    OperatorHarness.waiting().until(() -> verifier.rateLimitReplicas() == 4);
    String key = kv.issue("shared", s -> s.setRateLimit(new RateLimit(8, "1h")));
    kv.awaitCode(key, "OK");
    assertThat(kv.verify("", key).status()).isEqualTo(200);
    assertRefused(kv.verify("", key), 429, "RATE_LIMITED"); // 8 / 4 = 2 here

    kv.admin()
        .resources(EndpointSlice.class)
        .inNamespace(kv.namespace())
        .withName(SERVICE + "-a")
        .delete();
    OperatorHarness.waiting().until(() -> verifier.rateLimitReplicas() == 1);
    assertThat(kv.get("/readyz").status()).isEqualTo(200);
  }

  @Test
  void readyEndpointsAreCountedOncePerPod() {
    EndpointSlice a =
        new EndpointSliceBuilder()
            .withEndpoints(
                endpoint("10.0.0.1", "pod-1", true),
                endpoint("10.0.0.2", "pod-2", false),
                new EndpointBuilder().withAddresses("10.0.0.9").build())
            .build();
    EndpointSlice b =
        new EndpointSliceBuilder().withEndpoints(endpoint("10.0.0.1", "pod-1", true)).build();
    assertThat(ReadyReplicas.count(List.of(a, b))).isEqualTo(2);
    assertThat(ReadyReplicas.count(List.of())).isEqualTo(1);
    assertThat(ReadyReplicas.count(List.of(new EndpointSlice()))).isEqualTo(1);
  }

  private void slice(String suffix, Endpoint... endpoints) {
    kv.admin()
        .resources(EndpointSlice.class)
        .inNamespace(kv.namespace())
        .resource(
            new EndpointSliceBuilder()
                .withNewMetadata()
                .withName(SERVICE + "-" + suffix)
                .addToLabels("kubernetes.io/service-name", SERVICE)
                .endMetadata()
                .withAddressType("IPv4")
                .withEndpoints(endpoints)
                .build())
        .create();
  }

  private static Endpoint endpoint(String ip, String pod, boolean ready) {
    return new EndpointBuilder()
        .withAddresses(ip)
        .withNewConditions()
        .withReady(ready)
        .endConditions()
        .withNewTargetRef()
        .withKind("Pod")
        .withName(pod)
        .withUid("uid-" + pod)
        .endTargetRef()
        .build();
  }
}
