package dev.keyward.dev;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The webhook's certificates for {@code keyward dev}: a CA of its own and a serving certificate it
 * signs for 127.0.0.1 and localhost, written as the chart mounts them ({@code tls.crt}, {@code
 * tls.key}, {@code ca.crt}). Made with Bouncy Castle, which kube-api-test (dev's API server) brings
 * for its own certificates. A new pair on every start: the API server is new every start too.
 */
final class DevCertificates {

  static final String CA = "ca.crt";
  static final Duration VALIDITY = Duration.ofDays(365);

  private final X509Certificate ca;
  private final X509Certificate serving;

  private DevCertificates(X509Certificate ca, X509Certificate serving) {
    this.ca = ca;
    this.serving = serving;
  }

  X509Certificate ca() {
    return ca;
  }

  X509Certificate serving() {
    return serving;
  }

  String caPem() {
    try {
      return pem("CERTIFICATE", ca.getEncoded());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Makes the CA and the serving certificate and writes them into {@code dir}. */
  static DevCertificates issue(Path dir) throws IOException, GeneralSecurityException {
    KeyPair caKeys = keyPair();
    KeyPair servingKeys = keyPair();
    Instant now = Instant.now();
    Date from = Date.from(now.minus(Duration.ofMinutes(5)));
    Date to = Date.from(now.plus(VALIDITY));
    X500Name caName = new X500Name("CN=keyward-dev-webhook-ca");
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder caBuilder =
          new JcaX509v3CertificateBuilder(caName, serial(), from, to, caName, caKeys.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
              .addExtension(
                  Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  extensions.createSubjectKeyIdentifier(caKeys.getPublic()));
      X509Certificate ca = sign(caBuilder, caKeys);
      X509v3CertificateBuilder servingBuilder =
          new JcaX509v3CertificateBuilder(
                  ca,
                  serial(),
                  from,
                  to,
                  new X500Name("CN=keyward-dev-webhook"),
                  servingKeys.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
              .addExtension(
                  Extension.extendedKeyUsage,
                  false,
                  new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
              .addExtension(
                  Extension.subjectAlternativeName,
                  false,
                  new GeneralNames(
                      new GeneralName[] {
                        new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                        new GeneralName(GeneralName.dNSName, "localhost")
                      }))
              .addExtension(
                  Extension.authorityKeyIdentifier,
                  false,
                  extensions.createAuthorityKeyIdentifier(ca));
      X509Certificate serving = sign(servingBuilder, caKeys);
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(CA), pem("CERTIFICATE", ca.getEncoded()));
      Files.writeString(dir.resolve("tls.crt"), pem("CERTIFICATE", serving.getEncoded()));
      Path key = dir.resolve("tls.key");
      Files.deleteIfExists(key);
      try {
        Files.createFile(
            key,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException e) {
        Files.createFile(key);
      }
      Files.writeString(key, pem("PRIVATE KEY", servingKeys.getPrivate().getEncoded()));
      return new DevCertificates(ca, serving);
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException("cannot sign the webhook's certificate", e);
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair issuer)
      throws OperatorCreationException, GeneralSecurityException {
    return new JcaX509CertificateConverter()
        .getCertificate(
            builder.build(
                new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate())));
  }

  private static KeyPair keyPair() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }

  private static BigInteger serial() {
    return new BigInteger(64, new SecureRandom()).add(BigInteger.ONE);
  }

  static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }
}
