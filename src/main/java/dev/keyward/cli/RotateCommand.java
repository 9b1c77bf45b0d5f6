package dev.keyward.cli;

import dev.keyward.apikey.ApiKey;
import dev.keyward.common.Durations;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code keyward rotate}: asks for a new key version now, exactly as a kubectl user would, by
 * setting annotation {@code keyward.dev/rotate} to a new value (a merge patch, like {@code kubectl
 * annotate --overwrite}). The operator does the rotation; this command only asks.
 */
@Command(
    name = "rotate",
    mixinStandardHelpOptions = true,
    description = {
      "Rotate an ApiKey now: sets annotation keyward.dev/rotate to a new value, as `kubectl"
          + " annotate apikey NAME keyward.dev/rotate=<new value> --overwrite` would. The previous"
          + " key stays valid for at most the key's overlap.",
      "Example: keyward rotate research-agent -n agents"
    })
public class RotateCommand implements Callable<Integer> {

  static Clock clock = Clock.systemUTC();

  private static final Duration POLL = Duration.ofMillis(250);

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "NAME", description = "The ApiKey's name.")
  String name;

  @Mixin Target target;

  @Option(
      names = "--wait",
      arity = "0..1",
      fallbackValue = "60s",
      paramLabel = "TIMEOUT",
      description =
          "Wait until the operator has issued the new key version, at most TIMEOUT (like 2m)."
              + " Default: ${FALLBACK-VALUE}.")
  String wait;

  @Override
  public Integer call() throws InterruptedException {
    Names.checkName("NAME", name)
        .ifPresent(
            problem -> {
              throw new IllegalArgumentException(problem);
            });
    var err = spec.commandLine().getErr();
    try (KubernetesClient client = ClusterAccess.client()) {
      String ns = target.namespace(client);
      var resource = client.resources(ApiKey.class).inNamespace(ns).withName(name);
      ApiKey key = resource.get();
      if (key == null) {
        err.printf(
            "keyward rotate: ApiKey %s not found in namespace %s (kubectl get apikeys -n %s lists"
                + " them)%n",
            name, ns, ns);
        err.flush();
        return 1;
      }
      if (key.getSpec() != null && Boolean.TRUE.equals(key.getSpec().getRevoked())) {
        err.printf(
            "keyward rotate: ApiKey %s/%s is revoked; a revoked key does not rotate. Set"
                + " spec.revoked to false for a new key%n",
            ns, name);
        err.flush();
        return 2;
      }
      String previous =
          key.getMetadata().getAnnotations() == null
              ? null
              : key.getMetadata().getAnnotations().get(ApiKey.ROTATE_ANNOTATION);
      String value = clock.instant().toString();
      if (value.equals(previous)) {
        value = value + "-1";
      }
      String patch =
          Serialization.asJson(
              Map.of("metadata", Map.of("annotations", Map.of(ApiKey.ROTATE_ANNOTATION, value))));
      resource.patch(PatchContext.of(PatchType.JSON_MERGE), patch);
      var out = spec.commandLine().getOut();
      out.printf(
          "ApiKey %s/%s: rotation requested (%s=%s). The new key version shows in `keyward status"
              + " apikey %s -n %s`.%n",
          ns, name, ApiKey.ROTATE_ANNOTATION, value, name, ns);
      out.flush();
      if (wait != null) {
        return awaitNewVersion(resource, key, Durations.parse("--wait", wait), ns);
      }
    }
    return 0;
  }

  private int awaitNewVersion(Resource<ApiKey> resource, ApiKey before, Duration timeout, String ns)
      throws InterruptedException {
    int version =
        before.getStatus() == null || before.getStatus().getKeyVersion() == null
            ? 0
            : before.getStatus().getKeyVersion();
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      ApiKey now = resource.get();
      if (now != null
          && now.getStatus() != null
          && now.getStatus().getKeyVersion() != null
          && now.getStatus().getKeyVersion() > version) {
        var status = now.getStatus();
        spec.commandLine()
            .getOut()
            .printf(
                "Rotated: key version %d (%s)%s.%n",
                status.getKeyVersion(),
                status.getMaskedKey(),
                status.getPreviousKey() == null
                    ? ""
                    : ", the previous key is valid until "
                        + status.getPreviousKey().getValidUntil());
        spec.commandLine().getOut().flush();
        return 0;
      }
      Thread.sleep(POLL.toMillis());
    }
    spec.commandLine()
        .getErr()
        .printf(
            "keyward rotate: no new key version within %s: is the operator running? (keyward status"
                + " apikey %s -n %s)%n",
            wait, before.getMetadata().getName(), ns);
    spec.commandLine().getErr().flush();
    return 1;
  }
}
