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
  /** {@code --owner-check}: the key's creator may no longer grant a demanded scope. */
  OWNER_LACKS_PERMISSION(403),
  /** {@code --owner-check}: the key has no recorded creator to check. */
  OWNER_UNKNOWN(403),
  RATE_LIMITED(429),
  NOT_READY(503),
  /** {@code --owner-check}: no answer about the creator's rights, or none younger than 10 TTLs. */
  OWNER_CHECK_UNAVAILABLE(503),
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
