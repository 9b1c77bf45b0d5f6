package dev.keyward.admission;

import io.fabric8.kubernetes.client.internal.CertUtils;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook's serving certificate, read from {@code tls.crt} and {@code tls.key} (PEM; PKCS#8,
 * PKCS#1 RSA or EC keys, as cert-manager and Helm write them) in a directory, and read again on the
 * next TLS handshake after either file changes, so a renewed certificate is served without a
 * restart. A renewal that cannot be read keeps the previous certificate and logs why.
 */
final class ServingCertificate extends X509ExtendedKeyManager {

  private static final Logger log = LoggerFactory.getLogger(ServingCertificate.class);
  static final String CERT = "tls.crt";
  static final String KEY = "tls.key";
  private static final char[] NO_PASSWORD = new char[0];

  private final Path certFile;
  private final Path keyFile;
  private volatile Loaded current;

  private record Loaded(List<Object> stamp, X509KeyManager keys) {}

  ServingCertificate(Path dir) throws IOException, GeneralSecurityException {
    this.certFile = dir.resolve(CERT);
    this.keyFile = dir.resolve(KEY);
    this.current = load(stamp());
  }

  /** The subject of the certificate served now, for logs and tests. */
  X509Certificate served() {
    X509Certificate[] chain = current.keys().getCertificateChain(ALIAS);
    return chain[0];
  }

  private static final String ALIAS = "keyward-webhook";

  private List<Object> stamp() throws IOException {
    return List.of(
        Files.getLastModifiedTime(certFile),
        Files.size(certFile),
        Files.getLastModifiedTime(keyFile),
        Files.size(keyFile));
  }

  private Loaded load(List<Object> stamp) throws IOException, GeneralSecurityException {
    byte[] cert = Files.readAllBytes(certFile);
    byte[] key = Files.readAllBytes(keyFile);
    KeyStore store = null;
    GeneralSecurityException failure = null;
    for (String algorithm : List.of("RSA", "EC")) {
      try {
        store =
            CertUtils.createKeyStore(
                new ByteArrayInputStream(cert),
                new ByteArrayInputStream(key),
                algorithm,
                NO_PASSWORD,
                null,
                NO_PASSWORD);
        break;
      } catch (GeneralSecurityException | IllegalArgumentException | IOException e) {
        failure =
            new GeneralSecurityException(
                "cannot read " + certFile + " and " + keyFile + " as a PEM certificate and key");
      }
    }
    if (store == null) {
      throw failure;
    }
    KeyStore single = KeyStore.getInstance("PKCS12");
    single.load(null, null);
    for (String alias : java.util.Collections.list(store.aliases())) {
      if (store.isKeyEntry(alias)) {
        single.setKeyEntry(
            ALIAS, store.getKey(alias, NO_PASSWORD), NO_PASSWORD, store.getCertificateChain(alias));
      }
    }
    KeyManagerFactory factory =
        KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    factory.init(single, NO_PASSWORD);
    return new Loaded(stamp, (X509KeyManager) factory.getKeyManagers()[0]);
  }

  /** Reads the files again when they changed since the last load. */
  private X509KeyManager keys() {
    Loaded loaded = current;
    try {
      List<Object> stamp = stamp();
      if (!stamp.equals(loaded.stamp())) {
        synchronized (this) {
          if (current == loaded) {
            try {
              current = load(stamp);
              log.info(
                  "Webhook serving certificate reloaded: {}", served().getSubjectX500Principal());
            } catch (GeneralSecurityException | IOException e) {
              // Keep serving the old one; a half-written renewal reads fine on the next handshake.
              log.warn("Webhook serving certificate not reloaded: {}", e.getMessage());
              current = new Loaded(stamp, loaded.keys());
            }
          }
        }
      }
    } catch (IOException e) {
      log.warn(
          "Webhook serving certificate files unreadable, serving the last one: {}", e.getMessage());
    }
    return current.keys();
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return keys().chooseServerAlias(keyType, issuers, null);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return chooseEngineServerAlias(keyType, issuers, null);
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    return current.keys().getCertificateChain(alias);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    return current.keys().getPrivateKey(alias);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return new String[] {ALIAS};
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return null;
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return null;
  }
}
