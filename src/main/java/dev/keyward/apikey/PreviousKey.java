package dev.keyward.apikey;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;
import java.util.function.UnaryOperator;

/** The previous key version, valid until {@code validUntil}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PreviousKey {
  private String maskedKey;
  private String fingerprint;
  private String validUntil;
  private String keyHash;
  private String lastUsedAt;

  public PreviousKey() {}

  public PreviousKey(String maskedKey, String fingerprint, String validUntil) {
    this.maskedKey = maskedKey;
    this.fingerprint = fingerprint;
    this.validUntil = validUntil;
  }

  public String getMaskedKey() {
    return maskedKey;
  }

  public void setMaskedKey(String maskedKey) {
    this.maskedKey = maskedKey;
  }

  public String getFingerprint() {
    return fingerprint;
  }

  public void setFingerprint(String fingerprint) {
    this.fingerprint = fingerprint;
  }

  public String getValidUntil() {
    return validUntil;
  }

  public void setValidUntil(String validUntil) {
    this.validUntil = validUntil;
  }

  public String getKeyHash() {
    return keyHash;
  }

  public void setKeyHash(String keyHash) {
    this.keyHash = keyHash;
  }

  public String getLastUsedAt() {
    return lastUsedAt;
  }

  public void setLastUsedAt(String lastUsedAt) {
    this.lastUsedAt = lastUsedAt;
  }

  void shareStrings(UnaryOperator<String> shared) {
    fingerprint = shared.apply(fingerprint);
    validUntil = shared.apply(validUntil);
    keyHash = shared.apply(keyHash);
    lastUsedAt = shared.apply(lastUsedAt);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PreviousKey that
        && Objects.equals(keyHash, that.keyHash)
        && Objects.equals(lastUsedAt, that.lastUsedAt)
        && Objects.equals(maskedKey, that.maskedKey)
        && Objects.equals(fingerprint, that.fingerprint)
        && Objects.equals(validUntil, that.validUntil);
  }

  @Override
  public int hashCode() {
    return Objects.hash(maskedKey, fingerprint, validUntil);
  }
}
