package dev.keyward.verifier;

import dev.keyward.apikey.KeyFormat;
import java.util.List;

/**
 * Finds the presented key in a request's headers and checks its form, before any lookup. Pure: no
 * part of a presented key is ever kept, logged or put into an answer.
 *
 * <ul>
 *   <li>No {@code Authorization} and no {@code X-API-Key}: {@code MISSING_KEY}.
 *   <li>More than one {@code Authorization} or {@code X-API-Key} header, an {@code Authorization}
 *       scheme other than {@code Bearer} (unless {@code X-API-Key} carries the key, so a service's
 *       own Basic credentials do not get in the way), a Bearer token and an {@code X-API-Key} that
 *       differ, anything but {@code [A-Za-z0-9_-]}, a length no Keyward key has, a wrong checksum:
 *       {@code MALFORMED}.
 * </ul>
 */
public final class Presented {

  /** Longest key Keyward issues: a 16-character prefix, 128 random, 6 checksum. */
  public static final int MAX_KEY_LENGTH = 16 + KeyFormat.MAX_LENGTH + KeyFormat.CHECKSUM_LENGTH;

  private static final int MIN_KEY_LENGTH = 1 + KeyFormat.MIN_LENGTH + KeyFormat.CHECKSUM_LENGTH;

  /** Either a key of valid form, or the code that refuses the request. */
  public record Result(String key, Code code) {
    @Override
    public String toString() {
      return "Presented[" + (key == null ? code : "key") + "]";
    }
  }

  private static final Result MISSING = new Result(null, Code.MISSING_KEY);
  private static final Result MALFORMED = new Result(null, Code.MALFORMED);

  private Presented() {}

  /**
   * @param authorization every {@code Authorization} header value, in order
   * @param apiKey every {@code X-API-Key} header value, in order
   */
  public static Result extract(List<String> authorization, List<String> apiKey) {
    if (authorization.isEmpty() && apiKey.isEmpty()) {
      return MISSING;
    }
    if (authorization.size() > 1 || apiKey.size() > 1) {
      return MALFORMED;
    }
    String fromHeader = apiKey.isEmpty() ? null : apiKey.get(0).strip();
    String bearer = authorization.isEmpty() ? null : bearer(authorization.get(0));
    String key;
    if (fromHeader != null && bearer != null) {
      if (!fromHeader.equals(bearer)) {
        return MALFORMED;
      }
      key = fromHeader;
    } else if (fromHeader != null) {
      key = fromHeader;
    } else if (bearer != null) {
      key = bearer;
    } else {
      return MALFORMED;
    }
    return checkForm(key) ? new Result(key, Code.OK) : MALFORMED;
  }

  /** The token of a {@code Bearer} credential, or null for any other scheme. */
  private static String bearer(String header) {
    String value = header.strip();
    if (value.length() < 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return value.substring(7).strip();
  }

  /** Key characters, a length Keyward issues, and the checksum: garbage stops here. */
  public static boolean checkForm(String key) {
    int length = key.length();
    if (length < MIN_KEY_LENGTH || length > MAX_KEY_LENGTH) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      char c = key.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '_'
              || c == '-';
      if (!ok) {
        return false;
      }
    }
    return KeyFormat.hasValidChecksum(key);
  }
}
