package dev.keyward.cli;

import dev.keyward.apikey.ApiKey;
import dev.keyward.toolgrant.ToolGrant;
import dev.keyward.toolsecret.ToolSecret;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code keyward status}: one ApiKey, ToolSecret or ToolGrant as a person asks about it (is it
 * working, which key, what happens next and when, what happened lately), in the spirit of {@code
 * cmctl status certificate}. Reads only; shows masked values only.
 */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = {
      "Show an ApiKey, ToolSecret or ToolGrant: phase and reason, key version, masked key and"
          + " fingerprint, times, what the operator does next and when, a grant's delivered and"
          + " missing tools, and its recent Events.",
      "Example: keyward status apikey research-agent -n agents"
    })
public class StatusCommand implements Callable<Integer> {

  /** The clock the relative times are computed from; tests use the operator's. */
  static Clock clock = Clock.systemUTC();

  @Spec CommandSpec spec;

  @Mixin NamedObject named;

  @Mixin Target target;

  @Override
  public Integer call() {
    named.checkName();
    String report;
    try (KubernetesClient client = ClusterAccess.client()) {
      String ns = target.namespace(client);
      HasMetadata object = named.find(client, ns, "status", spec.commandLine().getErr());
      if (object == null) {
        return 1;
      }
      List<Event> events = events(client, object);
      report =
          object instanceof ApiKey key
              ? StatusReport.apiKey(key, events, clock.instant())
              : object instanceof ToolGrant grant
                  ? StatusReport.toolGrant(grant, events, clock.instant())
                  : StatusReport.toolSecret((ToolSecret) object, events, clock.instant());
    }
    spec.commandLine().getOut().print(report);
    spec.commandLine().getOut().flush();
    return 0;
  }

  /**
   * The Events about this object (this incarnation of it, when the Event names a uid). Filtered
   * here rather than by a field selector, which the fabric8 mock server ignores; Events live an
   * hour, so a namespace's list stays small.
   */
  static List<Event> events(KubernetesClient client, HasMetadata object) {
    String uid = object.getMetadata().getUid();
    return client
        .v1()
        .events()
        .inNamespace(object.getMetadata().getNamespace())
        .list()
        .getItems()
        .stream()
        .filter(e -> e.getInvolvedObject() != null)
        .filter(e -> object.getKind().equals(e.getInvolvedObject().getKind()))
        .filter(e -> object.getMetadata().getName().equals(e.getInvolvedObject().getName()))
        .filter(
            e ->
                uid == null
                    || e.getInvolvedObject().getUid() == null
                    || Objects.equals(uid, e.getInvolvedObject().getUid()))
        .toList();
  }
}
