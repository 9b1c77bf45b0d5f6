package dev.keyward.console;

import dev.keyward.apikey.ApiKey;
import dev.keyward.apikey.ApiKeyStatus;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * What the keys table shows: a search text (display name or name), filters, a sort order and a
 * page, read from the page's GET query. A pure function of the cached ApiKeys and the clock, so
 * 10,000 keys are one pass over memory, never an API call.
 *
 * @param text case-insensitive substring of display name or name; empty for all
 * @param namespace exact namespace; empty for all
 * @param phase exact {@code status.phase}; empty for all
 * @param type {@code Agent} or {@code Standard}; empty for all
 * @param unused only keys unused for more than {@link #UNUSED_FOR}
 * @param expiring only keys whose current version expires within {@link #EXPIRING_WITHIN}
 * @param sort {@code name} (namespace, then name), {@code lastUsed} (most recent first) or {@code
 *     expires} (soonest first)
 * @param page 1-based page number
 */
public record KeyQuery(
    String text,
    String namespace,
    String phase,
    String type,
    boolean unused,
    boolean expiring,
    String sort,
    int page) {

  public static final int PAGE_SIZE = 50;
  public static final Duration UNUSED_FOR = Duration.ofDays(90);
  public static final Duration EXPIRING_WITHIN = Duration.ofDays(7);

  /** One page of the filtered, sorted keys. */
  public record Result(List<ApiKey> rows, int matching, int page, int pages) {}

  /** Reads the query from the page's parameters; anything unknown means "no filter". */
  public static KeyQuery from(Map<String, String> params) {
    int page = 1;
    try {
      page = Math.max(1, Integer.parseInt(params.getOrDefault("page", "1")));
    } catch (NumberFormatException e) {
      page = 1;
    }
    String sort = params.getOrDefault("sort", "name");
    if (!List.of("name", "lastUsed", "expires").contains(sort)) {
      sort = "name";
    }
    return new KeyQuery(
        params.getOrDefault("q", "").trim(),
        params.getOrDefault("namespace", "").trim(),
        params.getOrDefault("status", "").trim(),
        params.getOrDefault("type", "").trim(),
        params.containsKey("unused"),
        params.containsKey("expiring"),
        sort,
        page);
  }

  public Result apply(Collection<ApiKey> keys, Instant now) {
    String wanted = text.toLowerCase(Locale.ROOT);
    List<ApiKey> matching =
        keys.stream()
            .filter(k -> wanted.isEmpty() || matchesText(k, wanted))
            .filter(k -> namespace.isEmpty() || namespace.equals(k.getMetadata().getNamespace()))
            .filter(k -> phase.isEmpty() || phase.equals(phase(k)))
            .filter(k -> type.isEmpty() || type.equals(type(k)))
            .filter(k -> !unused || unusedSince(k, now))
            .filter(k -> !expiring || expiresWithin(k, now))
            .map(k -> new Sortable(k, sortKey(k)))
            .sorted(ORDER)
            .map(Sortable::key)
            .toList();
    int pages = Math.max(1, (matching.size() + PAGE_SIZE - 1) / PAGE_SIZE);
    int shown = Math.min(page, pages);
    int from = (shown - 1) * PAGE_SIZE;
    return new Result(
        matching.subList(from, Math.min(matching.size(), from + PAGE_SIZE)),
        matching.size(),
        shown,
        pages);
  }

  /**
   * A key with its sort value computed once (timestamps are parsed once per key, not once per
   * comparison: with 10,000 keys that is the difference between milliseconds and a second).
   */
  private record Sortable(ApiKey key, long value) {}

  /** By value (smallest first; {@link Long#MAX_VALUE} is "none" and sorts last), then by name. */
  private static final Comparator<Sortable> ORDER =
      Comparator.comparingLong(Sortable::value)
          .thenComparing(s -> s.key().getMetadata().getNamespace())
          .thenComparing(s -> s.key().getMetadata().getName());

  private long sortKey(ApiKey k) {
    return switch (sort) {
      case "lastUsed" -> {
        // Most recent first: the negated time sorts ascending; never used sorts last.
        Instant last = lastUse(k);
        yield last == null ? Long.MAX_VALUE : -last.toEpochMilli();
      }
      case "expires" -> {
        Instant expires = instant(status(k, ApiKeyStatus::getExpiresAt));
        yield expires == null ? Long.MAX_VALUE : expires.toEpochMilli();
      }
      default -> 0L;
    };
  }

  private static boolean matchesText(ApiKey key, String wanted) {
    return displayName(key).toLowerCase(Locale.ROOT).contains(wanted)
        || key.getMetadata().getName().toLowerCase(Locale.ROOT).contains(wanted);
  }

  /** Unused: the newest recorded use (current or previous key), else its creation, is too old. */
  static boolean unusedSince(ApiKey key, Instant now) {
    Instant last = lastUse(key);
    if (last == null) {
      last = instant(status(key, ApiKeyStatus::getCreatedAt));
    }
    if (last == null && key.getMetadata().getCreationTimestamp() != null) {
      last = instant(key.getMetadata().getCreationTimestamp());
    }
    return last != null && last.isBefore(now.minus(UNUSED_FOR));
  }

  static boolean expiresWithin(ApiKey key, Instant now) {
    Instant expires = instant(status(key, ApiKeyStatus::getExpiresAt));
    return expires != null && expires.isAfter(now) && !expires.isAfter(now.plus(EXPIRING_WITHIN));
  }

  /** The newer of the current and the previous key's recorded last use; null when never used. */
  static Instant lastUse(ApiKey key) {
    Instant current = instant(status(key, ApiKeyStatus::getLastUsedAt));
    Instant previous =
        key.getStatus() == null || key.getStatus().getPreviousKey() == null
            ? null
            : instant(key.getStatus().getPreviousKey().getLastUsedAt());
    if (current == null) {
      return previous;
    }
    return previous == null || current.isAfter(previous) ? current : previous;
  }

  static String displayName(ApiKey key) {
    String name = key.getSpec() == null ? null : key.getSpec().getDisplayName();
    return name == null ? key.getMetadata().getName() : name;
  }

  static String type(ApiKey key) {
    return key.getSpec() == null || key.getSpec().getType() == null
        ? "Standard"
        : key.getSpec().getType();
  }

  static String phase(ApiKey key) {
    String phase = status(key, ApiKeyStatus::getPhase);
    return phase == null ? "Pending" : phase;
  }

  static String status(ApiKey key, Function<ApiKeyStatus, String> field) {
    return key.getStatus() == null ? null : field.apply(key.getStatus());
  }

  static Instant instant(String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
