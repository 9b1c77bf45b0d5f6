package dev.keyward.secrets;

/** The target Secret exists and is not controlled by the resource that wants to write it. */
public class SecretConflictException extends Exception {
  public SecretConflictException(String message) {
    super(message);
  }
}
