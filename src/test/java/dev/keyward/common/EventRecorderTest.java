package dev.keyward.common;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.apikey.ApiKey;
import dev.keyward.testing.TestApiKeys;
import dev.keyward.testing.TestApiServer;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A reconcile hands its Event over and goes on: Events reach the API server in the order they were
 * recorded, and an API server that does not answer neither holds up the recording thread nor grows
 * the queue past its bound.
 */
class EventRecorderTest {

  static ApiKey key(String namespace, String name) {
    ApiKey key = TestApiKeys.apiKey(name, s -> {});
    key.getMetadata().setNamespace(namespace);
    key.getMetadata().setUid("uid-" + name);
    return key;
  }

  @Test
  void eventsArriveInTheOrderTheyWereRecorded() {
    KubernetesClient admin = TestApiServer.get().admin();
    String ns = "events-order-" + System.nanoTime() % 100_000;
    admin
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .create();
    try (EventRecorder events = new EventRecorder(admin, Clock.systemUTC())) {
      ApiKey key = key(ns, "ordered");
      for (int i = 1; i <= 5; i++) {
        events.normal(key, "Step", "step " + i);
      }
      assertThat(events.flush(Duration.ofSeconds(20))).isTrue();
      List<Event> sent = new ArrayList<>(admin.v1().events().inNamespace(ns).list().getItems());
      sent.sort(
          java.util.Comparator.comparing(
              e -> Long.parseLong(e.getMetadata().getResourceVersion())));
      assertThat(sent)
          .extracting(Event::getMessage)
          .containsExactly("step 1", "step 2", "step 3", "step 4", "step 5");
      assertThat(sent)
          .allSatisfy(
              e -> {
                assertThat(e.getInvolvedObject().getName()).isEqualTo("ordered");
                assertThat(e.getInvolvedObject().getKind()).isEqualTo("ApiKey");
                assertThat(e.getType()).isEqualTo("Normal");
              });
      assertThat(events.dropped()).isZero();
    }
  }

  @Test
  void anApiServerThatDoesNotAnswerHoldsUpNoReconcileAndTheQueueStaysBounded() throws Exception {
    CountDownLatch requestArrived = new CountDownLatch(1);
    List<Socket> held = new ArrayList<>();
    try (ServerSocket silent = new ServerSocket(0)) {
      Thread acceptor =
          new Thread(
              () -> {
                try {
                  while (true) {
                    Socket s = silent.accept();
                    synchronized (held) {
                      held.add(s);
                    }
                    requestArrived.countDown();
                  }
                } catch (java.io.IOException closed) {
                  // the test is over
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
      KubernetesClient client =
          new KubernetesClientBuilder()
              .withConfig(
                  new ConfigBuilder()
                      .withMasterUrl("http://127.0.0.1:" + silent.getLocalPort())
                      .withRequestTimeout(60_000)
                      .withRequestRetryBackoffLimit(0)
                      .build())
              .build();
      EventRecorder events = new EventRecorder(client, Clock.systemUTC(), 2);
      try {
        ApiKey key = key("team-a", "k");
        events.normal(key, "Rotated", "first: the sender takes it and waits for the answer");
        assertThat(requestArrived.await(20, TimeUnit.SECONDS)).isTrue();

        // Two wait in the queue, the rest are dropped; no call waits for the silent server.
        for (int i = 0; i < 5; i++) {
          events.normal(key, "Rotated", "queued or dropped " + i);
        }
        assertThat(events.dropped()).isEqualTo(3);
        assertThat(events.flush(Duration.ofMillis(200))).isFalse();
      } finally {
        events.close();
        client.close();
        synchronized (held) {
          for (Socket s : held) {
            s.close();
          }
        }
      }
    }
  }
}
