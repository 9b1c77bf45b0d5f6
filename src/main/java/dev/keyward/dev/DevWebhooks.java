package dev.keyward.dev;

import dev.keyward.admission.CreatedBy;
import dev.keyward.admission.ScopeGrants;
import dev.keyward.admission.WebhookServer;
import dev.keyward.apikey.ApiKey;
import dev.keyward.apikey.ApiKeySpec;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.RuleWithOperations;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * The chart's admission webhooks for {@code keyward dev}: the created-by webhook ({@code /mutate})
 * and the scope webhook ({@code /validate-scopes}) served on 127.0.0.1 with a certificate dev makes
 * ({@link DevCertificates}), and registered with the local API server at {@code
 * https://127.0.0.1:<port>} with that CA as {@code caBundle}. Names, rules, paths and failure
 * policies are the chart's (templates/webhook.yaml with its default values); the rules are read
 * from the same files the chart reads, so the CREATED BY column a new user sees first is filled as
 * it is in a cluster.
 */
public final class DevWebhooks implements AutoCloseable {

  /** The chart's name for its webhook configurations (release {@code keyward}). */
  public static final String NAME = "keyward-webhook";

  /** The chart's default {@code webhook.timeoutSeconds}. */
  static final int TIMEOUT_SECONDS = 5;

  /** The chart's default {@code webhook.failurePolicy}; the scope webhook always fails closed. */
  static final String FAILURE_POLICY = "Fail";

  private final WebhookServer server;
  private final DevCertificates certificates;
  private final String operatorNamespace;
  private final boolean servesScopes;

  /** The certificates served, for tests. */
  DevCertificates certificates() {
    return certificates;
  }

  private DevWebhooks(
      WebhookServer server,
      DevCertificates certificates,
      String operatorNamespace,
      boolean servesScopes) {
    this.server = server;
    this.certificates = certificates;
    this.operatorNamespace = operatorNamespace;
    this.servesScopes = servesScopes;
  }

  /**
   * Makes a CA and a serving certificate for 127.0.0.1 in {@code certDir} and serves both webhooks
   * on 127.0.0.1:{@code port} (0: a free port); {@code scopes} answers {@code /validate-scopes}
   * (null: only the created-by webhook is served and registered).
   */
  public static DevWebhooks start(
      Path certDir, int port, ScopeGrants scopes, String operatorNamespace) throws IOException {
    DevCertificates certificates;
    try {
      certificates = DevCertificates.issue(certDir);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot make the webhook's certificate: " + e.getMessage(), e);
    }
    WebhookServer server =
        WebhookServer.start(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), port), certDir, scopes);
    return new DevWebhooks(server, certificates, operatorNamespace, scopes != null);
  }

  public int port() {
    return server.port();
  }

  /** The CA that signed the served certificate, PEM in base64: the configurations' caBundle. */
  public String caBundle() {
    return Base64.getEncoder()
        .encodeToString(certificates.caPem().getBytes(StandardCharsets.US_ASCII));
  }

  public MutatingWebhookConfiguration mutating() {
    return mutating(url(WebhookServer.PATH), caBundle(), operatorNamespace);
  }

  public ValidatingWebhookConfiguration validating() {
    return validating(url(WebhookServer.SCOPES_PATH), caBundle(), operatorNamespace);
  }

  private String url(String path) {
    return "https://127.0.0.1:" + port() + path;
  }

  /** The created-by webhook as templates/webhook.yaml has it, called at {@code url}. */
  public static MutatingWebhookConfiguration mutating(
      String url, String caBundle, String namespace) {
    return new MutatingWebhookConfigurationBuilder()
        .withMetadata(new ObjectMetaBuilder().withName(NAME).build())
        .addNewWebhook()
        .withName("created-by.keyward.dev")
        .withAdmissionReviewVersions("v1")
        .withSideEffects("None")
        .withFailurePolicy(FAILURE_POLICY)
        .withTimeoutSeconds(TIMEOUT_SECONDS)
        .withMatchPolicy("Equivalent")
        .withReinvocationPolicy("Never")
        .withNewClientConfig()
        .withUrl(url)
        .withCaBundle(caBundle)
        .endClientConfig()
        .withRules(rules("webhook-created-by-rules.yaml"))
        .withNamespaceSelector(excluding(namespace))
        .endWebhook()
        .build();
  }

  /** The scope webhook as templates/webhook.yaml has it, called at {@code url}. */
  public static ValidatingWebhookConfiguration validating(
      String url, String caBundle, String namespace) {
    return new ValidatingWebhookConfigurationBuilder()
        .withMetadata(new ObjectMetaBuilder().withName(NAME).build())
        .addNewWebhook()
        .withName("scopes.keyward.dev")
        .withAdmissionReviewVersions("v1")
        .withSideEffects("None")
        .withFailurePolicy("Fail")
        .withTimeoutSeconds(TIMEOUT_SECONDS)
        .withMatchPolicy("Equivalent")
        .withNewClientConfig()
        .withUrl(url)
        .withCaBundle(caBundle)
        .endClientConfig()
        .withRules(rules("webhook-scopes-rules.yaml"))
        .withNamespaceSelector(excluding(namespace))
        .endWebhook()
        .build();
  }

  /** The chart's selector: every namespace but kube-system and Keyward's own. */
  private static LabelSelector excluding(String namespace) {
    return new LabelSelectorBuilder()
        .addNewMatchExpression()
        .withKey("kubernetes.io/metadata.name")
        .withOperator("NotIn")
        .withValues("kube-system", namespace)
        .endMatchExpression()
        .build();
  }

  /** A webhook's rules, from the file the chart reads too (helm/keyward/files). */
  static List<RuleWithOperations> rules(String file) {
    try (InputStream in = DevWebhooks.class.getResourceAsStream(file)) {
      if (in == null) {
        throw new IllegalStateException(file + " is missing from the jar");
      }
      return Arrays.asList(Serialization.unmarshal(in, RuleWithOperations[].class));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Registers the configurations of what is served and waits until the API server calls the
   * webhook: a server-side dry run of an ApiKey in {@code default} comes back with {@code
   * keyward.dev/created-by}. The API server picks up new webhook configurations within moments;
   * objects applied before that would carry no creator.
   */
  public void install(KubernetesClient client, Duration atMost) throws InterruptedException {
    client.resource(mutating()).createOr(existing -> existing.update());
    if (servesScopes) {
      client.resource(validating()).createOr(existing -> existing.update());
    }
    ApiKey probe = probe();
    long deadline = System.nanoTime() + atMost.toNanos();
    String last = "no answer yet";
    while (System.nanoTime() < deadline) {
      try {
        ApiKey answered = client.resource(probe).dryRun().create();
        if (CreatedBy.of(answered) != null) {
          return;
        }
        last = "the dry run came back without " + CreatedBy.ANNOTATION;
      } catch (KubernetesClientException e) {
        last = e.getCode() + " " + (e.getStatus() == null ? "" : e.getStatus().getMessage());
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException(
        "the local API server does not call the admission webhook on "
            + url(WebhookServer.PATH)
            + " after "
            + atMost.toSeconds()
            + " s: "
            + last);
  }

  /** The ApiKey dev dry-runs to see the webhook called: one the CRD's rules accept. */
  static ApiKey probe() {
    ApiKey probe = new ApiKey();
    probe.setMetadata(
        new ObjectMetaBuilder()
            .withName("keyward-dev-webhook-probe")
            .withNamespace("default")
            .build());
    ApiKeySpec spec = new ApiKeySpec();
    spec.setDisplayName("webhook probe");
    probe.setSpec(spec);
    return probe;
  }

  @Override
  public void close() {
    server.close();
  }
}
