package dev.keyward.sealing;

import com.google.crypto.tink.HybridEncrypt;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

/**
 * Keyward's public sealing keyset: what {@code keyward seal} encrypts with. Its JSON form (Tink's
 * JSON public keyset) is what ConfigMap {@code keyward-sealing-public-keys}, the HTTP endpoint
 * {@code /v1/sealing-public-keys} and {@code seal --public-keys FILE} carry.
 */
public final class PublicKeys {

  private final KeysetHandle handle;
  private final HybridEncrypt encrypt;

  PublicKeys(KeysetHandle handle) {
    this.handle = handle;
    try {
      this.encrypt = handle.getPrimitive(Tink.configuration(), HybridEncrypt.class);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not a hybrid public keyset");
    }
  }

  public static PublicKeys fromJson(String json) {
    try {
      return new PublicKeys(TinkJsonProtoKeysetFormat.parseKeysetWithoutSecret(json));
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException(
          "not Keyward's public sealing keys: expected the JSON from `keyward seal"
              + " --fetch-public-keys` or GET /v1/sealing-public-keys");
    }
  }

  public String toJson() {
    try {
      return TinkJsonProtoKeysetFormat.serializeKeysetWithoutSecret(handle);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("could not serialise the public keys", e);
    }
  }

  public String primaryKeyId() {
    return Integer.toUnsignedString(handle.getPrimary().getId());
  }

  /** Seals {@code value} for ToolSecret {@code namespace/name}; returns the base64 envelope. */
  public String seal(String value, String namespace, String name) {
    try {
      byte[] ciphertext =
          encrypt.encrypt(
              value.getBytes(StandardCharsets.UTF_8), Envelope.contextInfo(namespace, name));
      return Envelope.encode(namespace, name, ciphertext);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("sealing failed", e);
    }
  }
}
