package dev.keyward.verifier;

import dev.keyward.apikey.ApiKey;
import dev.keyward.apikey.ApiKeySpec;
import dev.keyward.apikey.ApiKeyStatus;
import dev.keyward.apikey.PreviousKey;
import dev.keyward.apikey.RateLimit;
import dev.keyward.common.Durations;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The verifier's cache: key versions by hash. It is the informers' item store itself ({@link
 * #store}), so a watch event changes what the verifier answers before the informer hands the event
 * on, and an informer reports synced only once every listed ApiKey is in here. It keeps no ApiKey
 * objects: an informer gets small stand-ins (name, namespace, resourceVersion) back, built when it
 * asks.
 */
public final class KeyRegistry {

  private static final Logger log = LoggerFactory.getLogger(KeyRegistry.class);

  /** What one ApiKey put into {@link #byHash}. */
  private record Entry(KeyOwner owner, KeyHash current, KeyHash previous) {}

  private final Map<KeyHash, KeyRecord> byHash = new ConcurrentHashMap<>();
  private final Map<String, Entry> byName = new ConcurrentHashMap<>();
  private final Clock clock;
  private volatile long lastHeardMillis = Long.MIN_VALUE;

  public KeyRegistry(Clock clock) {
    this.clock = clock;
  }

  /** The key version with this hash, or null. */
  public KeyRecord find(KeyHash hash) {
    return byHash.get(hash);
  }

  /** Key versions held (current and previous keys). */
  public int keyVersions() {
    return byHash.size();
  }

  /** ApiKeys held. */
  public int apiKeys() {
    return byName.size();
  }

  /** Every key version held, for the usage writer. */
  public void forEachRecord(Consumer<KeyRecord> action) {
    byHash.values().forEach(action);
  }

  /** The API server was heard from now: a watch event, or a watch known to be open. */
  public void heard() {
    lastHeardMillis = clock.millis();
  }

  /** Seconds since the API server was last heard from; NaN before the first time. */
  public double stalenessSeconds() {
    long last = lastHeardMillis;
    return last == Long.MIN_VALUE ? Double.NaN : Math.max(0, clock.millis() - last) / 1000.0;
  }

  synchronized ApiKey put(String id, ApiKey key) {
    heard();
    Entry old = byName.get(id);
    ApiKeyStatus status = key.getStatus();
    KeyOwner owner = owner(key, old == null ? null : old.owner().limit());
    KeyHash current = null;
    KeyHash previous = null;
    if (status != null && status.getKeyVersion() != null) {
      current = KeyHash.parse(status.getKeyHash());
      if (current != null) {
        byHash.put(
            current,
            new KeyRecord(
                owner,
                status.getKeyVersion(),
                false,
                millis(status.getExpiresAt()),
                seconds(status.getKeyLastUsedAt()),
                usage(current, id)));
      }
      PreviousKey prev = status.getPreviousKey();
      previous = prev == null ? null : KeyHash.parse(prev.getKeyHash());
      if (previous != null && !previous.equals(current)) {
        byHash.put(
            previous,
            new KeyRecord(
                owner,
                status.getKeyVersion() - 1,
                true,
                // A previous key is only ever valid until a time: without one, not at all.
                prev.getValidUntil() == null ? Long.MIN_VALUE : millis(prev.getValidUntil()),
                seconds(prev.getLastUsedAt()),
                usage(previous, id)));
      } else {
        previous = null;
      }
    }
    if (owner.revoked() && old != null) {
      // The operator drops the hashes of a revoked key from status; keep answering REVOKED
      // (not UNKNOWN) for the values it had, as long as the ApiKey stays revoked.
      if (current == null) {
        current = retain(old.current(), owner, id);
      }
      if (previous == null && !Objects.equals(old.previous(), current)) {
        previous = retain(old.previous(), owner, id);
      }
    }
    byName.put(id, new Entry(owner, current, previous));
    if (old != null) {
      forget(old.current(), id, current, previous);
      forget(old.previous(), id, current, previous);
    }
    return old == null ? null : stub(old.owner());
  }

  synchronized ApiKey remove(String id) {
    heard();
    Entry old = byName.remove(id);
    if (old == null) {
      return null;
    }
    forget(old.current(), id, null, null);
    forget(old.previous(), id, null, null);
    return stub(old.owner());
  }

  /**
   * The item store for one informer: all of the registry, seen through {@code namespace} (null: all
   * namespaces), so informers of several namespaces share the registry without one relist removing
   * another's keys.
   */
  public ItemStore<ApiKey> store(String namespace) {
    String prefix = namespace == null ? "" : namespace + "/";
    return new ItemStore<>() {
      @Override
      public String getKey(ApiKey key) {
        return key.getMetadata().getNamespace() + "/" + key.getMetadata().getName();
      }

      @Override
      public ApiKey put(String id, ApiKey key) {
        return KeyRegistry.this.put(id, key);
      }

      @Override
      public ApiKey remove(String id) {
        return KeyRegistry.this.remove(id);
      }

      @Override
      public Stream<String> keySet() {
        return byName.keySet().stream().filter(id -> id.startsWith(prefix));
      }

      @Override
      public Stream<ApiKey> values() {
        return byName.entrySet().stream()
            .filter(e -> e.getKey().startsWith(prefix))
            .map(e -> stub(e.getValue().owner()));
      }

      @Override
      public int size() {
        return namespace == null ? byName.size() : (int) keySet().count();
      }

      @Override
      public ApiKey get(String id) {
        Entry entry = byName.get(id);
        return entry == null ? null : stub(entry.owner());
      }
    };
  }

  /** Keeps a hash this ApiKey held, under its new (revoked) owner; null when there is none. */
  private KeyHash retain(KeyHash hash, KeyOwner owner, String id) {
    KeyRecord record = hash == null ? null : byHash.get(hash);
    if (record == null || !record.owner().id().equals(id)) {
      return null;
    }
    byHash.put(
        hash,
        new KeyRecord(
            owner,
            record.keyVersion(),
            record.previous(),
            record.validUntilMillis(),
            record.statusLastUsedSeconds(),
            record.usage()));
    return hash;
  }

  /** Drops a hash this ApiKey no longer carries, unless another ApiKey holds it now. */
  private void forget(KeyHash hash, String id, KeyHash keep1, KeyHash keep2) {
    if (hash == null || hash.equals(keep1) || hash.equals(keep2)) {
      return;
    }
    byHash.computeIfPresent(hash, (h, r) -> r.owner().id().equals(id) ? null : r);
  }

  /** The usage of this hash so far: a rotation moves the current key's use to previous. */
  private KeyRecord.Usage usage(KeyHash hash, String id) {
    KeyRecord existing = byHash.get(hash);
    return existing != null && existing.owner().id().equals(id)
        ? existing.usage()
        : new KeyRecord.Usage();
  }

  private static KeyOwner owner(ApiKey key, KeyLimit oldLimit) {
    ApiKeySpec spec = key.getSpec() == null ? new ApiKeySpec() : key.getSpec();
    ApiKeyStatus status = key.getStatus();
    String phase = status == null ? null : status.getPhase();
    List<String> scopes =
        spec.getScopes() == null
            ? List.of()
            : spec.getScopes().stream().filter(s -> s != null).map(String::intern).toList();
    return new KeyOwner(
        key.getMetadata().getNamespace().intern(),
        key.getMetadata().getName(),
        key.getMetadata().getResourceVersion(),
        scopes,
        Boolean.TRUE.equals(spec.getRevoked()) || "Revoked".equals(phase),
        "Expired".equals(phase),
        status == null ? Long.MIN_VALUE : seconds(status.getLastUsedAt()),
        limit(key, spec.getRateLimit(), oldLimit));
  }

  /**
   * The ApiKey's rate limit, keyed by its uid; the old one when the limit did not change, so a
   * watch event does not refill it. A limit the operator would refuse (requests under 1, a bad
   * period) sets none: the operator reports it on the ApiKey.
   */
  private static KeyLimit limit(ApiKey key, RateLimit limit, KeyLimit old) {
    if (limit == null || limit.getRequests() == null || limit.getRequests() < 1) {
      return null;
    }
    Duration per;
    try {
      per = Durations.parse("spec.rateLimit.per", limit.getPer());
    } catch (IllegalArgumentException e) {
      log.warn(
          "ApiKey {}/{}: no rate limit applied: {}",
          key.getMetadata().getNamespace(),
          key.getMetadata().getName(),
          e.getMessage());
      return null;
    }
    String uid = key.getMetadata().getUid();
    if (uid == null) {
      uid = key.getMetadata().getNamespace() + "/" + key.getMetadata().getName();
    }
    return old != null && old.sameLimit(uid, limit.getRequests(), per)
        ? old
        : new KeyLimit(uid, limit.getRequests(), per);
  }

  private static ApiKey stub(KeyOwner owner) {
    ApiKey key = new ApiKey();
    key.setMetadata(
        new ObjectMetaBuilder()
            .withNamespace(owner.namespace())
            .withName(owner.name())
            .withResourceVersion(owner.resourceVersion())
            .build());
    return key;
  }

  /** Epoch millis of an RFC 3339 time; none = never; unreadable = long past (fail closed). */
  private static long millis(String time) {
    if (time == null) {
      return Long.MAX_VALUE;
    }
    try {
      return Instant.parse(time).toEpochMilli();
    } catch (DateTimeParseException e) {
      return Long.MIN_VALUE;
    }
  }

  private static long seconds(String time) {
    long millis = millis(time);
    return millis == Long.MAX_VALUE ? Long.MIN_VALUE : Math.floorDiv(millis, 1000);
  }
}
