package dev.keyward.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.CustomResourceAware;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.Resetable;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.internal.MockDispatcher;
import io.fabric8.mockwebserver.internal.SimpleRequest;
import java.util.Iterator;
import java.util.Map;
import java.util.Queue;

/**
 * The fabric8 mock server's mixed dispatcher (expectations first, then CRUD), storing ApiKeys and
 * Secrets the way a real kube-apiserver does: with {@code metadata.managedFields}, one entry per
 * manager and subresource, each with its {@code fieldsV1} tree. The mock stores what a client sends
 * and a client never sends these, so without this the operator reads smaller objects from the mock
 * than from a real server (uid, creationTimestamp, generation and resourceVersion the mock sets
 * already).
 *
 * <p>The entries follow what a real server records: an ApiKey's creator ({@code
 * kubectl-client-side-apply}, owning its labels, annotations and spec) and, once it has a status,
 * the operator's status subresource updates; a Secret's writer (the operator for a Secret it owns,
 * owning labels, annotations, owner references, data and type). Used by the benchmark ({@code
 * -Dkeyward.bench.shape=real}).
 */
public final class RealServerShape extends Dispatcher implements Resetable, CustomResourceAware {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String OPERATOR = "keyward";
  private static final String CREATOR = "kubectl-client-side-apply";

  private final Map<ServerRequest, Queue<ServerResponse>> responses;
  private final MockDispatcher expectations;
  private final Crud crud = new Crud();

  public RealServerShape(Map<ServerRequest, Queue<ServerResponse>> responses) {
    this.responses = responses;
    this.expectations = new MockDispatcher(responses);
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    Queue<ServerResponse> expected =
        responses.get(
            new SimpleRequest(HttpMethod.valueOf(request.getMethod()), request.getPath()));
    return expected != null && !expected.isEmpty()
        ? expectations.dispatch(request)
        : crud.dispatch(request);
  }

  @Override
  public void reset() {
    crud.reset();
  }

  @Override
  public void expectCustomResource(CustomResourceDefinitionContext context) {
    crud.expectCustomResource(context);
  }

  /** The mock's CRUD store, with managedFields added to every ApiKey and Secret it stores. */
  private static final class Crud extends KubernetesCrudDispatcher {
    @Override
    public void processEvent(
        String path,
        AttributeSet pathAttributes,
        AttributeSet oldAttributes,
        GenericKubernetesResource resource,
        String newState) {
      super.processEvent(path, pathAttributes, oldAttributes, resource, shaped(newState));
    }
  }

  /** {@code json} with the managedFields a real server would store, for ApiKeys and Secrets. */
  static String shaped(String json) {
    if (json == null) {
      return null;
    }
    try {
      JsonNode node = JSON.readTree(json);
      if (!(node instanceof ObjectNode object)
          || !(object.get("metadata") instanceof ObjectNode metadata)) {
        return json;
      }
      String kind = object.path("kind").asText();
      String apiVersion = object.path("apiVersion").asText();
      String time = metadata.path("creationTimestamp").asText("2026-01-01T00:00:00Z");
      ArrayNode managed = JSON.createArrayNode();
      if ("ApiKey".equals(kind) || "ToolSecret".equals(kind) || "ToolGrant".equals(kind)) {
        ObjectNode owned = JSON.createObjectNode();
        owned.set("f:metadata", fields(metadata, "annotations", "labels"));
        if (object.has("spec")) {
          owned.set("f:spec", fields(object.get("spec")));
        }
        managed.add(entry(CREATOR, apiVersion, time, owned, null));
        if (object.has("status")) {
          ObjectNode status = JSON.createObjectNode();
          status.set("f:status", fields(object.get("status")));
          managed.add(entry(OPERATOR, apiVersion, time, status, "status"));
        }
      } else if ("Secret".equals(kind)) {
        ObjectNode owned = JSON.createObjectNode();
        owned.set("f:metadata", fields(metadata, "annotations", "labels", "ownerReferences"));
        for (String field : new String[] {"data", "type"}) {
          if (object.has(field)) {
            owned.set("f:" + field, fields(object.get(field)));
          }
        }
        String manager = metadata.has("ownerReferences") ? OPERATOR : "kubectl-create";
        managed.add(entry(manager, apiVersion, time, owned, null));
      } else {
        return json;
      }
      metadata.set("managedFields", managed);
      return JSON.writeValueAsString(object);
    } catch (JsonProcessingException e) {
      return json;
    }
  }

  private static ObjectNode entry(
      String manager, String apiVersion, String time, ObjectNode fields, String subresource) {
    ObjectNode entry = JSON.createObjectNode();
    entry.put("manager", manager);
    entry.put("operation", "Update");
    entry.put("apiVersion", apiVersion);
    entry.put("time", time);
    entry.put("fieldsType", "FieldsV1");
    entry.set("fieldsV1", fields);
    if (subresource != null) {
      entry.put("subresource", subresource);
    }
    return entry;
  }

  /** The fieldsV1 tree of {@code object}'s {@code only} fields, without a "." of its own. */
  private static ObjectNode fields(ObjectNode object, String... only) {
    ObjectNode tree = JSON.createObjectNode();
    for (String name : only) {
      if (object.has(name)) {
        tree.set("f:" + name, fields(object.get(name)));
      }
    }
    return tree;
  }

  /**
   * The fieldsV1 tree of a value as a real server writes it: a map is {".": {}, "f:key": ...}, a
   * list of maps keyed by {@code type} (conditions) or {@code uid} (owner references) is
   * {"k:{...}": ...}, anything else is {}.
   */
  private static ObjectNode fields(JsonNode value) {
    ObjectNode tree = JSON.createObjectNode();
    if (value.isObject()) {
      tree.set(".", JSON.createObjectNode());
      for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        tree.set("f:" + field.getKey(), fields(field.getValue()));
      }
    } else if (value.isArray()) {
      for (JsonNode element : value) {
        String key = element.has("type") ? "type" : element.has("uid") ? "uid" : null;
        if (key == null) {
          return tree;
        }
        ObjectNode item = fields(element);
        tree.set("k:{\"" + key + "\":\"" + element.get(key).asText() + "\"}", item);
      }
    }
    return tree;
  }
}
