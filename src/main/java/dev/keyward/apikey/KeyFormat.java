package dev.keyward.apikey;

import dev.keyward.secrets.Fingerprints;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * The key format: {@code <prefix><random><checksum>}. The random part is base62 from {@link
 * SecureRandom}; the checksum is the CRC32 of prefix and random part, in 6 base62 characters, so a
 * secret scanner can recognise a leaked Keyward key without asking anyone (the idea behind GitHub's
 * token format).
 */
public final class KeyFormat {

  static final String ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  public static final int CHECKSUM_LENGTH = 6;
  public static final int DEFAULT_LENGTH = 32;

  /** 22 base62 characters carry 130 bits: the least that keeps a key above 128 bits. */
  public static final int MIN_LENGTH = 22;

  public static final int MAX_LENGTH = 128;
  public static final String STANDARD_PREFIX = "kw_";
  public static final String AGENT_PREFIX = "kwa_";

  private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_-]{1,16}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private KeyFormat() {}

  /** Returns null when the prefix is usable, else a sentence saying what is wrong. */
  public static String checkPrefix(String prefix) {
    if (prefix == null || !PREFIX.matcher(prefix).matches()) {
      return String.format(
          "spec.format.prefix \"%s\" must be 1 to 16 characters of letters, digits, '_' or '-'",
          prefix);
    }
    return null;
  }

  /** Returns null when the length is usable, else a sentence saying what is wrong. */
  public static String checkLength(int length) {
    if (length < MIN_LENGTH || length > MAX_LENGTH) {
      return String.format(
          "spec.format.length %d must be between %d (128 bits of randomness) and %d",
          length, MIN_LENGTH, MAX_LENGTH);
    }
    return null;
  }

  /** Generates a new key with the given prefix and number of random characters. */
  public static String generate(String prefix, int length) {
    StringBuilder body = new StringBuilder(prefix.length() + length + CHECKSUM_LENGTH);
    body.append(prefix);
    for (int i = 0; i < length; i++) {
      body.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return body.append(checksum(body.toString())).toString();
  }

  /** True when the last 6 characters are the checksum of everything before them. */
  public static boolean hasValidChecksum(String key) {
    if (key == null || key.length() <= CHECKSUM_LENGTH) {
      return false;
    }
    int split = key.length() - CHECKSUM_LENGTH;
    return checksum(key.substring(0, split)).equals(key.substring(split));
  }

  static String checksum(String prefixAndRandom) {
    CRC32 crc = new CRC32();
    crc.update(prefixAndRandom.getBytes(StandardCharsets.UTF_8));
    long value = crc.getValue();
    char[] out = new char[CHECKSUM_LENGTH];
    for (int i = CHECKSUM_LENGTH - 1; i >= 0; i--) {
      out[i] = ALPHABET.charAt((int) (value % 62));
      value /= 62;
    }
    return new String(out);
  }

  /** First 4 and last 4 characters, e.g. {@code kw_a…9Zq1}: enough to tell keys apart. */
  public static String mask(String key) {
    return mask(key, 4);
  }

  /** First and last {@code visible} characters; see {@link Fingerprints#mask}. */
  public static String mask(String value, int visible) {
    return Fingerprints.mask(value, visible);
  }

  /** {@code sha256:} and the first 16 hex digits of the SHA-256 of the value. */
  public static String fingerprint(String value) {
    return Fingerprints.fingerprint(value);
  }

  /**
   * {@code sha256:} and all 64 hex digits of the SHA-256 of the key: what a verifier looks a
   * presented key up by. Safe to publish for keys with 128 or more random bits.
   */
  public static String keyHash(String value) {
    return Fingerprints.sha256(value);
  }
}
