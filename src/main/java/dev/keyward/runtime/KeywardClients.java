package dev.keyward.runtime;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.impl.BaseClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.vertx.core.Context;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The Kubernetes client of Keyward's long-running processes, the operator and the verifier.
 *
 * <p>Its JSON skips {@code metadata.managedFields}, the API server's field ownership bookkeeping,
 * while it reads. Every object a real API server sends carries it (several nested maps per writer,
 * often larger than the rest of a Secret), and those processes read every ApiKey and every Keyward
 * Secret on each list and watch event. Keyward never uses it: it does not use server-side apply,
 * and an update sent without managedFields leaves the server's as they are. The other code paths
 * (the command line) keep fabric8's stock JSON.
 *
 * <p>Its task executor can handle watch events on the HTTP event loop that received them ({@link
 * #handleEventsOnEventLoop}); the operator switches that on once it has started.
 *
 * <p>The ApiKey and ToolSecret kinds are registered for every client through {@code
 * META-INF/services/io.fabric8.kubernetes.api.model.KubernetesResource}: without it fabric8 decodes
 * each of their watch events into a generic resource first and converts that again.
 */
public final class KeywardClients {

  private KeywardClients() {}

  /** A client builder for {@code config} whose JSON skips managedFields. */
  public static KubernetesClientBuilder builder(Config config) {
    return new KubernetesClientBuilder()
        .withConfig(config)
        .withKubernetesSerialization(json())
        .withTaskExecutorSupplier(
            new KubernetesClientBuilder.ExecutorSupplier() {
              @Override
              public Executor get() {
                return new TaskExecutor();
              }

              @Override
              public void onClose(Executor executor) {
                ((TaskExecutor) executor).pool.shutdownNow();
              }
            });
  }

  /**
   * From now on ({@code true}) or no longer, {@code client}'s watch events are handled on the HTTP
   * event loop that received them; see {@link TaskExecutor}. Only for a client built by {@link
   * #builder}, and only while every informer of the client has synced and none is starting or
   * stopping. Switching it off returns once no event is being handled on an event loop (at most 5
   * seconds), so informers stopped afterwards never wait for one.
   */
  public static void handleEventsOnEventLoop(KubernetesClient client, boolean on) {
    if (client.adapt(BaseClient.class).getExecutor() instanceof TaskExecutor executor) {
      if (on) {
        executor.inline = true;
      } else {
        executor.stopInline(Duration.ofSeconds(5));
      }
    }
  }

  /** fabric8's JSON, reading and writing objects without {@code metadata.managedFields}. */
  public static KubernetesSerialization json() {
    ObjectMapper mapper = new ObjectMapper();
    mapper.addMixIn(ObjectMeta.class, WithoutManagedFields.class);
    return new KubernetesSerialization(mapper, true);
  }

  /**
   * The client's task executor. fabric8 hands every watch event from the HTTP event loop to it, and
   * an informer hands the event on to its listeners through it once more: a cache update, then
   * JOSDK queueing a reconcile, a few microseconds each. Waking a pool thread for each step costs
   * more CPU than the step: running them on the event loop saved about a seventh of the operator's
   * CPU per new key in the benchmark at 1,000 and 10,000 keys (docs/performance.md). So once
   * switched on, a task handed over on an event loop runs right there; every other task (watch
   * reconnects, informer resyncs, which may wait on the API server) runs on a pool.
   *
   * <p>It is off until the operator has started, and off again before it stops: JOSDK's {@code
   * InformerEventSource} handles an event under the lock its {@code start()} holds while waiting
   * for the informers to sync, and a sync that needs the event loop must not wait for it. Once
   * running, what an event meets is quick and never waits on the API server: JOSDK's caches and
   * event queue, and Keyward's secondary-to-primary mappers, which read caches.
   */
  static final class TaskExecutor implements Executor {
    final ExecutorService pool = Executors.newCachedThreadPool(DaemonThreads.named("kube-client"));
    volatile boolean inline;

    /** Tasks running on an event loop right now. */
    final AtomicInteger running = new AtomicInteger();

    @Override
    public void execute(Runnable task) {
      if (inline && Context.isOnEventLoopThread()) {
        running.incrementAndGet();
        try {
          task.run();
        } finally {
          running.decrementAndGet();
        }
      } else {
        pool.execute(task);
      }
    }

    /**
     * Hands every later task to the pool and waits until none runs on an event loop any more, for
     * at most {@code limit}: a task still running there when the informers stop could wait for the
     * lock JOSDK's {@code stop()} holds, while the stop waits for that event loop.
     */
    void stopInline(Duration limit) {
      inline = false;
      if (Context.isOnEventLoopThread()) {
        return;
      }
      long deadline = System.nanoTime() + limit.toNanos();
      while (running.get() > 0 && System.nanoTime() < deadline) {
        LockSupport.parkNanos(100_000);
      }
    }
  }

  @JsonIgnoreProperties({"managedFields"})
  private abstract static class WithoutManagedFields {}
}
