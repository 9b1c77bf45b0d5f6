package dev.keyward.sealing;

/**
 * An opened value and the id of the sealing key that opened it.
 *
 * @param keyId unsigned decimal Tink key id
 */
public record Unsealed(String value, String keyId) {

  @Override
  public String toString() {
    return "Unsealed[keyId=" + keyId + "]";
  }
}
