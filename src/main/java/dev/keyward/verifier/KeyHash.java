package dev.keyward.verifier;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A SHA-256 as four longs: what the verifier indexes keys by. 48 bytes per key instead of a
 * 71-character string, and equality without parsing hex on the request path.
 */
public record KeyHash(long a, long b, long c, long d) {

  private static final String PREFIX = "sha256:";

  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
            }
          });

  /** The hash of a presented key (ASCII, as checked before). */
  public static KeyHash of(String key) {
    byte[] digest = SHA256.get().digest(key.getBytes(StandardCharsets.US_ASCII));
    return new KeyHash(
        longAt(digest, 0), longAt(digest, 8), longAt(digest, 16), longAt(digest, 24));
  }

  /** Parses {@code sha256:} and 64 hex digits as status carries it; null when it is not that. */
  public static KeyHash parse(String text) {
    if (text == null
        || text.length() != PREFIX.length() + 64
        || !text.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      return null;
    }
    long[] parts = new long[4];
    for (int i = 0; i < 4; i++) {
      long value = 0;
      for (int j = 0; j < 16; j++) {
        int digit = Character.digit(text.charAt(PREFIX.length() + i * 16 + j), 16);
        if (digit < 0) {
          return null;
        }
        value = value << 4 | digit;
      }
      parts[i] = value;
    }
    return new KeyHash(parts[0], parts[1], parts[2], parts[3]);
  }

  private static long longAt(byte[] bytes, int offset) {
    long value = 0;
    for (int i = 0; i < 8; i++) {
      value = value << 8 | (bytes[offset + i] & 0xFF);
    }
    return value;
  }

  /** Never the hash itself: a record's default toString would print it into logs. */
  @Override
  public String toString() {
    return "KeyHash[…]";
  }
}
