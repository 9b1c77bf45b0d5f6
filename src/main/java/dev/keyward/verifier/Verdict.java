package dev.keyward.verifier;

/**
 * The verifier's answer to one presented key.
 *
 * @param record the key version found, when one was
 * @param retryAfterSeconds for {@link Code#RATE_LIMITED} and {@link Code#NOT_READY}
 */
public record Verdict(Code code, KeyRecord record, long retryAfterSeconds) {

  static Verdict of(Code code) {
    return new Verdict(code, null, 0);
  }
}
