package dev.keyward.testing;

import static org.awaitility.Awaitility.await;

import dev.keyward.apikey.ApiKey;
import dev.keyward.apikey.ApiKeyObserver;
import dev.keyward.apikey.ApiKeyStatus;
import dev.keyward.runtime.KeywardClients;
import dev.keyward.runtime.KeywardOperator;
import dev.keyward.runtime.OperatorSettings;
import dev.keyward.sealing.SealingKeys;
import dev.keyward.toolgrant.ToolGrant;
import dev.keyward.toolsecret.ToolSecret;
import dev.keyward.toolsecret.ToolSecretObserver;
import dev.keyward.toolsecret.ToolSecretStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs the real operator wiring ({@link KeywardOperator}) against the test API server in a fresh
 * namespace per test, with a clock the test moves and a log of every request the operator sends.
 * Register with {@code @RegisterExtension}.
 */
public final class OperatorHarness implements BeforeEachCallback, AfterEachCallback {

  private final TestApiServer server = TestApiServer.get();
  private final MutableClock clock = new MutableClock();
  private final Map<String, AtomicInteger> reconciles = new ConcurrentHashMap<>();
  private String namespace;
  private KubernetesClient operatorClient;
  private KeywardOperator operator;
  private RequestLog requestLog;
  private Integer clientRetries;
  private int logMark;
  private UnaryOperator<OperatorSettings> settings = UnaryOperator.identity();
  private WithoutCrdRules rulesLess;
  private final List<HasMetadata> applied = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Changes the operator's settings for the next {@link #start()} (e.g. a small quota). */
  /**
   * How often the operator's client itself retries a failed request (fabric8's default is 10, with
   * backoff); 0 hands every error straight to the reconciler.
   */
  public OperatorHarness withClientRetries(int retries) {
    this.clientRetries = retries;
    return this;
  }

  public OperatorHarness configure(UnaryOperator<OperatorSettings> change) {
    this.settings = change;
    return this;
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    LogCapture.install();
    logMark = LogCapture.mark();
    namespace = "kw-" + Long.toString(System.nanoTime() % 2_176_782_336L, 36);
    admin()
        .namespaces()
        .resource(
            new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
        .create();
    rulesLess =
        context
            .getTestMethod()
            .map(m -> m.getAnnotation(WithoutCrdRules.class))
            .or(() -> context.getTestClass().map(c -> c.getAnnotation(WithoutCrdRules.class)))
            .orElse(null);
    applied.clear();
    if (rulesLess != null) {
      RulesLessCrds.install(admin());
    }
    start();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    try {
      if (context.getExecutionException().isEmpty()) {
        assertNoValueLeft();
        if (rulesLess != null) {
          assertTheRulesRefuseWhatTheTestApplied();
        }
      }
    } finally {
      try {
        stop();
      } finally {
        if (rulesLess != null) {
          RulesLessCrds.restore(admin());
        }
      }
    }
  }

  /**
   * A {@link WithoutCrdRules} test's claim, checked on what it applied through this harness: the
   * real CRDs refuse at least one of those objects (else the test belongs to the real world), and
   * the rules-less copies accept every one (else not even that world would store it).
   */
  private void assertTheRulesRefuseWhatTheTestApplied() {
    List<String> refused = new java.util.ArrayList<>();
    for (HasMetadata object : applied) {
      var violations = RulesLessCrds.realSchema(object).validate(object);
      if (!violations.isEmpty()) {
        refused.add(
            object.getKind()
                + "/"
                + object.getMetadata().getName()
                + " "
                + violations.stream().map(CrdSchema.Violation::brief).toList());
      }
      var stripped = RulesLessCrds.strippedSchema(object).validate(object);
      if (!stripped.isEmpty()) {
        throw new AssertionError(
            "the rules-less CRD would refuse "
                + object.getKind()
                + "/"
                + object.getMetadata().getName()
                + ": "
                + stripped);
      }
    }
    if (refused.isEmpty()) {
      throw new AssertionError(
          "@WithoutCrdRules, but the real CRDs refuse none of the "
              + applied.size()
              + " objects the test applied: run it against the real CRDs");
    }
  }

  /** The objects a {@link WithoutCrdRules} test applied through this harness, as stored. */
  public List<HasMetadata> applied() {
    return List.copyOf(applied);
  }

  private <T extends HasMetadata> T applied(T object) {
    if (rulesLess != null && object != null) {
      applied.add(Serialization.clone(object));
    }
    return object;
  }

  /**
   * Creates {@code object}, which the real CRD's rules refuse, and returns the API server's answer:
   * a real server refuses it itself; the mock, which runs no rules, gives the answer a real server
   * gives (see {@link TestApiServer#refuseNextWriteOnMock}). Fails when the rules accept it or the
   * server stores it.
   */
  public KubernetesClientException createRefused(HasMetadata object) {
    if (rulesLess != null) {
      throw new IllegalStateException("a @WithoutCrdRules test's API server refuses nothing");
    }
    object.getMetadata().setNamespace(namespace);
    var violations = RulesLessCrds.realSchema(object).validate(object);
    if (violations.isEmpty()) {
      throw new AssertionError(
          "the real CRD accepts " + object.getKind() + "/" + object.getMetadata().getName());
    }
    TestApiServer.refuseNextWriteOnMock(object, violations, false);
    try {
      admin().resource(object).create();
    } catch (KubernetesClientException e) {
      return e;
    }
    throw new AssertionError(
        "the API server stored "
            + object.getKind()
            + "/"
            + object.getMetadata().getName()
            + ", which its CRD's rules refuse");
  }

  /**
   * Rule 4: no value the test's namespace holds in a Secret (or held while the test ran, as far as
   * the Secrets still show) appears in a log line, an Event, a status or the metrics.
   */
  public void assertNoValueLeft() {
    Set<String> values = new java.util.HashSet<>();
    for (Secret secret : admin().secrets().inNamespace(namespace).list().getItems()) {
      if ("keyward-sealing-keys".equals(secret.getMetadata().getName())) {
        continue;
      }
      if (secret.getData() != null) {
        secret
            .getData()
            .forEach(
                (key, encoded) -> {
                  String v = value(secret, key);
                  if (v != null && v.length() >= 8 && !key.endsWith(".json")) {
                    values.add(v);
                  }
                });
      }
    }
    awaitEventsSent();
    StringBuilder seen = new StringBuilder();
    seen.append(LogCapture.since(logMark));
    admin()
        .v1()
        .events()
        .inNamespace(namespace)
        .list()
        .getItems()
        .forEach(e -> seen.append(e.getMessage()).append('\n'));
    apiKeys()
        .inNamespace(namespace)
        .list()
        .getItems()
        .forEach(k -> seen.append(io.fabric8.kubernetes.client.utils.Serialization.asJson(k)));
    toolSecrets()
        .inNamespace(namespace)
        .list()
        .getItems()
        .forEach(
            t ->
                seen.append(
                    io.fabric8.kubernetes.client.utils.Serialization.asJson(t.getStatus())));
    toolGrants()
        .list()
        .getItems()
        .forEach(g -> seen.append(io.fabric8.kubernetes.client.utils.Serialization.asJson(g)));
    if (operator != null) {
      seen.append(operator.registry().scrape());
    }
    String haystack = seen.toString();
    List<String> leaked =
        values.stream().filter(haystack::contains).map(v -> KeyFormatHint.of(v)).toList();
    if (!leaked.isEmpty()) {
      throw new AssertionError(
          leaked.size() + " secret value(s) appeared outside Secrets (shown masked): " + leaked);
    }
  }

  /** Masks a value for a failure message, so the check itself does not leak. */
  private static final class KeyFormatHint {
    static String of(String value) {
      return dev.keyward.apikey.KeyFormat.mask(value);
    }
  }

  /** Starts an operator process: a new client, new informers, nothing carried over. */
  public void start() {
    requestLog = new RequestLog();
    Config config = server.config();
    if (clientRetries != null) {
      config = new ConfigBuilder(config).withRequestRetryBackoffLimit(clientRetries).build();
    }
    operatorClient =
        KeywardClients.builder(config)
            .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("test-log", requestLog))
            .build();
    ToolSecretObserver toolSecretCounter =
        new ToolSecretObserver() {
          @Override
          public void observed(ToolSecret toolSecret, ToolSecretStatus status) {
            reconciles
                .computeIfAbsent(
                    "ToolSecret/" + toolSecret.getMetadata().getName(), k -> new AtomicInteger())
                .incrementAndGet();
          }
        };
    ApiKeyObserver counter =
        new ApiKeyObserver() {
          @Override
          public void observed(ApiKey key, ApiKeyStatus status) {
            reconciles
                .computeIfAbsent(key.getMetadata().getName(), k -> new AtomicInteger())
                .incrementAndGet();
          }
        };
    operator =
        new KeywardOperator(
            settings.apply(
                OperatorSettings.of(operatorClient, clock)
                    .withOperatorNamespace(namespace)
                    .withWatchedNamespaces(Set.of(namespace))
                    .withConcurrency(4)
                    .withObservers(counter, toolSecretCounter)
                    .withToolGrantObserver(
                        (grant, status) ->
                            reconciles
                                .computeIfAbsent(
                                    "ToolGrant/" + grant.getMetadata().getName(),
                                    k -> new AtomicInteger())
                                .incrementAndGet())));
    operator.start();
  }

  public void stop() {
    if (operator != null) {
      operator.close();
      operatorClient.close();
      operator = null;
    }
  }

  public void restart() {
    stop();
    start();
  }

  /**
   * Freezes the operator at the next request matching {@code when}, then kills it there: that
   * request and every later one never reach the server. Returns once the kill happened.
   */
  public void killAt(Predicate<RequestLog.Request> when, Runnable trigger) throws Exception {
    RequestLog log = requestLog;
    log.killAt(when);
    trigger.run();
    if (!log.awaitKilled(30)) {
      throw new AssertionError("the operator never sent the request it was to be killed at");
    }
    log.die();
    stop();
  }

  /**
   * Like {@link #killAt}, for an operation that may send fewer writes than {@code when} waits for:
   * the operator is killed at the matching request, or, when none comes, as soon as {@code done}
   * says the whole operation reached the server. Which of the two happened depends only on what the
   * operation sends, not on how fast the machine is. Returns whether the request was caught.
   */
  public boolean crashAt(Predicate<RequestLog.Request> when, Runnable trigger, BooleanSupplier done)
      throws InterruptedException {
    RequestLog log = requestLog;
    log.killAt(when);
    trigger.run();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    boolean caught = false;
    boolean finished = false;
    while (!caught && !finished && System.nanoTime() < deadline) {
      caught = log.awaitKilled(Duration.ofMillis(20));
      finished = !caught && done.getAsBoolean();
    }
    log.die();
    stop();
    if (!caught && !finished) {
      throw new AssertionError(
          "the operation neither sent the awaited write nor completed in 30 s");
    }
    return caught;
  }

  /**
   * The API server answers each of the operator's requests matching {@code which} with {@code code}
   * and {@code message}: on the mock through an expectation, on a real server through {@link
   * RequestLog#answerWithErrors}.
   */
  public void refuse(Predicate<RequestLog.Request> which, int code, String message) {
    String path = TestApiServer.refusingPath(code, message);
    if (path == null) {
      requestLog.answerWithErrors(r -> which.test(r) ? code : 0, message);
    } else {
      String base = server.config().getMasterUrl().replaceAll("/$", "");
      requestLog.refuse(which, java.net.URI.create(base + path));
    }
  }

  /** Lifts {@link #refuse}. */
  public void stopRefusing() {
    requestLog.refuse(r -> false, null);
    requestLog.answerWithErrors(r -> 0);
  }

  /** Moves the clock and has the operator look at every resource again. */
  public void tick(Duration by) {
    clock.advance(by);
    resync();
  }

  public void resync() {
    operator.resyncAll();
  }

  /** The running operator wiring. */
  public KeywardOperator operator() {
    return operator;
  }

  public MutableClock clock() {
    return clock;
  }

  public String namespace() {
    return namespace;
  }

  public KubernetesClient admin() {
    return server.admin();
  }

  public RequestLog requests() {
    return requestLog;
  }

  public int reconcileCount(String name) {
    AtomicInteger count = reconciles.get(name);
    return count == null ? 0 : count.get();
  }

  public MixedOperation<ApiKey, KubernetesResourceList<ApiKey>, Resource<ApiKey>> apiKeys() {
    return admin().resources(ApiKey.class);
  }

  public ApiKey create(ApiKey key) {
    key.getMetadata().setNamespace(namespace);
    return applied(apiKeys().inNamespace(namespace).resource(key).create());
  }

  public ApiKey apiKey(String name) {
    return apiKeys().inNamespace(namespace).withName(name).get();
  }

  /**
   * Edits ApiKey {@code name} in a way the real CRD's rules refuse, and returns the API server's
   * answer (reproduced on the mock, like {@link #createRefused}). Fails when the rules accept the
   * edit or the server stores it.
   */
  public KubernetesClientException editRefused(String name, UnaryOperator<ApiKey> change) {
    if (rulesLess != null) {
      throw new IllegalStateException("a @WithoutCrdRules test's API server refuses nothing");
    }
    ApiKey changed = change.apply(apiKey(name));
    var violations = RulesLessCrds.realSchema(changed).validate(changed);
    if (violations.isEmpty()) {
      throw new AssertionError("the real CRD accepts this edit of ApiKey/" + name);
    }
    TestApiServer.refuseNextWriteOnMock(changed, violations, true);
    try {
      edit(name, change);
    } catch (KubernetesClientException e) {
      return e;
    }
    throw new AssertionError(
        "the API server stored an edit of ApiKey/" + name + " its CRD's rules refuse");
  }

  /** Edits an ApiKey's spec or metadata, retrying on conflicts with the operator's writes. */
  public ApiKey edit(String name, UnaryOperator<ApiKey> change) {
    return applied(
        onConflictAgain(() -> apiKeys().inNamespace(namespace).withName(name).edit(change)));
  }

  /**
   * An edit as a person makes it: read, change, write locked on what was read; when the operator
   * wrote status in between (409 Conflict), read and change again, as `kubectl edit` asks one to.
   */
  static <T> T onConflictAgain(java.util.function.Supplier<T> edit) {
    for (int attempt = 1; ; attempt++) {
      try {
        return edit.get();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 10) {
          throw e;
        }
      }
    }
  }

  public Secret secret(String name) {
    return admin().secrets().inNamespace(namespace).withName(name).get();
  }

  /** A value from a Secret's data, decoded; null when absent. */
  public static String value(Secret secret, String key) {
    if (secret == null || secret.getData() == null || secret.getData().get(key) == null) {
      return null;
    }
    return new String(
        Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
  }

  /**
   * The Events on {@code involvedName}, once every Event the operator recorded so far has been
   * sent. The operator sends them in the background: an Event recorded before the status a test
   * waited for is listed; one recorded after it (a ToolGrant's {@code ValuesChanged} follows its
   * status) may need a wait of its own.
   */
  public List<Event> events(String involvedName) {
    awaitEventsSent();
    return admin().v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> involvedName.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  /**
   * Waits until every Event the operator recorded so far has been sent, e.g. before counting the
   * writes of an idle period.
   */
  public void awaitEventsSent() {
    if (operator != null && !operator.events().flush(Duration.ofSeconds(20))) {
      throw new AssertionError("the operator's Events were not sent within 20 s");
    }
  }

  public List<String> eventReasons(String involvedName) {
    return events(involvedName).stream().map(Event::getReason).toList();
  }

  public ApiKey awaitApiKey(String name, Predicate<ApiKey> condition) {
    return waiting().until(() -> apiKey(name), k -> k != null && condition.test(k));
  }

  public MixedOperation<ToolSecret, KubernetesResourceList<ToolSecret>, Resource<ToolSecret>>
      toolSecrets() {
    return admin().resources(ToolSecret.class);
  }

  public ToolSecret create(ToolSecret toolSecret) {
    toolSecret.getMetadata().setNamespace(namespace);
    return applied(toolSecrets().inNamespace(namespace).resource(toolSecret).create());
  }

  public ToolSecret toolSecret(String name) {
    return toolSecrets().inNamespace(namespace).withName(name).get();
  }

  /** Edits a ToolSecret, retrying on conflicts with the operator's writes. */
  public ToolSecret editToolSecret(String name, UnaryOperator<ToolSecret> change) {
    return applied(
        onConflictAgain(() -> toolSecrets().inNamespace(namespace).withName(name).edit(change)));
  }

  public ToolSecret awaitToolSecret(String name, Predicate<ToolSecret> condition) {
    return waiting().until(() -> toolSecret(name), t -> t != null && condition.test(t));
  }

  /** Seals {@code value} for ToolSecret {@code name} in this test's namespace, as `seal` does. */
  public String seal(String value, String name) {
    return sealingKeys().publicKeys().seal(value, namespace, name);
  }

  /** The operator's current sealing keys (its namespace is this test's namespace). */
  public SealingKeys sealingKeys() {
    return operator.sealingKeys().current();
  }

  public int toolSecretReconcileCount(String name) {
    return reconcileCount("ToolSecret/" + name);
  }

  public io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<
          ToolGrant, KubernetesResourceList<ToolGrant>, Resource<ToolGrant>>
      toolGrants() {
    return admin().resources(ToolGrant.class).inNamespace(namespace);
  }

  public ToolGrant create(ToolGrant grant) {
    grant.getMetadata().setNamespace(namespace);
    return applied(toolGrants().resource(grant).create());
  }

  public ToolGrant toolGrant(String name) {
    return toolGrants().withName(name).get();
  }

  public ToolGrant editToolGrant(String name, UnaryOperator<ToolGrant> change) {
    return onConflictAgain(() -> toolGrants().withName(name).edit(change));
  }

  public ToolGrant awaitToolGrant(String name, Predicate<ToolGrant> condition) {
    return waiting().until(() -> toolGrant(name), g -> g != null && condition.test(g));
  }

  public int toolGrantReconcileCount(String name) {
    AtomicInteger count = reconciles.get("ToolGrant/" + name);
    return count == null ? 0 : count.get();
  }

  public static ConditionFactory waiting() {
    return await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50));
  }
}
