package dev.keyward.sealing;

/** Why a sealed value did not open; each is its own Ready condition reason. */
public enum UnsealFailure {
  NOT_BASE64("NotBase64"),
  TRUNCATED("Truncated"),
  UNSUPPORTED_FORMAT("UnsupportedFormat"),
  WRONG_OBJECT("WrongObject"),
  UNKNOWN_SEALING_KEY("UnknownSealingKey"),
  TAMPERED("Tampered");

  private final String reason;

  UnsealFailure(String reason) {
    this.reason = reason;
  }

  /** The CamelCase condition reason. */
  public String reason() {
    return reason;
  }
}
