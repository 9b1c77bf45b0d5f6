package dev.keyward.sealing;

import dev.keyward.secrets.ManagedSecrets;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the private sealing keyset in Secret {@code keyward-sealing-keys} of the operator's
 * namespace and publishes its public half in ConfigMap {@code keyward-sealing-public-keys}.
 *
 * <p>Every write is optimistic: a create that finds the Secret already there (another replica won)
 * reads the winner's keyset back, and an update carries the resourceVersion it read, so two
 * replicas starting or rotating at once end with one keyset.
 */
public final class SealingKeyStore {

  public static final String SECRET_NAME = "keyward-sealing-keys";
  public static final String CONFIG_MAP_NAME = "keyward-sealing-public-keys";
  public static final String KEYSET_KEY = "keyset.json";
  static final String PRIMARY_CREATED_AT = "keyward.dev/primary-created-at";
  static final String PRIMARY_KEY_ID = "keyward.dev/primary-key-id";
  private static final int ATTEMPTS = 5;
  private static final Logger log = LoggerFactory.getLogger(SealingKeyStore.class);

  /**
   * The public keyset the operator in {@code operatorNamespace} publishes (its ConfigMap), for
   * sealing from outside the operator; null when that ConfigMap or its keyset is not there.
   */
  public static String publishedKeyset(KubernetesClient client, String operatorNamespace) {
    ConfigMap map =
        client.configMaps().inNamespace(operatorNamespace).withName(CONFIG_MAP_NAME).get();
    return map == null || map.getData() == null ? null : map.getData().get(KEYSET_KEY);
  }

  /** Where {@link #publishedKeyset} looks, for messages: {@code namespace/name}. */
  public static String publishedAt(String operatorNamespace) {
    return operatorNamespace + "/" + CONFIG_MAP_NAME;
  }

  private final KubernetesClient client;
  private final String namespace;
  private final Clock clock;
  private final Duration rotationPeriod;
  private volatile Stored current;

  /** The keyset as last read, with when its primary was added. */
  private record Stored(SealingKeys keys, Instant primaryCreatedAt) {}

  public SealingKeyStore(
      KubernetesClient client, String namespace, Clock clock, Duration rotationPeriod) {
    this.client = client;
    this.namespace = namespace;
    this.clock = clock;
    this.rotationPeriod = rotationPeriod;
  }

  /**
   * Makes sure a keyset exists, adds a new primary when the current one is due, publishes the
   * public keys, and returns the keys.
   */
  public synchronized SealingKeys ensure() {
    for (int attempt = 1; ; attempt++) {
      try {
        Stored stored =
            createOrRotate(client.secrets().inNamespace(namespace).withName(SECRET_NAME).get());
        current = stored;
        publish(stored.keys());
        return stored.keys();
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt == ATTEMPTS) {
          throw e;
        }
        // Another replica wrote first: read its keyset and decide again.
      }
    }
  }

  private Stored createOrRotate(Secret secret) {
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    if (secret == null) {
      SealingKeys keys = SealingKeys.generate();
      ManagedSecrets.put(client, null, null, secretFor(null, keys, now));
      log.info(
          "Created the sealing keyset in Secret {}/{} (primary key {})",
          namespace,
          SECRET_NAME,
          keys.primaryKeyId());
      return new Stored(keys, now);
    }
    Stored stored = read(secret);
    if (!now.isBefore(stored.primaryCreatedAt().plus(rotationPeriod))) {
      SealingKeys rotated = stored.keys().withNewPrimary();
      ManagedSecrets.put(client, null, secret, secretFor(secret, rotated, now));
      log.info(
          "Added sealing key {} as primary; {} older keys keep opening values",
          rotated.primaryKeyId(),
          stored.keys().keyIds().size());
      return new Stored(rotated, now);
    }
    return stored;
  }

  private Stored read(Secret secret) {
    String json = ManagedSecrets.decodedData(secret).get(KEYSET_KEY);
    if (json == null) {
      throw new IllegalStateException(
          "Secret " + namespace + "/" + SECRET_NAME + " has no " + KEYSET_KEY);
    }
    Map<String, String> annotations =
        secret.getMetadata().getAnnotations() == null
            ? Map.of()
            : secret.getMetadata().getAnnotations();
    Instant created;
    try {
      created = Instant.parse(annotations.getOrDefault(PRIMARY_CREATED_AT, ""));
    } catch (DateTimeParseException e) {
      created = Instant.EPOCH; // unknown age: rotate now rather than never
    }
    return new Stored(SealingKeys.fromJson(json), created);
  }

  private Secret secretFor(Secret observed, SealingKeys keys, Instant primaryCreatedAt) {
    SecretBuilder builder = observed == null ? new SecretBuilder() : new SecretBuilder(observed);
    return builder
        .editOrNewMetadata()
        .withName(SECRET_NAME)
        .withNamespace(namespace)
        .addToLabels(ManagedSecrets.managedLabels())
        .addToAnnotations(PRIMARY_CREATED_AT, primaryCreatedAt.toString())
        .addToAnnotations(PRIMARY_KEY_ID, keys.primaryKeyId())
        .endMetadata()
        .withType("Opaque")
        .withData(
            Map.of(
                KEYSET_KEY,
                Base64.getEncoder().encodeToString(keys.toJson().getBytes(StandardCharsets.UTF_8))))
        .build();
  }

  private void publish(SealingKeys keys) {
    String json = keys.publicKeys().toJson();
    var maps = client.configMaps().inNamespace(namespace);
    ConfigMap observed = maps.withName(CONFIG_MAP_NAME).get();
    if (observed != null
        && observed.getData() != null
        && Objects.equals(json, observed.getData().get(KEYSET_KEY))) {
      return;
    }
    ConfigMapBuilder builder =
        observed == null ? new ConfigMapBuilder() : new ConfigMapBuilder(observed);
    ConfigMap desired =
        builder
            .editOrNewMetadata()
            .withName(CONFIG_MAP_NAME)
            .withNamespace(namespace)
            .addToLabels(ManagedSecrets.managedLabels())
            .addToAnnotations(PRIMARY_KEY_ID, keys.primaryKeyId())
            .endMetadata()
            .withData(Map.of(KEYSET_KEY, json))
            .build();
    if (observed == null) {
      maps.resource(desired).create();
    } else {
      maps.resource(desired).update();
    }
  }

  /**
   * Opens a value sealed for {@code namespace/name}. A value naming a key this process does not
   * know yet reads the keyset again first: another replica may have added that key since.
   */
  public Unsealed unseal(String encryptedValue, String namespace, String name)
      throws UnsealException {
    try {
      return current().unseal(encryptedValue, namespace, name);
    } catch (UnsealException e) {
      if (e.failure() != UnsealFailure.UNKNOWN_SEALING_KEY) {
        throw e;
      }
      return refresh().unseal(encryptedValue, namespace, name);
    }
  }

  /** The keys last read; reads them first if this process has none yet. */
  public SealingKeys current() {
    Stored stored = current;
    return stored == null ? ensure() : stored.keys();
  }

  /**
   * Reads the keyset again (another replica may have added a key), without rotating; creates it
   * only when there is none yet.
   */
  public synchronized SealingKeys refresh() {
    SealingKeys keys = reload();
    return keys != null ? keys : ensure();
  }

  /**
   * Reads the keyset without ever writing, as a replica that is not the leader must; null while no
   * keyset exists yet.
   */
  public synchronized SealingKeys reload() {
    Secret secret = client.secrets().inNamespace(namespace).withName(SECRET_NAME).get();
    if (secret == null) {
      return null;
    }
    Stored stored = read(secret);
    current = stored;
    return stored.keys();
  }

  /** The keys last read or written by this process; null before the first read. */
  public SealingKeys loaded() {
    Stored stored = current;
    return stored == null ? null : stored.keys();
  }

  /** How long until the primary key is due to be replaced; never negative. */
  public Duration untilNextRotation() {
    Stored stored = current;
    if (stored == null) {
      return Duration.ZERO;
    }
    Duration left =
        Duration.between(clock.instant(), stored.primaryCreatedAt().plus(rotationPeriod));
    return left.isNegative() ? Duration.ZERO : left;
  }
}
