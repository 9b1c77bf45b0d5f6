package dev.keyward.common;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.zjsonpatch.JsonDiff;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a status: a JSON Patch of only what changed in it, sent to the status subresource, and the
 * API server's answer handed to the controller's cache.
 *
 * <p>What JOSDK's own status patch does differently, and why Keyward does not use it: it clones the
 * whole resource twice and diffs the two copies (a third of the reconcile threads' CPU in the
 * benchmark's profile); and it does not cache the answer, so a reconcile queued meanwhile (by the
 * Secret Keyward just wrote) runs on the status from before and patches the same status again. A
 * JSON Patch touches only the fields that changed, so a field another writer owns (the verifier's
 * {@code lastUsedAt}) is left as it is on the server. The patch carries no resourceVersion, as
 * before: the status is Keyward's own.
 */
public final class StatusPatch {

  private StatusPatch() {}

  /**
   * Patches {@code resource}'s status from {@code before} (what the reconcile read) to {@code
   * after} unless nothing changed; returns the object as the API server answered, or {@code
   * resource} when no request was needed.
   */
  public static <P extends HasMetadata> P write(
      Context<P> context, P resource, Object before, Object after) {
    ArrayNode ops = ops(context.getClient().getKubernetesSerialization(), before, after);
    if (ops.isEmpty()) {
      return resource;
    }
    P updated =
        context
            .getClient()
            .resource(addressOf(resource))
            .subresource("status")
            .patch(PatchContext.of(PatchType.JSON), ops.toString());
    context
        .eventSourceRetriever()
        .getControllerEventSource()
        .handleRecentResourceUpdate(ResourceID.fromResource(resource), updated, resource);
    return updated;
  }

  /**
   * An object of the resource's kind holding only its name and namespace, which is all a patch
   * needs to be addressed. Addressed by name alone, the client would GET the resource first; handed
   * the whole resource, it would copy all of it (a JSON round trip) to read those two fields.
   */
  @SuppressWarnings("unchecked")
  static <P extends HasMetadata> P addressOf(P resource) {
    try {
      P address = (P) resource.getClass().getDeclaredConstructor().newInstance();
      address.setMetadata(
          new ObjectMetaBuilder()
              .withName(resource.getMetadata().getName())
              .withNamespace(resource.getMetadata().getNamespace())
              .build());
      return address;
    } catch (ReflectiveOperationException e) {
      return resource;
    }
  }

  /** The JSON Patch operations, with paths under {@code /status}, that turn before into after. */
  static ArrayNode ops(KubernetesSerialization json, Object before, Object after) {
    ArrayNode ops = JsonNodeFactory.instance.arrayNode();
    JsonNode to = tree(json, after);
    if (before == null) {
      ops.addObject().put("op", "add").put("path", "/status").set("value", to);
      return ops;
    }
    for (JsonNode op : JsonDiff.asJson(tree(json, before), to)) {
      ObjectNode prefixed = ((ObjectNode) op).deepCopy();
      prefixed.put("path", "/status" + op.get("path").asText());
      if (op.has("from")) {
        prefixed.put("from", "/status" + op.get("from").asText());
      }
      ops.add(prefixed);
    }
    return ops;
  }

  /** The status as JSON, without empty arrays: the API server drops them, so they never differ. */
  private static JsonNode tree(KubernetesSerialization json, Object status) {
    JsonNode tree = json.convertValue(status, JsonNode.class);
    if (tree instanceof ObjectNode object) {
      removeEmptyArrays(object);
    }
    return tree;
  }

  private static void removeEmptyArrays(ObjectNode object) {
    List<String> empty = new ArrayList<>();
    object
        .fields()
        .forEachRemaining(
            field -> {
              JsonNode value = field.getValue();
              if (value.isArray() && value.isEmpty()) {
                empty.add(field.getKey());
              } else if (value instanceof ObjectNode nested) {
                removeEmptyArrays(nested);
              }
            });
    object.remove(empty);
  }
}
