package dev.keyward.toolsecret;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.HttpURLConnection;

/**
 * What one line of a Secret watch stream asks of {@link NamespaceSecretWatch}, read from the
 * server's JSON without a model class: a Secret's name to look at again, or the end of the stream
 * with the server's reason. Pure, so the watch itself only acts.
 *
 * @param changedSecret the name of the Secret that was added, modified or deleted; null otherwise
 * @param error the server ended the stream with an ERROR event
 * @param refusal for an error other than 410 Gone (the resourceVersion is only too old), the
 *     server's message; null otherwise
 */
record SecretWatchEvent(String changedSecret, boolean error, String refusal) {

  /** A blank or unreadable line, or a BOOKMARK: nothing to do. */
  static final SecretWatchEvent NOTHING = new SecretWatchEvent(null, false, null);

  private static final ObjectMapper JSON = new ObjectMapper();

  static SecretWatchEvent read(String line) {
    if (line.isBlank()) {
      return NOTHING;
    }
    JsonNode event;
    try {
      event = JSON.readTree(line);
    } catch (IOException e) {
      return NOTHING;
    }
    String type = event.path("type").asText();
    JsonNode object = event.path("object");
    if ("ERROR".equals(type)) {
      // 410 Gone: the resourceVersion is too old; anything else is a refusal.
      String refusal =
          object.path("code").asInt() == HttpURLConnection.HTTP_GONE
              ? null
              : object.path("message").asText("the watch stream reported an error");
      return new SecretWatchEvent(null, true, refusal);
    }
    if ("BOOKMARK".equals(type)) {
      return NOTHING;
    }
    return new SecretWatchEvent(object.path("metadata").path("name").asText(null), false, null);
  }

  /** The message of the Kubernetes Status in a refused request's {@code body}, or its code. */
  static String statusMessage(String body, int code) {
    try {
      String message = body == null ? "" : JSON.readTree(body).path("message").asText("");
      if (!message.isEmpty()) {
        return message;
      }
    } catch (IOException e) {
      // not a Status
    }
    return "HTTP " + code;
  }
}
