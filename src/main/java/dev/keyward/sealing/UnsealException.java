package dev.keyward.sealing;

/**
 * A sealed value did not open. The message says what to do; it never holds the ciphertext or
 * anything of the plaintext.
 */
public final class UnsealException extends Exception {

  private final UnsealFailure failure;

  UnsealException(UnsealFailure failure, String message) {
    super(message, null, false, false);
    this.failure = failure;
  }

  public UnsealFailure failure() {
    return failure;
  }
}
