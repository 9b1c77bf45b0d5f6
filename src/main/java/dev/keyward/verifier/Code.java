package dev.keyward.verifier;

/** Every answer the verifier gives, with its HTTP status. The name is the JSON {@code code}. */
public enum Code {
  OK(200),
  MISSING_KEY(401),
  MALFORMED(401),
  UNKNOWN(401),
  EXPIRED(401),
  REVOKED(401),
  INSUFFICIENT_SCOPE(403),
  WRONG_NAMESPACE(403),
  RATE_LIMITED(429),
  NOT_READY(503),
  /** The shared rate-limit store did not answer and {@code --rate-limit-on-store-error=deny}. */
  RATE_LIMIT_UNAVAILABLE(503),
  BAD_REQUEST(400),
  TOO_LARGE(413);

  private final int status;

  Code(int status) {
    this.status = status;
  }

  public int status() {
    return status;
  }
}
