package dev.keyward.cli;

import dev.keyward.apikey.ApiKey;
import dev.keyward.apikey.ApiKeySpec;
import dev.keyward.apikey.ApiKeyStatus;
import dev.keyward.apikey.PreviousKey;
import dev.keyward.toolgrant.ToolGrant;
import dev.keyward.toolgrant.ToolGrantSpec;
import dev.keyward.toolgrant.ToolGrantStatus;
import dev.keyward.toolsecret.ToolSecret;
import dev.keyward.toolsecret.ToolSecretSpec;
import dev.keyward.toolsecret.ToolSecretStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * What {@code keyward status} prints: an object's state and what happens to it next, as a pure
 * function of the object, its Events and the time, so it is tested without a cluster. Shows masked
 * keys and fingerprints only; status never holds more.
 */
final class StatusReport {

  /** How many of the newest Events are shown. */
  static final int EVENTS = 10;

  private final StringBuilder out = new StringBuilder();
  private final Instant now;

  private StatusReport(Instant now) {
    this.now = now;
  }

  static String apiKey(ApiKey key, List<Event> events, Instant now) {
    StatusReport r = new StatusReport(now);
    ApiKeySpec spec = key.getSpec() == null ? new ApiKeySpec() : key.getSpec();
    ApiKeyStatus s = key.getStatus() == null ? new ApiKeyStatus() : key.getStatus();
    r.title("ApiKey", key, spec.getDisplayName());
    r.field("Type", spec.getType() == null ? "Standard" : spec.getType());
    r.phase(s.getPhase(), s.getConditions(), key, s.getObservedGeneration());
    if (s.getKeyVersion() != null) {
      r.field(
          "Key",
          "version "
              + s.getKeyVersion()
              + "  "
              + Objects.toString(s.getMaskedKey(), "-")
              + "  "
              + Objects.toString(s.getFingerprint(), ""));
    }
    if (s.getSecretName() != null) {
      r.field("Secret", s.getSecretName());
    }
    r.time("Created", s.getCreatedAt());
    r.time("Issued", s.getIssuedAt());
    if (s.getExpiresAt() == null && s.getIssuedAt() != null) {
      r.field("Expires", "never");
    }
    r.time("Expires", s.getExpiresAt());
    r.time("Rotates", s.getRotatesAt());
    r.time("Last rotated", s.getLastRotatedAt());
    r.time("Last used", s.getLastUsedAt());
    r.time("Revoked", s.getRevokedAt());
    PreviousKey previous = s.getPreviousKey();
    if (previous != null) {
      r.field(
          "Previous key",
          Objects.toString(previous.getMaskedKey(), "-")
              + "  "
              + Objects.toString(previous.getFingerprint(), "")
              + "  valid until "
              + r.when(previous.getValidUntil()));
    }
    r.next(apiKeyNext(s, spec, now), s.getPhase());
    r.events(events);
    return r.out.toString();
  }

  static String toolSecret(ToolSecret t, List<Event> events, Instant now) {
    StatusReport r = new StatusReport(now);
    ToolSecretSpec spec = t.getSpec() == null ? new ToolSecretSpec() : t.getSpec();
    ToolSecretStatus s = t.getStatus() == null ? new ToolSecretStatus() : t.getStatus();
    r.title("ToolSecret", t, spec.getDisplayName());
    r.phase(s.getPhase(), s.getConditions(), t, s.getObservedGeneration());
    if (s.getDisplay() != null || s.getFingerprint() != null) {
      r.field(
          "Value",
          Objects.toString(s.getDisplay(), "-") + "  " + Objects.toString(s.getFingerprint(), ""));
    }
    if (spec.getTool() != null) {
      r.field(
          "Tool",
          spec.getTool()
              + (spec.getToolArg() == null ? " (any argument)" : ", argument " + spec.getToolArg())
              + (Boolean.TRUE.equals(spec.getDefaultForTool()) ? ", default" : ""));
    }
    if (s.getSecretName() != null) {
      r.field("Secret", s.getSecretName());
    }
    if (s.getSealingKeyId() != null) {
      r.field("Sealing key", s.getSealingKeyId());
    }
    r.time("Created", s.getCreatedAt());
    r.time("Updated", s.getUpdatedAt());
    r.time("Expires", spec.getExpiresAt());
    List<Upcoming> next = new ArrayList<>();
    if ("Active".equals(s.getPhase()) && spec.getExpiresAt() != null) {
      next.add(
          new Upcoming(
              spec.getExpiresAt(), "the value is removed from its Secret and the tool index"));
    }
    r.next(next, s.getPhase());
    r.events(events);
    return r.out.toString();
  }

  static String toolGrant(ToolGrant g, List<Event> events, Instant now) {
    StatusReport r = new StatusReport(now);
    ToolGrantSpec spec = g.getSpec() == null ? new ToolGrantSpec() : g.getSpec();
    ToolGrantStatus s = g.getStatus() == null ? new ToolGrantStatus() : g.getStatus();
    r.title("ToolGrant", g, spec.getDisplayName());
    r.phase(s.getPhase(), s.getConditions(), g, s.getObservedGeneration());
    if (s.getTools() != null) {
      r.field("Tools", s.getTools() + " have a value");
    }
    r.field("Secret", Objects.toString(s.getSecretName(), g.secretName()));
    if (s.getResolved() != null) {
      r.out.append("Delivered:\n");
      for (ToolGrantStatus.Resolved e : s.getResolved()) {
        r.out.append(
            String.format(
                "  %s  %s %s  from %s (%s)  %s%n",
                e.getEnv(),
                e.getTool(),
                e.getArg(),
                e.getToolSecret(),
                e.getMatch(),
                Objects.toString(e.getFingerprint(), "")));
      }
    }
    if (s.getMissing() != null) {
      r.out.append("Missing:\n");
      for (ToolGrantStatus.Missing e : s.getMissing()) {
        r.out.append(
            String.format(
                "  %s  %s %s%n    %s%n", e.getEnv(), e.getTool(), e.getArg(), e.getFix()));
      }
    }
    if (spec.getRolloutRestartTargets() != null && !spec.getRolloutRestartTargets().isEmpty()) {
      r.field(
          "Restarts",
          String.join(
              ", ",
              spec.getRolloutRestartTargets().stream()
                  .map(t -> t.getKind() + " " + t.getName())
                  .toList()));
    }
    r.events(events);
    return r.out.toString();
  }

  /** What the operator will do to an ApiKey and when, soonest first. */
  private static List<Upcoming> apiKeyNext(ApiKeyStatus s, ApiKeySpec spec, Instant now) {
    List<Upcoming> next = new ArrayList<>();
    if (!"Active".equals(s.getPhase())) {
      return next;
    }
    if (s.getRotatesAt() != null) {
      next.add(
          new Upcoming(
              s.getRotatesAt(),
              "rotation: a new key version, the current key stays valid until "
                  + Objects.toString(s.getExpiresAt(), "it expires")));
    } else if (s.getExpiresAt() != null) {
      next.add(
          new Upcoming(
              s.getExpiresAt(), "the key expires: its value is removed (rotation is off)"));
    }
    if (s.getPreviousKey() != null && s.getPreviousKey().getValidUntil() != null) {
      next.add(
          new Upcoming(
              s.getPreviousKey().getValidUntil(),
              "the previous key stops working and leaves the Secret"));
    }
    return next;
  }

  private record Upcoming(String at, String what) {}

  private void title(String kind, HasMetadata o, String displayName) {
    out.append(kind)
        .append(' ')
        .append(o.getMetadata().getNamespace())
        .append('/')
        .append(o.getMetadata().getName());
    if (displayName != null) {
      out.append("  \"").append(displayName).append('"');
    }
    out.append('\n');
  }

  private void phase(
      String phase, List<Condition> conditions, HasMetadata o, Long observedGeneration) {
    Condition ready =
        conditions == null
            ? null
            : conditions.stream().filter(c -> "Ready".equals(c.getType())).findFirst().orElse(null);
    field(
        "Phase",
        (phase == null ? "(none yet: the operator has not looked at it)" : phase)
            + (ready == null ? "" : "  Ready=" + ready.getStatus() + " " + ready.getReason()));
    if (ready != null && ready.getMessage() != null) {
      field("Message", ready.getMessage());
    }
    Long generation = o.getMetadata().getGeneration();
    if (phase != null
        && generation != null
        && (observedGeneration == null || observedGeneration < generation)) {
      field(
          "Pending",
          "the operator has not yet acted on the latest spec (generation "
              + generation
              + ", status describes "
              + Objects.toString(observedGeneration, "none")
              + ")");
    }
  }

  private void next(List<Upcoming> upcoming, String phase) {
    out.append("Next:\n");
    if (upcoming.isEmpty()) {
      String why =
          switch (Objects.toString(phase, "")) {
            case "Revoked" -> "nothing: revoked (set spec.revoked to false for a new value)";
            case "Expired" -> "nothing: expired";
            case "Failed" -> "nothing until the spec or the conflict is fixed (see Message)";
            case "Active" -> "nothing scheduled: it does not expire";
            default -> "the operator's first look at it";
          };
      out.append("  ").append(why).append('\n');
      return;
    }
    upcoming.stream()
        .sorted(Comparator.comparing(u -> parse(u.at()) == null ? Instant.MAX : parse(u.at())))
        .forEach(
            u -> {
              Instant at = parse(u.at());
              out.append("  ").append(when(u.at())).append("  ").append(u.what());
              if (at != null && at.isBefore(now)) {
                out.append("  OVERDUE: is the operator running?");
              }
              out.append('\n');
            });
  }

  private void events(List<Event> events) {
    if (events.isEmpty()) {
      out.append("Events: none\n");
      return;
    }
    List<Event> newest =
        events.stream()
            .sorted(Comparator.comparing(StatusReport::eventTime))
            .skip(Math.max(0, events.size() - EVENTS))
            .toList();
    out.append("Events (newest last):\n");
    for (Event e : newest) {
      Instant at = eventTime(e);
      out.append("  ")
          .append(at.equals(Instant.EPOCH) ? "-" : at.toString())
          .append("  ")
          .append(e.getType())
          .append("  ")
          .append(e.getReason())
          .append(e.getCount() != null && e.getCount() > 1 ? " (x" + e.getCount() + ")" : "")
          .append("  ")
          .append(e.getMessage())
          .append('\n');
    }
  }

  private static Instant eventTime(Event e) {
    for (String t :
        new String[] {
          e.getLastTimestamp(), e.getFirstTimestamp(), e.getMetadata().getCreationTimestamp()
        }) {
      Instant parsed = parse(t);
      if (parsed != null) {
        return parsed;
      }
    }
    return Instant.EPOCH;
  }

  private void field(String name, String value) {
    out.append(String.format("%-13s %s%n", name + ":", value));
  }

  private void time(String name, String at) {
    if (at != null) {
      field(name, when(at));
    }
  }

  /** {@code 2027-01-01T00:00:00Z (in 3d 4h)} or {@code ... (2h ago)}. */
  String when(String at) {
    Instant t = parse(at);
    if (t == null) {
      return Objects.toString(at, "-");
    }
    Duration d = Duration.between(now, t);
    return at + (d.isNegative() ? " (" + human(d.negated()) + " ago)" : " (in " + human(d) + ")");
  }

  static String human(Duration d) {
    long s = d.getSeconds();
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return (s / 60) + "m" + (s % 60 == 0 ? "" : " " + (s % 60) + "s");
    }
    if (s < 86_400) {
      return (s / 3600) + "h" + (s % 3600 / 60 == 0 ? "" : " " + (s % 3600 / 60) + "m");
    }
    return (s / 86_400) + "d" + (s % 86_400 / 3600 == 0 ? "" : " " + (s % 86_400 / 3600) + "h");
  }

  private static Instant parse(String at) {
    if (at == null) {
      return null;
    }
    try {
      return Instant.parse(at);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
