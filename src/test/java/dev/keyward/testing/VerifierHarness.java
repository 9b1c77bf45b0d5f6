package dev.keyward.testing;

import dev.keyward.apikey.ApiKey;
import dev.keyward.apikey.ApiKeySpec;
import dev.keyward.apikey.ApiKeyStatus;
import dev.keyward.apikey.KeyFormat;
import dev.keyward.runtime.KeywardClients;
import dev.keyward.verifier.RateLimiting;
import dev.keyward.verifier.Verifier;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs the real verifier wiring ({@link Verifier}) against the test API server, watching a fresh
 * namespace per test, with a clock the test moves and a log of the verifier's API requests. The
 * test plays the operator: it creates ApiKeys and writes their status (keyHash from {@link
 * KeyFormat#keyHash}). Every key a test presents is scanned for afterwards in the log lines, the
 * verifier's {@code /metrics} and the ApiKeys themselves.
 */
public final class VerifierHarness implements BeforeEachCallback, AfterEachCallback {

  private final TestApiServer server = TestApiServer.get();
  private final MutableClock clock = new MutableClock();
  private final Set<String> presented = ConcurrentHashMap.newKeySet();
  private String namespace;
  private KubernetesClient client;
  private RequestLog requestLog;
  private Verifier verifier;
  private int logMark;
  private UnaryOperator<Verifier.Settings> settings = UnaryOperator.identity();
  private Consumer<RequestLog> beforeStart = log -> {};
  private Set<String> extraNamespaces = Set.of();
  private RateLimiting rateLimiting = RateLimiting.local();
  private final List<Verifier> replicas = new java.util.ArrayList<>();
  private final List<KubernetesClient> replicaClients = new java.util.ArrayList<>();

  /** Changes the verifier's settings for the next {@link #start()}. */
  public VerifierHarness configure(UnaryOperator<Verifier.Settings> change) {
    this.settings = change;
    return this;
  }

  /** How the next verifiers keep rate limits (default: each on its own, not divided). */
  public VerifierHarness rateLimiting(RateLimiting limits) {
    this.rateLimiting = limits;
    return this;
  }

  /**
   * Starts one more verifier replica (its own client, informers and port, the same settings and
   * rate limiting) and waits until its cache has synced; stopped with the first.
   */
  public Verifier startReplica() throws Exception {
    KubernetesClient replicaClient = KeywardClients.builder(server.config()).build();
    replicaClients.add(replicaClient);
    Set<String> watched = new java.util.HashSet<>(extraNamespaces);
    watched.add(namespace);
    Verifier replica =
        new Verifier(
            settings.apply(
                Verifier.Settings.of(replicaClient, clock)
                    .withWatchedNamespaces(watched)
                    .withHttpPort(0)
                    .withUsageWriteEvery(Duration.ofHours(1))),
            rateLimiting);
    replicas.add(replica);
    replica.start();
    OperatorHarness.waiting().until(replica::synced);
    return replica;
  }

  /** Runs on the next verifier's request log before it sends anything (to delay its list). */
  public VerifierHarness beforeStart(Consumer<RequestLog> change) {
    this.beforeStart = change;
    return this;
  }

  /** Namespaces the verifier watches besides the test's own (created when missing). */
  public VerifierHarness alsoWatching(String... namespaces) {
    this.extraNamespaces = Set.of(namespaces);
    return this;
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    LogCapture.install();
    logMark = LogCapture.mark();
    namespace = "kv-" + Long.toString(System.nanoTime() % 2_176_782_336L, 36);
    createNamespace(namespace);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    try {
      if (context.getExecutionException().isEmpty()) {
        assertNoKeyLeft();
      }
    } finally {
      stop();
    }
  }

  public void createNamespace(String name) {
    server
        .admin()
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
  }

  /** Starts a verifier process: new client, new informers; returns before the cache syncs. */
  public Verifier start() throws Exception {
    requestLog = new RequestLog();
    beforeStart.accept(requestLog);
    Set<String> watched = new java.util.HashSet<>(extraNamespaces);
    watched.add(namespace);
    for (String extra : extraNamespaces) {
      if (server.admin().namespaces().withName(extra).get() == null) {
        createNamespace(extra);
      }
    }
    client =
        KeywardClients.builder(server.config())
            .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("test-log", requestLog))
            .build();
    verifier =
        new Verifier(
            settings.apply(
                Verifier.Settings.of(client, clock)
                    .withWatchedNamespaces(watched)
                    .withHttpPort(0)
                    .withUsageWriteEvery(Duration.ofHours(1))),
            rateLimiting);
    verifier.start();
    return verifier;
  }

  /** Starts the verifier and waits until its cache has synced. */
  public Verifier startSynced() throws Exception {
    start();
    OperatorHarness.waiting().until(verifier::synced);
    return verifier;
  }

  public void stop() {
    replicas.forEach(Verifier::close);
    replicas.clear();
    replicaClients.forEach(KubernetesClient::close);
    replicaClients.clear();
    if (verifier != null) {
      verifier.close();
      client.close();
      verifier = null;
    }
  }

  /**
   * Creates an ApiKey and, as the operator would, an Active status for a new key: version 1, issued
   * now, its hash. Returns the key.
   */
  public String issue(String name, Consumer<ApiKeySpec> spec) {
    return issue(namespace, name, spec, s -> {});
  }

  /** Like {@link #issue(String, Consumer)}, in any namespace, with the status changed further. */
  public String issue(
      String ns, String name, Consumer<ApiKeySpec> spec, Consumer<ApiKeyStatus> status) {
    String key = newKey();
    ApiKey apiKey = TestApiKeys.apiKey(name, spec);
    apiKey.getMetadata().setNamespace(ns);
    server.admin().resources(ApiKey.class).inNamespace(ns).resource(apiKey).create();
    writeStatus(
        ns,
        name,
        s -> {
          s.setPhase("Active");
          s.setKeyVersion(1);
          s.setKeyHash(KeyFormat.keyHash(key));
          s.setMaskedKey(KeyFormat.mask(key));
          s.setIssuedAt(now());
          status.accept(s);
        });
    return key;
  }

  /** A new key in Keyward's format, remembered for the leak scan. */
  public String newKey() {
    return remember(KeyFormat.generate(KeyFormat.STANDARD_PREFIX, KeyFormat.DEFAULT_LENGTH));
  }

  /** Adds a value the verifier must never show. */
  public String remember(String value) {
    presented.add(value);
    return value;
  }

  /** Stops scanning for a value (after a test has shown the scan catches it). */
  public void forget(String value) {
    presented.remove(value);
  }

  /** Replaces an ApiKey's status the way the operator's status patch would. */
  public ApiKey writeStatus(String ns, String name, Consumer<ApiKeyStatus> change) {
    return server
        .admin()
        .resources(ApiKey.class)
        .inNamespace(ns)
        .withName(name)
        .editStatus(
            k -> {
              ApiKeyStatus s = k.getStatus() == null ? new ApiKeyStatus() : k.getStatus();
              change.accept(s);
              k.setStatus(s);
              return k;
            });
  }

  public ApiKey writeStatus(String name, Consumer<ApiKeyStatus> change) {
    return writeStatus(namespace, name, change);
  }

  public ApiKey edit(String name, UnaryOperator<ApiKey> change) {
    return server
        .admin()
        .resources(ApiKey.class)
        .inNamespace(namespace)
        .withName(name)
        .edit(change);
  }

  public ApiKey apiKey(String name) {
    return server.admin().resources(ApiKey.class).inNamespace(namespace).withName(name).get();
  }

  /** The verifier's clock, now, as status writes times: RFC 3339, to the second. */
  public String now() {
    return clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  public String in(Duration from) {
    return clock.instant().plus(from).truncatedTo(ChronoUnit.SECONDS).toString();
  }

  public RawHttp.Response get(String target, String... headers) throws IOException {
    return RawHttp.get(verifier.httpPort(), target, headers);
  }

  public RawHttp.Response send(List<String> head, byte[] body) throws IOException {
    return RawHttp.send(verifier.httpPort(), head, body);
  }

  /** Forward-auth with the key as a Bearer token. */
  public RawHttp.Response verify(String query, String key) throws IOException {
    return get("/v1/verify" + query, "Authorization: Bearer " + key);
  }

  /** Polls until the key answers {@code code} on {@code /v1/verify}. */
  public void awaitCode(String key, String code) {
    OperatorHarness.waiting().until(() -> code.equals(verify("", key).code()));
  }

  /**
   * No presented key in any log line, in {@code /metrics} or in an ApiKey of this test's namespace.
   */
  public void assertNoKeyLeft() {
    StringBuilder seen = new StringBuilder(LogCapture.since(logMark));
    if (verifier != null) {
      seen.append(verifier.metrics().registry().scrape());
    }
    server
        .admin()
        .resources(ApiKey.class)
        .inNamespace(namespace)
        .list()
        .getItems()
        .forEach(k -> seen.append(Serialization.asJson(k)));
    String haystack = seen.toString();
    List<String> leaked =
        presented.stream().filter(haystack::contains).map(KeyFormat::mask).toList();
    if (!leaked.isEmpty()) {
      throw new AssertionError(
          leaked.size()
              + " presented key(s) appeared in logs, metrics or status (masked): "
              + leaked);
    }
  }

  public Verifier verifier() {
    return verifier;
  }

  public MutableClock clock() {
    return clock;
  }

  public String namespace() {
    return namespace;
  }

  /** The usage writes (status PATCHes) the verifier sent so far. */
  public List<RequestLog.Request> statusPatches() {
    return requestLog.writes().stream()
        .filter(r -> r.method().equals("PATCH") && r.path().contains("/status"))
        .toList();
  }

  public RequestLog requests() {
    return requestLog;
  }

  public KubernetesClient admin() {
    return server.admin();
  }

  public Instant instant() {
    return clock.instant();
  }
}
