package dev.keyward.common;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records Kubernetes Events on Keyward's resources, the way {@code kubectl describe} shows them.
 *
 * <p>Events are best effort and sent in the background, as client-go's recorder sends them: a
 * reconcile hands its Event to a queue and goes on, and one thread creates the queued Events in the
 * order they were recorded. A reconcile therefore never waits for an Event, and a burst (every key
 * rotating at once) writes its Secrets and statuses first while its Events follow. Failing to
 * record one never fails a reconcile; when {@value #QUEUE} Events wait already, a further one is
 * dropped and counted ({@link #dropped()}, logged at the first and every 1,000th). Events still
 * queued when the operator stops are sent for up to {@link #CLOSE_WAIT}, then dropped. Messages
 * never carry a secret value.
 */
public class EventRecorder implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
  public static final String COMPONENT = "keyward";
  static final int QUEUE = 10_000;
  static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

  private final KubernetesClient client;
  private final Clock clock;
  private final BlockingQueue<Event> queue;

  /** Recorded and not yet sent (or given up on): what {@link #flush} waits for. */
  private final AtomicLong pending = new AtomicLong();

  private final AtomicLong dropped = new AtomicLong();
  private Thread sender;
  private volatile boolean closed;

  public EventRecorder(KubernetesClient client, Clock clock) {
    this(client, clock, QUEUE);
  }

  EventRecorder(KubernetesClient client, Clock clock, int capacity) {
    this.client = client;
    this.clock = clock;
    this.queue = new ArrayBlockingQueue<>(capacity);
  }

  public void normal(HasMetadata object, String reason, String message) {
    record(object, "Normal", reason, message);
  }

  public void warning(HasMetadata object, String reason, String message) {
    record(object, "Warning", reason, message);
  }

  private void record(HasMetadata object, String type, String reason, String message) {
    if (closed) {
      return;
    }
    Event event = event(object, type, reason, message);
    pending.incrementAndGet();
    if (!queue.offer(event)) {
      pending.decrementAndGet();
      long n = dropped.incrementAndGet();
      if (n == 1 || n % 1000 == 0) {
        log.warn(
            "{} Events waiting to be sent; dropped {} {} on {} {}/{} ({} dropped so far)",
            queue.size(),
            type,
            reason,
            object.getKind(),
            object.getMetadata().getNamespace(),
            object.getMetadata().getName(),
            n);
      }
      return;
    }
    startSender();
  }

  private synchronized void startSender() {
    if (sender == null) {
      sender = new Thread(this::send, "keyward-events");
      sender.setDaemon(true);
      sender.start();
    }
  }

  private void send() {
    try {
      sendQueued();
    } finally {
      // Should the thread end for any reason but close(), the next Event starts another one.
      synchronized (this) {
        if (sender == Thread.currentThread()) {
          sender = null;
        }
      }
    }
  }

  private void sendQueued() {
    while (!closed || !queue.isEmpty()) {
      Event event;
      try {
        event = queue.poll(100, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (event == null) {
        continue;
      }
      try {
        client
            .v1()
            .events()
            .inNamespace(event.getMetadata().getNamespace())
            .resource(event)
            .create();
      } catch (RuntimeException e) {
        // KubernetesClientException mostly; anything else an HTTP layer throws must not end the
        // thread either.
        var about = event.getInvolvedObject();
        log.warn(
            "Could not record {} event {} on {} {}/{}: {}",
            event.getType(),
            event.getReason(),
            about.getKind(),
            about.getNamespace(),
            about.getName(),
            e.getMessage());
      } finally {
        pending.decrementAndGet();
      }
    }
  }

  /**
   * Waits until no recorded Event is left to send (each sent or given up on), at most {@code
   * timeout}; true when none is left. Events recorded meanwhile are waited for too.
   */
  public boolean flush(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (pending.get() > 0) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  /** Events dropped because the queue was full. */
  public long dropped() {
    return dropped.get();
  }

  /** Sends what is queued for up to {@link #CLOSE_WAIT}, then stops; later Events are dropped. */
  @Override
  public void close() {
    flush(CLOSE_WAIT);
    closed = true;
    Thread t;
    synchronized (this) {
      t = sender;
    }
    if (t != null) {
      t.interrupt();
    }
  }

  private Event event(HasMetadata object, String type, String reason, String message) {
    String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    return new EventBuilder()
        .withNewMetadata()
        .withName(
            object.getMetadata().getName()
                + "."
                + UUID.randomUUID().toString().replace("-", "").substring(0, 16))
        .withNamespace(object.getMetadata().getNamespace())
        .endMetadata()
        .withNewInvolvedObject()
        .withApiVersion(object.getApiVersion())
        .withKind(object.getKind())
        .withName(object.getMetadata().getName())
        .withNamespace(object.getMetadata().getNamespace())
        .withUid(object.getMetadata().getUid())
        .withResourceVersion(object.getMetadata().getResourceVersion())
        .endInvolvedObject()
        .withType(type)
        .withReason(reason)
        .withMessage(message)
        .withFirstTimestamp(now)
        .withLastTimestamp(now)
        .withCount(1)
        .withNewSource()
        .withComponent(COMPONENT)
        .endSource()
        .withReportingComponent(COMPONENT)
        .build();
  }
}
