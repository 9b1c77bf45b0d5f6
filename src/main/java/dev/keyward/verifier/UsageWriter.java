package dev.keyward.verifier;

import dev.keyward.apikey.ApiKey;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the usage fields of status in the background: a version's last use ({@code keyLastUsedAt}
 * for the current key, {@code previousKey.lastUsedAt} for the previous one) and, in the same patch
 * when it is newer, the object's {@code lastUsedAt}, which therefore only ever moves forward. A key
 * version's use is written when it is newer than what status says (or what this replica wrote last)
 * by at least the granularity, or when status has none yet: at most one write per key version per
 * granularity per replica. Each write is a JSON merge patch of that one field on the status
 * subresource, with the resourceVersion the cache saw, so a rotation in between (which moves the
 * key to {@code previousKey}) makes it fail with 409 instead of crediting the wrong version; the
 * next pass writes against the fresh object.
 */
public final class UsageWriter {

  private static final Logger log = LoggerFactory.getLogger(UsageWriter.class);

  private final KubernetesClient client;
  private final KeyRegistry registry;
  private final long granularitySeconds;
  private final VerifierMetrics metrics;

  public UsageWriter(
      KubernetesClient client,
      KeyRegistry registry,
      Duration granularity,
      VerifierMetrics metrics) {
    this.client = client;
    this.registry = registry;
    this.granularitySeconds = granularity.toSeconds();
    this.metrics = metrics;
  }

  /** Writes every use that is due now; returns how many status patches succeeded. */
  public int writeDue() {
    List<KeyRecord> due = new ArrayList<>();
    registry.forEachRecord(
        r -> {
          if (isDue(r, granularitySeconds)) {
            due.add(r);
          }
        });
    int written = 0;
    for (KeyRecord record : due) {
      if (write(record)) {
        written++;
      }
    }
    return written;
  }

  /** Whether this key version's last use should be written now. */
  static boolean isDue(KeyRecord record, long granularitySeconds) {
    long used = record.usage().lastUsedSeconds();
    if (used == Long.MIN_VALUE) {
      return false;
    }
    long known = Math.max(record.statusLastUsedSeconds(), record.usage().writtenSeconds());
    return known == Long.MIN_VALUE || used - known >= granularitySeconds;
  }

  private boolean write(KeyRecord record) {
    KeyOwner owner = record.owner();
    long used = record.usage().lastUsedSeconds();
    String at = Instant.ofEpochSecond(used).toString();
    String object = used > owner.lastUsedSeconds() ? ",\"lastUsedAt\":\"" + at + "\"" : "";
    String field =
        record.previous()
            ? "{\"previousKey\":{\"lastUsedAt\":\"" + at + "\"}" + object + "}"
            : "{\"keyLastUsedAt\":\"" + at + "\"" + object + "}";
    String patch =
        "{\"metadata\":{\"resourceVersion\":\""
            + owner.resourceVersion()
            + "\"},\"status\":"
            + field
            + "}";
    try {
      client
          .resources(ApiKey.class)
          .inNamespace(owner.namespace())
          .withName(owner.name())
          .subresource("status")
          .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
      record.usage().written(used);
      metrics.usageWrite("written");
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409 || e.getCode() == 404) {
        metrics.usageWrite("conflict");
        log.debug("Usage of ApiKey {} not written: it changed ({})", owner.id(), e.getCode());
      } else {
        metrics.usageWrite("failed");
        log.warn("Usage of ApiKey {} not written: HTTP {}", owner.id(), e.getCode());
      }
      return false;
    }
  }
}
