package dev.keyward.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyward.testing.WebhookCertificates;
import dev.keyward.testing.WebhookCertificates.Issued;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The webhook over real TLS on a loopback port, with certificates the test makes with the JDK's
 * keytool: it answers POST /mutate, refuses other requests safely, and serves a renewed certificate
 * after tls.crt and tls.key change, without a restart.
 */
class WebhookServerTest {

  @TempDir Path dir;
  WebhookServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  /** A self-signed certificate for localhost with common name {@code cn}. */
  Issued issue(String cn, String algorithm) throws Exception {
    return WebhookCertificates.issue(dir, cn, algorithm);
  }

  /**
   * Writes tls.crt and tls.key; {@code pkcs1} writes an RSA key the way Helm's genSignedCert does.
   */
  void install(Issued issued, boolean pkcs1, Instant modified) throws Exception {
    WebhookCertificates.install(dir, issued, pkcs1, modified);
  }

  static SSLContext trusting(Certificate... certs) throws Exception {
    return WebhookCertificates.trusting(certs);
  }

  /** The common name of the certificate the server presents on a fresh handshake. */
  String servedName(SSLContext tls) throws IOException {
    try (SSLSocket socket =
        (SSLSocket) tls.getSocketFactory().createSocket("localhost", server.port())) {
      socket.startHandshake();
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0])
          .getSubjectX500Principal()
          .getName();
    }
  }

  HttpResponse<String> post(SSLContext tls, String path, byte[] body) throws Exception {
    HttpClient client =
        HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(10)).build();
    return client.send(
        HttpRequest.newBuilder(URI.create("https://localhost:" + server.port() + path))
            .header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void answersAdmissionReviewsOverTlsAndRefusesWhatIsNotOne() throws Exception {
    Issued first = issue("first", "RSA");
    install(first, true, Instant.parse("2026-01-01T00:00:00Z"));
    server = WebhookServer.start(0, dir);
    SSLContext tls = trusting(first.cert());

    HttpResponse<String> ok = post(tls, "/mutate", CreatedByTest.recorded("create-apikey.json"));
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.headers().firstValue("Content-Type")).hasValue("application/json");
    AdmissionReview review = Serialization.unmarshal(ok.body(), AdmissionReview.class);
    assertThat(review.getResponse().getAllowed()).isTrue();
    assertThat(review.getResponse().getPatch()).isNotNull();

    assertThat(post(tls, "/mutate", "{not json".getBytes()).statusCode()).isEqualTo(400);
    assertThat(post(tls, "/mutate", CreatedByTest.recorded("no-request.json")).statusCode())
        .isEqualTo(400);
    assertThat(post(tls, "/other", CreatedByTest.recorded("create-apikey.json")).statusCode())
        .isEqualTo(404);
    HttpClient client = HttpClient.newBuilder().sslContext(tls).build();
    assertThat(
            client
                .send(
                    HttpRequest.newBuilder(
                            URI.create("https://localhost:" + server.port() + "/mutate"))
                        .GET()
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(405);
    // Still serving after all of that.
    assertThat(post(tls, "/mutate", CreatedByTest.recorded("create-apikey.json")).statusCode())
        .isEqualTo(200);
  }

  @Test
  void servesARenewedCertificateWithoutARestart() throws Exception {
    Issued first = issue("first", "RSA");
    Issued second = issue("second", "EC");
    install(first, false, Instant.parse("2026-01-01T00:00:00Z"));
    server = WebhookServer.start(0, dir);
    SSLContext tls = trusting(first.cert(), second.cert());
    assertThat(servedName(tls)).isEqualTo("CN=first");

    install(second, false, Instant.parse("2026-02-01T00:00:00Z"));
    assertThat(servedName(tls)).isEqualTo("CN=second");
    assertThat(
            post(trusting(second.cert()), "/mutate", CreatedByTest.recorded("create-apikey.json"))
                .statusCode())
        .isEqualTo(200);

    // A renewal caught half-written keeps the last good certificate.
    Files.writeString(dir.resolve("tls.key"), "-----BEGIN PRIVATE KEY-----\ngarbage\n");
    Files.setLastModifiedTime(
        dir.resolve("tls.key"), FileTime.from(Instant.parse("2026-03-01T00:00:00Z")));
    assertThat(servedName(tls)).isEqualTo("CN=second");
  }

  @Test
  void refusesToStartWithoutAReadableCertificate() throws Exception {
    Files.writeString(dir.resolve("tls.crt"), "not a certificate");
    Files.writeString(dir.resolve("tls.key"), "not a key");
    assertThatThrownBy(() -> WebhookServer.start(0, dir))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("--webhook-cert-dir");
  }
}
