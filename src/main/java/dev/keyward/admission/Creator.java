package dev.keyward.admission;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Who created an ApiKey or ToolSecret, as the API server authenticated them: user name, uid and
 * groups, recorded by the created-by webhook in three annotations no manifest can set. What a
 * SubjectAccessReview about the creator needs, long after the creating request is gone.
 *
 * @param uid empty when the authenticator gave none
 */
public record Creator(String user, String uid, List<String> groups) {

  public static final String USER_ANNOTATION = CreatedBy.ANNOTATION;
  public static final String UID_ANNOTATION = "keyward.dev/created-by-uid";

  /** A JSON array of strings: group names may hold any character but a JSON string's escapes. */
  public static final String GROUPS_ANNOTATION = "keyward.dev/created-by-groups";

  /** Every annotation the webhook owns, in the order it writes them. */
  public static final List<String> ANNOTATIONS =
      List.of(USER_ANNOTATION, UID_ANNOTATION, GROUPS_ANNOTATION);

  private static final ObjectMapper JSON = new ObjectMapper();

  public Creator {
    Objects.requireNonNull(user);
    uid = uid == null ? "" : uid;
    groups = groups == null ? List.of() : List.copyOf(groups);
  }

  /** The requesting user of an admission request; null without a user name. */
  public static Creator of(UserInfo info) {
    if (info == null || info.getUsername() == null || info.getUsername().isEmpty()) {
      return null;
    }
    return new Creator(info.getUsername(), info.getUid(), info.getGroups());
  }

  /**
   * The recorded creator of {@code resource}; null when none was recorded (created before the
   * webhook, or without it). Groups that do not read as a JSON array count as none: the review then
   * asks about the user alone, which can only grant less.
   */
  public static Creator of(HasMetadata resource) {
    Map<String, String> annotations = resource.getMetadata().getAnnotations();
    return annotations == null ? null : of(annotations);
  }

  static Creator of(Map<String, String> annotations) {
    String user = annotations.get(USER_ANNOTATION);
    if (user == null || user.isEmpty()) {
      return null;
    }
    return new Creator(
        user, annotations.get(UID_ANNOTATION), groups(annotations.get(GROUPS_ANNOTATION)));
  }

  /** The three annotation values, in {@link #ANNOTATIONS}' order. */
  public List<String> annotationValues() {
    try {
      return List.of(user, uid, JSON.writeValueAsString(groups));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<String> groups(String json) {
    if (json == null || json.isEmpty()) {
      return List.of();
    }
    try {
      String[] groups = JSON.readValue(json, String[].class);
      return groups == null ? List.of() : List.of(groups);
    } catch (JsonProcessingException | NullPointerException e) {
      return List.of();
    }
  }
}
