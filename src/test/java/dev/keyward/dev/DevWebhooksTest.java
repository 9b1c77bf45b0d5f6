package dev.keyward.dev;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.admission.CreatedBy;
import dev.keyward.admission.ScopeGrants;
import dev.keyward.testing.CrdSchema;
import dev.keyward.testing.WebhookCertificates;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhook;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The webhooks {@code keyward dev} serves and registers, without an API server: each
 * configuration's URL reaches the server over TLS trusting only the configuration's caBundle (as
 * the API server trusts it, the address checked against the certificate), and the answers are the
 * chart's webhooks' answers: the creator recorded on create, a scope refused that its author may
 * not grant. {@code DevWebhooksChartTest} compares the configurations with the chart's.
 */
class DevWebhooksTest {

  @TempDir Path dir;
  ExecutorService executor = Executors.newFixedThreadPool(2);
  DevWebhooks webhooks;

  @AfterEach
  void stop() {
    if (webhooks != null) {
      webhooks.close();
    }
    executor.shutdownNow();
  }

  @Test
  void theApiServerReachesTheWebhooksAtTheirUrlsTrustingTheCaBundle() throws Exception {
    webhooks =
        DevWebhooks.start(
            dir,
            0,
            new ScopeGrants(
                (subject, extra, ns, scope) -> scope.equals("orders:read"),
                Duration.ofSeconds(5),
                executor),
            "keyward-system");
    MutatingWebhook createdBy = webhooks.mutating().getWebhooks().get(0);
    ValidatingWebhook scopes = webhooks.validating().getWebhooks().get(0);
    assertThat(createdBy.getClientConfig().getUrl())
        .isEqualTo("https://127.0.0.1:" + webhooks.port() + "/mutate");
    assertThat(createdBy.getClientConfig().getService()).isNull();
    assertThat(scopes.getClientConfig().getUrl())
        .isEqualTo("https://127.0.0.1:" + webhooks.port() + "/validate-scopes");
    assertThat(scopes.getClientConfig().getCaBundle())
        .isEqualTo(createdBy.getClientConfig().getCaBundle());

    // The caBundle is a CA, and it signed the certificate the server presents.
    X509Certificate ca = certificate(createdBy.getClientConfig().getCaBundle());
    assertThat(ca.getBasicConstraints()).as("a CA").isGreaterThanOrEqualTo(0);
    X509Certificate served = webhooks.certificates().serving();
    served.verify(ca.getPublicKey());
    assertThat(served.getBasicConstraints()).as("not a CA").isEqualTo(-1);
    assertThat(served.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1");
    assertThat(Files.readString(dir.resolve(DevCertificates.CA)))
        .isEqualTo(new String(decode(createdBy.getClientConfig().getCaBundle())));

    SSLContext tls = WebhookCertificates.trusting(ca);
    HttpResponse<String> created =
        post(tls, createdBy.getClientConfig().getUrl(), recorded("create-apikey.json"));
    assertThat(created.statusCode()).isEqualTo(200);
    AdmissionReview review = Serialization.unmarshal(created.body(), AdmissionReview.class);
    assertThat(review.getResponse().getAllowed()).isTrue();
    assertThat(new String(decode(review.getResponse().getPatch()), StandardCharsets.UTF_8))
        .contains(CreatedBy.ANNOTATION.replace("/", "~1"))
        .contains("alice@example.com");

    HttpResponse<String> refused =
        post(tls, scopes.getClientConfig().getUrl(), recorded("scopes-create.json"));
    AdmissionReview scopeReview = Serialization.unmarshal(refused.body(), AdmissionReview.class);
    assertThat(scopeReview.getResponse().getAllowed()).isFalse();
    assertThat(scopeReview.getResponse().getStatus().getMessage())
        .startsWith("ScopeNotGranted: alice may not grant scope orders:write");
  }

  @Test
  void aServerThatDoesNotTrustTheDevCaIsRefused() throws Exception {
    webhooks = DevWebhooks.start(dir, 0, null, "keyward-system");
    String url = webhooks.mutating().getWebhooks().get(0).getClientConfig().getUrl();
    SSLContext other =
        WebhookCertificates.trusting(WebhookCertificates.issue(dir, "other", "EC").cert());
    try {
      post(other, url, recorded("create-apikey.json"));
      throw new AssertionError("a client trusting another CA was answered");
    } catch (SSLHandshakeException expected) {
      // as an API server with another caBundle
    }
  }

  @Test
  void everyStartMakesItsOwnCa() throws Exception {
    webhooks = DevWebhooks.start(dir.resolve("a"), 0, null, "keyward-system");
    String first = webhooks.caBundle();
    webhooks.close();
    webhooks = DevWebhooks.start(dir.resolve("b"), 0, null, "keyward-system");
    assertThat(webhooks.caBundle()).isNotEqualTo(first);
  }

  /** On a real server the dry run dev waits on passes the CRD's rules, or dev never starts. */
  @Test
  void theProbeDevDryRunsIsAnApiKeyTheCrdAccepts() {
    assertThat(CrdSchema.generated("apikeys.keyward.dev-v1.yml").validate(DevWebhooks.probe()))
        .isEmpty();
    assertThat(CreatedBy.of(DevWebhooks.probe()))
        .as("nothing recorded but by the webhook")
        .isNull();
  }

  private static HttpResponse<String> post(SSLContext tls, String url, byte[] body)
      throws Exception {
    HttpClient client =
        HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(10)).build();
    return client.send(
        HttpRequest.newBuilder(URI.create(url))
            .header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static byte[] recorded(String name) throws Exception {
    try (InputStream in = DevWebhooksTest.class.getResourceAsStream("/admission/" + name)) {
      return in.readAllBytes();
    }
  }

  private static byte[] decode(String base64) {
    return Base64.getDecoder().decode(base64);
  }

  private static X509Certificate certificate(String caBundle) throws Exception {
    return (X509Certificate)
        CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(decode(caBundle)));
  }
}
