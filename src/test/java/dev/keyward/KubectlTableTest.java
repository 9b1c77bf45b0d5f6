package dev.keyward;

import static dev.keyward.testing.TestApiKeys.apiKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyward.apikey.ApiKey;
import dev.keyward.testing.OperatorHarness;
import dev.keyward.testing.ServerTable;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinitionBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What {@code kubectl get ak} prints, read from the API server's {@code Table} answer (the cells
 * kubectl lays out): the expiry as the time a person reads, past times as ages. On the mock, which
 * answers no Table, {@link ServerTable} renders it with the API server's rules.
 */
class KubectlTableTest {

  @RegisterExtension final OperatorHarness kw = new OperatorHarness();

  static boolean active(ApiKey k) {
    return k.getStatus() != null && "Active".equals(k.getStatus().getPhase());
  }

  @Test
  void expiresShowsTheTimeOfExpiryAndLastUsedAnAge() throws Exception {
    kw.create(apiKey("research-agent", s -> s.setType("Agent")));
    kw.create(apiKey("forever", s -> {}));
    ApiKey agent = kw.awaitApiKey("research-agent", KubectlTableTest::active);
    kw.awaitApiKey("forever", KubectlTableTest::active);
    // A use five minutes ago, written the way the verifier writes it.
    String used = Instant.now().minus(Duration.ofMinutes(5)).truncatedTo(ChronoUnit.SECONDS) + "";
    kw.apiKeys()
        .inNamespace(kw.namespace())
        .withName("research-agent")
        .subresource("status")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"status\":{\"keyLastUsedAt\":\"" + used + "\",\"lastUsedAt\":\"" + used + "\"}}");
    kw.awaitApiKey("research-agent", k -> used.equals(k.getStatus().getLastUsedAt()));

    ServerTable.Table table =
        ServerTable.get(kw.admin(), "keyward.dev", "v1alpha1", "apikeys", kw.namespace());

    assertThat(table.columns())
        .containsExactly(
            "Name",
            "Display name",
            "Type",
            "Status",
            "Key",
            "Expires",
            "Last Used",
            "Created By",
            "Age");
    Object expires = table.cell("research-agent", "Expires");
    assertThat(expires)
        .as("the time of expiry as written, not an age kubectl cannot show")
        .isEqualTo(agent.getStatus().getExpiresAt())
        .isNotEqualTo("<invalid>");
    assertThat(OffsetDateTime.parse((String) expires).toInstant())
        .isAfter(Instant.now().plus(Duration.ofDays(89)));
    assertThat(table.cell("forever", "Expires")).as("a key that never expires").isNull();
    assertThat((String) table.cell("research-agent", "Last Used")).matches("5m([0-9]+s)?");
    assertThat(table.cell("forever", "Last Used")).isNull();
    assertThat(table.cell("research-agent", "Status")).isEqualTo("Active");
    assertThat(table.cell("research-agent", "Type")).isEqualTo("Agent");
    assertThat((String) table.cell("research-agent", "Key")).startsWith("kwa_").contains("…");
    assertThat((String) table.cell("research-agent", "Age")).matches("[0-9]+s|[0-9]+m([0-9]+s)?");
  }

  @Test
  void aDateColumnShowsAFutureTimeAsInvalidWhichIsWhyExpiresIsAString() {
    Instant now = Instant.parse("2026-12-07T00:00:00Z");
    Map<String, Object> key =
        Map.of(
            "metadata",
            Map.of("name", "try-rotation"),
            "status",
            Map.of("expiresAt", "2027-03-07T00:00:00Z", "lastUsedAt", "2026-12-06T23:55:00Z"));
    var asDate =
        new CustomResourceColumnDefinitionBuilder()
            .withName("Expires")
            .withType("date")
            .withJsonPath(".status.expiresAt")
            .build();
    var asString =
        new CustomResourceColumnDefinitionBuilder()
            .withName("Expires")
            .withType("string")
            .withJsonPath(".status.expiresAt")
            .build();
    var lastUsed =
        new CustomResourceColumnDefinitionBuilder()
            .withName("Last Used")
            .withType("date")
            .withJsonPath(".status.lastUsedAt")
            .build();

    assertThat(
            ServerTable.render(List.of(asDate), List.of(key), now).cell("try-rotation", "Expires"))
        .isEqualTo("<invalid>");
    assertThat(
            ServerTable.render(List.of(asString, lastUsed), List.of(key), now)
                .rows()
                .get("try-rotation"))
        .containsExactly("try-rotation", "2027-03-07T00:00:00Z", "5m");
  }

  @Test
  void agesAreShownTheWayKubectlShowsThem() {
    assertThat(ServerTable.humanDuration(Duration.ofSeconds(-5))).isEqualTo("<invalid>");
    assertThat(ServerTable.humanDuration(Duration.ofSeconds(-1))).isEqualTo("0s");
    assertThat(ServerTable.humanDuration(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThat(ServerTable.humanDuration(Duration.ofSeconds(5 * 60 + 7))).isEqualTo("5m7s");
    assertThat(ServerTable.humanDuration(Duration.ofMinutes(42))).isEqualTo("42m");
    assertThat(ServerTable.humanDuration(Duration.ofMinutes(5 * 60 + 30))).isEqualTo("5h30m");
    assertThat(ServerTable.humanDuration(Duration.ofHours(26))).isEqualTo("26h");
    assertThat(ServerTable.humanDuration(Duration.ofHours(3 * 24 + 2))).isEqualTo("3d2h");
    assertThat(ServerTable.humanDuration(Duration.ofDays(90))).isEqualTo("90d");
    assertThat(ServerTable.humanDuration(Duration.ofDays(3 * 365 + 10))).isEqualTo("3y10d");
  }
}
