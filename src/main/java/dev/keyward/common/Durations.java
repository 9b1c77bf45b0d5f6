package dev.keyward.common;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the durations people write in specs: {@code 90d}, {@code 36h}, {@code 15m}, {@code 30s},
 * or several of them together ({@code 1h30m}). Kept to whole seconds so schedules are exact and
 * readable in status.
 */
public final class Durations {

  /**
   * Longest duration accepted anywhere: about 100 years. Beyond it, arithmetic stops being safe.
   */
  public static final Duration MAX = Duration.ofDays(36_500);

  public static final String NEVER = "never";

  private static final Pattern WHOLE = Pattern.compile("(\\d{1,9}[dhms])+");
  private static final Pattern PART = Pattern.compile("(\\d{1,9})([dhms])");

  private Durations() {}

  /** Thrown for a duration a person mistyped; the message says what was expected. */
  public static final class InvalidDurationException extends IllegalArgumentException {
    public InvalidDurationException(String message) {
      super(message);
    }
  }

  /**
   * Parses {@code text} for the spec field {@code field}.
   *
   * @throws InvalidDurationException when the text is not a positive duration
   */
  public static Duration parse(String field, String text) {
    String value = text == null ? "" : text.trim();
    if (!WHOLE.matcher(value).matches()) {
      throw new InvalidDurationException(
          String.format(
              "%s \"%s\" is not a duration: write a positive number followed by d, h, m or s, "
                  + "for example 90d, 36h, 15m or 30s",
              field, text));
    }
    Duration total = Duration.ZERO;
    Matcher part = PART.matcher(value);
    while (part.find()) {
      long amount = Long.parseLong(part.group(1));
      total =
          total.plus(
              switch (part.group(2)) {
                case "d" -> Duration.ofDays(amount);
                case "h" -> Duration.ofHours(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofSeconds(amount);
              });
    }
    if (total.isZero()) {
      throw new InvalidDurationException(
          String.format("%s \"%s\" must be longer than zero", field, text));
    }
    if (total.compareTo(MAX) > 0) {
      throw new InvalidDurationException(
          String.format("%s \"%s\" is longer than the maximum of 36500d", field, text));
    }
    return total;
  }

  /** Like {@link #parse} but also accepts {@code never}, returned as an empty Optional. */
  public static Optional<Duration> parseOrNever(String field, String text) {
    if (text != null && NEVER.equals(text.trim())) {
      return Optional.empty();
    }
    return Optional.of(parse(field, text));
  }

  /** Formats a duration the way people write it: the largest units first, e.g. {@code 7d12h}. */
  public static String format(Duration duration) {
    long seconds = duration.getSeconds();
    if (seconds == 0) {
      return "0s";
    }
    StringBuilder out = new StringBuilder();
    long days = seconds / 86_400;
    long hours = seconds % 86_400 / 3_600;
    long minutes = seconds % 3_600 / 60;
    long secs = seconds % 60;
    if (days > 0) out.append(days).append('d');
    if (hours > 0) out.append(hours).append('h');
    if (minutes > 0) out.append(minutes).append('m');
    if (secs > 0) out.append(secs).append('s');
    return out.toString();
  }
}
