package dev.keyward.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keyward.apikey.ApiKey;
import dev.keyward.runtime.KeywardClients;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The two watch events the operator receives per new key (its ApiKey's status change and its
 * Secret), as a real API server sends them (with managedFields; the mock server sends none),
 * decoded the way fabric8's watch does it: {@code unregistered}, a client that does not know the
 * ApiKey kind and converts the generic resource it decodes (every client before Keyward registered
 * its kinds through META-INF/services); {@code registered}, a stock client now; {@code keyward},
 * Keyward's client ({@link KeywardClients}), which also skips managedFields. Run with the
 * operator's JIT setting, C1 only.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = "-XX:TieredStopAtLevel=1")
public class DecodeBenchmark {

  @Param({"unregistered", "registered", "keyward"})
  public String client;

  private KubernetesSerialization json;
  private String apiKeyEvent;
  private String secretEvent;

  /** What a real API server sends for one writer, trimmed to Keyward's fields. */
  static final String SECRET_MANAGED_FIELDS =
      """
      [{"manager":"keyward","operation":"Update","apiVersion":"v1","time":"2026-11-30T19:43:34Z",
        "fieldsType":"FieldsV1","fieldsV1":{"f:data":{".":{},"f:api-key":{}},
        "f:metadata":{"f:annotations":{".":{},"f:keyward.dev/expires-at":{},
        "f:keyward.dev/fingerprint":{},"f:keyward.dev/issued-at":{},"f:keyward.dev/key-hash":{},
        "f:keyward.dev/key-version":{}},"f:labels":{".":{},"f:keyward.dev/api-key":{}},
        "f:ownerReferences":{".":{},"k:{\\"uid\\":\\"6f1c2a2e-1111-4a4a-9b9b-0123456789ab\\"}":{}}},
        "f:type":{}}}]
      """;

  static final String API_KEY_MANAGED_FIELDS =
      """
      [{"manager":"kubectl-client-side-apply","operation":"Update",
        "apiVersion":"keyward.dev/v1alpha1","time":"2026-11-30T19:43:33Z","fieldsType":"FieldsV1",
        "fieldsV1":{"f:metadata":{"f:annotations":{".":{},"f:keyward.dev/created-by":{}}},
        "f:spec":{".":{},"f:displayName":{},"f:type":{}}}},
       {"manager":"keyward","operation":"Update","apiVersion":"keyward.dev/v1alpha1",
        "time":"2026-11-30T19:43:34Z","fieldsType":"FieldsV1","subresource":"status",
        "fieldsV1":{"f:status":{".":{},"f:conditions":{},"f:createdBy":{},"f:expiresAt":{},
        "f:fingerprint":{},"f:issuedAt":{},"f:keyHash":{},"f:keyVersion":{},"f:maskedKey":{},
        "f:observedGeneration":{},"f:phase":{},"f:rotatesAt":{}}}}]
      """;

  @Setup
  public void setUp() {
    json =
        switch (client) {
          case "unregistered" -> {
            // Before Keyward registered its kinds: Secret is known, ApiKey is not.
            KubernetesSerialization plain = new KubernetesSerialization(new ObjectMapper(), false);
            plain.registerKubernetesResource(Secret.class);
            yield plain;
          }
          case "registered" -> new KubernetesSerialization();
          default -> KeywardClients.json();
        };
    apiKeyEvent =
        """
        {"type":"MODIFIED","object":{"apiVersion":"keyward.dev/v1alpha1","kind":"ApiKey",
         "metadata":{"annotations":{"keyward.dev/created-by":"system:admin"},
          "creationTimestamp":"2026-11-30T19:43:33Z","generation":1,"name":"k123",
          "namespace":"team-a","resourceVersion":"12345",
          "uid":"6f1c2a2e-1111-4a4a-9b9b-0123456789ab","managedFields":%s},
         "spec":{"displayName":"agent k123","type":"agent"},
         "status":{"phase":"Active","keyVersion":1,"maskedKey":"kw_agent_...a1b2",
          "fingerprint":"a1b2c3d4e5f6","keyHash":"sha256:%s",
          "issuedAt":"2026-11-30T19:43:34Z","expiresAt":"2027-02-28T19:43:34Z",
          "rotatesAt":"2027-02-21T19:43:34Z","observedGeneration":1,"createdBy":"system:admin",
          "conditions":[{"type":"Ready","status":"True","reason":"KeyActive",
           "message":"key version 1 is active","lastTransitionTime":"2026-11-30T19:43:34Z",
           "observedGeneration":1}]}}}
        """
            .formatted(API_KEY_MANAGED_FIELDS, "0123456789abcdef".repeat(4));
    secretEvent =
        """
        {"type":"ADDED","object":{"apiVersion":"v1","kind":"Secret","type":"Opaque",
         "metadata":{"annotations":{"keyward.dev/key-version":"1","keyward.dev/key-hash":"sha256:%s",
          "keyward.dev/fingerprint":"a1b2c3d4e5f6","keyward.dev/issued-at":"2026-11-30T19:43:34Z",
          "keyward.dev/expires-at":"2027-02-28T19:43:34Z"},
          "creationTimestamp":"2026-11-30T19:43:34Z","labels":{"keyward.dev/api-key":"k123"},
          "name":"k123","namespace":"team-a","resourceVersion":"12346",
          "uid":"7f1c2a2e-1111-4a4a-9b9b-0123456789ab",
          "ownerReferences":[{"apiVersion":"keyward.dev/v1alpha1","blockOwnerDeletion":true,
           "controller":true,"kind":"ApiKey","name":"k123",
           "uid":"6f1c2a2e-1111-4a4a-9b9b-0123456789ab"}],"managedFields":%s},
         "data":{"api-key":"%s"}}}
        """
            .formatted("0123456789abcdef".repeat(4), SECRET_MANAGED_FIELDS, "QUJDRA==".repeat(8));
  }

  /** Both events of one new key, each turned into the informer's type as fabric8's watch does. */
  @Benchmark
  public int watchEventsOfOneKey() {
    return decode(apiKeyEvent, ApiKey.class).getMetadata().getName().length()
        + decode(secretEvent, Secret.class).getMetadata().getName().length();
  }

  private <T extends HasMetadata> T decode(String message, Class<T> type) {
    Object object = json.unmarshal(message, WatchEvent.class).getObject();
    // AbstractWatchManager.eventReceived: a resource of another class is converted.
    return type.isInstance(object) ? type.cast(object) : json.convertValue(object, type);
  }
}
