package dev.keyward.toolsecret;

import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.WebSocket;
import io.fabric8.kubernetes.client.http.WebSocketHandshakeException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One namespace's watch: list for a resourceVersion, watch from it, and start again when the watch
 * ends. Kept on fabric8's HTTP client rather than its watch, which retries a refused watch without
 * end and without telling; here a refusal comes back with the server's own message.
 */
final class NamespaceSecretWatch implements WebSocket.Listener {
  private final String namespace;
  private volatile WebSocket socket;
  private volatile String problem;
  private volatile boolean closed;
  private Duration nextRetry = FIRST_RETRY;

  /** What the watch tells the ToolSecret controller. */
  interface Owner {
    /** The Secret {@code name} changed; ToolSecrets reading it look again. */
    void changed(String namespace, String name);

    /** The watch is established ({@code problem} null) or cannot be, and why. */
    void state(String namespace, String problem);

    /** Every ToolSecret of the namespace reading a Secret looks again. */
    void reread(String namespace);

    boolean running();
  }

  static final Duration FIRST_RETRY = Duration.ofSeconds(1);
  static final Duration LAST_RETRY = Duration.ofMinutes(1);

  /** How long the server keeps one watch stream open before it is started again. */
  static final int WATCH_SECONDS = 300;

  private static final Logger log = LoggerFactory.getLogger(NamespaceSecretWatch.class);

  private final KubernetesClient client;
  private final HttpClient watchHttp;
  private final ScheduledExecutorService executor;
  private final Owner owner;

  NamespaceSecretWatch(
      String namespace,
      KubernetesClient client,
      HttpClient watchHttp,
      ScheduledExecutorService executor,
      Owner owner) {
    this.namespace = namespace;
    this.client = client;
    this.watchHttp = watchHttp;
    this.executor = executor;
    this.owner = owner;
  }

  /** Why the watch cannot be established now, or null. */
  String problem() {
    return problem;
  }

  void schedule(Duration delay) {
    try {
      executor.schedule(() -> open(true), delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // stopping
    }
  }

  /**
   * Opens the first watch on the caller's thread and waits until it is established or refused, so
   * that a read of a source after this returns is covered by the watch: nothing to re-read.
   */
  void openFirst() {
    try {
      open(false).get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // Reported by the watch itself (refused), or still pending (reported when it settles).
    }
  }

  /**
   * @param reread re-read every source once established: changes since the last watch were unseen
   */
  private CompletableFuture<?> open(boolean reread) {
    if (closed) {
      return CompletableFuture.completedFuture(null);
    }
    String resourceVersion;
    try {
      resourceVersion =
          client
              .secrets()
              .inNamespace(namespace)
              .withLabelSelector(SourceSecretWatch.SELECTOR)
              .list(new ListOptionsBuilder().withLimit(1L).build())
              .getMetadata()
              .getResourceVersion();
    } catch (RuntimeException e) {
      failed(e.getMessage());
      return CompletableFuture.completedFuture(null);
    }
    URI uri = watchUri(resourceVersion);
    return watchHttp
        .newWebSocketBuilder()
        .uri(uri)
        .connectTimeout(30, TimeUnit.SECONDS)
        .buildAsync(this)
        .whenComplete(
            (ws, error) -> {
              if (error == null) {
                socket = ws;
                if (closed) {
                  ws.sendClose(1000, null);
                } else {
                  established(reread);
                }
              } else {
                refused(uri, error);
              }
            });
  }

  private URI watchUri(String resourceVersion) {
    String base = client.getConfiguration().getMasterUrl();
    return URI.create(
        (base.endsWith("/") ? base : base + "/")
            + "api/v1/namespaces/"
            + namespace
            + "/secrets?watch=true&allowWatchBookmarks=true&timeoutSeconds="
            + WATCH_SECONDS
            + "&resourceVersion="
            + URLEncoder.encode(resourceVersion, StandardCharsets.UTF_8)
            + "&labelSelector="
            + URLEncoder.encode(SourceSecretWatch.SELECTOR, StandardCharsets.UTF_8));
  }

  /** The upgrade was refused; its answer has no body, so the same request is asked plainly. */
  private void refused(URI uri, Throwable error) {
    Throwable cause = error instanceof CompletionException ? error.getCause() : error;
    if (!(cause instanceof WebSocketHandshakeException handshake)) {
      failed(cause == null ? null : cause.getMessage());
      return;
    }
    int code = handshake.getResponse().code();
    watchHttp
        .sendAsync(
            watchHttp.newHttpRequestBuilder().uri(uri).timeout(10, TimeUnit.SECONDS).build(),
            String.class)
        .whenComplete(
            (response, e) ->
                failed(
                    response == null || response.code() < 400
                        ? "HTTP " + code
                        : SecretWatchEvent.statusMessage(response.body(), response.code())));
  }

  @Override
  public void onOpen(WebSocket ws) {
    ws.request();
  }

  @Override
  public void onMessage(WebSocket ws, String text) {
    event(text);
    ws.request();
  }

  @Override
  public void onClose(WebSocket ws, int code, String reason) {
    ended();
  }

  @Override
  public void onError(WebSocket ws, Throwable error) {
    ended();
  }

  private void event(String line) {
    SecretWatchEvent event = SecretWatchEvent.read(line);
    if (event.error()) {
      if (event.refusal() != null) {
        failed(event.refusal());
      }
      WebSocket current = socket;
      if (current != null) {
        current.sendClose(1000, null);
      }
    } else if (event.changedSecret() != null) {
      owner.changed(namespace, event.changedSecret());
    }
  }

  private void established(boolean reread) {
    nextRetry = FIRST_RETRY;
    boolean wasFailing = problem != null;
    problem = null;
    owner.state(namespace, null);
    if (wasFailing) {
      log.info("Watching the Secrets of namespace {} again", namespace);
    }
    if (reread || wasFailing) {
      // Changes between the last read and this watch were not seen.
      owner.reread(namespace);
    }
  }

  /** The watch ended (the server's timeout, a lost connection): list and watch again. */
  private void ended() {
    if (closed || !owner.running() || problem != null) {
      return;
    }
    schedule(Duration.ZERO);
  }

  private synchronized void failed(String message) {
    if (closed) {
      return;
    }
    String why = message == null ? "no answer" : message;
    boolean first = problem == null;
    problem = why;
    owner.state(namespace, why);
    if (first) {
      log.warn(
          "Cannot watch the Secrets of namespace {} that valueFrom reads: {}; retrying",
          namespace,
          why);
      owner.reread(namespace);
    }
    schedule(nextRetry);
    Duration doubled = nextRetry.multipliedBy(2);
    nextRetry = doubled.compareTo(LAST_RETRY) > 0 ? LAST_RETRY : doubled;
  }

  void close() {
    closed = true;
    WebSocket current = socket;
    if (current != null) {
      current.sendClose(1000, null);
    }
  }
}
