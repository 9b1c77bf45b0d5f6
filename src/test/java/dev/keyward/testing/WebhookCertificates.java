package dev.keyward.testing;

import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Serving certificates for the admission webhook, made with the JDK's keytool, written the way the
 * chart mounts them ({@code tls.crt}, {@code tls.key}), and a TLS context that trusts them, as the
 * API server trusts the webhook's {@code caBundle}.
 */
public final class WebhookCertificates {

  /** A certificate and its private key. */
  public record Issued(X509Certificate cert, PrivateKey key) {}

  private WebhookCertificates() {}

  /** A self-signed certificate for localhost with common name {@code cn}; keytool works in dir. */
  public static Issued issue(Path dir, String cn, String algorithm) throws Exception {
    Path store = dir.resolve(cn + ".p12");
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "webhook",
                "-keyalg",
                algorithm,
                "-dname",
                "CN=" + cn,
                "-ext",
                "SAN=dns:localhost,ip:127.0.0.1",
                "-validity",
                "2",
                "-keystore",
                store.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                "changeit")
            .redirectErrorStream(true)
            .start();
    keytool.getInputStream().readAllBytes();
    if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
      throw new IllegalStateException("keytool failed for " + cn);
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = new FileInputStream(store.toFile())) {
      ks.load(in, "changeit".toCharArray());
    }
    return new Issued(
        (X509Certificate) ks.getCertificate("webhook"),
        (PrivateKey) ks.getKey("webhook", "changeit".toCharArray()));
  }

  public static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  /**
   * Writes tls.crt and tls.key into {@code dir}; {@code pkcs1} writes an RSA key the way Helm's
   * genSignedCert does.
   */
  public static void install(Path dir, Issued issued, boolean pkcs1, Instant modified)
      throws Exception {
    byte[] pkcs8 = issued.key().getEncoded();
    String key =
        pkcs1
            // An RSA PKCS#8 key of this size is a 26-byte header followed by the PKCS#1 key.
            ? pem("RSA PRIVATE KEY", Arrays.copyOfRange(pkcs8, 26, pkcs8.length))
            : pem("PRIVATE KEY", pkcs8);
    Files.writeString(dir.resolve("tls.crt"), pem("CERTIFICATE", issued.cert().getEncoded()));
    Files.writeString(dir.resolve("tls.key"), key);
    Files.setLastModifiedTime(dir.resolve("tls.crt"), FileTime.from(modified));
    Files.setLastModifiedTime(dir.resolve("tls.key"), FileTime.from(modified));
  }

  /** A TLS context that trusts exactly {@code certs}. */
  public static SSLContext trusting(Certificate... certs) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    for (int i = 0; i < certs.length; i++) {
      trust.setCertificateEntry("ca" + i, certs[i]);
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, tmf.getTrustManagers(), null);
    return tls;
  }
}
