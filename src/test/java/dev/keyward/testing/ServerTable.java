package dev.keyward.testing;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code kubectl get} prints: the API server's {@code Table} answer to a list request with
 * {@code Accept: application/json;as=Table;v=v1;g=meta.k8s.io}. The server renders the cells from
 * the CRD's printer columns; kubectl only lays them out.
 *
 * <p>A real API server is asked. The fabric8 mock ignores that Accept header and answers a plain
 * {@code List}, so there the table is rendered from the CRD installed on the mock with the API
 * server's own rules, ported from apiextensions-apiserver ({@code tableconvertor.go}, {@code
 * cellForJSONValue}) and apimachinery's {@code duration.HumanDuration}: a {@code Name} column
 * first, a string cell is the value as written, a date cell is the age of the time, and a time more
 * than a second in the future is {@code <invalid>}.
 */
public final class ServerTable {

  /** A table: its column names and, by object name, each row's cells in column order. */
  public record Table(List<String> columns, Map<String, List<Object>> rows) {
    /** The cell of {@code column} in the row of the object named {@code name}. */
    public Object cell(String name, String column) {
      int index = columns.indexOf(column);
      if (index < 0) {
        throw new IllegalArgumentException("no column " + column + " in " + columns);
      }
      List<Object> row = rows.get(name);
      if (row == null) {
        throw new IllegalArgumentException("no row " + name + " in " + rows.keySet());
      }
      return row.get(index);
    }
  }

  private ServerTable() {}

  /** The table {@code kubectl get <plural>.<group> -n namespace} prints. */
  public static Table get(
      KubernetesClient client, String group, String version, String plural, String namespace)
      throws Exception {
    if (TestApiServer.isMock()) {
      return rendered(client, group, version, plural, namespace, Instant.now());
    }
    HttpClient http = client.getHttpClient();
    String url =
        client.getConfiguration().getMasterUrl().replaceAll("/$", "")
            + "/apis/"
            + group
            + "/"
            + version
            + "/namespaces/"
            + namespace
            + "/"
            + plural;
    HttpResponse<String> response =
        http.sendAsync(
                http.newHttpRequestBuilder()
                    .uri(url)
                    .header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
                    .build(),
                String.class)
            .get();
    if (response.code() != 200) {
      throw new IllegalStateException("Table request answered " + response.code());
    }
    return parse(response.body());
  }

  /** A {@code meta.k8s.io/v1} Table as the API server sends it. */
  @SuppressWarnings("unchecked")
  static Table parse(String json) {
    Map<String, Object> table = Serialization.unmarshal(json, Map.class);
    if (!"Table".equals(table.get("kind"))) {
      throw new IllegalStateException("not a Table: " + table.get("kind"));
    }
    List<String> columns = new ArrayList<>();
    for (Map<String, Object> c : (List<Map<String, Object>>) table.get("columnDefinitions")) {
      columns.add((String) c.get("name"));
    }
    Map<String, List<Object>> rows = new LinkedHashMap<>();
    for (Map<String, Object> row : (List<Map<String, Object>>) table.get("rows")) {
      List<Object> cells = (List<Object>) row.get("cells");
      rows.put((String) cells.get(0), cells);
    }
    return new Table(columns, rows);
  }

  /** The Table the API server would answer, rendered from the CRD on the server at {@code now}. */
  static Table rendered(
      KubernetesClient client,
      String group,
      String version,
      String plural,
      String namespace,
      Instant now) {
    CustomResourceDefinition crd =
        client
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .withName(plural + "." + group)
            .get();
    List<CustomResourceColumnDefinition> printed =
        crd.getSpec().getVersions().stream()
            .filter(v -> v.getName().equals(version))
            .findFirst()
            .orElseThrow()
            .getAdditionalPrinterColumns();
    List<Map<String, Object>> objects = new ArrayList<>();
    for (GenericKubernetesResource r :
        client
            .genericKubernetesResources(group + "/" + version, crd.getSpec().getNames().getKind())
            .inNamespace(namespace)
            .list()
            .getItems()) {
      objects.add(Serialization.jsonMapper().convertValue(r, Map.class));
    }
    return render(printed, objects, now);
  }

  /** The API server's rendering of {@code objects} with the printer columns {@code printed}. */
  @SuppressWarnings("unchecked")
  public static Table render(
      List<CustomResourceColumnDefinition> printed,
      List<Map<String, Object>> objects,
      Instant now) {
    List<String> columns = new ArrayList<>();
    columns.add("Name");
    printed.forEach(c -> columns.add(c.getName()));
    Map<String, List<Object>> rows = new LinkedHashMap<>();
    for (Map<String, Object> object : objects) {
      String name = (String) ((Map<String, Object>) object.get("metadata")).get("name");
      List<Object> cells = new ArrayList<>();
      cells.add(name);
      for (CustomResourceColumnDefinition c : printed) {
        cells.add(cell(c.getType(), find(object, c.getJsonPath()), now));
      }
      rows.put(name, cells);
    }
    return new Table(columns, rows);
  }

  /** A simple JSON path ({@code .status.expiresAt}), as printer columns use. */
  @SuppressWarnings("unchecked")
  static Object find(Map<String, Object> object, String path) {
    Object value = object;
    for (String part : path.substring(1).split("\\.")) {
      if (!(value instanceof Map<?, ?> map)) {
        return null;
      }
      value = ((Map<String, Object>) map).get(part);
    }
    return value;
  }

  private static Object cell(String type, Object value, Instant now) {
    if (value == null) {
      return null;
    }
    return switch (type) {
      case "date" -> {
        if (!(value instanceof String text)) {
          yield null;
        }
        try {
          yield humanDuration(Duration.between(OffsetDateTime.parse(text).toInstant(), now));
        } catch (DateTimeParseException e) {
          yield "<invalid>";
        }
      }
      case "string" -> value instanceof String ? value : Serialization.asJson(value);
      default -> value;
    };
  }

  /** apimachinery's {@code duration.HumanDuration}, as kubectl shows ages. */
  public static String humanDuration(Duration d) {
    long seconds = d.getSeconds();
    if (seconds < -1) {
      return "<invalid>";
    } else if (seconds < 0) {
      return "0s";
    } else if (seconds < 60 * 2) {
      return seconds + "s";
    }
    long minutes = d.toMinutes();
    if (minutes < 10) {
      long s = seconds % 60;
      return s == 0 ? minutes + "m" : minutes + "m" + s + "s";
    } else if (minutes < 60 * 3) {
      return minutes + "m";
    }
    long hours = d.toHours();
    if (hours < 8) {
      long m = minutes % 60;
      return m == 0 ? hours + "h" : hours + "h" + m + "m";
    } else if (hours < 48) {
      return hours + "h";
    } else if (hours < 24 * 8) {
      long h = hours % 24;
      return h == 0 ? hours / 24 + "d" : hours / 24 + "d" + h + "h";
    } else if (hours < 24 * 365 * 2) {
      return hours / 24 + "d";
    } else if (hours < 24 * 365 * 8) {
      long dy = (hours / 24) % 365;
      return dy == 0 ? hours / 24 / 365 + "y" : hours / 24 / 365 + "y" + dy + "d";
    }
    return hours / 24 / 365 + "y";
  }
}
