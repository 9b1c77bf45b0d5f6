package dev.keyward.toolsecret;

import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The limit on the total size of the tool values one namespace serves. */
public final class NamespaceQuota {

  /**
   * A ToolSecret asking for room.
   *
   * @param alreadyActive its value is served now and unchanged
   */
  public record Candidate(String name, int valueBytes, boolean alreadyActive, Instant createdAt) {}

  private static final Pattern SIZE = Pattern.compile("(\\d+)(Ki|Mi|Gi)?");

  private NamespaceQuota() {}

  /**
   * Which candidates fit: those already active first (oldest first), then the others (oldest
   * first); each is admitted if the running total with it stays within the limit. So a new value
   * never pushes out one already served.
   */
  public static Set<String> admitted(Collection<Candidate> candidates, long limitBytes) {
    Set<String> admitted = new LinkedHashSet<>();
    long total = 0;
    for (Candidate c :
        candidates.stream()
            .sorted(
                Comparator.comparing((Candidate c) -> !c.alreadyActive())
                    .thenComparing(Candidate::createdAt)
                    .thenComparing(Candidate::name))
            .toList()) {
      if (total + c.valueBytes() <= limitBytes) {
        total += c.valueBytes();
        admitted.add(c.name());
      }
    }
    return admitted;
  }

  /** Parses {@code 512Ki}, {@code 1Mi} or a number of bytes. */
  public static long parseSize(String text) {
    Matcher m = SIZE.matcher(text == null ? "" : text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          String.format(
              "\"%s\" is not a size; write it like 512Ki, 1Mi or a number of bytes", text));
    }
    long number = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "" : m.group(2).toLowerCase(Locale.ROOT);
    return switch (unit) {
      case "ki" -> number * 1024;
      case "mi" -> number * 1024 * 1024;
      case "gi" -> number * 1024 * 1024 * 1024;
      default -> number;
    };
  }
}
