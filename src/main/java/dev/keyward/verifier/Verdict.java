package dev.keyward.verifier;

/**
 * The verifier's answer to one presented key.
 *
 * @param record the key version found, when one was
 * @param retryAfterSeconds for {@link Code#RATE_LIMITED} and {@link Code#NOT_READY}
 * @param scope the scope an owner check refused or could not confirm, else null
 * @param owner the key's recorded creator, with {@code --owner-check}; else null
 */
public record Verdict(
    Code code, KeyRecord record, long retryAfterSeconds, String scope, String owner) {

  public Verdict(Code code, KeyRecord record, long retryAfterSeconds) {
    this(code, record, retryAfterSeconds, null, null);
  }

  static Verdict of(Code code) {
    return new Verdict(code, null, 0);
  }
}
