package dev.keyward.bench;

import dev.keyward.apikey.KeyFormat;
import dev.keyward.sealing.SealingKeys;
import dev.keyward.sealing.UnsealException;
import dev.keyward.sealing.Unsealed;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.MGF1ParameterSpec;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * P5: opening a sealed value with Keyward's Tink HPKE against the scheme Sealed Secrets uses
 * (RSA-4096-OAEP with SHA-256 wrapping a fresh AES-256-GCM key, the namespace/name as OAEP label),
 * for the same value sizes; and key generation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class CryptoBenchmark {

  @Param({"40", "1024"})
  public int valueSize;

  private SealingKeys keys;
  private String sealed;
  private KeyPair rsa;
  private byte[] wrappedKey;
  private byte[] iv;
  private byte[] gcmCiphertext;
  private static final byte[] LABEL = "agents/github-token".getBytes(StandardCharsets.UTF_8);

  @Setup
  public void setUp() throws GeneralSecurityException {
    String value = "v".repeat(valueSize);
    keys = SealingKeys.generate();
    sealed = keys.publicKeys().seal(value, "agents", "github-token");

    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(4096);
    rsa = generator.generateKeyPair();
    KeyGenerator aes = KeyGenerator.getInstance("AES");
    aes.init(256);
    SecretKey session = aes.generateKey();
    Cipher wrap = Cipher.getInstance("RSA/ECB/OAEPPadding");
    wrap.init(Cipher.ENCRYPT_MODE, rsa.getPublic(), oaep());
    wrappedKey = wrap.doFinal(session.getEncoded());
    iv = new byte[12];
    new SecureRandom().nextBytes(iv);
    Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
    gcm.init(Cipher.ENCRYPT_MODE, session, new GCMParameterSpec(128, iv));
    gcmCiphertext = gcm.doFinal(value.getBytes(StandardCharsets.UTF_8));
  }

  private static OAEPParameterSpec oaep() {
    return new OAEPParameterSpec(
        "SHA-256", "MGF1", MGF1ParameterSpec.SHA256, new PSource.PSpecified(LABEL));
  }

  @Benchmark
  public Unsealed keywardHpkeUnseal() throws UnsealException {
    return keys.unseal(sealed, "agents", "github-token");
  }

  @Benchmark
  public byte[] sealedSecretsRsaOaepAesGcmUnseal() throws GeneralSecurityException {
    Cipher unwrap = Cipher.getInstance("RSA/ECB/OAEPPadding");
    unwrap.init(Cipher.DECRYPT_MODE, rsa.getPrivate(), oaep());
    byte[] session = unwrap.doFinal(wrappedKey);
    Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
    gcm.init(Cipher.DECRYPT_MODE, new SecretKeySpec(session, "AES"), new GCMParameterSpec(128, iv));
    return gcm.doFinal(gcmCiphertext);
  }

  @Benchmark
  public String apiKeyGeneration() {
    return KeyFormat.generate("kw_", 32);
  }

  @Benchmark
  public SealingKeys sealingKeyGeneration() {
    return SealingKeys.generate();
  }
}
