package dev.keyward.apikey;

import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Tells the operator's own status writes from anyone else's change to the status fields the
 * operator owns. Everything in an ApiKey's status but the verifiers' usage fields ({@code
 * lastUsedAt}, {@code keyLastUsedAt}, {@code previousKey.lastUsedAt}) is derived from the Secret; a
 * change to it that this operator did not write (a forged {@code keyHash} would make the verifier
 * accept a key Keyward never issued) is reconciled at once, so the Secret's values are put back.
 *
 * <p>The operator notes each status it is about to write; the informer's update filter lets an
 * update through when the owned fields changed to anything other than a noted write, and remembers
 * which fields changed and what they were before, for the reconcile that follows. Notes are removed
 * when their watch event arrives, so steady state holds none.
 */
public final class StatusGuard {

  /** Event reason and metric tag for a status change Keyward did not make. */
  public static final String TAMPERED = "StatusTampered";

  /** An owned field: its path in status and how to read it. */
  record Field(String path, Function<ApiKeyStatus, Object> value) {}

  /**
   * The status fields the operator owns, by path. Every other field of status is a verifier's usage
   * field; the chart's admission policy lists the same paths (tested).
   */
  static final List<Field> OWNED =
      List.of(
          new Field("phase", ApiKeyStatus::getPhase),
          new Field("conditions", ApiKeyStatus::getConditions),
          new Field("observedGeneration", ApiKeyStatus::getObservedGeneration),
          new Field("secretName", ApiKeyStatus::getSecretName),
          new Field("keyVersion", ApiKeyStatus::getKeyVersion),
          new Field("maskedKey", ApiKeyStatus::getMaskedKey),
          new Field("fingerprint", ApiKeyStatus::getFingerprint),
          new Field("keyHash", ApiKeyStatus::getKeyHash),
          new Field("createdBy", ApiKeyStatus::getCreatedBy),
          new Field("createdAt", ApiKeyStatus::getCreatedAt),
          new Field("issuedAt", ApiKeyStatus::getIssuedAt),
          new Field("expiresAt", ApiKeyStatus::getExpiresAt),
          new Field("rotatesAt", ApiKeyStatus::getRotatesAt),
          new Field("lastRotatedAt", ApiKeyStatus::getLastRotatedAt),
          new Field("revokedAt", ApiKeyStatus::getRevokedAt),
          new Field("previousKey.maskedKey", s -> previous(s, PreviousKey::getMaskedKey)),
          new Field("previousKey.fingerprint", s -> previous(s, PreviousKey::getFingerprint)),
          new Field("previousKey.validUntil", s -> previous(s, PreviousKey::getValidUntil)),
          new Field("previousKey.keyHash", s -> previous(s, PreviousKey::getKeyHash)));

  /** The fields only verifiers write, by path. */
  public static final Set<String> USAGE =
      Set.of("lastUsedAt", "keyLastUsedAt", "previousKey.lastUsedAt");

  /** The paths of {@link #OWNED}. */
  public static List<String> ownedPaths() {
    return OWNED.stream().map(Field::path).toList();
  }

  /** A change someone else made: the fields, and the status as it was before. */
  public record Suspect(List<String> fields, ApiKeyStatus before) {}

  /** Statuses this operator wrote whose watch events have not arrived yet, oldest first. */
  private final Map<String, List<List<Object>>> ownWrites = bounded();

  /** Own writes remembered per key: status writes that follow each other before any event. */
  private static final int OWN_WRITES_PER_KEY = 4;

  private final Map<String, Suspect> suspects = bounded();

  private static <V> Map<String, V> bounded() {
    return Collections.synchronizedMap(
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
            return size() > 10_000;
          }
        });
  }

  /** The owned fields that differ between two statuses, by path; either may be null. */
  public static List<String> changed(ApiKeyStatus before, ApiKeyStatus after) {
    List<String> changed = new ArrayList<>(2);
    for (Field field : OWNED) {
      if (!Objects.equals(value(field, before), value(field, after))) {
        changed.add(field.path());
      }
    }
    return changed;
  }

  private static Object value(Field field, ApiKeyStatus status) {
    return status == null ? null : field.value().apply(status);
  }

  private static List<Object> owned(ApiKeyStatus status) {
    List<Object> values = new ArrayList<>(OWNED.size());
    for (Field field : OWNED) {
      values.add(value(field, status));
    }
    return values;
  }

  private static Object previous(ApiKeyStatus status, Function<PreviousKey, Object> field) {
    return status.getPreviousKey() == null ? null : field.apply(status.getPreviousKey());
  }

  /** Notes a status this operator is about to write, so its watch event is known as its own. */
  public void writing(ApiKey key, ApiKeyStatus status) {
    String uid = key.getMetadata().getUid();
    if (uid != null) {
      ownWrites.compute(
          uid,
          (k, writes) -> {
            List<List<Object>> next = writes == null ? new ArrayList<>(1) : writes;
            if (next.size() == OWN_WRITES_PER_KEY) {
              next.remove(0);
            }
            next.add(owned(status));
            return next;
          });
    }
  }

  /**
   * The update filter's part: true when the owned fields changed and the change is not a status
   * this operator wrote. The change is then remembered for {@link #suspect}.
   */
  public boolean changedByOthers(ApiKey newKey, ApiKey oldKey) {
    List<String> changed = changed(oldKey.getStatus(), newKey.getStatus());
    if (changed.isEmpty()) {
      return false;
    }
    String uid = newKey.getMetadata().getUid();
    if (uid != null && ownWrite(uid, owned(newKey.getStatus()))) {
      return false;
    }
    if (uid != null) {
      suspects.put(uid, new Suspect(List.copyOf(changed), oldKey.getStatus()));
    }
    return true;
  }

  /** True when {@code owned} is a noted write; it and any noted before it are forgotten. */
  private boolean ownWrite(String uid, List<Object> owned) {
    boolean[] found = {false};
    ownWrites.computeIfPresent(
        uid,
        (k, writes) -> {
          int at = writes.lastIndexOf(owned);
          if (at < 0) {
            return writes;
          }
          found[0] = true;
          writes.subList(0, at + 1).clear();
          return writes.isEmpty() ? null : writes;
        });
    return found[0];
  }

  /** The change someone else made to this key's owned status fields since the last look; once. */
  public Suspect suspect(ApiKey key) {
    String uid = key.getMetadata().getUid();
    return uid == null ? null : suspects.remove(uid);
  }

  /**
   * The owned fields of {@code current} that the operator is about to put back: those someone else
   * changed (per {@code suspect}) that differ from {@code restored}, and any key hash that is the
   * hash of no key the Secret holds (a forgery noticed after a restart, with no suspect on record).
   *
   * @param hashes the hashes of the keys the Secret holds, or null when the key material is
   *     changing in this reconcile (a status from before a rotation or a re-issue is not forged)
   */
  public static List<String> tampered(
      Suspect suspect, ApiKeyStatus current, ApiKeyStatus restored, Set<String> hashes) {
    if (current == null) {
      return List.of();
    }
    List<String> differing = changed(current, restored);
    List<String> tampered = new ArrayList<>();
    if (suspect != null) {
      for (String field : suspect.fields()) {
        if (differing.contains(field)) {
          tampered.add(field);
        }
      }
    }
    if (hashes != null) {
      if (foreign(current.getKeyHash(), hashes) && !tampered.contains("keyHash")) {
        tampered.add("keyHash");
      }
      Object previousHash = previous(current, PreviousKey::getKeyHash);
      if (foreign((String) previousHash, hashes) && !tampered.contains("previousKey.keyHash")) {
        tampered.add("previousKey.keyHash");
      }
    }
    return tampered;
  }

  private static boolean foreign(String hash, Set<String> hashes) {
    return hash != null && !hashes.contains(hash);
  }

  /**
   * {@code current} with its owned fields as they were before someone else changed them, and the
   * verifiers' usage fields as they are now: what a reconcile that cannot read the Secret (a spec
   * problem) puts back.
   */
  public static ApiKeyStatus restore(Suspect suspect, ApiKeyStatus current) {
    if (suspect == null || suspect.before() == null || current == null) {
      return current;
    }
    ApiKeyStatus restored = ApiKeyStatuses.copyOf(suspect.before());
    restored.setLastUsedAt(current.getLastUsedAt());
    restored.setKeyLastUsedAt(current.getKeyLastUsedAt());
    PreviousKey before = restored.getPreviousKey();
    if (before != null) {
      PreviousKey previous =
          new PreviousKey(before.getMaskedKey(), before.getFingerprint(), before.getValidUntil());
      previous.setKeyHash(before.getKeyHash());
      previous.setLastUsedAt(
          current.getPreviousKey() == null ? null : current.getPreviousKey().getLastUsedAt());
      restored.setPreviousKey(previous);
    }
    return restored;
  }

  /** An update filter that also lets through the changes {@code guard} finds suspicious. */
  public static OnUpdateFilter<ApiKey> filter(StatusGuard guard) {
    ApiKeyReconciler.SpecOrRotateRequestChanged spec =
        new ApiKeyReconciler.SpecOrRotateRequestChanged();
    return (newKey, oldKey) -> spec.accept(newKey, oldKey) || guard.changedByOthers(newKey, oldKey);
  }
}
