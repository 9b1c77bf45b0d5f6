package dev.keyward.secrets;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What status may show of a secret value: a mask and a SHA-256 fingerprint. Shared by every kind,
 * so ApiKeys and ToolSecrets show their values the same way and neither depends on the other.
 */
public final class Fingerprints {

  private Fingerprints() {}

  /** First and last {@code visible} characters; values too short to mask show only dots. */
  public static String mask(String value, int visible) {
    if (value == null) {
      return null;
    }
    if (value.length() <= 2 * visible + 1) {
      return "…";
    }
    return value.substring(0, visible) + "…" + value.substring(value.length() - visible);
  }

  /** {@code sha256:} and the first 16 hex digits of the SHA-256 of the value. */
  public static String fingerprint(String value) {
    return sha256(value).substring(0, "sha256:".length() + 16);
  }

  /** {@code sha256:} and all 64 hex digits of the SHA-256 of the value. */
  public static String sha256(String value) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
      return "sha256:" + HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
