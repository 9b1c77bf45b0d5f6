package dev.keyward.apikey;

import static dev.keyward.apikey.ApiKeyOwnWritesTest.activeAt;
import static dev.keyward.testing.TestApiKeys.apiKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keyward.testing.OperatorHarness;
import dev.keyward.testing.RequestLog;
import io.fabric8.kubernetes.api.model.Event;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A real API server under a burst of rotations answered one write {@code 429 Too Many Requests}
 * (API priority and fairness, with {@code Retry-After}). Here every first attempt at a rotation's
 * writes is answered so: the operator's client waits as asked and sends the write again, so each
 * key still rotates once, in one reconcile, to exactly one new version, with one {@code Rotated}
 * Event and no Warning.
 */
class ApiKeyTooManyRequestsTest {

  @RegisterExtension final OperatorHarness kw = new OperatorHarness();

  @Test
  void aRotationBurstAnsweredTooManyRequestsRotatesEachKeyOnceAfterWaiting() {
    List<String> names = IntStream.range(0, 6).mapToObj(i -> "busy-" + i).toList();
    names.forEach(name -> kw.create(apiKey(name, s -> s.setType("Agent"))));
    names.forEach(name -> kw.awaitApiKey(name, k -> activeAt(k, 1)));
    // Let the echoes of the first writes arrive before counting.
    await().pollDelay(Duration.ofMillis(500)).until(() -> true);
    Map<String, Integer> before = new HashMap<>();
    Map<String, String> first = new HashMap<>();
    for (String name : names) {
      before.put(name, kw.reconcileCount(name));
      first.put(name, OperatorHarness.value(kw.secret(name), "apiKey"));
    }

    Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    kw.requests().answerWithErrors(r -> firstAttemptOfAWrite(r, attempts) ? 429 : 0);
    kw.tick(Duration.ofDays(84));
    names.forEach(name -> kw.awaitApiKey(name, k -> activeAt(k, 2)));
    await().pollDelay(Duration.ofSeconds(1)).until(() -> true);

    for (String name : names) {
      assertThat(OperatorHarness.value(kw.secret(name), "apiKey.previous"))
          .as(name + ": the first key is kept as the previous one")
          .isEqualTo(first.get(name));
      assertThat(kw.apiKey(name).getStatus().getPreviousKey().getFingerprint())
          .isEqualTo(KeyFormat.fingerprint(first.get(name)));
      assertThat(kw.reconcileCount(name) - before.get(name))
          .as(name + ": the client waited and sent again; the reconcile did not fail")
          .isEqualTo(1);
      List<Event> events = kw.events(name);
      assertThat(events).extracting(Event::getReason).containsExactly("Rotated");
      assertThat(events).noneMatch(e -> "Warning".equals(e.getType()));
    }

    // Counted once the Events are sent (kw.events above waited for them).
    int refused = kw.requests().errorResponses().getOrDefault(429, 0L).intValue();
    System.out.printf("429 Too Many Requests: %d answers over %d rotations%n", refused, 6);
    // Each rotation's Secret update and status patch met one, and so did the first Event (Events
    // share one path).
    assertThat(refused).isGreaterThanOrEqualTo(2 * names.size() + 1);
  }

  /** The first attempt at each write of the ApiKey controller (method and path). */
  private static boolean firstAttemptOfAWrite(
      RequestLog.Request r, Map<String, AtomicInteger> attempts) {
    if (!r.isWrite() || r.path().contains("keyward-sealing")) {
      return false;
    }
    String key = r.method() + " " + r.path().replaceAll("\\?.*", "");
    return attempts.computeIfAbsent(key, k -> new AtomicInteger()).getAndIncrement() == 0;
  }
}
