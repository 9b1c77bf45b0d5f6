package dev.keyward.sealing;

import com.google.crypto.tink.HybridDecrypt;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.hybrid.HpkeParameters;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;

/**
 * Keyward's private sealing keyset: Tink hybrid encryption with HPKE (X25519, HKDF-SHA256,
 * AES-256-GCM). The primary key seals; every key in the set opens. Immutable.
 */
public final class SealingKeys {

  static final HpkeParameters PARAMETERS;

  static {
    Tink.init();
    try {
      PARAMETERS =
          HpkeParameters.builder()
              .setVariant(HpkeParameters.Variant.TINK)
              .setKemId(HpkeParameters.KemId.DHKEM_X25519_HKDF_SHA256)
              .setKdfId(HpkeParameters.KdfId.HKDF_SHA256)
              .setAeadId(HpkeParameters.AeadId.AES_256_GCM)
              .build();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HPKE parameters are built in", e);
    }
  }

  private final KeysetHandle handle;
  private final HybridDecrypt decrypt;

  private SealingKeys(KeysetHandle handle) {
    this.handle = handle;
    try {
      this.decrypt = handle.getPrimitive(Tink.configuration(), HybridDecrypt.class);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the keyset is not a hybrid private keyset", e);
    }
  }

  public static SealingKeys generate() {
    try {
      return new SealingKeys(KeysetHandle.generateNew(PARAMETERS));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("could not generate a sealing key", e);
    }
  }

  /** Reads a cleartext Tink JSON keyset (as kept in Secret keyward-sealing-keys). */
  public static SealingKeys fromJson(String privateKeysetJson) {
    try {
      return new SealingKeys(
          TinkJsonProtoKeysetFormat.parseKeyset(privateKeysetJson, InsecureSecretKeyAccess.get()));
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException("not a Tink private keyset in JSON form");
    }
  }

  public String toJson() {
    try {
      return TinkJsonProtoKeysetFormat.serializeKeyset(handle, InsecureSecretKeyAccess.get());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("could not serialise the sealing keys", e);
    }
  }

  /** A new keyset with a fresh primary key; the old keys stay and keep opening values. */
  public SealingKeys withNewPrimary() {
    try {
      KeysetHandle.Builder builder = KeysetHandle.newBuilder(handle);
      builder.addEntry(KeysetHandle.generateEntryFromParameters(PARAMETERS).withRandomId());
      builder.getAt(builder.size() - 1).makePrimary();
      return new SealingKeys(builder.build());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("could not add a sealing key", e);
    }
  }

  public String primaryKeyId() {
    return Integer.toUnsignedString(handle.getPrimary().getId());
  }

  public List<String> keyIds() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < handle.size(); i++) {
      ids.add(Integer.toUnsignedString(handle.getAt(i).getId()));
    }
    return ids;
  }

  public PublicKeys publicKeys() {
    try {
      return new PublicKeys(handle.getPublicKeysetHandle());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("could not derive the public keys", e);
    }
  }

  /** Opens a value sealed for ToolSecret {@code namespace/name}. */
  public Unsealed unseal(String encryptedValue, String namespace, String name)
      throws UnsealException {
    Envelope envelope = Envelope.decode(encryptedValue);
    String expected = Envelope.binding(namespace, name);
    if (!envelope.binding.equals(expected)) {
      throw new UnsealException(
          UnsealFailure.WRONG_OBJECT,
          String.format(
              "The value was sealed for %s, not %s; a sealed value opens only for the ToolSecret"
                  + " it was sealed for. Seal it again with --namespace %s --name %s",
              abbreviate(envelope.binding), expected, namespace, name));
    }
    String keyId = Integer.toUnsignedString(envelope.keyId());
    if (!keyIds().contains(keyId)) {
      throw new UnsealException(
          UnsealFailure.UNKNOWN_SEALING_KEY,
          String.format(
              "The value was sealed with key %s, which this cluster's Keyward does not have."
                  + " Fetch this cluster's public keys (keyward seal --fetch-public-keys) and seal"
                  + " again",
              keyId));
    }
    byte[] plain;
    try {
      plain = decrypt.decrypt(envelope.ciphertext, Envelope.contextInfo(namespace, name));
    } catch (GeneralSecurityException e) {
      throw new UnsealException(
          UnsealFailure.TAMPERED,
          "The sealed value does not open: it was changed after sealing. Seal the value again");
    }
    return new Unsealed(new String(plain, StandardCharsets.UTF_8), keyId);
  }

  private static String abbreviate(String text) {
    return text.length() <= 300 ? text : text.substring(0, 297) + "...";
  }
}
