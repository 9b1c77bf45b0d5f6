package dev.keyward.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keyward.apikey.ApiKey;
import io.fabric8.kubernetes.api.model.GroupVersionKind;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The mutating admission decision for {@code keyward.dev/created-by} and the creator's uid and
 * groups beside it ({@link Creator}): on CREATE of an ApiKey, ToolSecret or ToolGrant the
 * annotations become the requesting user's, whatever the manifest said; on UPDATE they keep the
 * values they had. A pure function of the AdmissionReview, so it is tested without sockets. Every
 * well-formed review is allowed: this webhook only records, it never refuses.
 */
public final class CreatedBy {

  public static final String ANNOTATION = ApiKey.CREATED_BY_ANNOTATION;
  static final String GROUP = "keyward.dev";
  static final Set<String> KINDS = Set.of("ApiKey", "ToolSecret", "ToolGrant");

  private CreatedBy() {}

  /** Thrown for a body that is not an AdmissionReview with a request: HTTP 400, no decision. */
  public static final class MalformedReviewException extends Exception {
    MalformedReviewException(String message) {
      super(message);
    }
  }

  /** The recorded creator of {@code resource}, for status; null when nothing was recorded. */
  public static String of(HasMetadata resource) {
    var annotations = resource.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(ANNOTATION);
  }

  /** Answers the AdmissionReview JSON {@code body} with an AdmissionReview JSON response. */
  public static String review(byte[] body) throws MalformedReviewException {
    AdmissionReview review = parse(body);
    return answer(review, respond(review.getRequest()));
  }

  /** The AdmissionReview in {@code body}, with a request that has a uid. */
  static AdmissionReview parse(byte[] body) throws MalformedReviewException {
    AdmissionReview review;
    try {
      review =
          Serialization.unmarshal(new String(body, StandardCharsets.UTF_8), AdmissionReview.class);
    } catch (RuntimeException e) {
      throw new MalformedReviewException("the body is not an AdmissionReview in JSON");
    }
    if (review == null || review.getRequest() == null || review.getRequest().getUid() == null) {
      throw new MalformedReviewException("the AdmissionReview has no request uid");
    }
    return review;
  }

  /** The AdmissionReview JSON answering {@code review} with {@code response}. */
  static String answer(AdmissionReview review, AdmissionResponse response) {
    AdmissionReview answer = new AdmissionReview();
    answer.setApiVersion(
        review.getApiVersion() == null ? "admission.k8s.io/v1" : review.getApiVersion());
    answer.setKind("AdmissionReview");
    answer.setResponse(response);
    return Serialization.asJson(answer);
  }

  /** The response to one request: allowed, with a JSON patch when the annotation must change. */
  public static AdmissionResponse respond(AdmissionRequest request) {
    AdmissionResponse response = new AdmissionResponse();
    response.setUid(request.getUid());
    response.setAllowed(true);
    patch(request)
        .ifPresent(
            patch -> {
              response.setPatchType("JSONPatch");
              response.setPatch(
                  Base64.getEncoder()
                      .encodeToString(patch.toString().getBytes(StandardCharsets.UTF_8)));
            });
    return response;
  }

  /** The JSON patch for {@code request}, empty when the object is to be stored as it is. */
  static Optional<ArrayNode> patch(AdmissionRequest request) {
    GroupVersionKind kind = request.getKind();
    if (kind == null || !GROUP.equals(kind.getGroup()) || !KINDS.contains(kind.getKind())) {
      return Optional.empty();
    }
    JsonNode object = tree(request.getObject());
    if (object == null || !object.isObject()) {
      return Optional.empty();
    }
    List<String> wanted = new ArrayList<>();
    if ("CREATE".equals(request.getOperation())) {
      Creator creator = Creator.of(request.getUserInfo());
      if (creator == null) {
        Creator.ANNOTATIONS.forEach(a -> wanted.add(null));
      } else {
        wanted.addAll(creator.annotationValues());
      }
    } else if ("UPDATE".equals(request.getOperation())) {
      JsonNode old = tree(request.getOldObject());
      Creator.ANNOTATIONS.forEach(a -> wanted.add(annotation(old, a)));
    } else {
      return Optional.empty();
    }
    ArrayNode patch = JsonNodeFactory.instance.arrayNode();
    if (!object.path("metadata").isObject()) {
      if (wanted.stream().anyMatch(Objects::nonNull)) {
        ObjectNode metadata =
            patch.addObject().put("op", "add").put("path", "/metadata").putObject("value");
        put(metadata.putObject("annotations"), wanted);
      }
    } else if (!object.path("metadata").path("annotations").isObject()) {
      if (wanted.stream().anyMatch(Objects::nonNull)) {
        put(
            patch
                .addObject()
                .put("op", "add")
                .put("path", "/metadata/annotations")
                .putObject("value"),
            wanted);
      }
    } else {
      for (int i = 0; i < wanted.size(); i++) {
        String name = Creator.ANNOTATIONS.get(i);
        String want = wanted.get(i);
        String present = annotation(object, name);
        if (Objects.equals(want, present)) {
          continue;
        }
        String pointer = "/metadata/annotations/" + escape(name);
        if (want == null) {
          patch.addObject().put("op", "remove").put("path", pointer);
        } else {
          patch.addObject().put("op", "add").put("path", pointer).put("value", want);
        }
      }
    }
    return patch.isEmpty() ? Optional.empty() : Optional.of(patch);
  }

  private static void put(ObjectNode annotations, List<String> values) {
    for (int i = 0; i < values.size(); i++) {
      if (values.get(i) != null) {
        annotations.put(Creator.ANNOTATIONS.get(i), values.get(i));
      }
    }
  }

  private static JsonNode tree(Object value) {
    return value == null ? null : Serialization.jsonMapper().valueToTree(value);
  }

  private static String annotation(JsonNode object, String name) {
    if (object == null) {
      return null;
    }
    JsonNode value = object.path("metadata").path("annotations").get(name);
    return value == null || !value.isTextual() ? null : value.asText();
  }

  /** JSON pointer escaping (RFC 6901): ~ as ~0, / as ~1. */
  private static String escape(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }
}
