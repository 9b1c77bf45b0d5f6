package dev.keyward.sealing;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When the sealing keyset is looked at: at start, when this replica starts leading, after a clock
 * jump, and on a timer that is never late for a due rotation by more than {@link #CHECK}. The
 * leader (or the only replica) creates the keyset or rotates its primary when due; any other
 * replica only reads it.
 */
public final class SealingKeySchedule implements AutoCloseable {

  /** The sealing keys are looked at least this often, so a due rotation is never late by more. */
  public static final Duration CHECK = Duration.ofHours(1);

  private static final Logger log = LoggerFactory.getLogger(SealingKeySchedule.class);

  private final SealingKeyStore store;
  private final BooleanSupplier leading;
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "keyward-sealing-keys");
            t.setDaemon(true);
            return t;
          });

  /**
   * @param leading true while this process may write (holds the lease, or runs alone)
   */
  public SealingKeySchedule(SealingKeyStore store, BooleanSupplier leading) {
    this.store = store;
    this.leading = leading;
  }

  /** Checks now, then on the timer. */
  public void start() {
    check();
    scheduleNext();
  }

  /** Checks now; a failure is thrown. */
  public void check() {
    if (leading.getAsBoolean()) {
      store.ensure();
    } else {
      store.reload();
    }
  }

  /** Checks soon on the schedule's thread, e.g. when this replica starts leading. */
  public void checkSoon() {
    try {
      scheduler.execute(this::checkOrWarn);
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  /** The sealing keys for a reader: never written by a replica that is not the leader. */
  public SealingKeys forReading() {
    if (leading.getAsBoolean()) {
      return store.current();
    }
    SealingKeys keys = store.loaded();
    keys = keys != null ? keys : store.reload();
    if (keys == null) {
      throw new IllegalStateException("no sealing keyset yet; the leader creates it");
    }
    return keys;
  }

  private void checkOrWarn() {
    try {
      check();
    } catch (RuntimeException e) {
      log.warn("Could not check the sealing keys; trying again later: {}", e.getMessage());
    }
  }

  private void scheduleNext() {
    Duration next = store.untilNextRotation();
    Duration delay = next.compareTo(CHECK) < 0 ? next : CHECK;
    try {
      scheduler.schedule(
          () -> {
            checkOrWarn();
            scheduleNext();
          },
          // A standby waits for the leader's rotation without asking every second.
          Math.max(leading.getAsBoolean() ? 1 : 30, delay.toSeconds()),
          TimeUnit.SECONDS);
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
