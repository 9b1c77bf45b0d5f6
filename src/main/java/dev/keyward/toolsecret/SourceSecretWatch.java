package dev.keyward.toolsecret;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.RequestConfigBuilder;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.WebSocket;
import io.fabric8.kubernetes.client.http.WebSocketHandshakeException;
import io.javaoperatorsdk.operator.health.Status;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the Secrets that {@code spec.valueFrom} points at. They are not Keyward's and can be any
 * Secret, so they are watched without a cache: each change is mapped to the ToolSecrets naming that
 * Secret and then forgotten, and memory does not grow with the cluster's Secrets.
 *
 * <p>A namespace is watched only while one of its ToolSecrets uses {@code valueFrom}, and the
 * Secrets Keyward writes for ToolSecrets are left out by label selector. Each watch starts from the
 * resourceVersion of a list, the way every API server serves it (a watch without one asks for
 * initial events, which some servers refuse). A watch that cannot be established is retried with
 * backoff, marks this event source unhealthy (so {@code /readyz} fails on the leader), is reported
 * to the observer (a metric) and to the affected ToolSecrets (a condition).
 */
final class SourceSecretWatch extends SimpleInboundEventSource<ToolSecret> {

  static final String BY_SOURCE = "valueFromSecret";
  static final String BY_NAMESPACE = "valueFromNamespace";

  /** Every Secret except those Keyward writes for ToolSecrets (values and indexes). */
  static final String SELECTOR = "!" + ToolValueSecret.LABEL + ",!" + ToolIndexSecret.LABEL;

  static final Duration FIRST_RETRY = Duration.ofSeconds(1);
  static final Duration LAST_RETRY = Duration.ofMinutes(1);

  /** How long the server keeps one watch stream open before it is started again. */
  static final int WATCH_SECONDS = 300;

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final Logger log = LoggerFactory.getLogger(SourceSecretWatch.class);

  private final KubernetesClient client;
  private final HttpClient watchHttp;
  private final IndexerResourceCache<ToolSecret> primaries;
  private final ToolSecretObserver observer;
  private final Map<String, NamespaceWatch> watches = new ConcurrentHashMap<>();
  private volatile ScheduledExecutorService executor;

  SourceSecretWatch(
      KubernetesClient client,
      IndexerResourceCache<ToolSecret> primaries,
      ToolSecretObserver observer) {
    super("toolsecret-sources");
    this.client = client;
    // The HTTP client would retry a refused watch ten times with backoff before telling anyone.
    this.watchHttp =
        client
            .newClient(
                new RequestConfigBuilder(client.getConfiguration().getRequestConfig())
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .adapt(KubernetesClient.class)
            .getHttpClient();
    this.primaries = primaries;
    this.observer = observer;
  }

  /** The index key of the Secret a ToolSecret reads its value from, if any. */
  static List<String> sourceKeys(ToolSecret toolSecret) {
    String source = sourceName(toolSecret);
    return source == null
        ? List.of()
        : List.of(key(toolSecret.getMetadata().getNamespace(), source));
  }

  /** The namespace of a ToolSecret that reads its value from a Secret, if it does. */
  static List<String> sourceNamespaces(ToolSecret toolSecret) {
    return sourceName(toolSecret) == null || toolSecret.isMarkedForDeletion()
        ? List.of()
        : List.of(toolSecret.getMetadata().getNamespace());
  }

  private static String sourceName(ToolSecret toolSecret) {
    var spec = toolSecret.getSpec();
    if (spec == null || spec.getValueFrom() == null) {
      return null;
    }
    var ref = spec.getValueFrom().getSecretKeyRef();
    return ref == null ? null : ref.getName();
  }

  private static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  @Override
  public synchronized void start() {
    super.start();
    executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "keyward-source-watch");
              t.setDaemon(true);
              return t;
            });
  }

  @Override
  public synchronized void stop() {
    super.stop();
    if (executor != null) {
      executor.shutdownNow();
    }
    watches.values().forEach(NamespaceWatch::close);
    watches.clear();
  }

  /**
   * Opens the namespace's watch when one of its ToolSecrets uses {@code valueFrom} and none is
   * open, and closes it when none does any more. Cheap; called at each reconcile.
   */
  synchronized void follow(String namespace) {
    if (!isRunning()) {
      return;
    }
    boolean wanted = !primaries.byIndex(BY_NAMESPACE, namespace).isEmpty();
    NamespaceWatch current = watches.get(namespace);
    if (wanted && current == null) {
      NamespaceWatch watch = new NamespaceWatch(namespace);
      watches.put(namespace, watch);
      watch.schedule(Duration.ZERO);
    } else if (!wanted && current != null) {
      watches.remove(namespace);
      current.close();
      observer.sourceWatch(namespace, null, false);
      log.info("No ToolSecret in namespace {} uses valueFrom; stopped watching Secrets", namespace);
    }
  }

  /** Why the namespace's Secrets cannot be watched now, or empty when they are (or need not be). */
  Optional<String> problem(String namespace) {
    NamespaceWatch watch = watches.get(namespace);
    return watch == null ? Optional.empty() : Optional.ofNullable(watch.problem);
  }

  @Override
  public Status getStatus() {
    return watches.values().stream().anyMatch(w -> w.problem != null)
        ? Status.UNHEALTHY
        : Status.HEALTHY;
  }

  /** Re-reads the sources of every ToolSecret of the namespace that uses valueFrom. */
  private void rereadSources(String namespace) {
    primaries.byIndex(BY_NAMESPACE, namespace).stream()
        .map(ResourceID::fromResource)
        .forEach(this::propagateEvent);
  }

  /**
   * One namespace's watch: list for a resourceVersion, watch from it, and start again when the
   * watch ends. Kept on fabric8's HTTP client rather than its watch, which retries a refused watch
   * without end and without telling; here a refusal comes back with the server's own message.
   */
  private final class NamespaceWatch implements WebSocket.Listener {
    private final String namespace;
    private volatile WebSocket socket;
    private volatile String problem;
    private volatile boolean closed;
    private Duration nextRetry = FIRST_RETRY;

    NamespaceWatch(String namespace) {
      this.namespace = namespace;
    }

    void schedule(Duration delay) {
      try {
        executor.schedule(this::open, delay.toMillis(), TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        // stopping
      }
    }

    private void open() {
      if (closed) {
        return;
      }
      String resourceVersion;
      try {
        resourceVersion =
            client
                .secrets()
                .inNamespace(namespace)
                .withLabelSelector(SELECTOR)
                .list(new ListOptionsBuilder().withLimit(1L).build())
                .getMetadata()
                .getResourceVersion();
      } catch (RuntimeException e) {
        failed(e.getMessage());
        return;
      }
      URI uri = watchUri(resourceVersion);
      watchHttp
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
                    established();
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
              + URLEncoder.encode(SELECTOR, StandardCharsets.UTF_8));
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
                          : statusMessage(response.body(), response.code())));
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
      if (line.isBlank()) {
        return;
      }
      JsonNode event;
      try {
        event = JSON.readTree(line);
      } catch (IOException e) {
        return;
      }
      String type = event.path("type").asText();
      JsonNode object = event.path("object");
      if ("ERROR".equals(type)) {
        // 410 Gone: the resourceVersion is too old; anything else is a refusal.
        if (object.path("code").asInt() != HttpURLConnection.HTTP_GONE) {
          failed(object.path("message").asText("the watch stream reported an error"));
        }
        WebSocket current = socket;
        if (current != null) {
          current.sendClose(1000, null);
        }
        return;
      }
      if ("BOOKMARK".equals(type)) {
        return;
      }
      String name = object.path("metadata").path("name").asText(null);
      if (name != null) {
        for (ToolSecret t : primaries.byIndex(BY_SOURCE, key(namespace, name))) {
          propagateEvent(ResourceID.fromResource(t));
        }
      }
    }

    private void established() {
      nextRetry = FIRST_RETRY;
      boolean wasFailing = problem != null;
      problem = null;
      observer.sourceWatch(namespace, null, true);
      if (wasFailing) {
        log.info("Watching the Secrets of namespace {} again", namespace);
      }
      // Changes between the last read and this watch were not seen.
      rereadSources(namespace);
    }

    /** The watch ended (the server's timeout, a lost connection): list and watch again. */
    private void ended() {
      if (closed || !isRunning() || problem != null) {
        return;
      }
      schedule(Duration.ZERO);
    }

    private static String statusMessage(String body, int code) {
      try {
        String message = body == null ? "" : JSON.readTree(body).path("message").asText("");
        if (!message.isEmpty()) {
          return message;
        }
      } catch (IOException e) {
        // not a Status
      }
      return "HTTP " + code;
    }

    private synchronized void failed(String message) {
      if (closed) {
        return;
      }
      String why = message == null ? "no answer" : message;
      boolean first = problem == null;
      problem = why;
      observer.sourceWatch(namespace, why, true);
      if (first) {
        log.warn(
            "Cannot watch the Secrets of namespace {} that valueFrom reads: {}; retrying",
            namespace,
            why);
        rereadSources(namespace);
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
}
